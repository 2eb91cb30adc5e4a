"""Fusing several retrievers' score arrays into one ranking.

Two strategies: a normalised weighted sum (each array scaled to [0, 1] by its maximum, then
weighted) and reciprocal-rank fusion. Both return the fused array plus each retriever's
normalised contribution, so every candidate can explain its score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from .base import Retriever, Scores, normalise

__all__ = ["FusionResult", "fuse", "top_k"]

FusionMethod = Literal["weighted", "rrf"]

RRF_K = 60.0
"""Reciprocal-rank fusion's damping constant (Cormack et al. 2009 found 60 robust)."""


class FusionResult:
    """A fused ranking and its per-retriever parts.

    Attributes:
        scores: Fused float32 score per corpus row.
        parts: Retriever name -> its weighted contribution per row.
        prior: The query-independent multiplier applied to all of them, if any.
    """

    def __init__(self, scores: Scores, parts: dict[str, Scores]) -> None:
        self.scores = scores
        self.parts = parts
        self.prior: Scores | None = None

    def apply_prior(self, prior: Scores) -> None:
        """Multiply every row's score (and its parts) by a query-independent prior."""
        self.scores = self.scores * prior
        self.parts = {k: v * prior for k, v in self.parts.items()}
        self.prior = prior

    def breakdown(self, row: int) -> dict[str, float]:
        """Each retriever's contribution to row ``row`` (zeros omitted).

        The contributions sum to the row's score; a ``prior`` entry, when not 1, is the
        multiplier already applied to them.
        """
        out = {k: round(float(v[row]), 6) for k, v in sorted(self.parts.items()) if v[row] > 0}
        if self.prior is not None and self.prior[row] != 1.0:
            out["prior"] = round(float(self.prior[row]), 6)
        return out


def fuse(
    retrievers: Sequence[Retriever],
    query: str,
    n_rows: int,
    *,
    weights: Mapping[str, float] | None = None,
    method: FusionMethod = "weighted",
) -> FusionResult:
    """Score ``query`` with every retriever and fuse the results.

    Args:
        retrievers: Fitted retrievers.
        query: The query text.
        n_rows: Corpus size (every array must have this length).
        weights: Per-retriever weight by name (default 1.0).
        method: ``"weighted"`` (normalised weighted sum) or ``"rrf"``.
    """
    weights = weights or {}
    total = np.zeros(n_rows, dtype=np.float32)
    parts: dict[str, Scores] = {}
    for r in retrievers:
        w = float(weights.get(r.name, 1.0))
        if w == 0.0:
            continue
        raw = np.asarray(r.score(query), dtype=np.float32)
        if raw.shape != (n_rows,):
            raise ValueError(f"retriever {r.name!r} returned shape {raw.shape}, want ({n_rows},)")
        if method == "rrf":
            part = np.zeros(n_rows, dtype=np.float32)
            hit = np.flatnonzero(raw > 0)
            order = hit[np.lexsort((hit, -raw[hit]))]
            part[order] = w / (RRF_K + np.arange(1, len(order) + 1, dtype=np.float32))
        else:
            part = w * normalise(raw)
        parts[r.name] = part
        total += part
    return FusionResult(total, parts)


def top_k(scores: Scores, k: int) -> np.ndarray:
    """Indices of the ``k`` best rows, best first; ties broken by row (argpartition)."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, n)
    if k < n:
        idx = np.argpartition(-scores, k - 1)[:k]
        # Rows tied with the k-th score may sit outside the partition; include them all so
        # the tie-break below (by row) is deterministic whatever argpartition chose.
        kth = scores[idx].min()
        idx = np.union1d(idx, np.flatnonzero(scores >= kth))
    else:
        idx = np.arange(n)
    order = np.lexsort((idx, -scores[idx]))
    return idx[order][:k].astype(np.int64)
