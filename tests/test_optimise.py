"""The budget optimiser moves the way a person would expect when prices and limits move."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import context_kit
from context_kit import InfeasibleError, ModelProfile, OptionError
from context_kit.optimise import load_profiles, pareto, quality_curve

QUERY = "how is the token budget enforced when packing"
BUDGETS = [200, 400, 800, 1600, 3200, 6400, 12800]


@pytest.fixture(scope="module")
def index():
    return context_kit.Index.build(Path(context_kit.__file__).parent)


def profile(name="m", price=3.0, **kw):
    fields = {
        "name": name,
        "context_window": 200_000,
        "output_reserve": 8000,
        "input_price": price,
        "output_price": 4 * price,
        "prefill_tokens_per_second": 5000.0,
        "base_latency": 0.5,
        **kw,
    }
    return ModelProfile(**fields)


def plan_for(index, *profiles, **kw):
    return context_kit.optimise(index, QUERY, profiles=list(profiles), budgets=BUDGETS, **kw)


def test_shipped_profiles_are_dated_and_sourced():
    profiles = load_profiles()
    assert len(profiles) >= 3
    for p in profiles.values():
        assert p.as_of and p.source
        assert 0 < p.max_prompt < p.context_window


def test_tiered_prices_bill_the_whole_prompt_at_the_tier_rate():
    p = load_profiles()["gemini-2.5-pro"]
    below = p.cost(200_000)
    above = p.cost(200_001)
    assert above > 1.9 * below
    assert p.cost(1000, cached_tokens=1000) < p.cost(1000)


def test_quality_curve_is_monotone_normalised_and_priced_once(index):
    q = quality_curve(index, QUERY, BUDGETS)
    assert q.tolist() == sorted(q.tolist())
    assert 0 <= q[0] < q[-1] == 1.0


def test_higher_price_never_raises_the_budget(index):
    budgets = [plan_for(index, profile(price=p), cost_weight=50).budget for p in [0.1, 3, 30]]
    assert budgets == sorted(budgets, reverse=True)
    assert budgets[0] > budgets[-1]


def test_higher_latency_weight_never_raises_the_budget(index):
    budgets = [plan_for(index, profile(), latency_weight=w).budget for w in [0.0, 0.2, 2.0]]
    assert budgets == sorted(budgets, reverse=True)
    assert budgets[0] > budgets[-1]


def test_the_cheaper_model_wins_until_its_price_rises(index):
    a, b = profile("a", price=1.0), profile("b", price=2.0)
    assert plan_for(index, a, b, cost_weight=100).profile.name == "a"
    assert plan_for(index, profile("a", price=4.0), b, cost_weight=100).profile.name == "b"
    # A stronger model is worth its price when cost matters less.
    strong = profile("strong", price=4.0)
    weak = profile("weak", price=1.0, capability=0.6)
    assert plan_for(index, weak, strong, cost_weight=1).profile.name == "strong"
    assert plan_for(index, weak, strong, cost_weight=2000).profile.name == "weak"
    # Without a cost weight, the faster model wins on latency.
    fast = profile("fast", price=9.0, prefill_tokens_per_second=50_000.0)
    assert plan_for(index, a, fast, latency_weight=1.0).profile.name == "fast"


def test_constraints_are_respected_or_raise_a_typed_error(index):
    free = plan_for(index, profile())
    capped = plan_for(index, profile(), max_cost=free.cost * 0.9)
    assert capped.cost <= free.cost * 0.9 and capped.budget < free.budget
    quick = plan_for(index, profile(), max_latency=0.6)
    assert quick.latency <= 0.6
    good = plan_for(index, profile(), cost_weight=1000, min_quality=0.8)
    assert good.quality >= 0.8
    with pytest.raises(InfeasibleError) as info:
        plan_for(index, profile(), max_cost=1e-9)
    assert info.value.constraint == "max_cost"
    with pytest.raises(InfeasibleError):
        plan_for(index, profile(), min_quality=0.9, max_latency=0.51)
    with pytest.raises(OptionError):
        plan_for(index, "no-such-model")
    with pytest.raises(OptionError):
        plan_for(index, profile(), colour="blue")


def test_plan_packs_at_its_budget_and_shows_its_frontier(index, tmp_path: Path):
    plan = plan_for(index, profile("a", price=1.0), profile("b", price=5.0), cost_weight=30)
    packed = plan.pack()
    assert packed.budget == plan.budget and packed.tokens <= plan.budget
    assert (
        any((p.profile, p.budget) == (plan.profile.name, plan.budget) for p in plan.frontier)
        or not plan.frontier
    )
    assert plan.frontier == pareto(plan.points)
    for p in plan.frontier:
        assert not any(
            q.quality >= p.quality
            and q.cost <= p.cost
            and q.latency <= p.latency
            and q != p
            and (q.quality, q.cost, q.latency) != (p.quality, p.cost, p.latency)
            for q in plan.points
        )
    assert "*" in plan.table()
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib (the plot extra) is not installed")
    out = plan.plot(tmp_path / "frontier.png")
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_a_plan_says_when_its_budget_is_not_counted_by_the_models_tokenizer(index):
    same = plan_for(index, profile("a", tokenizer="cl100k_base"))
    assert same.notes == []
    other = plan_for(index, profile("b", tokenizer="o200k_base"))
    assert len(other.notes) == 1
    assert "o200k_base" in other.notes[0] and "cl100k_base" in other.notes[0]
    assert "tokenizer='o200k_base'" in other.notes[0]
