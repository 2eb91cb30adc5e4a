"""Link propagation: a hit on a spec section lifts the code it names, and vice versa.

Why a post-fusion step and not a retriever: a :class:`~context_kit.retrievers.Retriever`
sees only the query, so a retriever that propagated along links would need its own seed
ranking (a second BM25), and would ignore what the fuzzy, graph or embedding retrievers
found. Propagating the *fused* scores uses all the evidence at once and costs one pass over
the edges. :class:`LinkPropagation` still follows the estimator rules (keyword parameters
stored as given, ``fit(corpus)`` returns ``self``, fitted state ends in ``_``), and its
contribution appears in every score breakdown as ``"links"`` with a fusion weight of that
name (``weights={"links": 0}`` turns it off).

The boost one row receives is ``weight * max over linked rows (seed * edge) / max(seed)``:
one hop, both directions, the best neighbour only. Two guards keep hubs from flooding a
pack — a changelog that names a hundred functions, or a function half the docs mention:

* only the best hits seed propagation (``seed >= seed_fraction * max(seed)``);
* an edge touching a row with more than ``hub_degree`` links is damped by
  ``sqrt(hub_degree / degree)`` at each such end.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from .._link_index import LinkIndex
from ..links import FUZZY_LINK_CUTOFF, MAX_LINK_TARGETS, Links
from .base import Corpus, Scores
from .fusion import FusionResult

__all__ = ["LinkPropagation"]


class LinkPropagation:
    """Boosts slices linked to the query's best hits (section↔code edges).

    Args:
        fuzzy_cutoff: Minimum rapidfuzz ratio for a near-miss name to link (see
            :func:`~context_kit.links.build_links`).
        max_targets: Names defined in more places than this do not link.
        mention_weight: Multiplier on the boost of a section whose requirement id the query
            quotes (``"implement REQ-12"``); the section then also seeds propagation as if
            it were the best hit.
        seed_fraction: Rows scoring below this fraction of the best score do not propagate.
        hub_degree: Rows with more links than this pass on (and receive) damped boosts.
    """

    name = "links"

    def __init__(
        self,
        *,
        fuzzy_cutoff: float = FUZZY_LINK_CUTOFF,
        max_targets: int = MAX_LINK_TARGETS,
        mention_weight: float = 1.0,
        seed_fraction: float = 0.5,
        hub_degree: int = 8,
    ) -> None:
        self.fuzzy_cutoff = fuzzy_cutoff
        self.max_targets = max_targets
        self.mention_weight = mention_weight
        self.seed_fraction = seed_fraction
        self.hub_degree = hub_degree

    def fit(self, corpus: Corpus) -> LinkPropagation:
        """Build (or reuse ``corpus.extras["links"]``) the corpus's section↔code edges."""
        links = corpus.extras.get("links")
        self.index_: LinkIndex | None = None
        if not isinstance(links, Links) or links.n_rows != len(corpus):
            self.index_ = LinkIndex(
                corpus.slices,
                fuzzy_cutoff=self.fuzzy_cutoff,
                max_targets=self.max_targets,
                workers=corpus.workers,
            )
            links = self.index_.links()
            corpus.extras["links"] = links
        self._use(links, len(corpus))
        return self

    def refit(
        self, corpus: Corpus, previous_rows: npt.NDArray[np.int64], previous: Corpus
    ) -> LinkPropagation:
        """Follow a changed corpus, re-reading only the slices that left and joined it.

        Gives the edges of ``fit(corpus)`` (see :class:`~context_kit._link_index.LinkIndex`).

        Args:
            corpus: The new corpus.
            previous_rows: For each row of ``corpus``, its row in ``previous`` or ``-1``.
            previous: The corpus of the previous fit or refit.
        """
        if getattr(self, "index_", None) is None:
            return self.fit(corpus)
        assert self.index_ is not None
        self.index_.update(corpus.slices, previous_rows)
        links = self.index_.links()
        corpus.extras["links"] = links
        self._use(links, len(corpus))
        return self

    def _reattach(self, corpus: Corpus) -> None:
        """After loading a pickled fit: take ``corpus``'s slices back (see ``_fit_cache``).

        Raises:
            ValueError: The state was fitted on other slices, or on links given in the
                corpus's extras (which a cache cannot vouch for).
        """
        if self.index_ is None:
            raise ValueError("fitted on given links")
        self.index_.reattach(corpus.slices)
        corpus.extras["links"] = self.links_

    def _use(self, links: Links, n: int) -> None:
        """Derive the propagation arrays and the requirement-id pattern from ``links``."""
        self.links_ = links
        docs, codes, weights = links.arrays()
        degree = np.bincount(docs, minlength=n) + np.bincount(codes, minlength=n)
        hub = np.minimum(1.0, np.sqrt(self.hub_degree / np.maximum(degree, 1)))
        self.edges_ = (docs, codes, (weights * hub[docs] * hub[codes]).astype(np.float32))
        ids = sorted(links.requirement_rows, key=lambda r: (-len(r), r))
        self.id_pattern_ = (
            re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-]|\.\d)")
            if ids
            else None
        )
        self.n_ = n

    def propagate(self, seed: Scores) -> Scores:
        """Each row's best linked neighbour's ``seed`` times the edge weight."""
        out = np.zeros(self.n_, dtype=np.float32)
        docs, codes, weights = self.edges_
        if len(docs):
            np.maximum.at(out, codes, seed[docs] * weights)
            np.maximum.at(out, docs, seed[codes] * weights)
        return out

    def mentioned_rows(self, query: str) -> list[int]:
        """Rows of the sections defining requirement ids the query quotes."""
        if self.id_pattern_ is None:
            return []
        rows: dict[int, None] = {}
        for m in self.id_pattern_.finditer(query.upper()):
            rows.update(dict.fromkeys(self.links_.requirement_rows[m.group(1)]))
        return sorted(rows)

    def apply(self, fused: FusionResult, *, weight: float, query: str = "") -> FusionResult:
        """Fused scores plus a ``"links"`` part: propagation from the best hits.

        Args:
            fused: The other retrievers' fused ranking.
            weight: The boost a row linked with weight 1 to the top hit receives.
            query: The query, for requirement ids it quotes.

        Returns:
            A new result; ``fused`` is left unchanged.
        """
        seed = fused.scores.astype(np.float32, copy=True)
        top = float(seed.max()) if seed.size else 0.0
        mentioned = self.mentioned_rows(query) if query else []
        if mentioned:
            seed[mentioned] = max(top, 1.0)
        ref = float(seed.max()) if seed.size else 0.0
        if ref <= 0.0:
            return fused
        seed[seed < self.seed_fraction * ref] = 0.0
        part = (weight * self.propagate(seed) / ref).astype(np.float32)
        if mentioned:
            part[mentioned] += weight * self.mention_weight
        if not part.any():
            return fused
        parts = dict(fused.parts)
        parts[self.name] = part
        return FusionResult(fused.scores + part, parts)
