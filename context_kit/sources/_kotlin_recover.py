"""A second reading of Kotlin files whose soft keywords, used as names, derail the parser.

Kotlin lets ``get``, ``set``, ``open``, ``private``, ``dynamic``, ``suspend`` and other
soft and modifier keywords name variables and arguments; tree-sitter-kotlin 1.1 does not
always agree. After a ``val`` or ``var`` it reads a statement opening with ``set =`` as
that property's accessor and one opening with ``open =`` as a modifier, ``dynamic`` as the
Kotlin/JS type wherever it stands, and ``suspend =`` (a named argument, kotlinx.coroutines'
``acquire(suspend = {...})``) as a modifier. One such line turned the rest of okhttp's
``Settings.kt`` (``set = set or bit``) and ``Http2Stream.kt`` (``open = isOpen``) into a
top-level error, and with them every method below it.

:func:`recover` parses a copy in which those uses are respelt with the same length
(``set`` -> ``sEt``), so every offset, line and column is the file's own, and keeps the
tree with fewer errors. Slices still take their text from the file; the few identifiers
read from the respelt places are spelt back by :func:`unmask`.
"""

from __future__ import annotations

import re
from typing import Any

from ._c_recover import better_reading, blanked
from ._lines import LineTable

__all__ = ["recover", "unmask"]

# Soft and modifier keywords Kotlin lets a variable be named by, and that the parser takes
# for an accessor or a modifier when a statement opens with one assigned (``set = set or
# bit``, ``open = isOpen``, ``get += 1``). An accessor is ``get()``, ``set(value)`` or
# ``private set``, never followed by ``=``.
_NAMES_THAT_ARE_KEYWORDS = (
    "get", "set", "open", "final", "abstract", "sealed", "override", "lateinit", "private",
    "protected", "public", "internal", "external", "inline", "tailrec", "const", "operator",
    "infix", "vararg", "noinline", "crossinline", "expect", "actual", "suspend",
)  # fmt: skip
_ASSIGNED = re.compile(
    rb"(?m)^[ \t]*(" + "|".join(_NAMES_THAT_ARE_KEYWORDS).encode() + rb")(?=[ \t]*[-+*/%]?=(?!=))"
)
# ``suspend`` naming a value: a named argument (``acquire(suspend = {...})``), a parameter
# (``suspend: (W) -> Boolean``) and its uses (``if (suspend(waiter))``, ``f(suspend)``), as
# in kotlinx.coroutines' ``Semaphore.kt``, whose one such call made the whole file an error.
# As a modifier it is followed by ``fun``, a modifier, a type (``suspend T.() -> R``), a
# lambda (``suspend {``) or a function type's parameters (``suspend (A) -> B``): a ``(``
# whose group is followed by ``->`` is left alone.
_SUSPEND_NAME = re.compile(
    rb"\b(suspend)(?=[ \t]*(?:=(?!=)|[:),.\]?+\-*/%!]|\((?:[^()\n]|\([^()\n]*\))*\)(?![ \t]*->)))"
)
# An annotated primary constructor on its own line with a visibility modifier, after type
# parameters (``value class ChannelResult<out T>`` then ``@PublishedApi internal
# constructor(...)``): tree-sitter-kotlin 1.1 reads it only without the modifier, so the
# modifier is blanked in the copy (kotlinx.coroutines' ``Channel.kt`` lost 20 of its 34
# functions to it).
_CONSTRUCTOR_VISIBILITY = re.compile(
    rb"(?m)^[ \t]*(?:@[\w.]+(?:\([^()\n]*\))?[ \t]+)+(public|internal|private|protected)"
    rb"(?=[ \t]+constructor[ \t]*\()"
)
# ``dynamic`` anywhere: a type only in Kotlin/JS, where a respelt name parses as a type too.
_DYNAMIC = re.compile(rb"\b(dynamic)\b")


def _respell(word: str) -> str:
    """The same-length stand-in for ``word``: its second letter upper-cased (``sEt``)."""
    return word[0] + word[1].upper() + word[2:]


_RESPELT = {w.encode(): _respell(w).encode() for w in (*_NAMES_THAT_ARE_KEYWORDS, "dynamic")}
_SPELT_BACK = {new.decode(): old.decode() for old, new in _RESPELT.items()}
_RESPELT_WORD = re.compile(r"\b(?:" + "|".join(_SPELT_BACK) + r")\b")


def _respelt(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with soft keywords used as names respelt and misread modifiers blanked.

    Returns the copy and the ranges it changed.
    """
    respelt = {
        m.span(1)
        for pattern in (_ASSIGNED, _SUSPEND_NAME, _DYNAMIC)
        for m in pattern.finditer(data)
    }
    blank = (
        [m.span(1) for m in _CONSTRUCTOR_VISIBILITY.finditer(data)]
        if b"constructor" in data
        else []
    )
    if not respelt and not blank:
        return data, []
    out = bytearray(blanked(data, blank))
    for a, b in respelt:
        out[a:b] = _RESPELT[data[a:b]]
    return bytes(out), sorted({*respelt, *blank})


def recover(parser: Any, data: bytes, tree: Any, table: LineTable) -> tuple[Any, bytes]:
    """The better of ``tree`` (parsed from ``data``) and a parse of the respelt copy.

    Returns the tree and the bytes it was parsed from: ``tree`` and ``data`` themselves
    when the tree is clean, nothing needs respelling, or the copy parses no better.
    """
    if not tree.root_node.has_error:
        return tree, data
    copy, ranges = _respelt(data)
    if not ranges:
        return tree, data
    return better_reading(parser, data, tree, copy, ranges, table)


def unmask(names: set[str]) -> set[str]:
    """``names`` read from a respelt copy, each spelt as the file spells it."""
    return {_RESPELT_WORD.sub(lambda m: _SPELT_BACK[m.group(0)], n) for n in names}
