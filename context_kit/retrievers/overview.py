"""What to read first when there is no query: the overview a query-less pack is made of.

``Index.pack(budget=4000)`` without a query (or with a blank one) packs an overview of the
repository instead of nothing: the top of its README, then the code the rest of the code
leans on. Like a maintainer's tour, it starts with what the project says about itself and
the types and functions everything else uses.

How slices are scored:

* **Centrality.** A PageRank walk over the symbol graph of
  :class:`~context_kit.retrievers.graph.GraphPropagation` (a slice points at the slices
  defining the names it uses, and back at a lower weight), teleporting uniformly: a
  slice scores by how much code reaches it. The textbook damping of 0.85, not the graph
  step's 0.5, because here the walk should travel the whole repository rather than stay
  near seeds.
* **Members count towards their class.** A method scores nothing itself, and its class
  header (in the same file, else the one header of that name in the repository) gains
  :data:`MEMBER_SHARE` of the method's centrality: the class is what an
  overview shows (as its header, or its member signatures), and bare method names
  (``get``, ``items``) collect every call of a same-named method of a dict or a list,
  so ranked on their own they would fill the overview with accessors.
* **Public before private.** Private code keeps :data:`PRIVATE_SHARE` of its score: an
  overview is for a reader of the interface first. Private is a name or a path component
  with a leading underscore (``_helper``, ``pkg/_impl.py``; not ``__init__``), a Go name
  that starts in lower case (unexported; ``main`` excepted), and a declaration whose
  signature says ``private`` or ``fileprivate`` (Java, Kotlin, C#, Swift, PHP, Scala...).
* **The README leads.** Sections of a README at the repository's root score the best
  code score, each further section :data:`README_DECAY` of the one before it.
* Later parts of a split function and runs of module lines score nothing; the index lifts
  each file's header afterwards, as for any query (see ``DEFAULT_WEIGHTS["file_header"]``).

The index then applies what it applies to any query's scores, some of it harder: links
from document sections to the code they name; the priors squared
(:data:`OVERVIEW_PRIOR_POWER`: tests 0.25, examples and documents other than the root
README 0.36), because a reader starts from the library, not its tests; a per-file
damping (:data:`OVERVIEW_DIVERSITY`), so the overview spans the repository's main files
rather than the one with the most classes; and a flatter knapsack
(:data:`OVERVIEW_RELEVANCE_POWER`), so the budget goes to many signatures and headers
rather than a few files in full.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from ..types import Slice
from .base import Corpus, normalise
from .graph import GraphPropagation

__all__ = [
    "MEMBER_SHARE",
    "OVERVIEW_DIVERSITY",
    "OVERVIEW_PRIOR_POWER",
    "OVERVIEW_RELEVANCE_POWER",
    "PRIVATE_SHARE",
    "README_DECAY",
    "Overview",
]

MEMBER_SHARE = 0.5
"""Share of a member's centrality its class header gains."""

PRIVATE_SHARE = 0.3
"""Share of its score a private slice keeps (see the module docstring for what is private)."""

README_DECAY = 0.7
"""Score of each further root README section relative to the one before it."""

OVERVIEW_DIVERSITY = 0.7
"""Score kept by each further slice of a file already in the overview (see
``Index.pack``'s ``diversity``; used when the caller leaves it at its default)."""

OVERVIEW_PRIOR_POWER = 2.0
"""Exponent of the priors in an overview (the root README is exempt)."""

OVERVIEW_RELEVANCE_POWER = 2.0
"""``relevance_power`` of an overview's knapsack when the caller leaves it at its default
(queries use 4: see ``Index.pack``)."""


class Overview:
    """Query-independent scores for an overview of the corpus (see the module docstring).

    Args:
        damping: Probability that the walk follows an edge at each step.
        iterations: Power-iteration steps.
        member_share: See :data:`MEMBER_SHARE`.
        private_share: See :data:`PRIVATE_SHARE`.
        readme_decay: See :data:`README_DECAY`.
    """

    name = "overview"

    def __init__(
        self,
        *,
        damping: float = 0.85,
        iterations: int = 30,
        member_share: float = MEMBER_SHARE,
        private_share: float = PRIVATE_SHARE,
        readme_decay: float = README_DECAY,
    ) -> None:
        self.damping = damping
        self.iterations = iterations
        self.member_share = member_share
        self.private_share = private_share
        self.readme_decay = readme_decay

    def fit(self, corpus: Corpus) -> Overview:
        """Score every slice of ``corpus``.

        Sets ``scores_`` (float32, the best 1.0, or all zeros) and ``readme_rows_`` (the
        rows of the root README's sections, in file order).
        """
        slices = corpus.slices
        n = len(slices)
        rank = self.centrality(GraphPropagation().fit(corpus))
        out = np.zeros(n, dtype=np.float64)
        headers: dict[tuple[str | None, str], int] = {}
        by_name: dict[str, list[int]] = {}
        for i, s in enumerate(slices):
            if s.kind == "code" and s.parent is None and s.symbol_kind != "module":
                headers.setdefault((s.path, s.name), i)
                by_name.setdefault(s.name, []).append(i)
        for i, s in enumerate(slices):
            if s.kind != "code" or s.symbol_kind == "module":
                continue
            if s.part is not None and s.part[0] > 1:
                continue
            own = rank[i] * (self.private_share if _private(s) else 1.0)
            if s.parent is None:
                out[i] += own
                continue
            # ``Outer.Inner.method`` counts towards ``Outer``: the header an overview shows.
            outer = s.parent.split(".", 1)[0]
            owner = headers.get((s.path, outer))
            named = by_name.get(outer, [])
            if owner is None and len(named) == 1:
                # Declared in another file (a Go method beside its type's other methods,
                # a C++ method defined out of line): the one header of that name.
                owner = named[0]
            if owner is not None:
                out[owner] += self.member_share * own
        best = float(out.max()) if n else 0.0
        readme = [
            i
            for i, s in enumerate(slices)
            if s.kind == "doc"
            and s.path is not None
            and "/" not in s.path
            and s.path.lower().startswith("readme")
        ]
        # In file order: the README's first section is its introduction.
        readme.sort(key=lambda i: (slices[i].path or "", slices[i].start_line or 0))
        for k, i in enumerate(readme):
            out[i] = max(best, 1.0) * self.readme_decay**k
        self.readme_rows_ = np.asarray(readme, dtype=np.int64)
        self.scores_: npt.NDArray[np.float32] = normalise(out)
        return self

    def centrality(self, graph: GraphPropagation) -> npt.NDArray[np.float64]:
        """PageRank of every node of a fitted ``graph``, scaled so the mean is 1."""
        n = graph.n_
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        uniform = np.full(n, 1.0 / n)
        return graph.pagerank(uniform, damping=self.damping, iterations=self.iterations) * n


def _hidden(word: str) -> bool:
    return word.startswith("_") and not (word.startswith("__") and word.endswith("__"))


# A visibility keyword in a declaration's signature (not in a comment or an annotation).
_PRIVATE_WORD = re.compile(r"\b(?:private|fileprivate)\b")
_NOT_SIGNATURE = ("//", "/*", "*", "#", "@")


def _private(s: Slice) -> bool:
    """Whether a code slice is private by its name, its path or its signature."""
    name = s.name.rsplit(".", 1)[-1]
    if _hidden(name):
        return True
    if s.path is not None:
        *folders, file = s.path.split("/")
        if any(_hidden(f) for f in folders) or _hidden(file.split(".", 1)[0]):
            return True
    if s.language == "go":
        return name[:1].islower() and name != "main"
    lines = s.text.splitlines()
    if s.signature_end_line is not None and s.start_line is not None:
        lines = lines[: s.signature_end_line - s.start_line + 1]
    else:
        lines = lines[:1]
    return any(
        _PRIVATE_WORD.search(line) for line in lines if not line.lstrip().startswith(_NOT_SIGNATURE)
    )
