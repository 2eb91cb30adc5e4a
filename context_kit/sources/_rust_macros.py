"""A second reading of Rust files whose items sit inside brace macro calls.

Crates gate whole groups of items behind macros: tokio writes ``cfg_rt! { pub fn
spawn(...) {...} impl Builder {...} }`` hundreds of times, and ``pin_project! { pub struct
Timeout<S> {...} }`` wraps a struct. tree-sitter reads a macro call's body as a flat token
tree, so none of those items was a slice: 17.5% of tokio's lines were module runs, and
``tokio::spawn`` had no slice at all.

:func:`unwrap` blanks the macro's head (``cfg_rt! {``) and its closing brace in a copy of
the bytes, byte for byte with spaces (line breaks kept, so every offset, line and column
is the file's own), and parses the copy: the items are then items of the file, or of the
``impl`` or ``mod`` the call sits in. Only a call whose body parses by itself as items
without an error is unwrapped (``lazy_static! { static ref X: T = ...; }`` or a
``cfg_if!`` stays a token tree), and nested calls are unwrapped alike. Slices still take
their text from the file; only the tree and the identifiers read from it come from the
copy, as for C's masked reading (``_c_recover``).
"""

from __future__ import annotations

import re
from typing import Any

from ._c_recover import better_reading, blanked
from ._lines import LineTable

__all__ = ["unwrap"]

# Where an item may stand: a file, a block of items (``impl``, ``trait``, ``mod``).
_ITEM_LISTS = frozenset({"source_file", "declaration_list"})
# What makes a call's body worth parsing: a keyword only items start with.
_ITEM_WORD = re.compile(rb"\b(?:fn|struct|enum|impl|trait|mod|union)\b")
# Items that become slices (a call holding only ``use`` lines or constants is left alone).
_SLICED = frozenset(
    {
        "function_item",
        "function_signature_item",
        "struct_item",
        "enum_item",
        "union_item",
        "impl_item",
        "trait_item",
        "mod_item",
    }
)
# Calls nested deeper than this are left as they are (generated code).
_MAX_DEPTH = 8


def unwrap(parser: Any, data: bytes, tree: Any, table: LineTable) -> tuple[Any, bytes]:
    """The tree of ``data`` read with its item-holding brace macro calls unwrapped.

    ``table`` is the line table of the text ``data`` encodes. Returns the tree and the
    bytes it was parsed from: ``tree`` and ``data`` themselves when no call holds items,
    or when the unwrapped copy reads with more errors than the file.
    """
    if b"!" not in data:
        return tree, data
    ranges: list[tuple[int, int]] = []
    _collect(parser, data, tree.root_node, 0, ranges, 0)
    if not ranges:
        return tree, data
    copy = blanked(data, ranges)
    return better_reading(parser, data, tree, copy, ranges, table, on_tie=True)


def _collect(
    parser: Any, data: bytes, node: Any, offset: int, out: list[tuple[int, int]], depth: int
) -> None:
    """Add the head and closing-brace ranges of the calls to unwrap under ``node``.

    ``node`` is from a tree of ``data[offset:...]``: the file's, or a call body's own
    parse, whose nested calls are found in it.
    """
    stack = [node]
    while stack:
        cur = stack.pop()
        for child in cur.named_children:
            if child.type == "macro_invocation" and cur.type in _ITEM_LISTS:
                _consider(parser, data, child, offset, out, depth)
            elif child.type in _SLICED or child.type == "declaration_list":
                stack.append(child)


def _consider(
    parser: Any, data: bytes, call: Any, offset: int, out: list[tuple[int, int]], depth: int
) -> None:
    body = call.named_children[-1] if call.named_children else None
    if body is None or body.type != "token_tree" or depth >= _MAX_DEPTH:
        return
    start, end = offset + body.start_byte, offset + body.end_byte
    if data[start : start + 1] != b"{" or data[end - 1 : end] != b"}":
        return  # ``m!(...)`` and ``m![...]`` are expressions
    inner = data[start + 1 : end - 1]
    if not _ITEM_WORD.search(inner):
        return
    own = parser.parse(inner).root_node
    if own.has_error or not any(
        c.type in _SLICED or c.type == "macro_invocation" for c in own.named_children
    ):
        return
    out.append((offset + call.start_byte, start + 1))  # ``cfg_rt! {``
    out.append((end - 1, offset + call.end_byte))  # ``}`` (and a ``;`` after it)
    _collect(parser, data, own, start + 1, out, depth + 1)
