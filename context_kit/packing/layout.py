"""Where each packed block goes: stable material first, volatile material last.

Prompt caches (Anthropic's ``cache_control``, OpenAI's automatic prefix cache) reuse the
longest *unchanged prefix* of a prompt, so the document is laid out in tiers from the
most to the least stable across queries:

1. ``pinned`` — what the caller pinned (specs, conventions): the same for every query;
2. ``docs`` — documentation sections: change rarely and read well before the code;
3. ``code`` — the query's code slices;
4. ``history`` — commits, the most query-specific material.

Inside a tier, blocks follow ``(path, line, id)`` — the reading order of the repository
and deterministic. ``order="relevance_last"`` keeps the stable tiers as they are and puts
the volatile blocks in rising relevance, so the most relevant block sits right before the
question that follows the context (models attend best to the start and the end).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..errors import OptionError
from ..types import Slice

__all__ = ["ORDERS", "STABLE_TIERS", "TIERS", "Order", "arrange", "check_order", "tier_of"]

Order = Literal["tiers", "relevance_last"]

ORDERS: tuple[str, ...] = ("tiers", "relevance_last")
"""Accepted values of the ``order`` option."""

TIERS: tuple[str, ...] = ("pinned", "docs", "code", "history")
"""Tier names in document order."""

STABLE_TIERS = frozenset({"pinned", "docs"})
"""Tiers that are the same from one query to the next often enough to be worth a cache
breakpoint after them."""

_TIER_OF_KIND = {"doc": "docs", "code": "code", "commit": "history"}


def check_order(order: str) -> None:
    """Raise :class:`OptionError` unless ``order`` is one of :data:`ORDERS`."""
    if order not in ORDERS:
        raise OptionError(f"order must be one of {', '.join(ORDERS)}, got {order!r}", name="order")


def tier_of(slice_: Slice, pinned: bool) -> str:
    """The tier a packed slice belongs to."""
    return "pinned" if pinned else _TIER_OF_KIND.get(slice_.kind, "code")


def arrange(
    slices: Sequence[Slice], scores: Sequence[float], pinned: Sequence[bool], order: str
) -> list[int]:
    """Document order of the given packed slices (indices into the inputs)."""
    check_order(order)

    def key(i: int) -> tuple[int, float, str, int, str]:
        s = slices[i]
        tier = tier_of(s, pinned[i])
        rank = TIERS.index(tier)
        if order == "relevance_last" and tier not in STABLE_TIERS:
            # One volatile run in rising relevance; ties keep reading order.
            return (len(TIERS), scores[i], s.path or "", s.start_line or 0, s.id)
        return (rank, 0.0, s.path or "", s.start_line or 0, s.id)

    return sorted(range(len(slices)), key=key)
