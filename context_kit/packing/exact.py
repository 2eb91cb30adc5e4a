"""Exhaustive multiple-choice knapsack: slow, obviously correct, for tests of the fast one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from .knapsack import Option

__all__ = ["dp_mckp", "exhaustive_mckp"]

# 8 groups of 4 options is 5^8 ≈ 390k combinations: the most a test should wait for.
MAX_COMBINATIONS = 500_000


def exhaustive_mckp(options: Sequence[Sequence[Option]], capacity: int) -> tuple[float, list[int]]:
    """Best total value and choice (``-1`` = none) by trying every combination.

    Raises:
        ValueError: The instance has more than ``MAX_COMBINATIONS`` combinations.
    """
    sizes = [len(o) + 1 for o in options]
    total = 1
    for s in sizes:
        total *= s
    if total > MAX_COMBINATIONS:
        raise ValueError(f"{total} combinations is too many for the exhaustive packer")
    best_value = 0.0
    best_choice = [-1] * len(options)
    for combo in itertools.product(*(range(-1, len(o)) for o in options)):
        cost = 0
        value = 0.0
        for g, j in enumerate(combo):
            if j >= 0:
                cost += options[g][j][0]
                value += options[g][j][1]
        if cost <= capacity and value > best_value:
            best_value, best_choice = value, list(combo)
    return best_value, best_choice


def dp_mckp(options: Sequence[Sequence[Option]], capacity: int) -> float:
    """Optimal total value by the textbook dynamic programme over every integer capacity.

    Exact for any number of groups (integer costs), in ``O(groups x options x capacity)``
    plain-Python time: the reference for instances too large to enumerate.
    """
    best = [0.0] * (capacity + 1)
    for opts in options:
        new = best[:]
        for c, v in opts:
            if c < 0 or c > capacity:
                continue
            for cap in range(c, capacity + 1):
                cand = best[cap - c] + v
                if cand > new[cap]:
                    new[cap] = cand
        best = new
    return best[capacity]
