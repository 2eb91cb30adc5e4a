"""Code slices from tree-sitter syntax trees.

Each file is *partitioned*: every line belongs to at most one slice, so slices never overlap
and nothing readable is invisible. A file yields

* ``function`` / ``method`` slices (decorators and the comment block right above included),
  methods qualified as ``Class.method``;
* ``class`` slices: the container's header — decorators, signature, docstring and the
  statements before its first member — plus an outline of member signatures;
* ``class_body`` slices: statements between or after a container's members;
* ``module`` slices: runs of top-level statements (imports, constants, ``if __name__``).

Definitions longer than ``max_slice_lines`` are split at statement boundaries into parts
(``part=(k, n)``), each still citing exact lines. Files with syntax errors still yield
slices: tree-sitter recovers a partial tree and the chunker uses whatever it recognises.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..types import OutlineEntry, Slice
from ._lines import LineTable
from ._ts_budget import too_deep_to_query
from .languages import LanguageSpec, language_for_path, load_language, refs_query_text
from .text import window_slices
from .walk import FileText

__all__ = ["DEFAULT_MAX_SLICE_LINES", "CodeSource"]

DEFAULT_MAX_SLICE_LINES = 200
"""Definitions longer than this are split into parts: long enough that most functions stay
whole (a reader wants the whole function), short enough that one giant function cannot
swallow a budget as a single all-or-nothing item."""

# Deeply nested code can recurse once per nesting level; past this depth the chunker stops
# descending and keeps the rest of the subtree inside its parent slice.
_MAX_CONTAINER_DEPTH = 50


@dataclass
class _Span:
    start: int  # 1-based lines, inclusive
    end: int
    symbol_kind: str
    name: str
    parent: str | None = None
    signature_end: int | None = None
    doc_end: int | None = None
    outline: list[OutlineEntry] = field(default_factory=list)
    part: tuple[int, int] | None = None


class _Chunker:
    """Walks one syntax tree and emits non-overlapping spans."""

    def __init__(self, spec: LanguageSpec, table: LineTable, max_lines: int) -> None:
        self.spec = spec
        self.table = table
        self.max_lines = max_lines
        self.spans: list[_Span] = []

    # --- helpers -------------------------------------------------------------------------
    def _unwrap(self, node: Any) -> Any:
        seen = 0
        while node.type in self.spec.wrappers and seen < _MAX_CONTAINER_DEPTH:
            inner = node.child_by_field_name("definition") or node.child_by_field_name(
                "declaration"
            )
            if inner is None:
                inner = next(
                    (
                        c
                        for c in reversed(node.named_children)
                        if c.type in self.spec.definitions or c.type in self.spec.containers
                    ),
                    None,
                )
            if inner is None:
                return node
            node = inner
            seen += 1
        return node

    def _name(self, node: Any) -> str:
        name_node = node.child_by_field_name(self.spec.name_field)
        if name_node is None or name_node.text is None:
            return "<anonymous>"
        return str(name_node.text.decode("utf-8", "replace"))

    def _signature_end(self, node: Any) -> int:
        body = node.child_by_field_name(self.spec.body_field)
        if body is None:
            return int(node.end_point.row) + 1
        prev = body.prev_sibling
        row = prev.end_point.row if prev is not None else body.start_point.row
        return int(row) + 1

    def _doc_end(self, node: Any) -> int | None:
        if self.spec.docstrings != "python":
            return None
        body = node.child_by_field_name(self.spec.body_field)
        if body is None or not body.named_children:
            return None
        first = body.named_children[0]
        if (
            first.type == "expression_statement"
            and first.named_children
            and first.named_children[0].type in ("string", "concatenated_string")
        ):
            return int(first.end_point.row) + 1
        return None

    def _is_comment(self, node: Any) -> bool:
        return node.type in self.spec.comment_types

    # --- the walk ------------------------------------------------------------------------
    def run(self, root: Any) -> list[_Span]:
        self._block(list(root.children), scope=[], parent=None, depth=0)
        return self.spans

    def _block(self, children: list[Any], scope: list[str], parent: str | None, depth: int) -> None:
        """Chunk a sequence of sibling statements."""
        pending: list[Any] = []
        leftover_kind = "class_body" if parent else "module"
        for child in children:
            inner = self._unwrap(child)
            is_def = inner.type in self.spec.definitions
            is_container = inner.type in self.spec.containers and depth < _MAX_CONTAINER_DEPTH
            if not (is_def or is_container):
                pending.append(child)
                continue
            # A comment block ending on the line right above a definition documents it.
            start_row = child.start_point.row
            while (
                pending
                and self._is_comment(pending[-1])
                and pending[-1].end_point.row + 1 >= start_row
            ):
                start_row = pending.pop().start_point.row
            self._flush(pending, leftover_kind, scope, parent)
            pending = []
            name = self._name(inner)
            if is_def:
                self._definition(child, inner, start_row + 1, name, scope, parent)
            else:
                self._container(child, inner, start_row + 1, name, scope, depth)
        self._flush(pending, leftover_kind, scope, parent)

    def _flush(self, nodes: list[Any], kind: str, scope: list[str], parent: str | None) -> None:
        if not nodes:
            return
        start = nodes[0].start_point.row + 1
        end = nodes[-1].end_point.row + 1
        name = ".".join(scope) if scope else "<module>"
        self._emit_split(_Span(start, end, kind, name, parent=parent), nodes)

    def _definition(
        self, outer: Any, inner: Any, start: int, name: str, scope: list[str], parent: str | None
    ) -> None:
        qual = ".".join([*scope, name])
        kind = "method" if parent else "function"
        span = _Span(
            start,
            outer.end_point.row + 1,
            kind,
            qual,
            parent=parent,
            signature_end=self._signature_end(inner),
            doc_end=self._doc_end(inner),
        )
        body = inner.child_by_field_name(self.spec.body_field)
        self._emit_split(span, list(body.named_children) if body is not None else [])

    def _container(
        self, outer: Any, inner: Any, start: int, name: str, scope: list[str], depth: int
    ) -> None:
        qual = ".".join([*scope, name])
        body = inner.child_by_field_name(self.spec.body_field)
        members = list(body.children) if body is not None else []
        first_member = next(
            (
                i
                for i, c in enumerate(members)
                if self._unwrap(c).type in self.spec.definitions
                or self._unwrap(c).type in self.spec.containers
            ),
            None,
        )
        sig_end = self._signature_end(inner)
        if first_member is None:
            header_end = outer.end_point.row + 1
            head_nodes: list[Any] = members
            rest: list[Any] = []
        else:
            head_nodes = members[:first_member]
            # Comments right above the first member belong to it, not to the header.
            while head_nodes and self._is_comment(head_nodes[-1]):
                head_nodes = head_nodes[:-1]
            rest = members[len(head_nodes) :]
            named_head = [n for n in head_nodes if n.is_named]
            header_end = named_head[-1].end_point.row + 1 if named_head else sig_end
            header_end = max(header_end, sig_end)
        header = _Span(
            start,
            header_end,
            "class",
            qual,
            parent=".".join(scope) or None,
            signature_end=sig_end,
            doc_end=self._doc_end(inner),
        )
        self.spans.append(header)
        before = len(self.spans)
        if rest:
            self._block(rest, [*scope, name], qual, depth + 1)
        for member in self.spans[before:]:
            first_part = member.part is None or member.part[0] == 1
            if member.parent == qual and member.symbol_kind in ("method", "class") and first_part:
                sig = member.signature_end or member.start
                header.outline.append(
                    OutlineEntry(
                        line=member.start,
                        end_line=sig,
                        text=self.table.text(member.start, sig),
                        name=member.name,
                    )
                )

    def _emit_split(self, span: _Span, statements: Sequence[Any]) -> None:
        """Emit ``span``, split at statement boundaries when it is too long."""
        if span.end - span.start + 1 <= self.max_lines or len(statements) < 2:
            self.spans.append(span)
            return
        cuts: list[tuple[int, int]] = []
        cur_start = span.start
        for stmt in statements:
            s_end = stmt.end_point.row + 1
            if s_end - cur_start + 1 > self.max_lines and stmt.start_point.row + 1 > cur_start:
                cut_end = stmt.start_point.row  # the line before this statement
                cuts.append((cur_start, cut_end))
                cur_start = cut_end + 1
        cuts.append((cur_start, span.end))
        n = len(cuts)
        for k, (a, b) in enumerate(cuts, 1):
            part = _Span(
                a,
                b,
                span.symbol_kind,
                span.name,
                parent=span.parent,
                signature_end=span.signature_end if k == 1 else None,
                doc_end=span.doc_end if k == 1 else None,
                part=(k, n) if n > 1 else None,
            )
            self.spans.append(part)


class CodeSource:
    """Turns source files of known languages into code slices with tree-sitter.

    Args:
        max_slice_lines: Definitions longer than this are split into parts.

    Files whose language has no installed grammar fall back to line windows.
    """

    name = "code"
    version = "1"

    def __init__(self, *, max_slice_lines: int = DEFAULT_MAX_SLICE_LINES) -> None:
        self.max_slice_lines = max_slice_lines
        self._local = threading.local()

    def accepts(self, path: str) -> bool:
        """Whether the file's extension belongs to a language with structure."""
        return language_for_path(path) is not None

    def _parser(self, spec: LanguageSpec) -> Any | None:
        from tree_sitter import Parser, Query

        cache: dict[str, tuple[Any, Any]] = self._local.__dict__.setdefault("parsers", {})
        if spec.name not in cache:
            lang = load_language(spec.name)
            if lang is None:
                return None
            q_text = refs_query_text(spec.name)
            query = Query(lang, q_text) if q_text else None
            cache[spec.name] = (Parser(lang), query)
        return cache[spec.name]

    def slices(self, file: FileText) -> list[Slice]:
        """Slices of one file (a pure function of its path and content)."""
        spec = language_for_path(file.path)
        table = LineTable(file.text)
        if spec is None:
            return window_slices(file.path, table, language=None)
        loaded = self._parser(spec)
        if loaded is None:
            return window_slices(file.path, table, language=spec.name)
        parser, query = loaded
        data = file.text.encode("utf-8", "surrogatepass")
        tree = parser.parse(data)
        spans = _Chunker(spec, table, self.max_slice_lines).run(tree.root_node)
        spans = _normalise(spans, table)
        refs = _references(query, tree.root_node, table, spans) if query is not None else {}
        out: list[Slice] = []
        for i, sp in enumerate(spans):
            simple = sp.name.rsplit(".", 1)[-1]
            defines: tuple[str, ...] = ()
            if sp.symbol_kind in ("function", "method", "class") and (
                sp.part is None or sp.part[0] == 1
            ):
                defines = (sp.name,) if simple == sp.name else (sp.name, simple)
            out.append(
                Slice(
                    id=f"code:{file.path}:{sp.start}-{sp.end}",
                    kind="code",
                    path=file.path,
                    start_line=sp.start,
                    end_line=sp.end,
                    start_byte=table.byte_start(sp.start),
                    end_byte=table.byte_end(sp.end),
                    name=sp.name,
                    symbol_kind=sp.symbol_kind,
                    language=spec.name,
                    text=table.text(sp.start, sp.end),
                    signature_end_line=sp.signature_end,
                    doc_end_line=sp.doc_end,
                    outline=tuple(sp.outline),
                    defines=defines,
                    references=tuple(sorted(refs.get(i, ()))),
                    parent=sp.parent,
                    part=sp.part,
                )
            )
        return out


def _normalise(spans: list[_Span], table: LineTable) -> list[_Span]:
    """Sort, clip overlaps, trim blank edges and drop empty spans."""
    spans.sort(key=lambda s: (s.start, s.end))
    out: list[_Span] = []
    last_end = 0
    for sp in spans:
        sp.start = max(sp.start, last_end + 1)
        sp.end = min(sp.end, len(table))
        while sp.start <= sp.end and table.is_blank(sp.start):
            sp.start += 1
        while sp.end >= sp.start and table.is_blank(sp.end):
            sp.end -= 1
        if sp.start > sp.end:
            continue
        if sp.signature_end is not None:
            sp.signature_end = min(max(sp.signature_end, sp.start), sp.end)
        if sp.doc_end is not None:
            sp.doc_end = min(max(sp.doc_end, sp.start), sp.end)
        sp.outline = [o for o in sp.outline if o.line > sp.end]
        out.append(sp)
        last_end = sp.end
    return out


def _references(query: Any, root: Any, table: LineTable, spans: list[_Span]) -> dict[int, set[str]]:
    """Assign each ``@ref`` capture to the span holding its line."""
    from bisect import bisect_right

    from tree_sitter import QueryCursor

    starts = [sp.start for sp in spans]
    out: dict[int, set[str]] = {}
    captures = {} if too_deep_to_query(root) else QueryCursor(query).captures(root)
    for node in captures.get("ref", []):
        if node.text is None:
            continue
        line = node.start_point.row + 1
        i = bisect_right(starts, line) - 1
        if i >= 0 and spans[i].start <= line <= spans[i].end:
            out.setdefault(i, set()).add(node.text.decode("utf-8", "replace"))
    return out
