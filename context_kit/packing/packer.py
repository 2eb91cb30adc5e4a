"""Price every rung exactly, choose under constraints, lay out, assemble, recount, repair.

The budget contract lives here: the returned text's token count — header, separators and
footer included, counted by the same tokenizer after assembly — never exceeds the budget.
Rung prices are exact for each block plus its separator; BPE merges across block
boundaries can still shift the total by a token or two, so the assembled text is recounted
and, if it is over, the least valuable choice per token is trimmed until it fits.

Pinned candidates are always packed in full (or :class:`PinnedOverflowError` says which
did not fit and by how much); shares, overlaps and dependencies are described in
:mod:`.constraints`, the document order in :mod:`.layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import BudgetError, PinnedOverflowError
from ..tokens import Tokenizer
from ..types import PackedItem, ReportEntry, Rung, Slice
from .constraints import choose, dependency_chains, overlap_pairs, share_tokens
from .format import Formatter, _last_commit, merged_block
from .layout import STABLE_TIERS, arrange, check_order, tier_of
from .report import entry, packed_item, report_entries

__all__ = [
    "ANCHOR_RUNGS",
    "FILE_MENTION_FIDELITY",
    "Candidate",
    "PackResult",
    "ShareUse",
    "TierSpan",
    "lift_file_mentions",
    "pack_candidates",
]

_REFILL_ROUNDS = 2
"""Incremental re-solves after the anchors are placed; the second catches what the first
one's own unused reserves freed."""

_MERGE_ROUNDS = 2
"""Re-solves that spend what merging adjacent blocks saved (see :func:`_groups`)."""

GapIsBlank = Callable[[str, int, int], bool]
"""``(path, first, last) -> bool``: whether those lines of the file hold no code at all."""

ANCHOR_RUNGS = ("signature", "lead", "stat")
"""Rungs a dependency is packed at when only its dependents were chosen, in order of
preference (a class's signature line tells the reader where a method lives); a slice
without any of them is packed at its cheapest rung."""


DEFAULT_RELEVANCE_POWER = 4.0
"""Exponent applied to fused scores before the knapsack weighs them (see ``Index.pack``).

Measured on the SWE-bench Lite dev tasks and mined commit tasks: line recall at 8k tokens
rose from 0.49 to 0.69 (SWE) and 0.49 to 0.65 (commits) going from 1 to 4; 8 gained no
more and lost file recall."""


@dataclass
class Candidate:
    """A slice in the running, with its relevance and its ladder of rungs.

    Attributes:
        slice: The slice.
        score: Fused relevance (>= 0).
        scores: Breakdown by retriever.
        rungs: The renderer's ladder, richest first.
        pinned: Always packed, in full.
        requires: Id of a candidate this one needs beside it (its class header...).
        value: What packing the full rung is worth to the knapsack (defaults to ``score``);
            a rung is worth ``value x fidelity``.
    """

    slice: Slice
    score: float
    scores: dict[str, float]
    rungs: list[Rung]
    pinned: bool = False
    requires: str | None = None
    value: float | None = None


FILE_MENTION_FIDELITY = 0.2
"""Fidelity of the mention rung of each file's best-ranked candidate (see
:func:`lift_file_mentions`); other mentions keep the renderer's (0.08 by default)."""


def lift_file_mentions(
    candidates: Sequence[Candidate], fidelity: float = FILE_MENTION_FIDELITY
) -> None:
    """Make the mention of each file's best candidate worth at least ``fidelity``.

    The first line naming a file tells a reader the file is in play, which no later
    line about the same file adds again; a knapsack pricing each mention alone sees none
    of that, so at small budgets it spent every token on the best few files and named
    no other. Lifting only each file's best-ranked mention (ties go to the earlier
    candidate) prices that first line as worth more than the rest. On the quality
    benchmark (2026-11-24, averaged over 2k-32k tokens, file / function / line recall)
    0.2 moved the 122 Python tasks from .935 / .754 / .787 to .942 / .754 / .786 and the
    120 polyglot tasks from .900 / - / .709 to .907 / - / .708 (file recall at 2k .884 ->
    .898 and .769 -> .789); 0.15 gained half as much, 0.25 more file recall (.947, .915)
    for line recall (.782, .706).

    Candidates are changed in place; a rung other than ``mention`` is left alone.
    """
    best: dict[str, Candidate] = {}
    for c in candidates:
        path = c.slice.path
        if path is not None and (path not in best or c.score > best[path].score):
            best[path] = c
    for c in best.values():
        c.rungs = [
            r.model_copy(update={"fidelity": fidelity})
            if r.name == "mention" and r.fidelity < fidelity
            else r
            for r in c.rungs
        ]


@dataclass(frozen=True)
class TierSpan:
    """One tier of the packed document.

    Attributes:
        name: ``pinned``, ``docs``, ``code`` or ``history``.
        items: Packed items in the tier.
        end: Character offset in the text just past the tier (its separator included).
        stable: Whether a cache breakpoint belongs after it.
    """

    name: str
    items: int
    end: int
    stable: bool


@dataclass(frozen=True)
class ShareUse:
    """Tokens one kind used against its share bounds.

    Attributes:
        kind: Slice kind.
        tokens: Tokens its packed blocks cost.
        min_tokens: Lower bound asked for.
        max_tokens: Upper bound asked for.
        met: Whether ``min_tokens <= tokens <= max_tokens``.
    """

    kind: str
    tokens: int
    min_tokens: int
    max_tokens: int
    met: bool


@dataclass
class PackResult:
    """What :func:`pack_candidates` returns."""

    text: str
    tokens: int
    items: list[PackedItem]
    entries: list[ReportEntry]
    overhead: int
    repairs: int = 0
    chosen: list[int] = field(default_factory=list)
    tiers: list[TierSpan] = field(default_factory=list)
    shares: list[ShareUse] = field(default_factory=list)
    value: float = 0.0


def _check_budget(budget: object) -> None:
    """Raise :class:`BudgetError` unless ``budget`` is a positive ``int``."""
    if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
        raise BudgetError(
            f"budget must be a positive integer number of tokens, got {budget!r}; "
            "pass e.g. budget=8000",
            available=budget if isinstance(budget, int) else None,
        )


def _assemble(fmt: Formatter, blocks: Sequence[str]) -> str:
    return fmt.header + fmt.separator.join(blocks) + fmt.footer


def _anchor(rungs: Sequence[Rung], costs: Sequence[int]) -> int:
    for name in ANCHOR_RUNGS:
        for j, r in enumerate(rungs):
            if r.name == name:
                return j
    return min(range(len(costs)), key=lambda j: (costs[j], j))


@dataclass
class _Priced:
    """Every candidate's blocks and exact prices, plus the constraint bookkeeping."""

    blocks: list[list[str]]
    costs: list[list[int]]
    anchor: list[int]
    chains: list[list[int]]
    pinned: list[int]


def _price(candidates: Sequence[Candidate], tokenizer: Tokenizer, fmt: Formatter) -> _Priced:
    blocks = [[fmt.block(c.slice, r) for r in c.rungs] for c in candidates]
    flat = [b + fmt.separator for bs in blocks for b in bs]
    counts = tokenizer.count_many(flat)
    costs: list[list[int]] = []
    pos = 0
    for bs in blocks:
        costs.append(counts[pos : pos + len(bs)])
        pos += len(bs)
    ids = {c.slice.id: i for i, c in enumerate(candidates)}
    requires = [ids.get(c.requires) if c.requires else None for c in candidates]
    return _Priced(
        blocks=blocks,
        costs=costs,
        anchor=[_anchor(c.rungs, costs[i]) for i, c in enumerate(candidates)],
        chains=dependency_chains(requires),
        pinned=[i for i, c in enumerate(candidates) if c.pinned],
    )


def _reserve(p: _Priced, i: int, pinned: set[int]) -> int:
    """Tokens to hold back for the anchors ``i`` may need."""
    return sum(p.costs[d][p.anchor[d]] for d in p.chains[i] if d not in pinned)


def _pinned_overflow(
    candidates: Sequence[Candidate], p: _Priced, overhead: int, budget: int
) -> None:
    pinned = set(p.pinned)
    needed = overhead + sum(p.costs[i][0] + _reserve(p, i, pinned) for i in p.pinned)
    if needed <= budget:
        return
    left = budget - overhead
    missing = []
    for i in p.pinned:
        cost = p.costs[i][0] + _reserve(p, i, pinned)
        if cost <= left:
            left -= cost
        else:
            missing.append(candidates[i].slice.id)
    raise PinnedOverflowError(
        f"pinned material needs {needed} tokens but the budget is {budget} "
        f"({needed - budget} over); {len(missing)} pinned item(s) did not fit: "
        + ", ".join(missing)
        + ". Raise the budget or pin less.",
        needed=needed,
        available=budget,
        items=missing,
    )


def pack_candidates(
    candidates: Sequence[Candidate],
    budget: int,
    tokenizer: Tokenizer,
    formatter: Formatter,
    *,
    shares: Mapping[str, tuple[float, float]] | None = None,
    order: str = "tiers",
    merge: bool = True,
    gap_is_blank: GapIsBlank | None = None,
) -> PackResult:
    """Pack ranked candidates into at most ``budget`` tokens.

    Args:
        candidates: In rank order (best first).
        budget: Maximum tokens of the final text.
        tokenizer: Counts tokens exactly.
        formatter: Output format.
        shares: ``{kind: (min, max)}`` fractions of the budget per slice kind.
        order: ``"tiers"`` or ``"relevance_last"`` (see :mod:`.layout`).
        merge: Show code items of one file that follow each other in the document as one
            block (one citation heading and fence), the lines between them elided or, when
            blank, kept; what that saves is spent on more material.
        gap_is_blank: Tells which lines between two items hold no code, so they are kept
            as blank lines rather than elided (without it, every gap is elided).

    Returns:
        The text, its exact count, the packed items, a report entry per candidate, and the
        tiers of the document.

    Raises:
        BudgetError: ``budget`` is not a positive integer.
        PinnedOverflowError: The pinned candidates do not fit in the budget.
        OptionError: Malformed ``shares`` or ``order``.
    """
    _check_budget(budget)
    check_order(order)
    bounds = share_tokens(shares, budget)
    empty = _assemble(formatter, [])
    overhead = tokenizer.count(empty)
    has_pins = any(c.pinned for c in candidates)
    if overhead > budget and not has_pins:
        # Not even the empty document fits: return nothing rather than overrun.
        entries = [
            entry(c, None, 0, 0, "dropped", "budget smaller than the format's frame")
            for c in candidates
        ]
        return PackResult("", 0, [], entries, overhead)

    p = _price(candidates, tokenizer, formatter)
    _pinned_overflow(candidates, p, overhead, budget)
    pinned = set(p.pinned)
    n = len(candidates)
    width = max((len(c) for c in p.costs), default=1)
    real = np.full((n, max(width, 1)), -1, dtype=np.int64)
    value = np.zeros((n, max(width, 1)), dtype=np.float64)
    for i, c in enumerate(candidates):
        for j, r in enumerate(c.rungs):
            real[i, j] = p.costs[i][j]
            value[i, j] = (c.score if c.value is None else c.value) * r.fidelity
    # Each option's price includes the anchors it may need: the budget is reserved before
    # the solver chooses, so adding the anchors afterwards can never overrun it.
    priced = real.copy()
    for i in range(n):
        extra = _reserve(p, i, pinned)
        if extra:
            priced[i][priced[i] >= 0] += extra
    fixed: dict[str, int] = {}
    pinned_cost = 0
    for i in p.pinned:
        k = candidates[i].slice.kind
        fixed[k] = fixed.get(k, 0) + int(real[i, 0])
        pinned_cost += int(priced[i, 0])
    # Commits cite history, not the indexed tree: a diff over lines a code slice also
    # shows is different text, so only tree-backed slices (code, docs) can double-pack.
    conflicts = overlap_pairs(
        [
            (None, None, None)
            if c.slice.kind == "commit"
            else (c.slice.path, c.slice.start_line, c.slice.end_line)
            for c in candidates
        ]
    )
    # Pinned candidates take their lines first: whatever overlaps them is out.
    lost: dict[int, int] = {}
    for a, b in conflicts:
        if a in pinned and b not in pinned:
            lost[b] = a
        elif b in pinned and a not in pinned:
            lost[a] = b
    free_conflicts = [(a, b) for a, b in conflicts if a not in pinned and b not in pinned]
    open_rows = priced.copy()
    open_rows[sorted(pinned | set(lost))] = -1
    choice_arr, excluded = choose(
        open_rows,
        value,
        [c.slice.kind for c in candidates],
        budget - overhead - pinned_cost,
        bounds=bounds,
        fixed=fixed,
        conflicts=free_conflicts,
    )
    lost.update(excluded)
    choice = choice_arr.tolist()
    for i in p.pinned:
        choice[i] = 0
    required_by = _add_anchors(candidates, p, choice, conflicts, bounds)
    # Reserves for anchors that were not needed (the dependency was packed anyway, or
    # shared by several dependents) come back here.
    for _ in range(_REFILL_ROUNDS):
        if not _refill(
            candidates, p, real, value, choice, pinned, lost, conflicts, bounds, budget - overhead
        ):
            break
        required_by.update(_add_anchors(candidates, p, choice, conflicts, bounds))

    repairs = merges = 0
    while True:
        chosen = [i for i, j in enumerate(choice) if j >= 0]
        layout = arrange(
            [candidates[i].slice for i in chosen],
            [candidates[i].score for i in chosen],
            [i in pinned for i in chosen],
            order,
        )
        chosen = [chosen[k] for k in layout]
        groups = _groups(candidates, choice, chosen, pinned) if merge else [[i] for i in chosen]
        blocks = [
            p.blocks[g[0]][choice[g[0]]]
            if len(g) == 1
            else merged_block(
                formatter,
                [(candidates[i].slice, candidates[i].rungs[choice[i]]) for i in g],
                gap_is_blank,
            )
            for g in groups
        ]
        text = _assemble(formatter, blocks) if chosen else ""
        total = tokenizer.count(text) if text else 0
        if total <= budget:
            # Merged blocks cost less than the blocks priced one by one: spend the
            # difference on upgrades and additions, then lay out and count again.
            saved = overhead + sum(int(real[i, choice[i]]) for i in chosen) - total
            if saved > 0 and merges < _MERGE_ROUNDS and len(groups) < len(chosen):
                merges += 1
                capacity = budget - overhead + saved
                if _refill(
                    candidates, p, real, value, choice, pinned, lost, conflicts, bounds, capacity
                ):
                    required_by.update(_add_anchors(candidates, p, choice, conflicts, bounds))
                    continue
            break
        _repair(candidates, p, value, choice, pinned, required_by, total, budget)
        repairs += 1

    tiers = _tiers(candidates, groups, pinned, formatter, blocks, text)
    items = [packed_item(candidates[i], choice[i], p.costs[i][choice[i]]) for i in chosen]
    used_by_kind: dict[str, int] = {}
    for i in chosen:
        k = candidates[i].slice.kind
        used_by_kind[k] = used_by_kind.get(k, 0) + p.costs[i][choice[i]]
    share_use = [
        ShareUse(k, used_by_kind.get(k, 0), lo, hi, lo <= used_by_kind.get(k, 0) <= hi)
        for k, (lo, hi) in sorted(bounds.items())
    ]
    left = budget - total if chosen else budget - overhead
    entries = report_entries(
        candidates, p.costs, choice, pinned, required_by, lost, bounds, used_by_kind, left
    )
    total_value = float(sum(value[i, choice[i]] for i in chosen))
    return PackResult(
        text,
        total,
        items,
        entries,
        overhead,
        repairs,
        chosen,
        tiers,
        share_use,
        total_value,
    )


def _refill(
    candidates: Sequence[Candidate],
    p: _Priced,
    real: np.ndarray,
    value: np.ndarray,
    choice: list[int],
    pinned: set[int],
    lost: Mapping[int, int],
    conflicts: Sequence[tuple[int, int]],
    bounds: Mapping[str, tuple[int, int]],
    capacity: int,
) -> bool:
    """Spend tokens left after the anchors on upgrades and additions; True if any.

    A second, *incremental* knapsack: a packed candidate's options are its richer rungs at
    their extra cost, an unpacked one's are its rungs plus the anchors it would still
    need. Overlaps with what is packed, and the shares' remaining room, still bind.
    """
    kinds = [c.slice.kind for c in candidates]
    used: dict[str, int] = {}
    total = 0
    for i, j in enumerate(choice):
        if j >= 0:
            used[kinds[i]] = used.get(kinds[i], 0) + int(real[i, j])
            total += int(real[i, j])
    left = capacity - total
    if left <= 0:
        return False
    packed = {i for i, j in enumerate(choice) if j >= 0}
    blocked = set(lost) | pinned
    for a, b in conflicts:
        if a in packed:
            blocked.add(b)
        if b in packed:
            blocked.add(a)
    n = len(choice)
    cur = np.asarray(choice, dtype=np.int64)
    rows = np.arange(n)
    has = cur >= 0
    cur_cost = np.where(has, real[rows, np.maximum(cur, 0)], 0)[:, None]
    cur_value = np.where(has, value[rows, np.maximum(cur, 0)], 0.0)[:, None]
    exists = real >= 0
    # Packed, not pinned: richer rungs at their extra cost (never negative).
    upgrade = has[:, None] & exists & (value > cur_value)
    upgrade[sorted(pinned), :] = False
    # Not packed, not blocked: every rung plus the anchors it would still need.
    addable = np.zeros(n, dtype=bool)
    addable[[i for i in range(n) if choice[i] < 0 and i not in blocked]] = True
    need = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(addable).tolist():
        need[i] = sum(p.costs[d][p.anchor[d]] for d in p.chains[i] if d not in packed)
    add = addable[:, None] & exists
    inc_cost = np.where(
        upgrade, np.maximum(real - cur_cost, 0), np.where(add, real + need[:, None], -1)
    ).astype(np.int64)
    inc_value = np.where(upgrade, value - cur_value, np.where(add, value, 0.0))
    room = {k: (0, max(hi - used.get(k, 0), 0)) for k, (_, hi) in bounds.items()}
    free = [(a, b) for a, b in conflicts if a not in packed and b not in packed]
    extra_choice, _ = choose(inc_cost, inc_value, kinds, left, bounds=room, conflicts=free)
    changed = False
    for i, j in enumerate(extra_choice.tolist()):
        if j >= 0:
            choice[i] = j
            changed = True
    return changed


def _add_anchors(
    candidates: Sequence[Candidate],
    p: _Priced,
    choice: list[int],
    conflicts: Sequence[tuple[int, int]],
    bounds: Mapping[str, tuple[int, int]],
) -> dict[int, int]:
    """Pack the anchor of every dependency of a chosen candidate that is not packed yet.

    An anchor that would push its kind past its share's maximum is left out: the share
    is a hard cap, the dependency a courtesy to the reader.
    """
    used: dict[str, int] = {}
    for i, j in enumerate(choice):
        if j >= 0:
            k = candidates[i].slice.kind
            used[k] = used.get(k, 0) + p.costs[i][j]
    neighbours: dict[int, set[int]] = {}
    for a, b in conflicts:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    required_by: dict[int, int] = {}
    for i in [i for i, j in enumerate(choice) if j >= 0]:
        for d in p.chains[i]:
            if choice[d] >= 0:
                continue
            # A packed slice over the same lines already shows the reader the dependency.
            if any(choice[o] >= 0 for o in neighbours.get(d, ())):
                continue
            kind = candidates[d].slice.kind
            cost = p.costs[d][p.anchor[d]]
            if kind in bounds and used.get(kind, 0) + cost > bounds[kind][1]:
                continue
            used[kind] = used.get(kind, 0) + cost
            choice[d] = p.anchor[d]
            required_by[d] = i
    return required_by


def _repair(
    candidates: Sequence[Candidate],
    p: _Priced,
    value: np.ndarray,
    choice: list[int],
    pinned: set[int],
    required_by: Mapping[int, int],
    total: int,
    budget: int,
) -> None:
    """Step the least valuable choice per token down one rung (never a pinned one)."""
    chosen = [i for i, j in enumerate(choice) if j >= 0 and i not in pinned]
    plain = [i for i in chosen if i not in required_by]
    pool = plain or chosen
    if not pool:
        raise PinnedOverflowError(
            f"pinned material is {total} tokens once assembled, over the budget of {budget}; "
            "raise the budget or pin less",
            needed=total,
            available=budget,
            items=[candidates[i].slice.id for i in sorted(pinned)],
        )
    worst = min(pool, key=lambda i: (value[i, choice[i]] / max(p.costs[i][choice[i]], 1), -i))
    choice[worst] = choice[worst] + 1 if choice[worst] + 1 < len(p.costs[worst]) else -1


def _tiers(
    candidates: Sequence[Candidate],
    groups: Sequence[Sequence[int]],
    pinned: set[int],
    fmt: Formatter,
    blocks: Sequence[str],
    text: str,
) -> list[TierSpan]:
    spans: list[TierSpan] = []
    pos = len(fmt.header)
    for k, (group, block) in enumerate(zip(groups, blocks, strict=True)):
        name = tier_of(candidates[group[0]].slice, group[0] in pinned)
        pos += len(block)
        last = k == len(groups) - 1
        end = len(text) if last else pos + len(fmt.separator)
        if not last:
            pos += len(fmt.separator)
        if spans and spans[-1].name == name:
            spans[-1] = TierSpan(name, spans[-1].items + len(group), end, name in STABLE_TIERS)
        else:
            spans.append(TierSpan(name, len(group), end, name in STABLE_TIERS))
    return spans


def _groups(
    candidates: Sequence[Candidate], choice: Sequence[int], chosen: Sequence[int], pinned: set[int]
) -> list[list[int]]:
    """The chosen candidates (in document order) in runs to show as one block each.

    A run is code of one file, each item starting below where the one before it ends,
    in one tier, none a mention (a list line) or naming its last commit (a line under its
    own heading): a file cut into ten packed slices made ten headings and fences, 17% of a
    Markdown pack's tokens in an audit of 170 packs.
    """
    groups: list[list[int]] = []
    for i in chosen:
        if groups and _joins(candidates, choice, groups[-1][-1], i, pinned):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _joins(
    candidates: Sequence[Candidate], choice: Sequence[int], a: int, b: int, pinned: set[int]
) -> bool:
    sa, sb = candidates[a].slice, candidates[b].slice
    ra, rb = candidates[a].rungs[choice[a]], candidates[b].rungs[choice[b]]
    return (
        sa.kind == sb.kind == "code"
        and sa.path is not None
        and sa.path == sb.path
        and sa.language == sb.language
        and (a in pinned) == (b in pinned)
        and "mention" not in (ra.name, rb.name)
        and ra.end_line is not None
        and sb.start_line is not None
        and sb.start_line > ra.end_line
        and _last_commit(sa) is None
        and _last_commit(sb) is None
    )
