"""Packing: price renderings exactly, choose with a knapsack, assemble and recount."""

from __future__ import annotations

from .exact import exhaustive_mckp
from .format import FORMATS, Formatter, get_formatter
from .knapsack import greedy_mckp, hull_steps
from .packer import Candidate, PackResult, pack_candidates

__all__ = [
    "FORMATS",
    "Candidate",
    "Formatter",
    "PackResult",
    "exhaustive_mckp",
    "get_formatter",
    "greedy_mckp",
    "hull_steps",
    "pack_candidates",
]
