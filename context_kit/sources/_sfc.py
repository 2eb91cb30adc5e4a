"""Single-file components (Vue ``.vue``, Svelte ``.svelte``): their scripts read as code.

A component file holds markup, one or two ``<script>`` blocks and styles. Read as line
windows, the functions, stores and props its script defines were invisible to every
retriever that works by name (the fuzzy names, the symbol graph, the section<->code
links): Svelte's own repository has 4,568 such windows. Here the scripts' contents are
parsed with the JavaScript or TypeScript grammar, from a copy of the file in which every
other byte is a space (line breaks kept), so lines and byte offsets stay the file's and
every slice is still the file's verbatim lines. The rest of the file (markup, styles and
the lines holding only a ``<script>`` tag) becomes line windows, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._lines import LineTable

__all__ = ["SFC_EXTENSIONS", "Scripts", "find_scripts"]

SFC_EXTENSIONS = frozenset({".vue", ".svelte"})
"""Extensions of component files whose script blocks are sliced as code."""

# The opening tag's attributes are read for the script's language (``lang="ts"``); a
# ``>`` inside an attribute's quotes does not end the tag.
_OPEN = re.compile(rb"""<script\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_CLOSE = re.compile(rb"</script\s*>", re.IGNORECASE)
_LANG = re.compile(rb"""\blang\s*=\s*["']?([A-Za-z]+)""", re.IGNORECASE)
_TYPE = re.compile(rb"""\btype\s*=\s*["']?([\w/+.-]+)""", re.IGNORECASE)
_TYPESCRIPT = frozenset({b"ts", b"typescript"})
_TSX = frozenset({b"tsx"})
_JAVASCRIPT = frozenset({b"js", b"javascript", b"jsx", b""})
# ``type`` values that still hold JavaScript; any other (a JSON or template block) is not
# code: ``<script type="application/ld+json">`` or ``type="text/x-template"``.
_SCRIPT_TYPES = frozenset(
    {b"", b"module", b"text/javascript", b"application/javascript", b"text/typescript"}
)


@dataclass(frozen=True)
class Scripts:
    """A component file's script blocks.

    Attributes:
        language: The grammar that parses them: ``javascript``, ``typescript`` or ``tsx``.
        masked: The file's bytes with every byte outside the blocks' contents blanked.
        lines: Each block's content as 1-based inclusive line ranges, in file order; a
            line holding only the opening or closing tag is in none.
        tags: The lines holding only a block's opening or closing tag.
    """

    language: str
    masked: bytes
    lines: tuple[tuple[int, int], ...]
    tags: frozenset[int]


def find_scripts(data: bytes, table: LineTable) -> Scripts | None:
    """The script blocks of a component file, or ``None`` when it has no code in one.

    Blocks in another language (``lang="coffee"``) or not JavaScript at all (a JSON-LD
    ``type``) are left to the windows. When a file has a TypeScript block and a plain one
    (Svelte's module script beside its instance script), TypeScript's grammar reads both:
    it parses JavaScript as well.

    Args:
        data: The file's UTF-8 bytes.
        table: The file's line table.
    """
    blocks: list[tuple[int, int]] = []
    kinds: set[str] = set()
    pos = 0
    while (m := _OPEN.search(data, pos)) is not None:
        close = _CLOSE.search(data, m.end())
        end = close.start() if close is not None else len(data)
        pos = close.end() if close is not None else len(data)
        attrs = m.group(1)
        kind = _kind(attrs)
        if kind is not None and data[m.end() : end].strip():
            blocks.append((m.end(), end))
            kinds.add(kind)
    if not blocks:
        return None
    language = "tsx" if "tsx" in kinds else "typescript" if "typescript" in kinds else "javascript"
    masked = bytearray(re.sub(rb"[^\n]", b" ", data))
    lines: list[tuple[int, int]] = []
    tags: set[int] = set()
    for start, end in blocks:
        masked[start:end] = data[start:end]
        first, last = _content_lines(data, start, end, table)
        if first <= last:
            lines.append((first, last))
            if first > table.line_of_byte(start):
                tags.add(first - 1)
            tag_line = table.line_of_byte(end)
            if end < len(data) and not data[table.byte_start(tag_line) : end].strip():
                tags.add(tag_line)  # the closing tag's line holds nothing before the tag
    return Scripts(language, bytes(masked), tuple(lines), frozenset(tags)) if lines else None


def _kind(attrs: bytes) -> str | None:
    """The grammar a block's opening-tag attributes call for; ``None`` when none fits."""
    t = _TYPE.search(attrs)
    if t is not None and t.group(1).lower() not in _SCRIPT_TYPES:
        return "typescript" if t.group(1).lower() == b"text/typescript" else None
    lang_m = _LANG.search(attrs)
    lang = lang_m.group(1).lower() if lang_m is not None else b""
    if lang in _TYPESCRIPT:
        return "typescript"
    if lang in _TSX:
        return "tsx"
    if lang in _JAVASCRIPT:
        return "javascript"
    return None


def _content_lines(data: bytes, start: int, end: int, table: LineTable) -> tuple[int, int]:
    """The lines a block's content ``data[start:end]`` occupies, tag-only lines left out."""
    first = table.line_of_byte(start)
    # The opening tag's line counts only when code follows the tag on it.
    if not data[start : table.byte_end(first)].strip():
        first += 1
    last = table.line_of_byte(max(end - 1, start))
    if end <= table.byte_start(last) or not data[table.byte_start(last) : end].strip():
        last -= 1
    return first, min(last, len(table))
