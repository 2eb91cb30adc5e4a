"""Requirement identifiers, normative keywords and clause numbers in specification text.

Spec-driven work names its units: ``REQ-12``, ``FR-3.2``, ``US-7``, or an RFC-style clause
number in a heading (``4.1. Compaction``). A section *defines* an identifier when the
identifier opens its heading, a paragraph, a list item or a table row (``- **REQ-12**: the
store MUST ...``); anywhere else the section merely *refers* to it ("as REQ-3 requires").
Defining occurrences also delimit a *requirement block* — the lines that state that
requirement — so the code a requirement names can be told apart from the code its
neighbours name.

Normative keywords follow RFC 2119 / RFC 8174: only the upper-case forms count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_REQUIREMENT_PATTERN",
    "OBLIGATION_LEVELS",
    "RequirementBlock",
    "clause_number",
    "fence_after",
    "normative_counts",
    "requirement_blocks",
    "requirement_ids",
]

DEFAULT_REQUIREMENT_PATTERN = (
    r"\b(?:REQ|FR|NFR|US|UC|SR|SRS|SWR|SYS|HLR|LLR|BR|TR|AC|QR|IR|CR|RQ)[-_]\d+(?:\.\d+)*\b"
)
"""Requirement identifiers: a conventional upper-case prefix, ``-`` or ``_`` (sphinx-needs
writes ``REQ_001``), a dotted number.

Prefixes are listed rather than matched as ``[A-Z]+-\\d+`` so that ``UTF-8``, ``SHA-256``
or ``ISO-8601`` are never taken for requirements. Pass your own pattern to
:class:`~context_kit.sources.DocsSource` for other schemes (``PROJ-123``)."""

OBLIGATION_LEVELS: dict[str, tuple[str, ...]] = {
    "must": ("MUST", "SHALL", "REQUIRED"),
    "should": ("SHOULD", "RECOMMENDED"),
    "may": ("MAY", "OPTIONAL"),
}
"""RFC 2119 keywords by obligation level, strongest first (``MUST NOT`` counts as MUST)."""

_BLANKS = re.compile(r"[ \t]+")
_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_CLAUSE = re.compile(r"^(?:§\s*)?(\d+(?:\.\d+)*)\.?(?:\s+|$)")
# Openers a defining identifier may sit behind: a list marker, a table pipe, a
# sphinx-needs ``:id:`` field, emphasis, a link bracket or backtick.
# Emphasis is one character class repeated, not "**" | "__" | "*" ...: that alternation
# matches a run of n asterisks in exponentially many ways, and a reStructuredText rule of
# 40 of them took minutes to fail (measured: 133 s of a 144 s index build of pytest).
_OPENER = r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+|\|[ \t]*|:id:[ \t]*)?[*_`\[]*[ \t]*"


def requirement_ids(text: str, pattern: str = DEFAULT_REQUIREMENT_PATTERN) -> list[str]:
    """Every requirement identifier in ``text``, de-duplicated in first-seen order.

    >>> requirement_ids("REQ-1 and FR-3.2, again REQ-1; not UTF-8")
    ['REQ-1', 'FR-3.2']
    """
    return list(dict.fromkeys(m.group(0) for m in re.finditer(pattern, text)))


def clause_number(title: str) -> str | None:
    """The RFC-style clause number a heading title opens with, if any.

    >>> clause_number("4.1. Compaction"), clause_number("Compaction")
    ('4.1', None)
    """
    m = _CLAUSE.match(title.strip())
    return m.group(1) if m else None


def _shouted(sentence: str) -> bool:
    """Whether most of a sentence's letters are capitals.

    A licence's disclaimer ("IN NO EVENT SHALL THE AUTHORS BE LIABLE") shouts: a keyword in
    it is emphasis, not an obligation.
    """
    letters = [c for c in sentence if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def normative_counts(text: str) -> dict[str, int]:
    """How many sentences of ``text`` carry each obligation level (strongest keyword wins).

    A sentence written in capitals throughout is shouting, not stating a level, and code
    (fenced blocks, inline code spans) states none: ``find_package(Zlib REQUIRED)`` in a
    build guide's example is CMake, not an obligation.

    >>> normative_counts("It MUST fit. It SHOULD be fast. Nothing here.")
    {'must': 1, 'should': 1}
    >>> normative_counts("IN NO EVENT SHALL THE AUTHORS BE LIABLE FOR ANY CLAIM.")
    {}
    >>> normative_counts("Add `find_package(Zlib REQUIRED)` to the build.")
    {}
    """
    counts: dict[str, int] = {}
    for sentence in _SENTENCE_END.split(_prose(text)):
        if _shouted(sentence):
            continue
        for level, words in OBLIGATION_LEVELS.items():
            if any(re.search(rf"\b{w}\b", sentence) for w in words):
                counts[level] = counts.get(level, 0) + 1
                break
    return counts


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks and inline code spans.

    Fences count at any indent: list items hold them too.
    """
    if "`" not in text and "~~~" not in text:
        return text
    kept: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        m = _FENCE_LINE.match(line)
        if m:
            fence = fence_after(fence, m.group(1), line)
        elif not fence:
            kept.append(line)
    return _CODE_SPAN.sub(" ", "".join(kept))


def fence_after(fence: str, marker: str, line: str) -> str:
    """The fence open after ``line``, a fence line of ``marker`` (`````, ``~~~~``...).

    ``fence`` is the one open before it (``""`` for none). A fence opens with its marker;
    it closes on a line of at least as many of its characters with nothing after them
    (CommonMark); any other fence line inside it is code.
    """
    if not fence:
        return marker[0] * len(marker)
    if marker.startswith(fence) and not line.strip()[len(marker) :].strip():
        return ""
    return fence


@dataclass(frozen=True)
class RequirementBlock:
    """The lines that state one requirement.

    Attributes:
        id: The requirement identifier.
        start: First line of the block, 0-based within the text given.
        end: Last line of the block, 0-based inclusive.
    """

    id: str
    start: int
    end: int


def requirement_blocks(
    lines: Sequence[str], pattern: str = DEFAULT_REQUIREMENT_PATTERN, *, heading_lines: int = 0
) -> list[RequirementBlock]:
    """Blocks of ``lines`` that define requirements.

    A defining line is one whose first token (after a list marker, table pipe or emphasis)
    is an identifier. Its block runs to the line before the next defining line, or to a
    blank line followed by an unindented line (the end of a list item or paragraph), or to
    the end. Identifiers in the first ``heading_lines`` lines (the section's heading) define
    a block spanning every line.

    Args:
        lines: The section's lines.
        pattern: Requirement identifier pattern.
        heading_lines: How many leading lines form the section's heading.

    Returns:
        Blocks in line order; heading-defined blocks first.
    """
    opener = re.compile(_OPENER + "(" + pattern + ")")
    out: list[RequirementBlock] = []
    n = len(lines)
    heading = "".join(lines[:heading_lines])
    out.extend(RequirementBlock(r, 0, n - 1) for r in requirement_ids(heading, pattern))
    starts: list[tuple[int, str]] = []
    for i in range(heading_lines, n):
        # Runs of blanks are squeezed first: the opener's optional parts are separated by
        # [ \t]* runs, which backtrack quadratically on a line of thousands of spaces.
        m = opener.match(_BLANKS.sub(" ", lines[i]))
        if m:
            starts.append((i, m.group(1)))
    for k, (i, rid) in enumerate(starts):
        stop = starts[k + 1][0] - 1 if k + 1 < len(starts) else n - 1
        end = i
        j = i + 1
        while j <= stop:
            if not lines[j].strip():
                nxt = next((x for x in range(j + 1, stop + 1) if lines[x].strip()), None)
                if nxt is None or not lines[nxt][:1].isspace():
                    break
            else:
                end = j
            j += 1
        out.append(RequirementBlock(rid, i, end))
    return out
