"""How much of a slice's value each rung keeps — the packer's exchange rate.

These are the defaults the knapsack multiplies relevance by. They encode a judgement, not a
measurement: a signature tells a model a function exists and how to call it (about a
quarter of what the full body is worth for fixing it), a one-line mention only that it
exists. Override them per pack with ``fidelity={...}``; the optimiser may tune them.
"""

from __future__ import annotations

__all__ = ["FIDELITY"]

FIDELITY: dict[str, float] = {
    "full": 1.0,
    "skeleton": 0.6,
    "lead": 0.5,
    "elided": 0.45,
    "headers": 0.4,
    "stat": 0.2,
    "signature": 0.25,
    "mention": 0.08,
}
"""Default fidelity per rung name, in (0, 1]."""
