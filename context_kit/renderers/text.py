"""Renderings of document sections: full → lead → mention.

* ``full``: the section verbatim.
* ``lead``: the heading and first paragraph, then the headings of the direct subsections
  (verbatim file lines, recorded by the docs source in ``meta["subsections"]``), with an
  elision marker wherever lines were left out — a table of contents a reader can follow.
* ``mention``: ``path:line  heading path``.

Every rung is verbatim file text plus elision markers, never anything invented.
"""

from __future__ import annotations

import json

from ..sources._lines import LineTable, split_lines
from ..sources.docs import doc_blocks
from ..types import Rung, Slice
from ._fidelity import FIDELITY
from .code import _strictly_shrinking, elision_marker

__all__ = ["TextRenderer", "lead_text", "subsection_lines"]


def subsection_lines(slice_: Slice) -> list[tuple[int, str]]:
    """``(line, verbatim heading text)`` of the section's direct subsections, if recorded."""
    raw = slice_.meta.get("subsections")
    if not isinstance(raw, str):
        return []
    try:
        data = json.loads(raw)
        return [(int(line), str(text)) for line, text in data]
    except (ValueError, TypeError):  # a malformed record only costs the subsection list
        return []


def _first_paragraph_end(slice_: Slice) -> int:
    """How many leading lines form the heading plus the first paragraph after it.

    A fenced block counts as one paragraph, so the lead never cuts a fence in two.
    """
    table = LineTable(slice_.text)
    heading = slice_.meta.get("heading_lines")
    skip = heading if isinstance(heading, int) else 0
    for _, last, _ in doc_blocks(table, 1, len(table), language=slice_.language):
        if last > skip:
            return last
    return len(table)


def lead_text(slice_: Slice) -> str | None:
    """The ``lead`` rung's text, or ``None`` when it would leave nothing out."""
    lead = _lead(slice_)
    return lead[0] if lead is not None else None


def _lead(slice_: Slice) -> tuple[str, int] | None:
    """:func:`lead_text` and the last line it shows (its last subsection heading's)."""
    a, b = slice_.start_line, slice_.end_line
    if a is None or b is None:
        return None
    lines = split_lines(slice_.text)
    keep = _first_paragraph_end(slice_)
    subs = [(line, text) for line, text in subsection_lines(slice_) if line > b]
    if keep >= len(lines) and not subs:
        return None
    text = "".join(lines[:keep])
    if not text.endswith("\n"):
        text += "\n"
    if a + keep <= b:  # the rest of the section's own lines
        text += elision_marker("", a + keep, b)
    after = b + 1
    for n, (line, heading) in enumerate(subs):
        # Between two subsection headings lie the earlier one's content lines; before the
        # first there are only the blank lines the section was trimmed of, unless the
        # section was cut into parts (the later parts' lines come first).
        if (n or slice_.part is not None) and after <= line - 1:
            text += elision_marker("", after, line - 1)
        text += heading if heading.endswith("\n") else heading + "\n"
        after = line + max(heading.count("\n"), 1)
    return text, max(b, after - 1)


class TextRenderer:
    """Ladders for document sections (and any non-code slice).

    Args:
        fidelity: Fidelity per rung name (defaults to ``FIDELITY``).
    """

    def __init__(self, *, fidelity: dict[str, float] | None = None) -> None:
        self.fidelity = fidelity or FIDELITY

    def accepts(self, slice_: Slice) -> bool:
        """Document slices."""
        return slice_.kind == "doc"

    def ladder(self, slice_: Slice) -> list[Rung]:
        """Full section, its lead (first paragraph + subsection headings), its heading path."""
        a, b = slice_.start_line, slice_.end_line
        f = self.fidelity
        rungs = [Rung(name="full", text=slice_.text, fidelity=f["full"], start_line=a, end_line=b)]
        lead = _lead(slice_)
        if lead is not None:
            # The lead shows the subsection headings below the section: it reaches them.
            text, end = lead
            rungs.append(
                Rung(name="lead", text=text, fidelity=f["lead"], start_line=a, end_line=end)
            )
        crumb = slice_.name or (slice_.path or "")
        rungs.append(
            Rung(
                name="mention",
                text=f"{slice_.path}:{a}  {crumb}\n",
                fidelity=f["mention"],
                start_line=a,
                end_line=a,
            )
        )
        return _strictly_shrinking(rungs)
