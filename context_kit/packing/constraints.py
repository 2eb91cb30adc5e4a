"""Constraints on a pack: overlaps, per-kind shares, and dependencies between slices.

* **Overlaps.** Two candidates of the same file whose line ranges intersect (a method
  inside a packed class, two windows over the same lines) are never both packed: the
  solver runs, every packed pair that clashes loses its less valuable member, and the
  solver runs again without the losers until nothing clashes.
* **Shares.** ``{"commit": (0.1, 0.3)}`` keeps a kind's tokens between 10% and 30% of the
  budget. The unconstrained solution says how much each kind *wants*; each constrained
  kind gets that amount clamped into its range and is solved alone within it, the rest of
  the kinds share what is left, and any leftover tops the constrained kinds up to their
  maxima. A minimum is met whenever the kind has enough candidates to reach it.
* **Dependencies** (resolved in :mod:`.packer`): a method needs its class header, a later
  part of a split function needs its first part, a diff needs its commit header. Each
  candidate's prices include its dependencies' *anchor* rung (a class's signature line),
  so the budget is reserved before the solver chooses; after solving, any dependency
  that is not packed on its own is packed at its anchor rung from that reserve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import OptionError
from .solver import solve_table

__all__ = ["KINDS", "choose", "dependency_chains", "overlap_pairs", "share_tokens"]

KINDS = ("code", "commit", "doc")
"""Slice kinds a share can name."""

_FLOOR_TRIES = 8
"""Re-solves allowed to widen a kind's capacity until its minimum share is met."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Span = tuple[str | None, int | None, int | None]


def share_tokens(
    shares: Mapping[str, tuple[float, float]] | None, budget: int
) -> dict[str, tuple[int, int]]:
    """Validate ``{kind: (min_fraction, max_fraction)}`` and turn it into token bounds.

    Raises:
        OptionError: Unknown kind, a fraction outside ``[0, 1]``, a minimum above its
            maximum, or minima that add up to more than the whole budget.
    """
    if not shares:
        return {}
    out: dict[str, tuple[int, int]] = {}
    total_min = 0.0
    for kind, bounds in sorted(shares.items()):
        if kind not in KINDS:
            raise OptionError(
                f"shares: unknown kind {kind!r}; use one of {', '.join(KINDS)}", name="shares"
            )
        try:
            lo, hi = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise OptionError(
                f"shares[{kind!r}] must be a (min, max) pair of fractions, got {bounds!r}",
                name="shares",
            ) from None
        if not (0.0 <= lo <= hi <= 1.0):
            raise OptionError(
                f"shares[{kind!r}] = ({lo}, {hi}) needs 0 <= min <= max <= 1", name="shares"
            )
        total_min += lo
        out[kind] = (math.ceil(lo * budget), math.floor(hi * budget))
    if total_min > 1.0:
        raise OptionError(
            f"shares: the minima add up to {total_min:.0%} of the budget; lower them",
            name="shares",
        )
    return out


def overlap_pairs(spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of spans in the same file with shared lines.

    Spans without a path or lines (commits) never overlap anything.
    """
    by_path: dict[str, list[tuple[int, int, int]]] = {}
    for i, (path, a, b) in enumerate(spans):
        if path is not None and a is not None and b is not None:
            by_path.setdefault(path, []).append((a, b, i))
    pairs: list[tuple[int, int]] = []
    for items in by_path.values():
        items.sort()
        active: list[tuple[int, int]] = []  # (end, index) of spans still open
        for a, b, i in items:
            active = [(e, j) for e, j in active if e >= a]
            pairs.extend((min(i, j), max(i, j)) for _, j in active)
            active.append((b, i))
    pairs.sort()
    return pairs


def dependency_chains(requires: Sequence[int | None]) -> list[list[int]]:
    """Per candidate, the candidates it needs, nearest first, following ``requires``.

    Cycles and self-references are cut where they close.
    """
    chains: list[list[int]] = []
    for i, first in enumerate(requires):
        chain: list[int] = []
        seen = {i}
        d = first
        while d is not None and d not in seen:
            chain.append(d)
            seen.add(d)
            d = requires[d]
        chains.append(chain)
    return chains


def _kind_solve(
    cost: IntArray,
    value: FloatArray,
    rows: IntArray,
    capacity: int,
    choice: IntArray,
) -> int:
    """Solve the sub-problem of ``rows`` into ``choice`` in place; returns its cost."""
    if len(rows) == 0 or capacity < 0:
        return 0
    sol = solve_table(cost[rows], value[rows], capacity)
    choice[rows] = sol.choice
    return sol.cost


def _used(cost: IntArray, choice: IntArray, rows: IntArray) -> int:
    picked = rows[choice[rows] >= 0]
    return int(cost[picked, choice[picked]].sum())


def _solve_shares(
    cost: IntArray,
    value: FloatArray,
    kinds: Sequence[str],
    capacity: int,
    bounds: Mapping[str, tuple[int, int]],
    fixed: Mapping[str, int],
) -> IntArray:
    whole = solve_table(cost, value, capacity).choice
    if not bounds:
        return whole
    kind_arr = np.asarray(kinds, dtype=object)
    rows_of = {k: np.flatnonzero(kind_arr == k) for k in KINDS}
    used = {k: _used(cost, whole, rows_of[k]) + fixed.get(k, 0) for k in KINDS}
    if all(lo <= used[k] <= hi for k, (lo, hi) in bounds.items()):
        return whole
    choice = np.full(len(kinds), -1, dtype=np.int64)
    left = capacity
    for k, (lo, hi) in sorted(bounds.items()):
        have = fixed.get(k, 0)
        top = min(hi - have, left)
        cap = min(max(min(max(used[k], lo), hi) - have, 0), left)
        spent = _kind_solve(cost, value, rows_of[k], cap, choice)
        # Lumpy costs can leave a solution short of its minimum even with exactly the
        # minimum's capacity: widen the capacity towards the maximum until it is met.
        for _ in range(_FLOOR_TRIES):
            if spent + have >= lo or cap >= top:
                break
            cap = min(top, cap + 2 * (lo - have - spent))
            spent = _kind_solve(cost, value, rows_of[k], cap, choice)
        left -= spent
    free = np.flatnonzero(~np.isin(kind_arr, list(bounds)))
    left -= _kind_solve(cost, value, free, left, choice)
    for k, (_, hi) in sorted(bounds.items()):
        have = _used(cost, choice, rows_of[k])
        room = min(hi - fixed.get(k, 0) - have, left)
        if room > 0:
            left += have
            left -= _kind_solve(cost, value, rows_of[k], have + room, choice)
    return choice


def choose(
    cost: IntArray,
    value: FloatArray,
    kinds: Sequence[str],
    capacity: int,
    *,
    bounds: Mapping[str, tuple[int, int]] | None = None,
    fixed: Mapping[str, int] | None = None,
    conflicts: Sequence[tuple[int, int]] = (),
) -> tuple[IntArray, dict[int, int]]:
    """Solve under shares and overlaps.

    Args:
        cost: ``(n, rungs)`` costs (``-1`` for absent rungs).
        value: ``(n, rungs)`` values.
        kinds: Kind of each candidate.
        capacity: Tokens available.
        bounds: Token bounds per kind (from :func:`share_tokens`).
        fixed: Tokens per kind already spent outside this choice (pinned items).
        conflicts: Pairs that cannot both be chosen (from :func:`overlap_pairs`).

    Returns:
        The choice per candidate and, for each candidate left out because of an overlap,
        the candidate it lost to.
    """
    bounds = bounds or {}
    fixed = fixed or {}
    excluded: dict[int, int] = {}
    while True:
        masked = cost.copy()
        if excluded:
            masked[list(excluded)] = -1
        choice = _solve_shares(masked, value, kinds, capacity, bounds, fixed)
        clash = [(a, b) for a, b in conflicts if choice[a] >= 0 and choice[b] >= 0]
        if not clash:
            return choice, excluded
        for a, b in clash:
            if a in excluded or b in excluded:
                continue
            va, vb = value[a, choice[a]], value[b, choice[b]]
            # The less valuable one loses; on a tie, the later-ranked one.
            loser, winner = (a, b) if va < vb else (b, a)
            excluded[loser] = winner
