"""Document sections: Markdown, reStructuredText and plain text cut at their headings.

A section runs from its heading to the line before the next heading of any level; its
``name`` is the heading path (``Design > Storage > Compaction``) so a reader sees where it
sits. Fenced code blocks are never split and never mistaken for headings. Plain-text files
become paragraph-aligned windows.
"""

from __future__ import annotations

import re

from ..types import Slice
from ._lines import LineTable
from .text import DEFAULT_WINDOW_LINES, window_slices
from .walk import FileText

__all__ = ["DOC_EXTENSIONS", "DocsSource"]

DOC_EXTENSIONS = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc")
"""File extensions read as documents."""

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RST_UNDERLINE = re.compile(r"^([=\-`:'\"~^_*+#<>])\1{2,}[ \t]*$")


def _markdown_headings(table: LineTable) -> list[tuple[int, int, str]]:
    """``(line, level, title)`` for each Markdown heading, outside fenced code."""
    out: list[tuple[int, int, str]] = []
    fence: str | None = None
    lines = table.lines
    for i, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        atx = _ATX.match(line)
        if atx:
            out.append((i, len(atx.group(1)), atx.group(2).strip()))
            continue
        if i > 1 and _SETEXT.match(line):
            prev = lines[i - 2].strip()
            if prev and not (out and out[-1][0] == i - 1):
                level = 1 if line.strip().startswith("=") else 2
                out.append((i - 1, level, prev))
    return out


def _rst_headings(table: LineTable) -> list[tuple[int, int, str]]:
    """``(line, level, title)`` for each RST heading; levels follow first-seen adornment order."""
    out: list[tuple[int, int, str]] = []
    styles: list[tuple[str, bool]] = []
    lines = [raw.rstrip("\r\n") for raw in table.lines]
    i = 0
    while i < len(lines):
        title = lines[i].strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        over = False
        if (  # overline + title + underline
            _RST_UNDERLINE.match(lines[i])
            and i + 2 < len(lines)
            and _RST_UNDERLINE.match(lines[i + 2])
            and lines[i + 2][0] == lines[i][0]
        ):
            over = True
            title, nxt = lines[i + 1].strip(), lines[i + 2]
        if (
            title
            and not _RST_UNDERLINE.match(title)
            and _RST_UNDERLINE.match(nxt)
            and (len(nxt.rstrip()) >= len(title) or over)
        ):
            style = (nxt[0], over)
            if style not in styles:
                styles.append(style)
            out.append((i + 1, styles.index(style) + 1, title))
            i += 3 if over else 2
            continue
        i += 1
    return out


class DocsSource:
    """Splits documents into heading sections.

    Args:
        extensions: File extensions read as documents.
        window: Lines per window for plain text and for very long sections.
    """

    name = "docs"
    version = "1"

    def __init__(
        self, *, extensions: tuple[str, ...] = DOC_EXTENSIONS, window: int = DEFAULT_WINDOW_LINES
    ) -> None:
        self.extensions = extensions
        self.window = window

    def accepts(self, path: str) -> bool:
        """Whether the path has a document extension."""
        return path.lower().endswith(self.extensions)

    def slices(self, file: FileText) -> list[Slice]:
        """Sections of one document."""
        table = LineTable(file.text)
        lower = file.path.lower()
        if lower.endswith((".md", ".markdown", ".mdx")):
            heads = _markdown_headings(table)
            language = "markdown"
        elif lower.endswith(".rst"):
            heads = _rst_headings(table)
            language = "rst"
        else:
            heads = []
            language = "text"
        if not heads:
            return window_slices(
                file.path, table, language=language, window=self.window, kind="doc"
            )
        out: list[Slice] = []
        bounds = [h[0] for h in heads] + [len(table) + 1]
        stack: list[tuple[int, str]] = []
        if heads[0][0] > 1:  # preamble before the first heading
            out += self._section(file.path, table, 1, heads[0][0] - 1, file.path, language)
        for (line, level, title), nxt in zip(heads, bounds[1:], strict=False):
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            crumb = " > ".join(t for _, t in stack)
            out += self._section(file.path, table, line, nxt - 1, crumb, language)
        return out

    def _section(
        self, path: str, table: LineTable, a: int, b: int, name: str, language: str
    ) -> list[Slice]:
        while b >= a and table.is_blank(b):
            b -= 1
        while a <= b and table.is_blank(a):
            a += 1
        if a > b:
            return []
        return [
            Slice(
                id=f"doc:{path}:{a}-{b}",
                kind="doc",
                path=path,
                start_line=a,
                end_line=b,
                start_byte=table.byte_start(a),
                end_byte=table.byte_end(b),
                name=name,
                symbol_kind="section",
                language=language,
                text=table.text(a, b),
                defines=(name.rsplit(" > ", 1)[-1],),
                meta={"heading_path": name},
            )
        ]
