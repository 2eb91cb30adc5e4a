"""A second reading of C and C++ files that the preprocessor made unparsable.

tree-sitter parses C and C++ before preprocessing, so a conditional inside a construct
(``#if`` between a constructor's initialisers, two ``#ifdef`` branches that each open a
brace) or an attribute-like macro in front of a declaration (``FMT_CONSTEXPR``,
``JSON_HEDLEY_NON_NULL(2)``, a lone ``NLOHMANN_JSON_NAMESPACE_BEGIN``) can derail the
parser for the rest of the file: in fmt's ``format.h`` 1,600 lines of functions came out as
one nameless definition, and in leveldb's ``env_posix.cc`` every function after a ``#if``
in an initialiser list became a member of the class above it.

:func:`masked` writes a copy of the bytes without the conditional directives (and without
the branches after the first where a branch leaves a brace or parenthesis open) and without
those macros, blanked byte for byte with spaces (line breaks kept), so every offset, line
and column of the copy is the file's own. A file with syntax errors is parsed
again from that copy and the tree with fewer error nodes is kept (:func:`recover`); so is
a file that parsed cleanly but has an export macro between ``class`` and a name, which
tree-sitter reads as a function definition without an error. Slices
still take their text from the file itself; only the tree and the identifiers read from it
come from the copy.
"""

from __future__ import annotations

import re
from typing import Any

from ._lines import LineTable

__all__ = ["better_reading", "blanked", "error_count", "masked", "recover", "reparse"]

# A conditional directive line (blanked, with the branches after the first where needed).
# The patterns match from the line break before a line (run over the bytes behind one more
# line break): re finds a literal first character fast, where ``^`` is tried everywhere.
_CONDITIONAL = re.compile(rb"\n[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b")
_OPENS = frozenset((b"if", b"ifdef", b"ifndef"))
_ENDIF = b"endif"

# An all-caps word (optionally called with arguments) heading a line and followed on it by
# another word: an attribute, export or constexpr macro in front of a declaration.
_LEADING_MACRO = re.compile(
    rb"\n[ \t]*([A-Z][A-Z0-9_]{2,}(?:[ \t]*\((?:[^()\n]|\([^()\n]*\))*\))?)(?=[ \t]+[A-Za-z_~])"
)
# An all-caps word alone on its line: a namespace or linkage macro (``FMT_BEGIN_NAMESPACE``,
# nlohmann's ``JSON_TRY`` before a block).
_LONE_MACRO = re.compile(rb"\n[ \t]*([A-Z][A-Z0-9_]{2,})[ \t]*(?=\r?\n|$)")
# A call of one used as a statement without its ``;`` (googletest's
# ``GTEST_DISABLE_MSC_WARNINGS_PUSH_(4180)`` in a class body, which left the rest of
# gtest-printers.h inside that class): followed by a blank line or a closing brace. A
# call right above a declaration is its attribute (``JSON_HEDLEY_NON_NULL(3)``) and one
# above a ``{`` heads a test or handler (``TEST(a, b)``, ``JSON_CATCH (...)``): those stay.
_LONE_MACRO_CALL = re.compile(
    rb"\n[ \t]*([A-Z][A-Z0-9_]{2,}[ \t]*\((?:[^()\n]|\([^()\n]*\))*\))[ \t]*"
    rb"(?=\r?\n[ \t]*(?:\r?\n|\}|$)|$)"
)
# An export or visibility macro between ``class``/``struct``/``union`` and the type's name
# (googletest's ``class GTEST_API_ UnitTest``, Qt's ``class Q_CORE_EXPORT QObject``): the
# parser takes the macro for the name and the rest for a function definition, without an
# error when the head has no base list. A name (not ``final``) and a body must follow, so
# ``struct STAT st = {0};`` or ``struct FOO *make(void) {`` are not read as one. One
# pattern per keyword, each starting with its literal, which re finds fast: one pattern
# with an alternation (or a look-behind) first tries every position, 15x slower.
_CLASS_MACROS = tuple(
    re.compile(
        keyword + rb"[ \t]+([A-Z][A-Z0-9_]{2,}(?:[ \t]*\((?:[^()\n]|\([^()\n]*\))*\))?)"
        rb"(?=[ \t\r\n]+(?:\[\[[^\]\n]*\]\][ \t]*)?(?!final\b)[A-Za-z_][^;(){}=]*\{)"
    )
    for keyword in (b"class", b"struct", b"union")
)
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

# Every byte but the line breaks becomes a space.
_TO_SPACE = bytes(c if c in (10, 13) else 32 for c in range(256))


def _directive_end(data: bytes, start: int) -> int:
    """Where the directive line at ``start`` ends, backslash-continued lines included."""
    end = data.find(b"\n", start)
    while end >= 0:
        last = end - 1 if end and data[end - 1] == 13 else end  # before a CRLF's CR
        if last == 0 or data[last - 1] != 92:  # no backslash: the directive ends here
            return end
        end = data.find(b"\n", end + 1)
    return len(data)


def _balanced(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` closes every brace and parenthesis it opens.

    Roughly: strings and comments are not told apart, which only makes a branch look
    unbalanced (and so read as a compiler would read one configuration).
    """
    return data.count(b"{", start, end) == data.count(b"}", start, end) and data.count(
        b"(", start, end
    ) == data.count(b")", start, end)


def _conditional_ranges(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges to blank for the conditionals of ``data``.

    Every directive line is blanked, so the code of each branch reads as if it stood
    alone. A conditional whose branches each close what they open (two versions of a
    function) keeps them all; one with a branch that does not (two function headers
    sharing one body, an ``extern "C" {`` opened in one branch and closed in another)
    keeps only its first branch, as a compiler would see one of them.
    """
    ranges: list[tuple[int, int]] = []
    # Per open conditional: each directive's (start, end), in order.
    groups: list[list[tuple[int, int]]] = []
    for m in _CONDITIONAL.finditer(b"\n" + data):
        start = m.start()  # the line break before, read behind one more: the line's start
        end = _directive_end(data, m.end() - 1)
        ranges.append((start, end))
        word = m.group(1)
        if word in _OPENS:
            groups.append([(start, end)])
        elif not groups:
            continue  # an #else or #endif without its #if (the file starts inside one)
        elif word != _ENDIF:
            groups[-1].append((start, end))
        else:
            heads = groups.pop()
            if len(heads) > 1:
                bounds = [*heads, (start, end)]
                if not all(
                    _balanced(data, bounds[i][1], bounds[i + 1][0]) for i in range(len(heads))
                ):
                    ranges.append((heads[1][0], end))
    return ranges


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def masked_ranges(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """:func:`masked` and the sorted, disjoint byte ranges it blanked."""
    ranges = _conditional_ranges(data) if b"#" in data else []
    # Macros are sought with the directives already blanked (a ``#define`` line is no
    # declaration), in the copy behind one line break, as their patterns expect.
    snapshot = b"\n" + blanked(data, ranges)
    ranges += [
        (m.start(1) - 1, m.end(1) - 1)
        for pattern in (_LEADING_MACRO, _LONE_MACRO, _LONE_MACRO_CALL)
        for m in pattern.finditer(snapshot)
    ]
    ranges += _class_macro_ranges(snapshot)
    return blanked(data, ranges), _merged(ranges)


def _class_macro_ranges(snapshot: bytes) -> list[tuple[int, int]]:
    """The ranges of :data:`_CLASS_MACROS` in ``snapshot`` (the data behind a line break)."""
    return [
        (m.start(1) - 1, m.end(1) - 1)
        for pattern in _CLASS_MACROS
        for m in pattern.finditer(snapshot)
        if snapshot[m.start() - 1] not in _WORD_BYTES  # ``class``, not ``subclass``
    ]


def masked(data: bytes) -> bytes:
    r"""``data`` without conditional directives and attribute-like macros (see the module).

    Blanked bytes become spaces; line breaks stay, so the result has the same length,
    lines and columns as ``data``.

    >>> masked(b"#if A\nint a;\n#else\nint b;\n#endif\nEXPORT int f();\n")
    b'     \nint a;\n     \nint b;\n      \n       int f();\n'
    >>> masked(b"#ifdef A\nvoid f() {\n#else\nvoid f(int x) {\n#endif\n}\n")
    b'        \nvoid f() {\n     \n               \n      \n}\n'
    """
    return masked_ranges(data)[0]


def error_count(root: Any) -> int:
    """How many ``ERROR`` and missing nodes a tree has (only erroneous branches are walked)."""
    n = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            n += 1
        stack.extend(c for c in node.children if c.has_error)
    return n


def recover(parser: Any, data: bytes, tree: Any, table: LineTable) -> tuple[Any, bytes]:
    """The better of ``tree`` (parsed from ``data``) and a parse of :func:`masked` data.

    ``table`` is the line table of the text ``data`` encodes. Returns the tree and the
    bytes it was parsed from; ``tree`` and ``data`` themselves when the masked copy is no
    better. A clean tree is read again only where a class hides behind an export macro
    (:data:`_CLASS_MACROS`), with only those macros blanked, and the new tree is kept
    when it is clean too.
    """
    if tree.root_node.has_error:
        copy, ranges = masked_ranges(data)
    else:
        # A clean tree can still have read a class behind an export macro as a function.
        ranges = _class_macro_ranges(b"\n" + data)
        copy = blanked(data, ranges)
    if not ranges:
        return tree, data
    return better_reading(parser, data, tree, copy, ranges, table)


def better_reading(
    parser: Any,
    data: bytes,
    tree: Any,
    copy: bytes,
    ranges: list[tuple[int, int]],
    table: LineTable,
    *,
    on_tie: bool = False,
) -> tuple[Any, bytes]:
    """Parse ``copy`` (see :func:`reparse`) and keep the tree with fewer errors.

    Returns the tree and the bytes it was parsed from. With as many errors in both, the
    copy's tree is kept when both are clean, or with ``on_tie`` (a reading wanted for
    its own sake, such as Rust's unwrapped macros, not only to mend errors).
    """
    other = reparse(parser, tree, copy, ranges, table)
    before, after = error_count(tree.root_node), error_count(other.root_node)
    if after < before or (after == before and (on_tie or before == 0)):
        return other, copy
    return tree, data


def reparse(
    parser: Any, tree: Any, copy: bytes, ranges: list[tuple[int, int]], table: LineTable
) -> Any:
    """The tree of ``copy``: ``tree``'s bytes with ``ranges`` blanked (see :func:`blanked`).

    The blanked ranges are edits of the first tree, so the second parse reuses every
    subtree outside them (the edits change no length, so no position moves).
    """
    edited = tree.copy()
    for a, b in ranges:
        pa, pb = table.point_of_byte(a), table.point_of_byte(b)
        edited.edit(a, b, b, pa, pb, pb)
    return parser.parse(copy, edited)


def blanked(data: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """``data`` with every byte in ``ranges`` but the line breaks made a space."""
    out = bytearray(data)
    for a, b in ranges:
        out[a:b] = data[a:b].translate(_TO_SPACE)
    return bytes(out)
