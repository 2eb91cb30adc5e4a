"""Document sections: Markdown, reStructuredText, AsciiDoc and plain text cut at headings.

A section runs from its heading to the line before the next heading of any level; its
``name`` is the heading path (``Design > Storage > Compaction``) so a reader sees where it
sits. Plain text is cut at RFC-style numbered headings (``3.2.  Compaction``) when it has
them. Fenced code blocks (AsciiDoc's delimited blocks) are never split and never mistaken
for headings, and neither is a Markdown page's YAML or TOML front matter. Sections longer
than ``max_section_lines`` are split at paragraph boundaries into parts (``part=(k, n)``);
plain-text files become paragraph-aligned windows. Together the slices of a document
partition its non-blank lines.

Each section's ``meta`` says what a spec reader needs (scalars only):

==========================  ===============================================================
key                         value
==========================  ===============================================================
``heading_path``            the breadcrumbs, as in ``name``
``level``                   heading level (1 = top), absent for preambles and windows
``heading_lines``           lines the heading occupies (on the part that holds it)
``clause``                  RFC-style clause number the heading opens with (``4.1``)
``requirements``            identifiers the section defines, comma-separated (``REQ-12``)
``requirement_spans``       ``REQ-12:14-16;FR-3.2:17-20`` — file lines stating each one
``requirement_refs``        identifiers the section only mentions
``must`` / ``should`` /     how many sentences carry each RFC 2119 obligation level
``may``
``obligation``              the strongest level present (``MUST``, ``SHOULD``, ``MAY``)
``subsections``             JSON list of ``[line, verbatim heading text]`` of direct children
==========================  ===============================================================

Which files count as documents is a list of gitignore-style globs (``patterns``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pathspec

from ..types import MetaValue, Slice
from ._lines import LineTable
from .requirements import (
    DEFAULT_REQUIREMENT_PATTERN,
    clause_number,
    fence_after,
    normative_counts,
    requirement_blocks,
    requirement_ids,
)
from .text import DEFAULT_WINDOW_LINES, line_slice
from .walk import FileText

__all__ = [
    "DEFAULT_DOC_PATTERNS",
    "DEFAULT_MAX_SECTION_LINES",
    "DOC_EXTENSIONS",
    "DocsSource",
    "doc_blocks",
]

DOC_EXTENSIONS = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc")
"""File extensions read as documents."""

DEFAULT_DOC_PATTERNS: tuple[str, ...] = (
    *(f"*{ext}" for ext in DOC_EXTENSIONS),
    "docs/",
    "doc/",
    "adr/",
    "adrs/",
    "decisions/",
    "README*",
    "CHANGELOG*",
    "CHANGES*",
    "HISTORY*",
    "NEWS*",
    "CONTRIBUTING*",
)
"""Default document globs (gitignore syntax, matched at any depth): document extensions,
``docs/`` and architecture-decision-record folders, and the conventional top-level prose
files. Code files inside ``docs/`` still go to the code source, which is consulted first."""

DEFAULT_MAX_SECTION_LINES = 80
"""Sections longer than this are split at paragraph boundaries: long enough that most
sections stay whole, short enough that one giant section is not an all-or-nothing item."""

_MARKDOWN_EXT = (".md", ".markdown", ".mdx")
# Extension-less prose files are often Markdown in all but name.
_PROSE_NAME = re.compile(r"^(?:readme|changelog|changes|history|news|contributing)(?:\.[a-z]+)?$")
# The closing #s and blanks are stripped in Python: a lazy ``(.*?)[ \t#]*$`` backtracks
# quadratically on a heading line ending in thousands of blanks or #s.
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT_OPEN = re.compile(r"^ {0,3}<!--")
# RFC section titles: a dotted number at column 0, or an appendix's letter ("Appendix A.",
# "A.1."), then a title. (The letter forms needed a digit, so every RFC's appendices were
# filed under its last numbered section.)
_NUMBERED = re.compile(
    r"^(\d+(?:\.\d+)*\.?|(?:Appendix[ \t]+)?[A-Z](?:\.\d+)*\.)[ \t]+[A-Z][^\n]{0,72}$"
)
_MIN_NUMBERED_HEADINGS = 3
# Any ASCII punctuation adorns an RST title (pydicom underlines with ``.``), as docutils
# reads it; a run of one character, three at least.
_RST_UNDERLINE = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
# docutils takes an underline shorter than its title for one (with a warning) when it is
# at least this long; a shorter one is ordinary text.
_RST_SHORT_UNDERLINE = 4
# YAML (``---``) or TOML (``+++``) front matter opening a Markdown file (Jekyll, Hugo,
# MkDocs pages): its closing ``---`` read as a setext underline made the last key a
# heading (840 of 2,530 doc files in an audit: every page of curl's docs).
_FRONT_MATTER = ("---", "+++")
_MAX_FRONT_MATTER_LINES = 200
# AsciiDoc: ``== Section`` titles, outside delimited blocks (``----`` listings, ``....``
# literals, ``////`` comments, ``====`` examples...), which open and close on a line of
# four or more of one character.
_ADOC_HEAD = re.compile(r"^(={1,6})[ \t]+(\S.*)$")
_ADOC_DELIMITER = re.compile(r"^(-{4,}|\.{4,}|\+{4,}|_{4,}|={4,}|\*{4,}|/{4,})[ \t]*$")
_ASCIIDOC_EXT = (".adoc", ".asciidoc")


@dataclass
class _Head:
    line: int  # 1-based first line of the heading
    level: int
    title: str
    size: int = 1  # lines the heading occupies (setext 2, RST overline 3)
    children: list[int] = field(default_factory=list)


class _Fences:
    """Tracks whether a line sits inside a fenced code block or a multi-line HTML comment.

    Neither holds headings: a README's commented-out ``<!-- ## Roadmap ... -->`` is
    hidden on the rendered page, and a fence opened inside the comment would otherwise
    swallow every heading after it. As in CommonMark, a comment starts a line (after at
    most three spaces) outside a fence and ends on the first line holding ``-->``; a
    ``<!--`` inside a fence is code.

    ``markdown=False`` (reStructuredText) knows no fences: a title underlined with ``~~~``
    or ````` opened one that never closed, so its section was neither split nor given a
    lead (171 sections of 38 files in an audit).
    """

    def __init__(self, markdown: bool = True) -> None:
        self.fence = ""  # the marker of the open fence, if any
        self.comment = False
        self.markdown = markdown

    def step(self, line: str) -> bool:
        """Feed one line; True when it opens, closes or sits inside a fence or a comment."""
        if not self.markdown:
            return False
        if self.comment:
            self.comment = "-->" not in line
            return True
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            self.fence = fence_after(self.fence, marker, line)
            return True
        if not self.fence:
            c = _COMMENT_OPEN.match(line)
            if c:
                # One line (``<!-- note --> text``) is an ordinary line.
                self.comment = "-->" not in line[c.end() :]
                return self.comment
        return bool(self.fence)


def _front_matter_lines(lines: Sequence[str]) -> int:
    """How many lines of YAML or TOML front matter open the file (0 when none)."""
    if not lines or lines[0].rstrip() not in _FRONT_MATTER:
        return 0
    fence = lines[0].rstrip()
    for j in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if lines[j].rstrip() in (fence, "..."):
            return j + 1
    return 0


def _markdown_headings(table: LineTable) -> list[_Head]:
    """Each Markdown heading (ATX and setext), outside fenced code and front matter."""
    out: list[_Head] = []
    fences = _Fences()
    lines = table.lines
    skip = _front_matter_lines(lines)
    prev_fenced = skip > 0
    for i, raw in enumerate(lines, 1):
        if i <= skip:
            continue
        line = raw.rstrip("\r\n")
        if fences.step(line):
            prev_fenced = True
            continue
        atx = _ATX.match(line)
        if atx:
            out.append(_Head(i, len(atx.group(1)), atx.group(2).rstrip(" \t#").strip()))
        elif i > 1 and not prev_fenced and _SETEXT.match(line):
            prev = lines[i - 2].strip()
            if prev and not (out and out[-1].line + out[-1].size - 1 >= i - 1):
                level = 1 if line.strip().startswith("=") else 2
                out.append(_Head(i - 1, level, prev, size=2))
        prev_fenced = False
    return out


def _rst_headings(table: LineTable) -> list[_Head]:
    """Each RST heading; levels follow first-seen adornment order."""
    out: list[_Head] = []
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
            and (len(nxt.rstrip()) >= min(len(title), _RST_SHORT_UNDERLINE) or over)
        ):
            style = (nxt[0], over)
            if style not in styles:
                styles.append(style)
            size = 3 if over else 2
            out.append(_Head(i + 1, styles.index(style) + 1, title, size=size))
            i += size
            continue
        i += 1
    return out


def _asciidoc_headings(table: LineTable) -> list[_Head]:
    """Each AsciiDoc section title (``= Title``, ``== Section``), outside delimited blocks."""
    out: list[_Head] = []
    block: str | None = None
    for i, raw in enumerate(table.lines, 1):
        line = raw.rstrip("\r\n")
        delimiter = _ADOC_DELIMITER.match(line)
        if delimiter:
            mark = delimiter.group(1)
            if block is None:
                block = mark
            elif mark == block:
                block = None
            continue
        if block is not None:
            continue
        head = _ADOC_HEAD.match(line)
        if head:
            out.append(_Head(i, len(head.group(1)), head.group(2).rstrip(" \t=").strip()))
    return out


def _numbered_headings(table: LineTable) -> list[_Head]:
    """RFC-style numbered headings of plain text (``3.2.  Compaction`` at column 0).

    A numbered line counts only when it stands alone between blank lines, is short, does
    not end like a sentence, and the file has at least ``_MIN_NUMBERED_HEADINGS`` of them —
    so a numbered list in a plain note stays a paragraph.
    """
    lines = [raw.rstrip("\r\n") for raw in table.lines]
    out: list[_Head] = []
    for i, line in enumerate(lines):
        m = _NUMBERED.match(line)
        if (
            m
            and (i == 0 or not lines[i - 1].strip())
            and (i + 1 == len(lines) or not lines[i + 1].strip())
            and not line.rstrip().endswith((".", ",", ":", ";"))
        ):
            out.append(_Head(i + 1, m.group(1).rstrip(".").count(".") + 1, line.strip()))
    return out if len(out) >= _MIN_NUMBERED_HEADINGS else []


def doc_blocks(
    table: LineTable, a: int, b: int, *, language: str | None = None
) -> list[tuple[int, int, bool]]:
    """Paragraph blocks of lines ``a..b``: runs of non-blank lines, fences kept whole.

    Args:
        table: The text's lines.
        a: First line (1-based).
        b: Last line (inclusive).
        language: The document's language (``rst`` has no Markdown code fences).

    Returns:
        ``(first, last, fenced)`` per block, 1-based inclusive; ``fenced`` when the block
        holds a fenced code block (blank lines inside a fence do not end the block).
    """
    out: list[tuple[int, int, bool]] = []
    fences = _Fences(markdown=language != "rst")
    start: int | None = None
    fenced = False
    for i in range(a, b + 1):
        line = table.lines[i - 1].rstrip("\r\n")
        inside = fences.step(line)
        if not inside and not line.strip():
            if start is not None:
                out.append((start, i - 1, fenced))
                start, fenced = None, False
            continue
        if start is None:
            start = i
        fenced = fenced or inside
    if start is not None:
        out.append((start, b, fenced))
    return out


def _parts(
    table: LineTable, a: int, b: int, max_lines: int, language: str = "markdown"
) -> list[tuple[int, int]]:
    """Cut lines ``a..b`` into spans of at most ``max_lines`` at paragraph boundaries.

    A fenced block is never cut, even when it alone exceeds ``max_lines``; an oversized
    paragraph without a fence is cut at line boundaries.
    """
    pieces: list[tuple[int, int]] = []
    for first, last, fenced in doc_blocks(table, a, b, language=language):
        if fenced or last - first + 1 <= max_lines:
            pieces.append((first, last))
        else:
            pieces.extend(
                (s, min(s + max_lines - 1, last)) for s in range(first, last + 1, max_lines)
            )
    out: list[tuple[int, int]] = []
    for first, last in pieces:
        if out and last - out[-1][0] + 1 <= max_lines:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


class DocsSource:
    """Splits documents into heading sections that carry their requirement identifiers.

    Args:
        patterns: Gitignore-style globs of the files read as documents (``!`` negates).
        requirement_pattern: Regular expression of requirement identifiers.
        max_section_lines: Longer sections are split at paragraph boundaries.
        window: Lines per window for plain-text files.
    """

    name = "docs"
    # 5: RST titles adorned with any ASCII punctuation, and underlines of four or more
    #    characters shorter than their title, as docutils reads them.
    # 6: sentences in capitals throughout (licence disclaimers) carry no obligation level.
    # 7: no headings inside multi-line HTML comments.
    # 8: code (fences, inline spans) carries no obligation level.
    version = "8"

    def __init__(
        self,
        *,
        patterns: Sequence[str] = DEFAULT_DOC_PATTERNS,
        requirement_pattern: str = DEFAULT_REQUIREMENT_PATTERN,
        max_section_lines: int = DEFAULT_MAX_SECTION_LINES,
        window: int = DEFAULT_WINDOW_LINES,
    ) -> None:
        self.patterns = patterns
        self.requirement_pattern = requirement_pattern
        self.max_section_lines = max_section_lines
        self.window = window

    def accepts(self, path: str) -> bool:
        """Whether the path matches one of the document globs."""
        spec = getattr(self, "_spec", None)
        if spec is None:  # built on first use so __init__ stays free of work
            spec = pathspec.GitIgnoreSpec.from_lines(list(self.patterns))
            self._spec = spec
        return bool(spec.match_file(path))

    def slices(self, file: FileText) -> list[Slice]:
        """Sections of one document (windows for plain text)."""
        table = LineTable(file.text)
        lower = file.path.lower()
        base = lower.rsplit("/", 1)[-1]
        if lower.endswith(_MARKDOWN_EXT):
            heads, language = _markdown_headings(table), "markdown"
        elif lower.endswith(".rst"):
            heads, language = _rst_headings(table), "rst"
        elif lower.endswith(_ASCIIDOC_EXT):
            heads, language = _asciidoc_headings(table), "asciidoc"
        elif _PROSE_NAME.match(base):  # README, CHANGELOG...: Markdown if it has headings
            heads = _markdown_headings(table)
            language = "markdown" if heads else "text"
        else:
            heads, language = _numbered_headings(table), "text"
        if not heads:
            return self._windows(file.path, table, language)
        stack: list[int] = []
        crumbs: list[str] = []
        for k, h in enumerate(heads):
            while stack and heads[stack[-1]].level >= h.level:
                stack.pop()
            if stack:
                heads[stack[-1]].children.append(k)
            stack.append(k)
            crumbs.append(" > ".join(heads[j].title for j in stack))
        out: list[Slice] = []
        if heads[0].line > 1:  # preamble before the first heading
            out += self._section(file.path, table, 1, heads[0].line - 1, file.path, language)
        bounds = [h.line for h in heads[1:]] + [len(table) + 1]
        for k, (h, nxt) in enumerate(zip(heads, bounds, strict=True)):
            subs = [
                [heads[c].line, table.text(heads[c].line, heads[c].line + heads[c].size - 1)]
                for c in h.children
            ]
            out += self._section(
                file.path, table, h.line, nxt - 1, crumbs[k], language, head=h, subsections=subs
            )
        return out

    def _windows(self, path: str, table: LineTable, language: str) -> list[Slice]:
        name = path.rsplit("/", 1)[-1]
        out = []
        for a, b in _parts(table, 1, len(table), self.window, language):
            label = name if (a, b) == (1, len(table)) else f"{name} lines {a}-{b}"
            meta: dict[str, MetaValue] = {}
            ids = self._requirement_meta(table, a, b, 0, [], meta)
            out.append(self._slice(path, table, a, b, label, language, "window", meta, ids))
        return out

    def _section(
        self,
        path: str,
        table: LineTable,
        a: int,
        b: int,
        name: str,
        language: str,
        *,
        head: _Head | None = None,
        subsections: list[list[object]] | None = None,
    ) -> list[Slice]:
        a, b = table.trim_blank(a, b)
        if a > b:
            return []
        base: dict[str, MetaValue] = {"heading_path": name}
        defines: tuple[str, ...] = ()
        heading_ids: list[str] = []
        if head is not None:
            base["level"] = head.level
            clause = clause_number(head.title)
            if clause:
                base["clause"] = clause
            defines = (head.title,)
            heading_ids = requirement_ids(head.title, self.requirement_pattern)
        spans = _parts(table, a, b, self.max_section_lines, language)
        out = []
        for k, (pa, pb) in enumerate(spans, 1):
            meta = dict(base)
            if k == 1 and head is not None:
                meta["heading_lines"] = head.size
            if k == 1 and subsections:
                meta["subsections"] = json.dumps(subsections, ensure_ascii=False)
            hl = head.size if (head is not None and k == 1) else 0
            ids = self._requirement_meta(table, pa, pb, hl, heading_ids, meta)
            part = (k, len(spans)) if len(spans) > 1 else None
            out.append(
                self._slice(
                    path, table, pa, pb, name, language, "section", meta, defines + ids, part
                )
            )
        return out

    def _requirement_meta(
        self,
        table: LineTable,
        a: int,
        b: int,
        heading_lines: int,
        heading_ids: list[str],
        meta: dict[str, MetaValue],
    ) -> tuple[str, ...]:
        """Fill requirement and obligation keys of ``meta``; return the ids defined."""
        lines = table.lines[a - 1 : b]
        # A heading's identifiers govern every part of its section, not just the first.
        spans: dict[str, list[tuple[int, int]]] = {r: [(a, b)] for r in heading_ids}
        for blk in requirement_blocks(lines, self.requirement_pattern, heading_lines=heading_lines):
            if blk.id not in heading_ids:
                spans.setdefault(blk.id, []).append((a + blk.start, a + blk.end))
        text = "".join(lines)
        refs = [r for r in requirement_ids(text, self.requirement_pattern) if r not in spans]
        if spans:
            meta["requirements"] = ",".join(spans)
            meta["requirement_spans"] = ";".join(
                f"{r}:{s}-{e}" for r, ss in spans.items() for s, e in ss
            )
        if refs:
            meta["requirement_refs"] = ",".join(refs)
        counts = normative_counts(text)
        for level in ("must", "should", "may"):
            if level in counts:
                meta[level] = counts[level]
        if counts:
            meta["obligation"] = next(
                lv for lv in ("must", "should", "may") if lv in counts
            ).upper()
        return tuple(spans)

    @staticmethod
    def _slice(
        path: str,
        table: LineTable,
        a: int,
        b: int,
        name: str,
        language: str,
        symbol_kind: str,
        meta: dict[str, MetaValue],
        defines: tuple[str, ...],
        part: tuple[int, int] | None = None,
    ) -> Slice:
        return line_slice(
            "doc",
            path,
            table,
            a,
            b,
            name=name,
            symbol_kind=symbol_kind,
            language=language,
            defines=tuple(dict.fromkeys(defines)),
            part=part,
            meta=meta,
        )
