"""Fusing several retrievers' score arrays into one ranking.

Two strategies: a normalised weighted sum (each array scaled to [0, 1] by its maximum, then
weighted) and reciprocal-rank fusion. Both return the fused array plus each retriever's
normalised contribution, so every candidate can explain its score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from .base import CeilingRetriever, Retriever, Scores, normalise

__all__ = ["FusionResult", "diversify", "fuse", "top_k"]

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

    def add(self, name: str, raw: Scores, *, weight: float, method: FusionMethod) -> None:
        """Fuse one more score array as :func:`fuse` fuses a retriever's, as part ``name``."""
        part = _part(np.asarray(raw, dtype=np.float32), weight, method)
        self.parts[name] = part
        self.scores = self.scores + part

    def apply_prior(self, prior: Scores) -> None:
        """Multiply every row's score (and its parts) by a query-independent prior."""
        self.scores = self.scores * prior
        self.parts = {k: v * prior for k, v in self.parts.items()}
        self.prior = prior

    def diversify(self, groups: npt.NDArray[np.int64], *, decay: float, depth: int) -> None:
        """Apply :func:`diversify` to the scores, scaling every part by the same factor."""
        new = diversify(self.scores, groups, decay=decay, depth=depth)
        if new is self.scores:
            return
        factor = np.divide(new, self.scores, out=np.ones_like(new), where=self.scores > 0)
        self.scores = new
        self.parts = {k: (v * factor).astype(np.float32) for k, v in self.parts.items()}

    def lift_file_headers(
        self,
        file_ids: npt.NDArray[np.int64],
        header_rows: npt.NDArray[np.int64],
        *,
        share: float,
        name: str = "file_header",
    ) -> None:
        """Raise each file's header row to at least ``share`` x the file's best score.

        Code that changes in a file usually needs that file's imports and top-level names
        in view too; the gain is recorded as its own part (``name``) so a score breakdown
        shows why a header ranked where it did.

        Args:
            file_ids: File number per row (``-1`` for rows in no file).
            header_rows: The header row of each file (see ``Corpus.file_header_rows``).
            share: Fraction of the file's best score a header is lifted to; 0 is a no-op.
            name: Part name for the breakdown.
        """
        if share <= 0.0 or header_rows.size == 0 or self.scores.size == 0:
            return
        best = np.zeros(int(file_ids.max()) + 2, dtype=np.float32)
        np.maximum.at(best, file_ids + 1, self.scores)
        lifted = np.float32(share) * best[file_ids[header_rows] + 1]
        if not (lifted > self.scores[header_rows]).any():
            return
        # The lifted score is set, not added as a gain: score + (lifted - score) can
        # round above the file's best in float32.
        scores = self.scores.astype(np.float32, copy=True)
        scores[header_rows] = np.maximum(self.scores[header_rows], lifted)
        self.parts[name] = scores - self.scores
        self.scores = scores

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
        ceiling = 0.0
        if isinstance(r, CeilingRetriever):
            scored, ceiling = r.score_with_ceiling(query)
        else:
            scored = r.score(query)
        raw = np.asarray(scored, dtype=np.float32)
        if raw.shape != (n_rows,):
            raise ValueError(f"retriever {r.name!r} returned shape {raw.shape}, want ({n_rows},)")
        part = _part(raw, w, method, ceiling)
        parts[r.name] = part
        total += part
    return FusionResult(total, parts)


def _part(raw: Scores, weight: float, method: FusionMethod, ceiling: float = 0.0) -> Scores:
    """One score array's weighted contribution to a fusion.

    A weighted part is scaled by the larger of its maximum and ``ceiling`` (see
    :class:`~context_kit.retrievers.base.CeilingRetriever`).
    """
    if method == "rrf":
        part = np.zeros(len(raw), dtype=np.float32)
        hit = np.flatnonzero(raw > 0)
        order = hit[np.lexsort((hit, -raw[hit]))]
        part[order] = weight / (RRF_K + np.arange(1, len(order) + 1, dtype=np.float32))
        return part
    out: Scores = weight * normalise(raw, ceiling)
    return out


def top_k(scores: Scores, k: int) -> np.ndarray:
    """Indices of the ``k`` best rows, best first; ties broken by row (argpartition)."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, n)
    if k < n:
        idx = np.argpartition(-scores, k - 1)[:k]
        kth = scores[idx].min()
        if np.isnan(kth):
            idx = np.union1d(idx, np.flatnonzero(scores >= kth))
        else:
            # Which rows tied with the k-th score argpartition kept is arbitrary; the
            # tie-break is by row, so take every better row and then the first tied
            # rows. (Sorting all tied rows instead costs milliseconds when thousands of
            # rows tie, as zeros do.)
            above = np.flatnonzero(scores > kth)
            tied = np.flatnonzero(scores == kth)[: k - len(above)]
            idx = np.concatenate([above, tied])
    else:
        idx = np.arange(n)
    order = np.lexsort((idx, -scores[idx]))
    return idx[order][:k].astype(np.int64)


def diversify(scores: Scores, groups: npt.NDArray[np.int64], *, decay: float, depth: int) -> Scores:
    """Damp repeated hits from one group (file) so it cannot crowd out the rest.

    Among the ``depth`` best rows, the n-th best row of a group keeps ``decay ** (n - 1)``
    of its score (the best row of every group is untouched); rows outside the top are
    left as they are. ``decay=1`` is a no-op.

    Args:
        scores: Fused scores.
        groups: Group id per row (``-1`` for rows in no group: never damped).
        decay: Factor per earlier hit of the same group, in (0, 1].
        depth: How many of the best rows are considered.
    """
    if decay >= 1.0 or scores.size == 0:
        return scores
    rows = top_k(scores, depth)
    g = groups[rows]
    out: Scores = scores.copy()
    # Rank of each row within its group, in score order: stable sort by group keeps the
    # score order inside each group, so the position minus the group's first position
    # is the number of better rows from the same file.
    order = np.argsort(g, kind="stable")
    sorted_g = g[order]
    starts = np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(sorted_g)]))
    within = np.empty(len(rows), dtype=np.int64)
    within[order] = np.arange(len(rows)) - first
    factor = np.where(g >= 0, decay ** within.astype(np.float64), 1.0)
    out[rows] = (scores[rows] * factor).astype(np.float32)
    return out
