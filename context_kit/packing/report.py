"""Report rows: what the packer did with each candidate, and why, in words and numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..types import PackedItem, ReportEntry

if TYPE_CHECKING:
    from .packer import Candidate

__all__ = ["entry", "packed_item", "report_entries"]


def _described(c: Candidate) -> dict[str, Any]:
    """The fields that say which slice a candidate is, and how it scored."""
    s = c.slice
    return {
        "id": s.id,
        "kind": s.kind,
        "path": s.path,
        "start_line": s.start_line,
        "end_line": s.end_line,
        "name": s.name,
        "score": round(c.score, 6),
        "scores": c.scores,
    }


def packed_item(c: Candidate, j: int, tokens: int) -> PackedItem:
    """The packed item for candidate ``c`` at rung ``j`` costing ``tokens``."""
    # Every field is built here from validated values; skip re-validation (hot with
    # thousands of candidates).
    rung = c.rungs[j]
    last = c.slice.meta.get("last_commit") if rung.name != "mention" else None
    return PackedItem.model_construct(
        **_described(c),
        rendering=rung.name,
        tokens=tokens,
        commit=c.slice.commit,
        last_commit=last if isinstance(last, str) else None,
        verbatim_lines=rung.verbatim_lines(),
    )


def report_entries(
    candidates: Sequence[Candidate],
    costs: Sequence[Sequence[int]],
    choice: Sequence[int],
    pinned: set[int],
    required_by: Mapping[int, int],
    overlap_losers: Mapping[int, int],
    bounds: Mapping[str, tuple[int, int]],
    used_by_kind: Mapping[str, int],
    left: int,
) -> list[ReportEntry]:
    """One entry per candidate, in rank order: its decision, rung, tokens and reason.

    Args:
        candidates: The candidates, in rank order.
        costs: Exact tokens of each candidate's rungs.
        choice: Chosen rung per candidate (``-1`` = dropped).
        pinned: Pinned candidates.
        required_by: Anchored dependency -> the candidate that needed it.
        overlap_losers: Candidate left out for an overlap -> the one packed instead.
        bounds: Token bounds per kind from the shares.
        used_by_kind: Tokens packed per kind.
        left: Tokens left unspent.
    """
    entries = []
    for i, c in enumerate(candidates):
        j = choice[i]
        full = costs[i][0]
        kind = c.slice.kind
        if i in pinned:
            entries.append(entry(c, c.rungs[0].name, full, full, "included", "pinned"))
        elif i in required_by:
            dep = candidates[required_by[i]].slice.id
            decision = "included" if j == 0 else "trimmed"
            why = f"required by {dep}: {c.rungs[j].name} rung so the reader sees its context"
            entries.append(entry(c, c.rungs[j].name, costs[i][j], full, decision, why))
        elif j == 0:
            entries.append(entry(c, c.rungs[0].name, full, full, "included", "fits in full"))
        elif j > 0:
            why = f"full needs {full} tokens; {c.rungs[j].name} gave more value per token"
            entries.append(entry(c, c.rungs[j].name, costs[i][j], full, "trimmed", why))
        elif i in overlap_losers:
            why = f"overlaps {candidates[overlap_losers[i]].slice.id}, which was packed"
            entries.append(entry(c, None, 0, full, "dropped", why))
        elif kind in bounds and used_by_kind.get(kind, 0) + min(costs[i]) > bounds[kind][1]:
            why = f"the {kind} share is capped at {bounds[kind][1]} tokens"
            entries.append(entry(c, None, 0, full, "dropped", why))
        elif c.score <= 0:
            entries.append(entry(c, None, 0, full, "dropped", "not relevant to the query"))
        else:
            # The budget being spent is never the whole story: what was packed instead
            # was worth more per token (a rank-7 item "needing 24 tokens, 2 left" while
            # rank-90 items were packed read like a bug).
            cheapest = min(costs[i])
            why = "lower value per token than what was packed"
            if cheapest > left:
                why += f" (its cheapest rung needs {cheapest} tokens, {max(left, 0)} were left)"
            if c.requires:
                why += f"; it needs {c.requires} beside it"
            entries.append(entry(c, None, 0, full, "dropped", why))
    return entries


def entry(
    c: Candidate, rung: str | None, tokens: int, full: int, decision: str, reason: str
) -> ReportEntry:
    """A report entry for one candidate."""
    return ReportEntry.model_construct(
        **_described(c),
        decision=decision,
        rendering=rung,
        tokens=tokens,
        full_tokens=full,
        reason=reason,
    )
