"""How much of a slice's value each rung keeps — the packer's exchange rate.

These are the defaults the knapsack multiplies relevance by. They encode a judgement
checked against the quality benchmark, not a measurement of model behaviour: a signature
tells a model that a function exists and how to call it, a one-line mention only that it
exists. The elided and signature rungs were 0.45 and 0.25 at first; at those rates the
packer preferred five elided bodies to one full one, and the body it elided was often the
one that had to change (commit tasks at 4k tokens: 15% of the lines to change were packed
only elided). At 0.3 and 0.15 line recall rose by about 0.01 on its own, more together
with stemming and header lifting. Renderers take their own table
(``CodeRenderer(fidelity={...})``).
"""

from __future__ import annotations

__all__ = ["FIDELITY"]

FIDELITY: dict[str, float] = {
    "full": 1.0,
    "skeleton": 0.6,
    "lead": 0.5,
    "elided": 0.3,
    "headers": 0.4,
    "stat": 0.2,
    "signature": 0.15,
    "mention": 0.08,
}
"""Default fidelity per rung name, in (0, 1]."""
