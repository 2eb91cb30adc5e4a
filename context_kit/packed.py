"""The result of packing: the prompt text, what is in it, and what was left out and why."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .types import PackedItem, ReportEntry

__all__ = ["PackReport", "PackedContext"]


class PackReport(BaseModel):
    """Why the pack looks the way it does.

    Attributes:
        entries: One entry per candidate that was priced, in rank order.
        considered: Number of candidates priced.
        not_considered: Slices with a non-zero score ranked below the candidate cut.
        corpus_size: Slices in the index.
        overhead_tokens: Tokens spent on the document header, footer and separators.
        repairs: How many times the recount forced a choice to be trimmed after assembly.
        retrievers: Retriever weights used.
    """

    model_config = ConfigDict(frozen=True)

    entries: list[ReportEntry] = Field(default_factory=list)
    considered: int = 0
    not_considered: int = 0
    corpus_size: int = 0
    overhead_tokens: int = 0
    repairs: int = 0
    retrievers: dict[str, float] = Field(default_factory=dict)

    @property
    def dropped(self) -> list[ReportEntry]:
        """Candidates that were left out."""
        return [e for e in self.entries if e.decision == "dropped"]

    @property
    def trimmed(self) -> list[ReportEntry]:
        """Candidates packed as a cheaper rung."""
        return [e for e in self.entries if e.decision == "trimmed"]

    def table(self, limit: int | None = 40) -> str:
        """A plain-text table of the report, best-ranked first."""
        rows = [
            f"{'decision':<9} {'rung':<10} {'tokens':>6} {'full':>6} {'score':>7}  slice / reason"
        ]
        for e in self.entries[:limit]:
            where = e.path or e.id
            if e.start_line is not None:
                where += f":{e.start_line}-{e.end_line}"
            rows.append(
                f"{e.decision:<9} {(e.rendering or '-'):<10} {e.tokens:>6} {e.full_tokens:>6} "
                f"{e.score:>7.3f}  {where} {e.name}\n{'':>43}{e.reason}"
            )
        if limit is not None and len(self.entries) > limit:
            rows.append(f"... {len(self.entries) - limit} more candidates")
        if self.not_considered:
            rows.append(f"{self.not_considered} lower-ranked slices were not considered")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        from ._notebook import report_html

        return report_html(self)

    def _repr_markdown_(self) -> str:
        return f"```text\n{self.table()}\n```"


class PackedContext(BaseModel):
    """A packed prompt section that fits the budget exactly.

    Attributes:
        text: The packed context, ready to put in a prompt.
        tokens: Exact token count of ``text`` by ``tokenizer`` (recounted after assembly).
        budget: The budget it had to fit (``tokens <= budget`` always).
        tokenizer: Name of the tokenizer that counted.
        format: Output format (``markdown``, ``xml``, ``json``).
        query: The query it was packed for.
        items: What was packed, in document order.
        report: Every candidate's decision and reason.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    tokens: int
    budget: int
    tokenizer: str
    format: str
    query: str
    items: list[PackedItem]
    report: PackReport

    @property
    def dropped(self) -> list[ReportEntry]:
        """Candidates that were left out, with reasons."""
        return self.report.dropped

    def __str__(self) -> str:
        return self.text

    def to_messages(
        self, provider: Literal["openai", "anthropic"] = "openai", *, question: str | None = None
    ) -> list[dict[str, Any]]:
        """Chat messages carrying the context (and the question, if given).

        Args:
            provider: ``"openai"`` (content strings) or ``"anthropic"`` (content blocks with
                a cache breakpoint after the context).
            question: Text to append as the user's question after the context.
        """
        if provider == "anthropic":
            blocks: list[dict[str, Any]] = [
                {"type": "text", "text": self.text, "cache_control": {"type": "ephemeral"}}
            ]
            if question:
                blocks.append({"type": "text", "text": question})
            return [{"role": "user", "content": blocks}]
        content = self.text if not question else f"{self.text}\n{question}"
        return [{"role": "user", "content": content}]

    def _repr_markdown_(self) -> str:
        head = (
            f"**PackedContext** — {len(self.items)} items, {self.tokens}/{self.budget} tokens "
            f"({self.tokenizer}, {self.format})\n\n"
        )
        rows = ["| # | kind | cite | rendering | tokens | score |", "|---|---|---|---|---|---|"]
        for i, it in enumerate(self.items, 1):
            cite = it.commit if it.kind == "commit" else f"{it.path}:{it.start_line}-{it.end_line}"
            rows.append(
                f"| {i} | {it.kind} | `{cite}` | {it.rendering} | {it.tokens} | {it.score:.3f} |"
            )
        return head + "\n".join(rows)

    def _repr_html_(self) -> str:
        from ._notebook import packed_html

        return packed_html(self)
