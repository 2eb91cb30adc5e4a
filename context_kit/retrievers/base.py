"""The retriever plug-in point: a corpus, a protocol, and a registry by name.

A retriever follows scikit-learn's estimator rules: every weight is a keyword argument
stored as given, ``__init__`` does no work, ``fit(corpus)`` returns ``self`` and fitted
state ends in ``_``. ``score(query)`` returns one float32 per corpus row — the one score
shape fusion understands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..errors import OptionError
from ..types import Slice

__all__ = [
    "ENTRY_POINT_GROUP",
    "CeilingRetriever",
    "Corpus",
    "Retriever",
    "get_retriever",
    "register_retriever",
    "registered_retrievers",
]

ENTRY_POINT_GROUP = "context_kit.retrievers"
"""Entry-point group third-party packages use to register retrievers by name."""

Scores = npt.NDArray[np.float32]


@dataclass
class Corpus:
    """The slices of an index, in row order, with shared derived views.

    Attributes:
        slices: The slices; row ``i`` of every score array refers to ``slices[i]``.
        extras: Anything sources want to share with retrievers (for example git history
            statistics under ``"history"``), keyed by name.
        workers: Processes a retriever may use for a large fit (``1``: this process
            only). A hint, not part of the corpus's content: a fit must give the same
            state whatever it is.
    """

    slices: Sequence[Slice]
    extras: dict[str, object] = field(default_factory=dict)
    workers: int = 1

    def __len__(self) -> int:
        return len(self.slices)

    def preset(self, **views: object) -> None:
        """Supply derived views already known (``file_ids=...``) instead of computing them.

        An update that moved whole files knows each row's file number without a pass
        over every slice; the caller vouches that each value equals what the view computes.
        """
        unknown = set(views) - {"paths", "file_ids", "file_rows", "file_header_rows"}
        if unknown:
            raise OptionError(f"no derived view named {sorted(unknown)}", name="preset")
        vars(self).update(views)

    @cached_property
    def paths(self) -> list[str]:
        """Each row's path (``""`` for rows without one)."""
        return [s.path or "" for s in self.slices]

    @cached_property
    def file_ids(self) -> npt.NDArray[np.int64]:
        """Each row's file number (files in path order), ``-1`` for rows without a file."""
        ids = {p: i for i, p in enumerate(sorted(set(self.paths) - {""}))}
        return np.asarray([ids.get(p, -1) for p in self.paths], dtype=np.int64)

    @cached_property
    def file_rows(self) -> Mapping[str, npt.NDArray[np.int64]]:
        """Rows of each file, in line order."""
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(self.slices):
            if s.path:
                groups.setdefault(s.path, []).append(i)
        return {p: np.asarray(rows, dtype=np.int64) for p, rows in groups.items()}

    @cached_property
    def file_header_rows(self) -> npt.NDArray[np.int64]:
        """Each code file's first module-level slice: its imports and top-level names.

        A file whose first module slice holds only comments has none (see
        :func:`comments_only`).
        """
        # One pass over the slices (the first query after every update asks for this).
        first: dict[str, tuple[int, int]] = {}  # path -> (start line, row)
        for i, s in enumerate(self.slices):
            if s.symbol_kind == "module" and s.kind == "code" and s.path:
                line = s.start_line or 0
                seen = first.get(s.path)
                if seen is None or line < seen[0]:
                    first[s.path] = (line, i)
        rows = sorted(row for _, row in first.values() if not comments_only(self.slices[row]))
        return np.asarray(rows, dtype=np.int64)


# Line comments, and the lines inside and closing a block comment, by language. Only
# languages where such a line can be nothing else: ``#`` starts a C directive or a Rust
# attribute, so C-family languages take ``//`` and ``/* */`` only.
_HASH = ("#",)
_SLASHES = ("//", "/*", "*")
_C_LIKE = (
    "c", "cpp", "c_sharp", "java", "javascript", "typescript", "tsx", "go", "rust", "kotlin",
    "swift", "scala", "dart",
)  # fmt: skip
_COMMENT_STARTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("python", "ruby", "bash", "perl", "r", "julia", "elixir"), _HASH),
    **dict.fromkeys(_C_LIKE, _SLASHES),
    "php": (*_SLASHES, "<?php"),
    **dict.fromkeys(("lua", "haskell", "sql"), ("--",)),
    "hcl": (*_HASH, *_SLASHES),
}


def comments_only(s: Slice) -> bool:
    """Whether a code slice holds only comments and blank lines, in its language's syntax.

    A file's header is lifted beside the file's best slice so the imports and top-level
    names a change may touch are in view; a header of comments alone (a licence banner,
    Ruby's ``# frozen_string_literal: true``, an encoding line) has none, and lifting it
    cost a mention of ~20 tokens per file packed. ``False`` for languages not listed.
    """
    starts = _COMMENT_STARTS.get(s.language or "")
    if starts is None:
        return False
    return all(not line.strip() or line.lstrip().startswith(starts) for line in s.text.split("\n"))


@runtime_checkable
class Retriever(Protocol):
    """Scores every corpus row for a query.

    Attributes:
        name: Short name, used in score breakdowns and fusion weights.
    """

    name: str

    def fit(self, corpus: Corpus) -> Retriever:
        """Learn whatever the retriever needs from the corpus; return ``self``."""
        ...

    def score(self, query: str) -> Scores:
        """One non-negative float32 per corpus row; higher is more relevant."""
        ...


@runtime_checkable
class CeilingRetriever(Protocol):
    """A retriever whose scores have a fixed scale, so a weak match can say it is weak.

    Weighted fusion scales each retriever's scores by their maximum, which turns a query's
    best match into a full-strength one however weak it is. A retriever that also defines
    ``score_with_ceiling`` is scaled by the larger of its maximum and the ceiling it
    returns: the score the query's best match would have had at full strength.
    ``FuzzyRetriever`` uses it so that a query mentioning only common names (``get()``)
    does not weigh them as if it had named one function.
    """

    def score_with_ceiling(self, query: str) -> tuple[Scores, float]:
        """The scores of :meth:`Retriever.score` and this query's ceiling (>= their maximum)."""
        ...


_REGISTRY: dict[str, Callable[..., Retriever]] = {}


def register_retriever(name: str, factory: Callable[..., Retriever]) -> None:
    """Register a retriever factory under ``name`` (overrides an earlier one)."""
    _REGISTRY[name] = factory


def registered_retrievers() -> list[str]:
    """Names of built-in, registered and entry-point retrievers."""
    names = set(_REGISTRY)
    names.update(ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def get_retriever(name: str, **params: object) -> Retriever:
    """Instantiate a retriever by name.

    Args:
        name: A registered name, or an entry point in the ``context_kit.retrievers`` group.
        **params: Keyword arguments for its constructor.

    Raises:
        OptionError: No retriever has that name.
    """
    factory = _REGISTRY.get(name)
    if factory is None:
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == name:
                factory = ep.load()
                break
    if factory is None:
        raise OptionError(
            f"unknown retriever {name!r}; known: {', '.join(registered_retrievers())}",
            name=name,
        )
    return factory(**params)


def normalise(scores: npt.NDArray[np.floating[Any]], ceiling: float = 0.0) -> Scores:
    """Scale non-negative scores into [0, 1] by their maximum (all-zero stays zero).

    With a ``ceiling`` above the maximum, by the ceiling instead: the scores of a
    :class:`CeilingRetriever` whose matches were all weak stay below 1.
    """
    top = max(float(scores.max()) if scores.size else 0.0, ceiling)
    if top <= 0.0:
        return np.zeros(scores.shape, dtype=np.float32)
    return (scores / top).astype(np.float32, copy=False)
