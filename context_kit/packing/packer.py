"""Price every rung exactly, choose with the knapsack, assemble, recount, repair.

The budget contract lives here: the returned text's token count — header, separators and
footer included, counted by the same tokenizer after assembly — never exceeds the budget.
Rung prices are exact for each block plus its separator; BPE merges across block
boundaries can still shift the total by a token or two, so the assembled text is recounted
and, if it is over, the least valuable choice per token is trimmed until it fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import BudgetError
from ..tokens import Tokenizer
from ..types import PackedItem, ReportEntry, Rung, Slice
from .format import Formatter
from .knapsack import greedy_mckp

__all__ = ["Candidate", "PackResult", "pack_candidates"]

_KIND_TIER = {"doc": 0, "code": 1, "commit": 2}
"""Document order: specs first (stable, cacheable), then code, then history."""


@dataclass
class Candidate:
    """A slice in the running, with its relevance and its ladder of rungs.

    Attributes:
        slice: The slice.
        score: Fused relevance (>= 0).
        scores: Breakdown by retriever.
        rungs: The renderer's ladder, richest first.
        value: What packing the full rung is worth to the knapsack (defaults to ``score``);
            a rung is worth ``value x fidelity``.
    """

    slice: Slice
    score: float
    scores: dict[str, float]
    rungs: list[Rung]
    value: float | None = None


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


def pack_candidates(
    candidates: Sequence[Candidate],
    budget: int,
    tokenizer: Tokenizer,
    formatter: Formatter,
) -> PackResult:
    """Pack ranked candidates into at most ``budget`` tokens.

    Args:
        candidates: In rank order (best first).
        budget: Maximum tokens of the final text.
        tokenizer: Counts tokens exactly.
        formatter: Output format.

    Returns:
        The text, its exact count, the packed items and a report entry per candidate.

    Raises:
        BudgetError: ``budget`` is not a positive integer.
    """
    _check_budget(budget)
    empty = _assemble(formatter, [])
    overhead = tokenizer.count(empty)
    if overhead > budget:
        # Not even the empty document fits: return nothing rather than overrun.
        entries = [
            _entry(c, None, 0, 0, "dropped", "budget smaller than the format's frame")
            for c in candidates
        ]
        return PackResult("", 0, [], entries, overhead)

    blocks = [[formatter.block(c.slice, r) for r in c.rungs] for c in candidates]
    flat = [b + formatter.separator for bs in blocks for b in bs]
    counts = tokenizer.count_many(flat)
    costs: list[list[int]] = []
    pos = 0
    for bs in blocks:
        costs.append(counts[pos : pos + len(bs)])
        pos += len(bs)
    options = [
        [
            (costs[i][j], (c.score if c.value is None else c.value) * r.fidelity)
            for j, r in enumerate(c.rungs)
        ]
        for i, c in enumerate(candidates)
    ]
    capacity = budget - overhead
    choice = greedy_mckp(options, capacity).tolist()

    repairs = 0
    while True:
        chosen = [i for i, j in enumerate(choice) if j >= 0]
        chosen.sort(key=lambda i: _order_key(candidates[i].slice))
        text = _assemble(formatter, [blocks[i][choice[i]] for i in chosen]) if chosen else ""
        total = tokenizer.count(text) if text else 0
        if total <= budget:
            break
        # Trim the choice that gives the least value per token: step it down one rung.
        worst = min(
            chosen,
            key=lambda i: (options[i][choice[i]][1] / max(options[i][choice[i]][0], 1), -i),
        )
        choice[worst] = choice[worst] + 1 if choice[worst] + 1 < len(options[worst]) else -1
        repairs += 1

    items = [
        PackedItem(
            id=candidates[i].slice.id,
            kind=candidates[i].slice.kind,
            path=candidates[i].slice.path,
            start_line=candidates[i].slice.start_line,
            end_line=candidates[i].slice.end_line,
            name=candidates[i].slice.name,
            rendering=candidates[i].rungs[choice[i]].name,
            tokens=costs[i][choice[i]],
            score=round(candidates[i].score, 6),
            scores=candidates[i].scores,
            commit=candidates[i].slice.commit,
        )
        for i in chosen
    ]
    left = capacity - sum(costs[i][choice[i]] for i in chosen)
    entries = []
    for i, c in enumerate(candidates):
        j = choice[i]
        full = costs[i][0]
        if j == 0:
            entries.append(_entry(c, c.rungs[0].name, full, full, "included", "fits in full"))
        elif j > 0:
            entries.append(
                _entry(
                    c,
                    c.rungs[j].name,
                    costs[i][j],
                    full,
                    "trimmed",
                    f"full needs {full} tokens; {c.rungs[j].name} gave more value per token",
                )
            )
        else:
            cheapest = min(costs[i])
            why = (
                f"cheapest rung needs {cheapest} tokens, {max(left, 0)} were left"
                if cheapest > left
                else "lower value per token than what was packed"
            )
            entries.append(_entry(c, None, 0, full, "dropped", why))
    return PackResult(text, total, items, entries, overhead, repairs, chosen)


def _order_key(s: Slice) -> tuple[int, str, int, str]:
    return (_KIND_TIER.get(s.kind, 3), s.path or "", s.start_line or 0, s.id)


def _entry(
    c: Candidate, rung: str | None, tokens: int, full: int, decision: str, reason: str
) -> ReportEntry:
    s = c.slice
    return ReportEntry(
        id=s.id,
        kind=s.kind,
        path=s.path,
        start_line=s.start_line,
        end_line=s.end_line,
        name=s.name,
        score=round(c.score, 6),
        scores=c.scores,
        decision=decision,  # type: ignore[arg-type]
        rendering=rung,
        tokens=tokens,
        full_tokens=full,
        reason=reason,
    )
