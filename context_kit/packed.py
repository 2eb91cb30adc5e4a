"""The result of packing: the prompt text, what is in it, and what was left out and why."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import OptionError
from .tokens import Tokenizer, get_tokenizer
from .types import PackedItem, ReportEntry

__all__ = ["PackReport", "PackedContext", "ShareReport", "Tier"]

_MAX_BREAKPOINTS = 4
"""Anthropic accepts at most four ``cache_control`` breakpoints per request."""


class Tier(BaseModel):
    """One tier of the packed document (see :mod:`context_kit.packing.layout`).

    Attributes:
        name: ``pinned``, ``docs``, ``code`` or ``history``.
        items: Packed items in the tier.
        end: Character offset in ``text`` just past the tier.
        stable: Whether the tier is stable across queries (a cache breakpoint follows it).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    items: int
    end: int
    stable: bool


class ShareReport(BaseModel):
    """Tokens one slice kind used against the share bounds asked for.

    Attributes:
        kind: Slice kind.
        tokens: Tokens its packed blocks cost.
        min_tokens: Lower bound asked for.
        max_tokens: Upper bound asked for.
        met: Whether ``min_tokens <= tokens <= max_tokens`` (a minimum cannot be met when
            the kind has too few candidates).
    """

    model_config = ConfigDict(frozen=True)

    kind: str
    tokens: int
    min_tokens: int
    max_tokens: int
    met: bool


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
        shares: Tokens per kind against the requested shares.
        value: Total value (relevance x fidelity) of what was packed.
        redact_secrets: Whether credentials were redacted (``Index.build(redact_secrets=)``).
        redactions: Redaction markers in the packed text, by rule (``aws-access-key``...).
        backstop_redactions: Secret values the final scan of the assembled text still found
            and redacted (0 unless a source or renderer let one through).
        copies: Candidates that copy a better-ranked candidate or a pin (same kind,
            name and text: an amalgamated header, a vendored module), by slice id, each
            with the id of the copy priced in full instead. A copy is offered at its
            cheapest rung only, a one-line mention, at most three per file (their entries
            come after the ranked ones);
            ``Index.pack(copies=True)`` prices every rung of each.
    """

    model_config = ConfigDict(frozen=True)

    entries: list[ReportEntry] = Field(default_factory=list)
    considered: int = 0
    not_considered: int = 0
    corpus_size: int = 0
    overhead_tokens: int = 0
    repairs: int = 0
    retrievers: dict[str, float] = Field(default_factory=dict)
    shares: list[ShareReport] = Field(default_factory=list)
    value: float = 0.0

    def records(self) -> list[dict[str, Any]]:
        """The report as data: one flat dict per candidate (``scores`` spread as columns).

        Ready for ``pandas.DataFrame(report.records())`` or ``csv.DictWriter``.
        """
        out = []
        for e in self.entries:
            row = e.model_dump(exclude={"scores"})
            for name in sorted(self.retrievers):
                row[f"score_{name}"] = e.scores.get(name, 0.0)
            out.append(row)
        return out

    redact_secrets: bool = True
    redactions: dict[str, int] = Field(default_factory=dict)
    backstop_redactions: int = 0
    copies: dict[str, str] = Field(default_factory=dict)

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
            parts = " ".join(f"{k}={v:.3f}" for k, v in sorted(e.scores.items()))
            rows.append(
                f"{e.decision:<9} {(e.rendering or '-'):<10} {e.tokens:>6} {e.full_tokens:>6} "
                f"{e.score:>7.3f}  {where} {e.name}\n{'':>43}{e.reason}"
                + (f" [{parts}]" if parts else "")
            )
        if limit is not None and len(self.entries) > limit:
            rows.append(f"... {len(self.entries) - limit} more candidates")
        if self.not_considered:
            rows.append(f"{self.not_considered} lower-ranked slices were not considered")
        if self.copies:
            shown = ", ".join(f"{d} (copy of {o})" for d, o in list(self.copies.items())[:3])
            more = f" and {len(self.copies) - 3} more" if len(self.copies) > 3 else ""
            rows.append(
                f"{len(self.copies)} copies offered at their cheapest rung only: {shown}{more}"
            )
        for sh in self.shares:
            state = "met" if sh.met else "NOT met"
            rows.append(
                f"share {sh.kind}: {sh.tokens} tokens, asked {sh.min_tokens}-{sh.max_tokens} "
                f"({state})"
            )
        if not self.redact_secrets:
            rows.append("secret redaction was OFF: credentials are packed verbatim")
        elif self.redactions:
            shown = ", ".join(f"{n} {rule}" for rule, n in self.redactions.items())
            rows.append(f"secrets redacted in this text: {shown}")
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
        tiers: The document's tiers, stable first, with their character extents.
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
    tiers: list[Tier] = Field(default_factory=list)

    @property
    def stable_end(self) -> int:
        """Character offset just past the last stable tier (0 when there is none)."""
        end = 0
        for t in self.tiers:
            if not t.stable:
                break
            end = t.end
        return end

    def cacheable_prefix_tokens(
        self,
        previous: PackedContext | str,
        *,
        tokenizer: Tokenizer | None = None,
        at_breakpoints: bool = False,
    ) -> int:
        """How many leading tokens this pack shares with ``previous`` (a prompt cache hit).

        Args:
            previous: The earlier pack (or its text).
            tokenizer: Tokenizer to count with (default: the one named in ``tokenizer``).
            at_breakpoints: Count only up to the last cache breakpoint (end of a stable
                tier, or of the whole context) inside the shared prefix — what a cache
                with explicit breakpoints, such as Anthropic's, can reuse.

        Returns:
            The length, in tokens, of the common prefix of the two token sequences.

        >>> import context_kit, pathlib
        >>> index = context_kit.Index.build(pathlib.Path(context_kit.__file__).parent)
        >>> a = index.pack("token budget", budget=600)
        >>> a.cacheable_prefix_tokens(a) == a.tokens
        True
        """
        tok = tokenizer or get_tokenizer(self.tokenizer)
        before = previous.text if isinstance(previous, PackedContext) else previous
        a, b = tok.encode(self.text), tok.encode(before)
        same = 0
        for x, y in zip(a, b, strict=False):
            if x != y:
                break
            same += 1
        if not at_breakpoints:
            return same
        marks = [t.end for t in self.tiers if t.stable] + [len(self.text)]
        best = 0
        for end in marks:
            n = len(tok.encode(self.text[:end]))
            # A breakpoint counts only if the text up to it is the same in both packs.
            if n <= same and before[:end] == self.text[:end]:
                best = max(best, n)
        return best

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

        The context is laid out stable-first, so both providers' prompt caches reuse the
        longest unchanged prefix. OpenAI caches prefixes automatically: one user message
        with string content. Anthropic caches up to explicit breakpoints: the context is
        split into content blocks at the end of each stable tier (pinned material, docs)
        and at its end, each block carrying ``cache_control``; the question follows. The
        blocks concatenate to exactly ``text``.

        Args:
            provider: ``"openai"`` or ``"anthropic"``.
            question: Text to append as the user's question after the context.
        """
        if provider not in ("openai", "anthropic"):
            raise OptionError(
                f"provider must be 'openai' or 'anthropic', got {provider!r}", name="provider"
            )
        if provider == "anthropic":
            cuts = [t.end for t in self.tiers if t.stable and 0 < t.end < len(self.text)]
            cuts = [*cuts[: _MAX_BREAKPOINTS - 1], len(self.text)]
            blocks: list[dict[str, Any]] = []
            start = 0
            for end in cuts:
                if end > start:
                    blocks.append(
                        {
                            "type": "text",
                            "text": self.text[start:end],
                            "cache_control": {"type": "ephemeral"},
                        }
                    )
                    start = end
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
