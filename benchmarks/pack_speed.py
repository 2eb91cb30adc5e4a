"""Packer solver: speed on large instances and optimality on small ones, side by side.

Prints JSON lines:

* ``speed``: 5,000 candidates (4-rung ladders) into a 32k budget — median milliseconds of
  the packer's solver and of the baseline hull greedy, the solver's ratio to the 20 ms
  goal, and its value / LP-bound ratio (a lower bound on its optimality ratio);
* ``optimality``: random small instances against the exhaustive reference — min and mean
  value ratio of the solver, of the solver with a tiny core (to exercise the core logic),
  and of the baseline greedy.

Run: ``python benchmarks/pack_speed.py``
"""

from __future__ import annotations

import json
import random
import statistics
import time

import numpy as np

import context_kit
from context_kit.packing import Candidate, exhaustive_mckp, get_formatter, greedy_mckp
from context_kit.packing.constraints import choose
from context_kit.packing.packer import pack_candidates
from context_kit.packing.solver import options_table, solve_mckp, solve_table
from context_kit.types import Rung, Slice

GOAL_MS = 20.0
FIDELITY = [1.0, 0.45, 0.25, 0.08]


def large_instance(rng: random.Random, n: int) -> list[list[tuple[int, float]]]:
    groups = []
    for _ in range(n):
        full = int(rng.lognormvariate(5.0, 1.0)) + 8  # median ~150 tokens, long tail
        costs = [full, max(6, full // 3), max(4, full // 8), 3]
        score = rng.paretovariate(1.5)
        groups.append([(c, score * f) for c, f in zip(costs, FIDELITY, strict=True)])
    return groups


def small_instance(rng: random.Random) -> tuple[list[list[tuple[int, float]]], int]:
    groups = []
    for _ in range(rng.randint(1, 8)):
        k = rng.randint(1, 4)
        costs = sorted(rng.sample(range(5, 400), k), reverse=True)
        top = rng.uniform(0.05, 1.0)
        groups.append([(c, top * f) for c, f in zip(costs, FIDELITY, strict=False)])
    return groups, rng.randint(20, 800)


def timed(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def synthetic_candidates(rng: random.Random, n: int) -> list[Candidate]:
    """Code-like candidates with 4-rung ladders, spread over files, some overlapping."""
    out = []
    for i in range(n):
        lines = [f"    value_{i}_{k} = compute(value_{i}_{k - 1}, {k})\n" for k in range(1, 60)]
        body = f"def f{i}(x):\n" + "".join(lines[: int(rng.lognormvariate(2.3, 0.9)) + 1])
        a = (i % 50) * 40 + 1
        s = Slice(
            id=f"code:m{i // 50}.py:{a}:{i}",
            kind="code",
            path=f"m{i // 50}.py",
            start_line=a,
            end_line=a + body.count("\n") - 1,
            text=body,
            name=f"f{i}",
            language="python",
        )
        rungs = [
            Rung(name="full", text=body, fidelity=1.0),
            Rung(name="elided", text=body.split("\n")[0] + "\n    ...\n", fidelity=0.45),
            Rung(name="signature", text=body.split("\n")[0] + "\n", fidelity=0.25),
            Rung(name="mention", text=f"m.py:{a}  f{i}\n", fidelity=0.08),
        ]
        out.append(Candidate(s, rng.paretovariate(1.5), {}, rungs))
    return out


def packer_line() -> None:
    """End to end through the packer (token counts cached after the first run)."""
    rng = random.Random(9)
    cands = synthetic_candidates(rng, 5000)
    tok = context_kit.get_tokenizer("cl100k_base")
    fmt = get_formatter("markdown")
    t0 = time.perf_counter()
    res = pack_candidates(cands, 32_000, tok, fmt)
    cold = (time.perf_counter() - t0) * 1000
    warm = timed(lambda: pack_candidates(cands, 32_000, tok, fmt), repeat=3)
    groups = [[(len(r.text) // 4 + 1, c.score * r.fidelity) for r in c.rungs] for c in cands]
    cost, value = options_table(groups)
    kinds = ["code"] * len(cands)
    constrained = timed(
        lambda: choose(cost, value, kinds, 32_000, bounds={"code": (0, 28_000)}), repeat=5
    )
    print(
        json.dumps(
            {
                "bench": "packer_end_to_end",
                "candidates": len(cands),
                "budget": 32_000,
                "tokens": res.tokens,
                "items": len(res.items),
                "cold_ms_including_tokenizing": round(cold, 1),
                "warm_ms_counts_cached": round(warm, 1),
                "choose_with_share_cap_ms": round(constrained, 2),
            }
        )
    )


def main() -> None:
    packer_line()
    rng = random.Random(7)
    for n, budget in [(5000, 32_000), (5000, 128_000), (1000, 8000)]:
        groups = large_instance(rng, n)
        cost, value = options_table(groups)
        sol = solve_table(cost, value, budget)
        ms = timed(lambda c=cost, v=value, b=budget: solve_table(c, v, b))
        ms_list = timed(lambda g=groups, b=budget: solve_mckp(g, b), repeat=5)
        base_ms = timed(lambda g=groups, b=budget: greedy_mckp(g, b), repeat=5)
        base = greedy_mckp(groups, budget)
        base_value = sum(groups[g][j][1] for g, j in enumerate(base.tolist()) if j >= 0)
        print(
            json.dumps(
                {
                    "bench": "speed",
                    "candidates": n,
                    "budget": budget,
                    "solver_ms": round(ms, 2),
                    "solver_from_lists_ms": round(ms_list, 2),
                    "goal_ms": GOAL_MS,
                    "ratio_to_goal": round(ms / GOAL_MS, 3),
                    "baseline_greedy_ms": round(base_ms, 2),
                    "solver_value_over_lp_bound": round(sol.value / sol.bound, 7),
                    "solver_lp_gap": float(f"{1 - sol.value / sol.bound:.2e}"),
                    "baseline_value_over_lp_bound": round(base_value / sol.bound, 5),
                    "cost": sol.cost,
                }
            )
        )
    ratios: dict[str, list[float]] = {"solver": [], "solver_core4": [], "baseline_greedy": []}
    rng = random.Random(1234)
    for _ in range(1000):
        groups, cap = small_instance(rng)
        best, _ = exhaustive_mckp(groups, cap)
        if best <= 0:
            continue
        ratios["solver"].append(solve_mckp(groups, cap).value / best)
        ratios["solver_core4"].append(solve_mckp(groups, cap, core_groups=4).value / best)
        choice = greedy_mckp(groups, cap).tolist()
        got = sum(groups[g][j][1] for g, j in enumerate(choice) if j >= 0)
        ratios["baseline_greedy"].append(got / best)
    for name, rs in ratios.items():
        arr = np.asarray(rs)
        print(
            json.dumps(
                {
                    "bench": "optimality",
                    "solver": name,
                    "instances": len(rs),
                    "min": round(float(arr.min()), 5),
                    "mean": round(float(arr.mean()), 5),
                    "share_at_least_0.99": round(float((arr >= 0.99).mean()), 4),
                }
            )
        )


if __name__ == "__main__":
    main()
