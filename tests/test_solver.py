"""The packer's knapsack solver against two exact references."""

import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from context_kit.packing.exact import dp_mckp, exhaustive_mckp
from context_kit.packing.knapsack import greedy_mckp
from context_kit.packing.solver import options_table, solve_mckp, solve_table

FIDELITY = [1.0, 0.45, 0.25, 0.08]


@st.composite
def instances(draw, max_groups=7):
    groups = []
    for _ in range(draw(st.integers(0, max_groups))):
        n = draw(st.integers(1, 4))
        costs = draw(st.lists(st.integers(0, 80), min_size=n, max_size=n))
        values = draw(st.lists(st.floats(0, 10), min_size=n, max_size=n))
        groups.append(list(zip(costs, values, strict=True)))
    return groups, draw(st.integers(0, 250))


def value_of(groups, choice):
    return sum(groups[g][j][1] for g, j in enumerate(choice) if j >= 0)


def cost_of(groups, choice):
    return sum(groups[g][j][0] for g, j in enumerate(choice) if j >= 0)


@given(instances(), st.integers(1, 6), st.integers(1, 64))
def test_solver_is_feasible_consistent_and_bounded(inst, core, grid):
    # Arbitrary (unsorted, zero-cost, zero-value) options and tiny cores and grids: the
    # choice always fits, its reported value and cost are its own, and the LP bound holds.
    groups, cap = inst
    sol = solve_mckp(groups, cap, core_groups=core, grid_cells=grid)
    choice = sol.choice.tolist()
    assert cost_of(groups, choice) == sol.cost <= cap
    assert abs(value_of(groups, choice) - sol.value) < 1e-9
    best, _ = exhaustive_mckp(groups, cap)
    assert sol.bound >= best - 1e-9
    assert sol.value <= best + 1e-9


@given(instances())
def test_small_instances_are_solved_exactly(inst):
    groups, cap = inst
    best, _ = exhaustive_mckp(groups, cap)
    assert abs(solve_mckp(groups, cap).value - best) < 1e-9


def ladder_instances(rng, n_groups, cost_hi):
    groups = []
    for _ in range(n_groups):
        n = rng.randint(1, 4)
        costs = sorted(rng.sample(range(3, cost_hi), n), reverse=True)
        top = rng.paretovariate(1.5)
        groups.append([(c, top * f) for c, f in zip(costs, FIDELITY, strict=False)])
    return groups


def test_core_solver_is_within_one_percent_of_the_optimum_on_every_instance():
    # Instances larger than the core, so the LP-fixed groups and the core DP both matter;
    # the reference is the textbook DP (exact for any number of groups).
    rng = random.Random(5)
    ratios = []
    for _ in range(40):
        groups = ladder_instances(rng, rng.randint(20, 50), 250)
        cap = rng.randint(50, 1500)
        best = dp_mckp(groups, cap)
        sol = solve_mckp(groups, cap, core_groups=16)
        assert sol.cost <= cap
        ratios.append(sol.value / best)
    assert min(ratios) >= 0.99, min(ratios)


def test_a_tiny_core_still_beats_the_baseline_greedy():
    # A core of 4 groups on up to 8 groups exercises the LP-fixed part against the
    # exhaustive optimum; the default core solves these exactly.
    rng = random.Random(1234)
    core4, greedy, default = [], [], []
    for _ in range(150):
        groups = ladder_instances(rng, rng.randint(1, 8), 400)
        cap = rng.randint(20, 800)
        best, _ = exhaustive_mckp(groups, cap)
        if best > 0:
            core4.append(solve_mckp(groups, cap, core_groups=4).value / best)
            greedy.append(value_of(groups, greedy_mckp(groups, cap).tolist()) / best)
            default.append(solve_mckp(groups, cap).value / best)
    assert min(default) >= 1 - 1e-9
    assert sum(core4) / len(core4) >= max(0.99, sum(greedy) / len(greedy))


def test_large_instance_is_certified_near_optimal_by_the_lp_bound():
    rng = random.Random(3)
    groups = ladder_instances(rng, 5000, 900)
    cost, value = options_table(groups)
    sol = solve_table(cost, value, 32_000)
    assert sol.cost <= 32_000
    assert sol.value >= 0.999 * sol.bound


def test_coarse_grid_stays_feasible_and_close():
    rng = random.Random(11)
    groups = ladder_instances(rng, 30, 5000)
    exact = solve_mckp(groups, 40_000, grid_cells=1_000_000)
    coarse = solve_mckp(groups, 40_000, grid_cells=256)
    assert coarse.cost <= 40_000
    assert coarse.value >= 0.99 * exact.value


def test_solver_is_deterministic_and_prefers_earlier_groups_on_ties():
    groups = [[(10, 1.0)], [(10, 1.0)], [(10, 1.0)]]
    assert solve_mckp(groups, 20).choice.tolist() == [0, 0, -1]
    cost, value = options_table(groups)
    assert np.array_equal(solve_table(cost, value, 20).choice, solve_table(cost, value, 20).choice)
