"""Packing: price renderings exactly, choose with a knapsack, assemble and recount."""

from __future__ import annotations

from .exact import dp_mckp, exhaustive_mckp
from .format import FORMATS, Formatter, get_formatter
from .knapsack import greedy_mckp, hull_steps
from .packer import (
    FILE_MENTION_FIDELITY,
    Candidate,
    PackResult,
    lift_file_mentions,
    pack_candidates,
)
from .solver import Solution, solve_mckp, solve_table

__all__ = [
    "FILE_MENTION_FIDELITY",
    "FORMATS",
    "Candidate",
    "Formatter",
    "PackResult",
    "Solution",
    "dp_mckp",
    "exhaustive_mckp",
    "get_formatter",
    "greedy_mckp",
    "hull_steps",
    "lift_file_mentions",
    "pack_candidates",
    "solve_mckp",
    "solve_table",
]
