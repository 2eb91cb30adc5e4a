"""HTML renderings of a pack and its report for Jupyter (``_repr_html_``).

Every string that comes from the repository (paths, names, reasons, the packed text) is
HTML-escaped: a repository is untrusted input and a notebook renders whatever HTML it gets.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .packed import PackedContext, PackReport
    from .types import ReportEntry

__all__ = ["packed_html", "report_html"]

# A notebook cell showing thousands of rows is unreadable and slow; the full report stays
# available as ``report.entries`` and ``report.table(limit=None)``.
_MAX_ROWS = 50
# Enough of the packed text to recognise it; ``print(packed.text)`` shows it all.
_PREVIEW_CHARS = 2000


def _where(e: ReportEntry) -> str:
    where = e.path or e.id
    if e.start_line is not None:
        where += f":{e.start_line}-{e.end_line}"
    return where


def report_html(report: PackReport, limit: int = _MAX_ROWS) -> str:
    """The report as an HTML table: decision, rung, tokens, score, slice and reason."""
    head = (
        "<tr><th>decision</th><th>rendering</th><th>tokens</th><th>full</th>"
        "<th>score</th><th>slice</th><th>reason</th></tr>"
    )
    rows = [
        "<tr>"
        f"<td>{escape(e.decision)}</td><td>{escape(e.rendering or '-')}</td>"
        f"<td>{e.tokens}</td><td>{e.full_tokens}</td><td>{e.score:.3f}</td>"
        f"<td><code>{escape(_where(e))}</code> {escape(e.name)}</td>"
        f"<td>{escape(e.reason)}</td>"
        "</tr>"
        for e in report.entries[:limit]
    ]
    more = len(report.entries) - limit
    foot = f"<p>… {more} more candidates</p>" if more > 0 else ""
    summary = (
        f"<p><b>PackReport</b>: {report.considered} candidates priced, "
        f"{len(report.dropped)} dropped, {len(report.trimmed)} trimmed, "
        f"{report.not_considered} lower-ranked not considered; "
        f"{report.overhead_tokens} tokens of headers and separators.</p>"
    )
    return f"{summary}<table>{head}{''.join(rows)}</table>{foot}"


def packed_html(packed: PackedContext) -> str:
    """The pack as HTML: a summary line, the items with citations, a preview of the text."""
    head = (
        f"<p><b>PackedContext</b> — {len(packed.items)} items, "
        f"{packed.tokens}/{packed.budget} tokens ({escape(packed.tokenizer)}, "
        f"{escape(packed.format)}) for <i>{escape(packed.query)}</i></p>"
    )
    rows = []
    for i, it in enumerate(packed.items, 1):
        cite = it.commit if it.kind == "commit" else f"{it.path}:{it.start_line}-{it.end_line}"
        rows.append(
            f"<tr><td>{i}</td><td>{escape(it.kind)}</td><td><code>{escape(cite or '')}</code>"
            f"</td><td>{escape(it.rendering)}</td><td>{it.tokens}</td>"
            f"<td>{it.score:.3f}</td></tr>"
        )
    table = (
        "<table><tr><th>#</th><th>kind</th><th>cite</th><th>rendering</th><th>tokens</th>"
        f"<th>score</th></tr>{''.join(rows)}</table>"
    )
    text = packed.text
    cut = "\n…" if len(text) > _PREVIEW_CHARS else ""
    preview = (
        f"<details><summary>text</summary><pre>{escape(text[:_PREVIEW_CHARS] + cut)}</pre>"
        "</details>"
    )
    return head + table + preview
