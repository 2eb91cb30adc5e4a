"""The optimiser's choice as prices, weights and limits move, side by side in one run.

Prints one JSON line per setting: the chosen profile, budget, quality, dollars and seconds,
plus how long the optimisation took. Reading down a sweep, the budget should fall as the
price or the latency weight rises, and the cheaper model should take over as cost matters
more.

Run: ``python benchmarks/optimise_directions.py [repo] [query]``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import context_kit
from context_kit import ModelProfile
from context_kit.optimise import load_profiles


def show(sweep: str, setting: object, plan: context_kit.Plan, seconds: float) -> None:
    print(
        json.dumps(
            {
                "sweep": sweep,
                "setting": setting,
                "profile": plan.profile.name,
                "budget": plan.budget,
                "quality": round(plan.quality, 4),
                "cost_usd": round(plan.cost, 6),
                "latency_s": round(plan.latency, 3),
                "frontier_points": len(plan.frontier),
                "optimise_ms": round(seconds * 1000, 1),
            }
        )
    )


def main() -> None:
    repo = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(context_kit.__file__).parent
    query = sys.argv[2] if len(sys.argv) > 2 else "how is the token budget enforced"
    index = context_kit.Index.build(repo)
    base = load_profiles()["gpt-4o"]

    def run(sweep: str, setting: object, **kw: object) -> None:
        t0 = time.perf_counter()
        try:
            plan = context_kit.optimise(index, query, **kw)  # type: ignore[arg-type]
        except context_kit.InfeasibleError as exc:
            print(json.dumps({"sweep": sweep, "setting": setting, "infeasible": str(exc)}))
            return
        show(sweep, setting, plan, time.perf_counter() - t0)

    for mult in [0.1, 1, 10, 100]:
        prof = base.model_copy(
            update={"input_price": base.input_price * mult, "name": f"gpt-4o x{mult}"}
        )
        run("input_price_multiplier", mult, profiles=[prof], cost_weight=10.0)
    for w in [0.0, 0.1, 0.5, 2.0]:
        run("latency_weight", w, profiles=[base], latency_weight=w)
    for w in [0.0, 1.0, 10.0, 100.0, 1000.0]:
        run("cost_weight_all_profiles", w, cost_weight=w)
    for cap in [None, 0.02, 0.012, 0.0105]:
        run("max_cost", cap, profiles=[base], max_cost=cap)
    strong = ModelProfile(**{**base.model_dump(), "name": "strong"})
    weak = ModelProfile(**{**base.model_dump(), "name": "weak", "capability": 0.7})
    weak = weak.model_copy(update={"input_price": 0.15, "output_price": 0.6})
    for w in [0.0, 10.0, 100.0]:
        run("strong_vs_cheap_weak", w, profiles=[strong, weak], cost_weight=w)


if __name__ == "__main__":
    main()
