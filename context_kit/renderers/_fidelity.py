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

``excerpt`` (a long function's query-matching lines, see ``packing/excerpt.py``) sits
between ``full`` and ``elided``. At 0.5 it raised line recall on commit tasks at 4k from
.671 to .689; 0.4 and 0.6 moved that by -0.015 and +0.005 and traded function recall the
other way, so 0.5 is the middle of a flat region, not a tuned peak. ``short_excerpt``
(the best three matching lines of a function with more) is worth a little less; 0.45 gave
`all` .941 / .756 / .792 and polyglot .908 / .716 against .942 / .757 / .791 and .906 / .718
at 0.4.

``banner_elided`` (a module header without the licence banner opening its file) loses
nothing a model uses; it sits just under ``full`` so that the packer keeps the banner only
for free.
"""

from __future__ import annotations

__all__ = ["FIDELITY"]

FIDELITY: dict[str, float] = {
    "full": 1.0,
    "banner_elided": 0.98,
    "skeleton": 0.6,
    "excerpt": 0.5,
    "short_excerpt": 0.4,
    "lead": 0.5,
    "elided": 0.3,
    "headers": 0.4,
    "stat": 0.2,
    "signature": 0.15,
    "mention": 0.08,
}
"""Default fidelity per rung name, in (0, 1]."""
