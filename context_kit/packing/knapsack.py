"""Greedy multiple-choice knapsack on convex hulls: the baseline the fast solver refines.

The classic greedy on the *upper convex hull* of each candidate's (cost, value) options:
hull steps are taken in order of value gained per token, which is the optimal solution of
the LP relaxation up to the single step that does not fit. A fill pass then spends what is
left on the best remaining upgrades. :mod:`.solver` (the packer's solver) refines this with
an exact dynamic programme on the critical candidates; this module stays as the baseline
the benchmark compares against, and :func:`hull_steps` as the readable reference of a hull.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Option", "greedy_mckp", "hull_steps"]

Option = tuple[int, float]
"""``(cost_in_tokens, value)`` of one rung."""


def hull_steps(options: Sequence[Option]) -> list[tuple[int, int, float]]:
    """Upper-convex-hull steps from "nothing" through the options.

    Args:
        options: ``(cost, value)`` per rung, in any order.

    Returns:
        ``(option_index, delta_cost, delta_value)`` for each hull vertex, cheapest first,
        with strictly decreasing value per token.
    """
    order = sorted(range(len(options)), key=lambda j: (options[j][0], -options[j][1], j))
    # Drop dominated options: costlier without being more valuable.
    pts: list[tuple[int, float, int]] = []
    best = 0.0
    for j in order:
        c, v = options[j]
        if v > best and c >= 0:
            pts.append((c, v, j))
            best = v
    hull: list[tuple[int, float, int]] = [(0, 0.0, -1)]
    for p in pts:
        while len(hull) >= 2:
            (c1, v1, _), (c2, v2, _) = hull[-2], hull[-1]
            # Pop the middle point when it lies on or below the chord from c1 to p.
            if (v2 - v1) * (p[0] - c1) <= (p[1] - v1) * (c2 - c1):
                hull.pop()
            else:
                break
        hull.append(p)
    steps = []
    for (c0, v0, _), (c1, v1, j) in itertools.pairwise(hull):
        steps.append((j, c1 - c0, v1 - v0))
    return steps


def greedy_mckp(options: Sequence[Sequence[Option]], capacity: int) -> npt.NDArray[np.int64]:
    """Choose at most one option per group within ``capacity``.

    Args:
        options: Per group, ``(cost, value)`` per option.
        capacity: Total cost allowed.

    Returns:
        Chosen option index per group, ``-1`` for none. Deterministic: ties in efficiency go
        to the earlier group (callers pass groups in rank order).
    """
    n = len(options)
    choice = np.full(n, -1, dtype=np.int64)
    if n == 0 or capacity <= 0:
        return choice
    step_group: list[int] = []
    step_opt: list[int] = []
    step_dc: list[int] = []
    step_dv: list[float] = []
    step_rank: list[int] = []
    for g, opts in enumerate(options):
        for k, (j, dc, dv) in enumerate(hull_steps(opts)):
            step_group.append(g)
            step_opt.append(j)
            step_dc.append(dc)
            step_dv.append(dv)
            step_rank.append(k)
    if not step_group:
        return choice
    dc_arr = np.asarray(step_dc, dtype=np.float64)
    dv_arr = np.asarray(step_dv, dtype=np.float64)
    eff = np.where(dc_arr > 0, dv_arr / np.maximum(dc_arr, 1e-12), np.inf)
    order = np.lexsort((np.asarray(step_rank), np.asarray(step_group), -eff))
    level = np.zeros(n, dtype=np.int64)  # hull steps taken per group
    blocked = np.zeros(n, dtype=bool)
    left = capacity
    for s in order.tolist():
        g = step_group[s]
        if blocked[g] or step_rank[s] != level[g]:
            continue
        if step_dc[s] <= left:
            left -= step_dc[s]
            choice[g] = step_opt[s]
            level[g] += 1
        else:
            blocked[g] = True
    # Fill: spend what is left on the single best upgrade per group, best gain first.
    improved = True
    while improved and left > 0:
        improved = False
        best: tuple[float, int, int, int] | None = None
        for g, opts in enumerate(options):
            cur = choice[g]
            cur_c, cur_v = (opts[cur][0], opts[cur][1]) if cur >= 0 else (0, 0.0)
            for j, (c, v) in enumerate(opts):
                extra = c - cur_c
                if v > cur_v and extra <= left:
                    gain = v - cur_v
                    if best is None or gain > best[0]:
                        best = (gain, g, j, extra)
        if best is not None:
            _, g, j, extra = best
            choice[g] = j
            left -= extra
            improved = True
    # Greedy alone can be arbitrarily bad when one large, valuable option is crowded out by
    # many efficient small ones; the better of the two is at least half the optimum.
    greedy_value = sum(options[g][j][1] for g, j in enumerate(choice.tolist()) if j >= 0)
    single: tuple[float, int, int] | None = None
    for g, opts in enumerate(options):
        for j, (c, v) in enumerate(opts):
            if c <= capacity and (single is None or v > single[0]):
                single = (v, g, j)
    if single is not None and single[0] > greedy_value:
        choice[:] = -1
        choice[single[1]] = single[2]
    return choice
