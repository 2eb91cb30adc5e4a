"""Model profiles: what a model costs and how fast it reads, for the budget optimiser.

Example profiles ship as data in ``context_kit/data/models.json`` with a date and a
source note; prices are transcribed by hand and never fetched. Override them by passing
your own :class:`ModelProfile` objects, or another file to :func:`load_profiles`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .errors import OptionError

__all__ = ["PER_MILLION", "ModelProfile", "PriceTier", "load_profiles", "resolve_profiles"]

PER_MILLION = 1_000_000
"""Prices are quoted in dollars per million tokens."""


class PriceTier(BaseModel):
    """Prices that apply to the whole request once the prompt exceeds ``above_tokens``.

    Attributes:
        above_tokens: Prompt length past which this tier applies.
        input_price: Dollars per million input tokens.
        cached_input_price: Dollars per million cached input tokens (``None``: same as
            ``input_price``).
        output_price: Dollars per million output tokens (``None``: the base rate).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    above_tokens: int = Field(ge=0)
    input_price: float = Field(ge=0)
    cached_input_price: float | None = Field(default=None, ge=0)
    output_price: float | None = Field(default=None, ge=0)


class ModelProfile(BaseModel):
    """What a model costs and how fast it reads, for the optimiser.

    Attributes:
        name: Model name.
        provider: ``openai``, ``anthropic``, ``google``...
        context_window: Tokens the model accepts, prompt and output together.
        output_reserve: Tokens kept free for the answer.
        tokenizer: The model's tokenizer name (informative: packs are counted by the
            index's tokenizer; build the index with this name, e.g. ``o200k_base``, for
            counts that are the model's own).
        input_price: Dollars per million input tokens (base tier).
        cached_input_price: Dollars per million cached input tokens (``None``: no discount).
        output_price: Dollars per million output tokens.
        tiers: Higher price tiers by prompt length.
        prefill_tokens_per_second: How fast the model reads the prompt.
        base_latency: Seconds before the first token regardless of prompt length.
        capability: How good the model's answers are relative to the others you weigh, in
            ``(0, 1]``; a point's quality is ``capability x Q(budget)``. A judgement you
            supply (the shipped profiles leave it at 1), so that a stronger, dearer model
            can win against a cheaper one.
        source: Where the figures come from.
        as_of: When they were taken.

    >>> p = ModelProfile(name="m", context_window=10_000, output_reserve=1000,
    ...                  input_price=2.0, output_price=8.0)
    >>> round(p.cost(5000, output_tokens=1000), 4)
    0.018
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    provider: str = ""
    context_window: int = Field(gt=0)
    output_reserve: int = Field(default=0, ge=0)
    tokenizer: str = "cl100k_base"
    input_price: float = Field(ge=0)
    cached_input_price: float | None = Field(default=None, ge=0)
    output_price: float = Field(default=0.0, ge=0)
    tiers: tuple[PriceTier, ...] = ()
    prefill_tokens_per_second: float = Field(default=5000.0, gt=0)
    base_latency: float = Field(default=0.5, ge=0)
    capability: float = Field(default=1.0, gt=0, le=1)
    source: str = ""
    as_of: str = ""

    @property
    def max_prompt(self) -> int:
        """Largest prompt that leaves the output reserve free."""
        return max(self.context_window - self.output_reserve, 0)

    def prices(self, prompt_tokens: int) -> tuple[float, float, float]:
        """``(input, cached_input, output)`` dollars per million for a prompt this long."""
        inp, cached, out = self.input_price, self.cached_input_price, self.output_price
        for tier in sorted(self.tiers, key=lambda t: t.above_tokens):
            if prompt_tokens > tier.above_tokens:
                inp = tier.input_price
                cached = tier.cached_input_price
                out = tier.output_price if tier.output_price is not None else out
        return inp, (cached if cached is not None else inp), out

    def cost(self, prompt_tokens: int, *, output_tokens: int = 0, cached_tokens: int = 0) -> float:
        """Dollars for one request."""
        inp, cached, out = self.prices(prompt_tokens)
        hit = min(max(cached_tokens, 0), prompt_tokens)
        return ((prompt_tokens - hit) * inp + hit * cached + output_tokens * out) / PER_MILLION

    def latency(self, prompt_tokens: int) -> float:
        """Seconds until the model has read the prompt."""
        return self.base_latency + prompt_tokens / self.prefill_tokens_per_second


def load_profiles(path: str | Path | None = None) -> dict[str, ModelProfile]:
    """Example profiles shipped in ``context_kit/data/models.json`` (or another file).

    Raises:
        OptionError: The file is not a valid profile list.
    """
    if path is None:
        raw = (resources.files("context_kit") / "data" / "models.json").read_text("utf-8")
    else:
        raw = Path(path).read_text("utf-8")
    try:
        doc = json.loads(raw)
        as_of = str(doc.get("as_of", ""))
        out = {}
        for p in doc["profiles"]:
            prof = ModelProfile(**{"as_of": as_of, **p})
            out[prof.name] = prof
    except (ValueError, KeyError, TypeError) as exc:
        raise OptionError(f"bad model profile file {path}: {exc}", name="profiles") from exc
    return out


def resolve_profiles(spec: Sequence[str | ModelProfile] | None) -> list[ModelProfile]:
    """Profiles by shipped name or as given (default: every shipped example).

    Raises:
        OptionError: An unknown name, or an empty list.
    """
    shipped = load_profiles()
    if spec is None:
        return list(shipped.values())
    if isinstance(spec, (str, ModelProfile)):
        spec = [spec]
    out = []
    for p in spec:
        if isinstance(p, ModelProfile):
            out.append(p)
        elif p in shipped:
            out.append(shipped[p])
        else:
            raise OptionError(
                f"unknown model profile {p!r}; shipped: {', '.join(sorted(shipped))}, or pass "
                "a ModelProfile",
                name="profiles",
            )
    if not out:
        raise OptionError("profiles is empty; pass at least one", name="profiles")
    return out
