"""Budget optimiser: pick the model and the token budget from a stated trade-off.

"Machine selection beats human selection": the caller says what quality, dollars and
seconds are worth to them; the library picks the budget (and, given several profiles,
the model).

* **Quality curve.** Candidates are ranked and priced *once*, for the largest budget any
  profile allows; the knapsack then gives the best packed value at every budget of a
  geometric grid (``Q(B)``, made non-decreasing — more budget can always hold the smaller
  pack — and normalised so the largest budget scores 1).
* **Cost and latency** per ``(profile, budget)``: the prompt is the budget plus the
  question; input is billed at the price tier the prompt length falls in (providers bill
  the *whole* prompt at the higher rate past a threshold), cached tokens at the cached
  rate, output at the output rate; latency is the base latency plus prefill time.
* **Choice.** Maximise ``Q - cost_weight x dollars - latency_weight x seconds`` over the
  points that meet ``max_cost``, ``max_latency`` and ``min_quality``; the Pareto frontier
  over (quality up, cost down, latency down) comes with it.

>>> import context_kit, pathlib
>>> index = context_kit.Index.build(pathlib.Path(context_kit.__file__).parent)
>>> plan = context_kit.optimise(index, "token budget", profiles=["gpt-4o-mini"],
...                             cost_weight=20.0, budgets=[500, 1000, 2000])
>>> plan.pack().tokens <= plan.budget
True
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from .errors import InfeasibleError, OptionError
from .packing.format import get_formatter
from .packing.packer import DEFAULT_RELEVANCE_POWER, Candidate, _assemble, _price
from .packing.solver import solve_table
from .profiles import ModelProfile, PriceTier, load_profiles, resolve_profiles
from .renderers import default_ladder
from .retrievers.fusion import FusionMethod

if TYPE_CHECKING:
    from .index import Index
    from .packed import PackedContext

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "ModelProfile",
    "Plan",
    "PlanPoint",
    "PriceTier",
    "load_profiles",
    "optimise",
    "quality_curve",
]

DEFAULT_OUTPUT_TOKENS = 1000
"""Output tokens a request is assumed to produce when the caller does not say."""

MIN_BUDGET = 256
"""Smallest budget on the grid: below it a pack holds little more than mentions."""

GRID_POINTS = 24
"""Budgets on the geometric grid between ``MIN_BUDGET`` and the largest prompt allowed."""


def quality_curve(
    index: Index,
    query: str,
    budgets: Sequence[int],
    *,
    format: str = "markdown",
    weights: Mapping[str, float] | None = None,
    fusion: FusionMethod = "weighted",
    relevance_power: float = DEFAULT_RELEVANCE_POWER,
) -> np.ndarray:
    """Best packed value at each budget, non-decreasing, normalised to ``[0, 1]``.

    Candidates are ranked and priced once, for the largest budget; each budget is then one
    knapsack solve over the same priced table. The largest budget scores 1 (or every
    budget 0 when nothing is relevant). Values use the same ``relevance_power`` as
    :meth:`Index.pack`, so the curve measures what packing actually optimises.
    """
    if not budgets:
        return np.zeros(0)
    fmt = get_formatter(format)
    top = max(budgets)
    fused, _ = index._fused(query, weights, fusion)
    scores = fused.scores
    positive = int(np.count_nonzero(scores > 0))
    # Copies left out as a pack leaves them (its mentions of them are not curved).
    rows = index._candidates_for(scores, top, ())[0][:positive]
    cands = [
        Candidate(
            slice=index.slices[r],
            score=float(scores[r]),
            scores={},
            rungs=default_ladder(index.slices[r], index.renderers),
            value=float(scores[r]) ** relevance_power,
        )
        for r in rows
    ]
    priced = _price(cands, index.tokenizer, fmt)
    width = max((len(c) for c in priced.costs), default=1)
    cost = np.full((len(cands), width), -1, dtype=np.int64)
    value = np.zeros((len(cands), width))
    for i, c in enumerate(cands):
        for j, r in enumerate(c.rungs):
            cost[i, j] = priced.costs[i][j]
            value[i, j] = (c.score if c.value is None else c.value) * r.fidelity
    overhead = index.tokenizer.count(_assemble(fmt, []))
    raw = np.array([solve_table(cost, value, b - overhead).value for b in budgets])
    # Order by budget to make the curve non-decreasing, then map back.
    order = np.argsort(np.asarray(budgets), kind="stable")
    raw[order] = np.maximum.accumulate(raw[order])
    best = float(raw.max())
    out: np.ndarray = raw / best if best > 0 else np.zeros(len(budgets))
    return out


class PlanPoint(BaseModel):
    """One ``(profile, budget)`` the optimiser weighed.

    Attributes:
        profile: Profile name.
        budget: Context budget in tokens.
        quality: Normalised quality ``Q(budget)`` in ``[0, 1]``.
        cost: Dollars per request.
        latency: Seconds to read the prompt.
        objective: ``quality - cost_weight x cost - latency_weight x latency``.
        feasible: Whether it meets the constraints.
    """

    model_config = ConfigDict(frozen=True)

    profile: str
    budget: int
    quality: float
    cost: float
    latency: float
    objective: float
    feasible: bool


def _dominates(a: PlanPoint, b: PlanPoint) -> bool:
    no_worse = a.quality >= b.quality and a.cost <= b.cost and a.latency <= b.latency
    better = a.quality > b.quality or a.cost < b.cost or a.latency < b.latency
    return no_worse and better


def pareto(points: Sequence[PlanPoint]) -> list[PlanPoint]:
    """Points no other point beats on quality, cost and latency at once, cheapest first."""
    front = [p for p in points if not any(_dominates(q, p) for q in points)]
    return sorted(front, key=lambda p: (p.cost, p.latency, -p.quality, p.profile, p.budget))


@dataclass
class Plan:
    """The optimiser's choice, the frontier it chose from, and a way to pack it.

    Attributes:
        budget: Chosen context budget.
        profile: Chosen model profile.
        quality: ``Q(budget)`` in ``[0, 1]``.
        cost: Dollars per request.
        latency: Seconds to read the prompt.
        objective: The chosen point's objective.
        frontier: Pareto-optimal points (quality, cost, latency), cheapest first.
        points: Every point weighed.
        query: The query.
        notes: What the numbers rest on that the caller may not expect, such as budgets
            counted by a tokenizer other than the chosen model's.
    """

    budget: int
    profile: ModelProfile
    quality: float
    cost: float
    latency: float
    objective: float
    frontier: list[PlanPoint]
    points: list[PlanPoint]
    query: str
    _index: Index = field(repr=False)
    _pack_options: dict[str, Any] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    def pack(self, **options: Any) -> PackedContext:
        """Pack the query at the chosen budget (options as in :meth:`Index.pack`)."""
        return self._index.pack(self.query, budget=self.budget, **{**self._pack_options, **options})

    def table(self) -> str:
        """The frontier as a text table; ``*`` marks the chosen point."""
        rows = [f"  {'profile':<20} {'budget':>8} {'quality':>8} {'cost $':>10} {'latency s':>10}"]
        for p in self.frontier:
            mark = "*" if (p.profile, p.budget) == (self.profile.name, self.budget) else " "
            flag = "" if p.feasible else "  (infeasible)"
            rows.append(
                f"{mark} {p.profile:<20} {p.budget:>8} {p.quality:>8.3f} {p.cost:>10.5f} "
                f"{p.latency:>10.2f}{flag}"
            )
        return "\n".join(rows)

    def plot(self, path: str | Path) -> Path:
        """Save the frontier (quality against cost, one series per profile) as a PNG.

        Raises:
            OptionError: matplotlib is not installed (``pip install context_kit[plot]``).
        """
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # the plot extra is optional
            raise OptionError(
                "plotting needs matplotlib: pip install 'context_kit[plot]'", name="plot"
            ) from exc
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for name in sorted({p.profile for p in self.points}):
            pts = sorted((p for p in self.points if p.profile == name), key=lambda p: p.budget)
            ax.plot([p.cost for p in pts], [p.quality for p in pts], marker=".", label=name)
        ax.plot(
            [p.cost for p in self.frontier],
            [p.quality for p in self.frontier],
            "k--",
            linewidth=0.8,
            label="frontier",
        )
        ax.scatter([self.cost], [self.quality], s=120, facecolors="none", edgecolors="red")
        ax.set_xscale("log")
        ax.set_xlabel("dollars per request")
        ax.set_ylabel("quality Q(budget)")
        ax.set_title(f"chosen: {self.profile.name} at {self.budget} tokens")
        ax.legend(fontsize="small")
        out = Path(path)
        fig.savefig(out, dpi=120, bbox_inches="tight")
        plt.close(fig)
        return out


def _grid(top: int, points: int) -> list[int]:
    low = min(MIN_BUDGET, top)
    grid = np.unique(np.geomspace(low, top, num=max(points, 2)).astype(np.int64))
    return [int(b) for b in grid]


def optimise(
    index: Index,
    query: str,
    profiles: Sequence[str | ModelProfile] | None = None,
    *,
    cost_weight: float = 0.0,
    latency_weight: float = 0.0,
    max_cost: float | None = None,
    max_latency: float | None = None,
    min_quality: float | None = None,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    cached_tokens: int = 0,
    budgets: Sequence[int] | None = None,
    **pack_options: Any,
) -> Plan:
    """Choose the model profile and budget that best serve the stated trade-off.

    Args:
        index: The index to pack from.
        query: The task, issue or question (also appended to the prompt, so it is paid for).
        profiles: Profile names (see :func:`load_profiles`) or :class:`ModelProfile` objects
            (default: every shipped example).
        cost_weight: Quality given up per dollar (``10`` means $0.10 is worth 1.0 quality).
        latency_weight: Quality given up per second of prompt reading.
        max_cost: Dollars a request may cost at most.
        max_latency: Seconds of prompt reading allowed at most.
        min_quality: Least normalised quality acceptable.
        output_tokens: Output tokens assumed per request (billed at the output price).
        cached_tokens: Prompt tokens expected to hit the provider's cache.
        budgets: Budgets to weigh (default: a geometric grid up to each profile's window).
        **pack_options: Passed to :meth:`Index.pack` by :meth:`Plan.pack` (``format`` and
            ``weights`` also shape the quality curve).

    Returns:
        The plan: ``.budget``, ``.profile``, ``.quality``, ``.cost``, ``.latency``,
        ``.frontier``, and ``.pack()``.

    Raises:
        InfeasibleError: No point meets the constraints (the message names the closest).
        OptionError: Unknown profile or a negative weight.
    """
    if cost_weight < 0 or latency_weight < 0:
        raise OptionError("cost_weight and latency_weight must be >= 0", name="cost_weight")
    known = {
        p.name
        for p in inspect.signature(type(index).pack).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "budget"
    }
    unknown = sorted(set(pack_options) - known)
    if unknown:
        raise OptionError(
            f"unknown pack option {unknown[0]!r}; optimise() forwards only "
            + ", ".join(sorted(known)),
            name=unknown[0],
        )
    profs = resolve_profiles(profiles)
    q_tokens = index.tokenizer.count(query)
    limits = {p.name: p.max_prompt - q_tokens for p in profs}
    top = max(limits.values())
    if top < 1:
        raise InfeasibleError(
            "the question alone fills every profile's context window", constraint="context"
        )
    grid = sorted({int(b) for b in budgets} if budgets else set(_grid(top, GRID_POINTS)))
    grid = [b for b in grid if 0 < b <= top]
    if not grid:
        raise OptionError(f"no budget in {budgets!r} fits a profile's window", name="budgets")
    quality = quality_curve(
        index,
        query,
        grid,
        format=pack_options.get("format", "markdown"),
        weights=pack_options.get("weights"),
        fusion=pack_options.get("fusion", "weighted"),
    )
    points = []
    for prof in profs:
        for b, q_pack in zip(grid, quality.tolist(), strict=True):
            if b > limits[prof.name]:
                continue
            q = prof.capability * q_pack
            prompt = b + q_tokens
            cost = prof.cost(prompt, output_tokens=output_tokens, cached_tokens=cached_tokens)
            lat = prof.latency(prompt)
            ok = (
                (max_cost is None or cost <= max_cost)
                and (max_latency is None or lat <= max_latency)
                and (min_quality is None or q >= min_quality)
            )
            obj = q - cost_weight * cost - latency_weight * lat
            points.append(
                PlanPoint(
                    profile=prof.name,
                    budget=b,
                    quality=q,
                    cost=cost,
                    latency=lat,
                    objective=obj,
                    feasible=ok,
                )
            )
    feasible = [p for p in points if p.feasible]
    if not feasible:
        raise _infeasible(points, max_cost, max_latency, min_quality)
    # Best objective; ties go to the smaller budget, then the cheaper, then by name.
    best = max(feasible, key=lambda p: (p.objective, -p.budget, -p.cost, p.profile))
    chosen = next(p for p in profs if p.name == best.profile)
    notes = []
    counted = index.tokenizer.name
    if chosen.tokenizer != counted:
        # The budget contract holds for the index's tokenizer; the model may count its
        # prompt differently (o200k against cl100k: a few percent on code).
        notes.append(
            f"{chosen.name} counts with {chosen.tokenizer}, this index with {counted}: the "
            f"budget is {counted} tokens. Build the index with tokenizer="
            f"{chosen.tokenizer!r} for the model's own counts."
        )
    return Plan(
        budget=best.budget,
        profile=chosen,
        quality=best.quality,
        cost=best.cost,
        latency=best.latency,
        objective=best.objective,
        frontier=pareto(points),
        points=points,
        query=query,
        _index=index,
        _pack_options=dict(pack_options),
        notes=notes,
    )


def _infeasible(
    points: Sequence[PlanPoint],
    max_cost: float | None,
    max_latency: float | None,
    min_quality: float | None,
) -> InfeasibleError:
    best_q = max((p.quality for p in points), default=0.0)
    cheapest = min((p.cost for p in points), default=0.0)
    fastest = min((p.latency for p in points), default=0.0)
    facts = []
    name = "constraints"
    if min_quality is not None and best_q < min_quality:
        facts.append(f"the best quality reachable is {best_q:.3f} < min_quality {min_quality}")
        name = "min_quality"
    if max_cost is not None and cheapest > max_cost:
        facts.append(f"the cheapest point costs ${cheapest:.5f} > max_cost {max_cost}")
        name = "max_cost"
    if max_latency is not None and fastest > max_latency:
        facts.append(f"the fastest point takes {fastest:.2f}s > max_latency {max_latency}")
        name = "max_latency"
    if not facts:
        facts.append("no single point meets all constraints at once")
    return InfeasibleError(
        "no model and budget meet the constraints: " + "; ".join(facts) + ". Relax one of them.",
        constraint=name,
    )
