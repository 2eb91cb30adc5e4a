"""The packer's multiple-choice knapsack: LP greedy on convex hulls, exact DP on the core.

Choose at most one option (rung) per group (candidate) to maximise total value within a
capacity. Three vectorised stages, each over all groups at once:

1. **Hulls.** Per group, the upper convex hull of its ``(cost, value)`` options, walked
   from "nothing" by steepest slope — a few passes over an ``(n, rungs)`` array.
2. **LP greedy.** All hull steps sorted by value per token; the longest prefix that fits
   is the LP relaxation's integral part. The relaxation's value is an upper bound on the
   optimum (reported as :attr:`Solution.bound`), so ``value / bound`` is a certificate of
   how close to optimal a solution is, even when the optimum is unknown.
3. **Core DP.** Only groups whose hull steps sit near the break (the first step that does
   not fit) can change in an optimal solution of a large instance — the "core" of
   Pisinger's core algorithms. The ``core_groups`` groups nearest the break are released
   and re-solved *exactly* by dynamic programming over all their options with the
   capacity the fixed groups leave. Instances with at most ``core_groups`` groups are
   therefore solved exactly. When the core capacity exceeds ``grid_cells``, costs are
   coarsened conservatively (costs rounded up, capacity down) so every DP solution stays
   feasible, and a final fill pass spends the exact leftover.

The exhaustive reference in :mod:`.exact` is what the tests hold it against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_CORE_GROUPS",
    "DEFAULT_GRID_CELLS",
    "Solution",
    "options_table",
    "solve_mckp",
    "solve_table",
]

DEFAULT_CORE_GROUPS = 32
"""Groups re-solved exactly around the LP break. Measured (benchmarks/pack_speed.py): the
DP's cost grows linearly with it, and past ~48 groups the value/bound ratio on 5,000
candidates stops improving measurably."""

DEFAULT_GRID_CELLS = 4096
"""Most capacity cells the core DP uses; larger core capacities are coarsened to this."""

_MAX_FILL_ROUNDS = 256
"""Upgrade rounds of the final fill pass; each takes the single best upgrade that fits."""

_SLOPE_EPS = 1e-9
"""Stands in for a zero cost difference so an option that is free relative to the current
hull point has an (effectively) infinite slope instead of a division by zero."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Solution:
    """What the solver chose.

    Attributes:
        choice: Chosen option per group, ``-1`` for none.
        value: Total value of the choice.
        cost: Total cost of the choice (``<= capacity``).
        bound: Value of the LP relaxation: no choice can be worth more.
    """

    choice: IntArray
    value: float
    cost: int
    bound: float


def options_table(options: Sequence[Sequence[tuple[int, float]]]) -> tuple[IntArray, FloatArray]:
    """Pad per-group ``(cost, value)`` options into ``(n, rungs)`` arrays.

    Missing options get cost ``-1`` (the solver treats negative costs as absent).
    """
    width = max((len(o) for o in options), default=0)
    cost = np.full((len(options), max(width, 1)), -1, dtype=np.int64)
    value = np.zeros((len(options), max(width, 1)), dtype=np.float64)
    for g, opts in enumerate(options):
        for j, (c, v) in enumerate(opts):
            cost[g, j] = c
            value[g, j] = v
    return cost, value


def solve_mckp(
    options: Sequence[Sequence[tuple[int, float]]],
    capacity: int,
    *,
    core_groups: int = DEFAULT_CORE_GROUPS,
    grid_cells: int = DEFAULT_GRID_CELLS,
) -> Solution:
    """Choose at most one option per group within ``capacity`` (list-of-options form).

    Args:
        options: Per group, ``(cost, value)`` per option; costs are non-negative integers.
        capacity: Total cost allowed.
        core_groups: Groups re-solved exactly around the LP break.
        grid_cells: Most capacity cells of the core DP before costs are coarsened.

    Returns:
        The choice, its value and cost, and the LP upper bound.

    >>> solve_mckp([[(10, 1.0), (3, 0.4)], [(8, 0.9)]], 12).choice.tolist()
    [1, 0]
    """
    cost, value = options_table(options)
    return solve_table(cost, value, capacity, core_groups=core_groups, grid_cells=grid_cells)


def solve_table(
    cost: IntArray,
    value: FloatArray,
    capacity: int,
    *,
    core_groups: int = DEFAULT_CORE_GROUPS,
    grid_cells: int = DEFAULT_GRID_CELLS,
) -> Solution:
    """Choose at most one option per row of ``(n, rungs)`` arrays within ``capacity``.

    Options with a negative cost or a non-positive value are never chosen. Deterministic:
    ties go to the earlier group and, within a group, the earlier option.
    """
    n = cost.shape[0]
    choice = np.full(n, -1, dtype=np.int64)
    if n == 0 or capacity < 0:
        return Solution(choice, 0.0, 0, 0.0)
    # Column-major from here on: numpy reduces along a short axis slowly, so every
    # per-group operation is written as a few elementwise passes over the rung columns.
    valid_t = ((cost >= 0) & (value > 0) & (cost <= capacity)).T.copy()
    if not valid_t.any():
        return Solution(choice, 0.0, 0, 0.0)
    cost_t = np.where(valid_t, cost.T, 0).astype(np.int64)
    value_t = np.where(valid_t, value.T, 0.0).astype(np.float64)

    s_group, s_opt, s_dc, s_dv = _hull_steps(cost_t, value_t, valid_t)
    eff = s_dv / np.maximum(s_dc, _SLOPE_EPS)
    # Steps are concatenated rank by rank and each group's efficiencies strictly decrease,
    # so a stable sort keeps every group's steps in order and breaks ties by (rank, group).
    order = np.argsort(-eff, kind="stable")
    cum = np.cumsum(s_dc[order])
    fit = int(np.searchsorted(cum, capacity, side="right"))
    taken = order[:fit]
    # The taken steps of each group are a prefix of its steps, stored rank by rank: the
    # one with the highest position names the chosen option.
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, s_group[taken], taken)
    has = last >= 0
    choice[has] = s_opt[last[has]]
    bound = float(s_dv[taken].sum())
    if fit < len(order):
        room = capacity - (int(cum[fit - 1]) if fit else 0)
        b = order[fit]
        bound += float(s_dv[b]) * room / max(float(s_dc[b]), _SLOPE_EPS)

    core = _core(s_group[order], fit, n, core_groups)
    chosen = _chosen_cost(cost_t, choice)
    fixed_cost = int(chosen.sum() - chosen[core].sum())
    choice[core] = _dp(
        cost_t[:, core], value_t[:, core], valid_t[:, core], capacity - fixed_cost, grid_cells
    )
    _fill(cost_t, value_t, valid_t, choice, capacity)
    used = int(_chosen_cost(cost_t, choice).sum())
    got = float(_chosen_value(value_t, choice).sum())
    return Solution(choice, got, used, max(bound, got))


def _chosen_cost(cost_t: IntArray, choice: IntArray) -> IntArray:
    out: IntArray = np.where(choice >= 0, cost_t[np.maximum(choice, 0), np.arange(len(choice))], 0)
    return out


def _chosen_value(value_t: FloatArray, choice: IntArray) -> FloatArray:
    out: FloatArray = np.where(
        choice >= 0, value_t[np.maximum(choice, 0), np.arange(len(choice))], 0.0
    )
    return out


def _hull_steps(
    cost_t: IntArray, value_t: FloatArray, valid_t: BoolArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Upper-hull steps of every group: ``(group, option, d_cost, d_value)``, rank by rank.

    From every point (the origin and each option) the next hull vertex is the steepest
    option up and to the right; among equally steep options the farthest is taken, so
    collinear points merge and efficiencies strictly decrease. Successors are found for
    all groups at once, one (from, to) pair of rung columns at a time — numpy is fast on
    contiguous columns and slow on reductions along a short axis — and the walk from the
    origin then takes at most one step per rung.
    """
    width, n = cost_t.shape
    pts_c = np.vstack([np.zeros((1, n), dtype=np.int64), cost_t])  # (width + 1, n)
    pts_v = np.vstack([np.zeros((1, n)), value_t])
    pts_ok = np.vstack([np.ones((1, n), dtype=bool), valid_t])
    succ = np.full((width + 1, n), -1, dtype=np.int64)
    for f in range(width + 1):
        top = np.full(n, -np.inf)
        top_c = np.full(n, -1, dtype=np.int64)
        for t in range(1, width + 1):
            if t == f:
                continue
            dc = pts_c[t] - pts_c[f]
            dv = pts_v[t] - pts_v[f]
            up = pts_ok[t] & (dv > 0) & (dc >= 0)
            slope = np.where(up, dv / np.maximum(dc, _SLOPE_EPS), -np.inf)
            take = up & ((slope > top) | ((slope == top) & (pts_c[t] > top_c)))
            top = np.where(take, slope, top)
            top_c = np.where(take, pts_c[t], top_c)
            succ[f] = np.where(take, t, succ[f])
    every = np.arange(n)
    cur = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    out: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []
    for _rank in range(width):
        nxt = succ[cur, every]
        alive &= nxt >= 0
        g = np.flatnonzero(alive)
        if len(g) == 0:
            break
        frm, to = cur[g], nxt[g]
        out.append((g, to - 1, pts_c[to, g] - pts_c[frm, g], pts_v[to, g] - pts_v[frm, g]))
        cur[g] = to
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return (
        np.concatenate([o[0] for o in out]),
        np.concatenate([o[1] for o in out]),
        np.concatenate([o[2] for o in out]),
        np.concatenate([o[3] for o in out]),
    )


def _core(sorted_groups: IntArray, fit: int, n: int, core_groups: int) -> IntArray:
    """Groups of the steps nearest the LP break, at most ``core_groups`` of them, sorted."""
    if n <= core_groups:
        return np.arange(n)
    m = len(sorted_groups)
    # Visit positions fit, fit-1, fit+1, fit-2, ... (nearest the break first).
    reach = min(m, 4 * core_groups)
    offsets = np.arange(reach)
    pos = fit + np.where(offsets % 2 == 0, offsets // 2, -(offsets // 2) - 1)
    pos = pos[(pos >= 0) & (pos < m)]
    groups = sorted_groups[pos]
    _, first = np.unique(groups, return_index=True)
    picked = groups[np.sort(first)][:core_groups]
    return np.sort(picked)


def _dp(
    cost_t: IntArray, value_t: FloatArray, valid_t: BoolArray, capacity: int, grid_cells: int
) -> IntArray:
    """Exact DP (on a conservatively coarsened grid if needed) over a few groups."""
    width, k = cost_t.shape
    choice = np.full(k, -1, dtype=np.int64)
    if k == 0 or capacity < 0:
        return choice
    most = int(np.where(valid_t, cost_t, 0).max(axis=0).sum())
    capacity = min(capacity, most)
    scale = max(1, -(-capacity // grid_cells))
    # Rounding costs up and capacity down keeps every DP solution feasible exactly.
    sc = -(-cost_t // scale)
    cap = capacity // scale
    best = np.zeros(cap + 1, dtype=np.float64)
    arg = np.full((k, cap + 1), -1, dtype=np.int8)
    for g in range(k):
        new = best.copy()
        row = arg[g]
        for j in range(width):
            c = int(sc[j, g])
            if not valid_t[j, g] or c > cap:
                continue
            cand = best[: cap + 1 - c] + value_t[j, g]
            better = cand > new[c:]
            np.copyto(new[c:], cand, where=better)
            np.copyto(row[c:], np.int8(j), where=better)
        best = new
    left = cap
    for g in range(k - 1, -1, -1):
        j = int(arg[g, left])
        if j >= 0:
            choice[g] = j
            left -= int(sc[j, g])
    return choice


def _fill(
    cost_t: IntArray, value_t: FloatArray, valid_t: BoolArray, choice: IntArray, capacity: int
) -> None:
    """Spend the leftover on the best single upgrades that fit, one at a time, in place."""
    width = cost_t.shape[0]
    cur_c = _chosen_cost(cost_t, choice)
    cur_v = _chosen_value(value_t, choice)
    left = capacity - int(cur_c.sum())
    for _ in range(_MAX_FILL_ROUNDS):
        if left < 0:
            return
        best_gain, best_g, best_j = 0.0, -1, -1
        for j in range(width):
            gain = np.where(valid_t[j] & (cost_t[j] - cur_c <= left), value_t[j] - cur_v, 0.0)
            g = int(gain.argmax())
            if gain[g] > best_gain:
                best_gain, best_g, best_j = float(gain[g]), g, j
        if best_g < 0:
            return
        choice[best_g] = best_j
        left -= int(cost_t[best_j, best_g] - cur_c[best_g])
        cur_c[best_g] = cost_t[best_j, best_g]
        cur_v[best_g] = value_t[best_j, best_g]
