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

# How far the chunker looks through declarators / statement holders for a name or a body;
# real code needs two or three levels, the cap only guards pathological trees.
_MAX_NAME_DEPTH = 8

# Fields through which a wrapper holds what it wraps (decorators, exports, declarators).
_WRAPPED_FIELDS = ("definition", "declaration", "value")


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


def _last_line(node: Any) -> int:
    """1-based last line of ``node``.

    Some grammars end a node at column 0 of the *next* line (Rust doc comments swallow
    their newline); that line holds none of the node, so it is not counted.
    """
    row = int(node.end_point.row)
    if node.end_point.column == 0 and row > node.start_point.row:
        return row
    return row + 1


class _Chunker:
    """Walks one syntax tree and emits non-overlapping spans."""

    def __init__(self, spec: LanguageSpec, table: LineTable, max_lines: int) -> None:
        self.spec = spec
        self.table = table
        self.max_lines = max_lines
        self.spans: list[_Span] = []

    # --- helpers -------------------------------------------------------------------------
    def _is_structure(self, node: Any) -> bool:
        return node.type in self.spec.definitions or node.type in self.spec.containers

    def _unwrap(self, node: Any) -> tuple[Any, str | None]:
        """The definition or container inside wrapper nodes, and a wrapper's name if any.

        Returns the node itself when the wrappers hold no definition, so that
        ``const x = f(() => 1)`` stays a plain statement.
        """
        outer = node
        wrapper_name: str | None = None
        seen = 0
        while node.type in self.spec.wrappers and seen < _MAX_CONTAINER_DEPTH:
            named = self._field_text(node, "name")
            wrapper_name = named or wrapper_name
            inner = None
            for fld in _WRAPPED_FIELDS:
                cand = node.child_by_field_name(fld)
                if cand is not None and (
                    self._is_structure(cand) or cand.type in self.spec.wrappers
                ):
                    inner = cand
                    break
            if inner is None:
                inner = next(
                    (
                        c
                        for c in reversed(node.named_children)
                        if self._is_structure(c) or c.type in self.spec.wrappers
                    ),
                    None,
                )
            if inner is None:
                return outer, None
            node = inner
            seen += 1
        if not self._is_structure(node):
            return outer, None
        return node, wrapper_name

    def _field_text(self, node: Any, name: str) -> str | None:
        child = node.child_by_field_name(name)
        if child is None or child.text is None:
            return None
        return self._clean(child.text.decode("utf-8", "replace"))

    def _clean(self, name: str) -> str:
        for sep in self.spec.scope_separators:
            name = name.replace(sep, ".")
        return " ".join(name.split()).strip(".") or "<anonymous>"

    def _name(self, node: Any, fallback: str | None = None) -> str:
        """A node's name: its name field, looking through declarators and name holders."""
        spec = self.spec
        cur = node
        for _ in range(_MAX_NAME_DEPTH):
            found = None
            for fld in spec.name_fields:
                found = cur.child_by_field_name(fld)
                if found is not None:
                    break
            if found is None:
                found = next((c for c in cur.named_children if c.type in spec.name_holders), None)
                if found is None:
                    break
                cur = found
                continue
            if found.type in spec.name_descend:
                cur = found
                continue
            if found.text is None:
                break
            return self._clean(found.text.decode("utf-8", "replace"))
        return fallback or spec.default_names.get(node.type, "<anonymous>")

    def _receiver(self, node: Any) -> str | None:
        """The receiver type of a Go-style method (``func (r *T) M()`` → ``T``)."""
        if self.spec.receiver_field is None:
            return None
        recv = node.child_by_field_name(self.spec.receiver_field)
        if recv is None:
            return None
        stack = [recv]
        while stack:
            cur = stack.pop()
            if cur.type in self.spec.receiver_types and cur.text is not None:
                return str(cur.text.decode("utf-8", "replace"))
            stack.extend(reversed(cur.named_children))
        return None

    def _body(self, node: Any) -> Any | None:
        body = node.child_by_field_name(self.spec.body_field)
        if body is None and self.spec.body_types:
            body = next((c for c in node.named_children if c.type in self.spec.body_types), None)
        return body

    def _statements(self, body: Any | None) -> list[Any]:
        """The statements of a body, looking through nodes that merely hold them."""
        if body is None:
            return []
        for _ in range(_MAX_NAME_DEPTH):
            named = body.named_children
            if len(named) == 1 and named[0].type in self.spec.body_lists:
                body = named[0]
                continue
            return list(named)
        return list(body.named_children)

    def _signature_end(self, node: Any) -> int:
        body = self._body(node)
        if body is None:
            return _last_line(node)
        prev = body.prev_sibling
        if prev is None:
            return int(body.start_point.row) + 1
        return max(_last_line(prev), int(node.start_point.row) + 1)

    def _doc_end(self, node: Any) -> int | None:
        if self.spec.docstrings != "python":
            return None
        body = self._body(node)
        if body is None or not body.named_children:
            return None
        first = body.named_children[0]
        if (
            first.type == "expression_statement"
            and first.named_children
            and first.named_children[0].type in ("string", "concatenated_string")
        ):
            return _last_line(first)
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
            inner, wrapper_name = self._unwrap(child)
            is_def = inner.type in self.spec.definitions
            is_container = inner.type in self.spec.containers and depth < _MAX_CONTAINER_DEPTH
            if not (is_def or is_container):
                pending.append(child)
                continue
            # A comment block ending on the line right above a definition documents it.
            start_row = child.start_point.row
            doc_end: int | None = None
            while (
                pending and self._is_comment(pending[-1]) and _last_line(pending[-1]) >= start_row
            ):
                comment = pending.pop()
                doc_end = doc_end or _last_line(comment)
                start_row = comment.start_point.row
            self._flush(pending, leftover_kind, scope, parent)
            pending = []
            name = self._name(inner, wrapper_name)
            if is_def:
                self._definition(child, inner, start_row + 1, name, scope, parent, doc_end)
            else:
                self._container(child, inner, start_row + 1, name, scope, depth, doc_end)
        self._flush(pending, leftover_kind, scope, parent)

    def _flush(self, nodes: list[Any], kind: str, scope: list[str], parent: str | None) -> None:
        if not nodes:
            return
        start = nodes[0].start_point.row + 1
        end = max(_last_line(n) for n in nodes)
        name = ".".join(scope) if scope else "<module>"
        self._emit_split(_Span(start, end, kind, name, parent=parent), nodes)

    def _definition(
        self,
        outer: Any,
        inner: Any,
        start: int,
        name: str,
        scope: list[str],
        parent: str | None,
        comment_end: int | None,
    ) -> None:
        receiver = self._receiver(inner)
        if receiver is not None and not scope:
            name = f"{receiver}.{name}"
        qual = ".".join([*scope, name])
        # ``func (p *T) M`` and C++ ``T::m() {...}`` are methods of T though written outside it.
        if parent is None and "." in name:
            parent = qual.rsplit(".", 1)[0]
            kind = "method"
        else:
            kind = "method" if parent else "function"
        doc_end = self._doc_end(inner)
        span = _Span(
            start,
            _last_line(outer),
            kind,
            qual,
            parent=parent,
            signature_end=self._signature_end(inner),
            doc_end=doc_end if doc_end is not None else comment_end,
        )
        self._emit_split(span, self._statements(self._body(inner)))

    def _container(
        self,
        outer: Any,
        inner: Any,
        start: int,
        name: str,
        scope: list[str],
        depth: int,
        comment_end: int | None,
    ) -> None:
        qual = ".".join([*scope, name])
        body = self._body(inner)
        members = list(body.children) if body is not None else []
        first_member = next(
            (i for i, c in enumerate(members) if self._is_structure(self._unwrap(c)[0])),
            None,
        )
        sig_end = self._signature_end(inner)
        if first_member is None:
            header_end = _last_line(outer)
            head_nodes: list[Any] = members
            rest: list[Any] = []
        else:
            head_nodes = members[:first_member]
            # Comments right above the first member belong to it, not to the header.
            while head_nodes and self._is_comment(head_nodes[-1]):
                head_nodes = head_nodes[:-1]
            rest = members[len(head_nodes) :]
            # Closing tokens (``}``, Ruby's ``end``) join the last member below rather than
            # becoming one-line slices of their own.
            while rest and not rest[-1].is_named:
                rest.pop()
            # Unnamed head tokens count too: an Allman-style ``{`` line must not fall
            # between the header and the first member.
            header_end = max((_last_line(n) for n in head_nodes), default=sig_end)
            header_end = max(header_end, sig_end)
        doc_end = self._doc_end(inner)
        header = _Span(
            start,
            header_end,
            "class",
            qual,
            parent=".".join(scope) or None,
            signature_end=sig_end,
            doc_end=doc_end if doc_end is not None else comment_end,
        )
        self.spans.append(header)
        before = len(self.spans)
        if rest:
            self._block(rest, [*scope, name], qual, depth + 1)
            if len(self.spans) > before:
                last = self.spans[-1]
                last.end = max(last.end, _last_line(outer))
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
            s_end = _last_line(stmt)
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
    version = "2"

    def __init__(self, *, max_slice_lines: int = DEFAULT_MAX_SLICE_LINES) -> None:
        self.max_slice_lines = max_slice_lines
        self._local = threading.local()

    def __getstate__(self) -> dict[str, object]:
        # Parsers are per thread and cannot be pickled; worker processes make their own.
        return {"max_slice_lines": self.max_slice_lines}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.max_slice_lines = int(state["max_slice_lines"])
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
    captures = QueryCursor(query).captures(root)
    for node in captures.get("ref", []):
        if node.text is None:
            continue
        line = node.start_point.row + 1
        i = bisect_right(starts, line) - 1
        if i >= 0 and spans[i].start <= line <= spans[i].end:
            out.setdefault(i, set()).add(node.text.decode("utf-8", "replace"))
    return out
