"""Chunk grammars nobody wrote a :class:`LanguageSpec` for.

:mod:`context_kit.sources._node_names` tells which node kinds of a grammar look like
definitions; :class:`GenericChunker` keeps only the nodes it can *name* (a ``name`` field,
or an identifier at the start of the node or of its header), because a definition-looking
node without a name is usually something else (an anonymous function, a constructor
*call*). It also finds a function assigned to a name (R's ``f <- function``), definitions
inside nodes that merely hold them (Haskell's ``declarations``), and Dart's signatures
written apart from their bodies.

The result is coarser than a hand-written spec — no decorators, no receivers, signatures
cut at the body or at the first line — but a function in Lua or Haskell becomes a named,
citable slice instead of part of a 60-line window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._chunker import Chunker, Span, last_line
from ._lines import LineTable
from ._node_names import DEFINITION_WORDS, Derived, words

__all__ = ["GenericChunker"]

_HEADER_WORDS = DEFINITION_WORDS | {
    "declaration",
    "declarator",
    "header",
    "signature",
    "head",
    "left",
    "statement",
    "binding",
    "proto",
    "specification",
    "clause",
}
"""Children searched for a definition's name when it has no name field of its own: its
header (Vim's ``function_declaration``, OCaml's ``let_binding``), never its parameters or
fields (a struct is not named after its first field)."""

_NOT_HOLDERS = frozenset(
    {
        "import",
        "export",
        "use",
        "open",
        "include",
        "call",
        "invocation",
        "application",
        "expression",
        "expr",
        "argument",
        "arguments",
        "parameter",
        "parameters",
        "literal",
        "string",
    }
)
"""Nodes never searched for definitions inside (an import naming a module is no module)."""

_PART_FIELDS = ("type", "result", "return_type", "parameter", "parameters", "pattern", "module")
"""Fields of a node that hold a part of it or a reference (Haskell's ``module`` field of a
header or import), never a definition of its own."""

# How deep the chunker looks through nodes that merely hold definitions (Haskell's
# ``declarations``) or that assign an anonymous function to a name (R's ``f <- function``).
_HOLDER_DEPTH = 3

# How far above a definition-like node the chunker may meet it: holders, wrappers and the
# single-child chains it looks through (_HOLDER_DEPTH each), plus slack.
_NEAR_LEVELS = 12

# How deep the chunker looks into a node's header children for its name (``declProc`` in
# Pascal, ``function_declarator`` → ``identifier`` in C-like shader languages).
_NAME_DEPTH = 4

# Indentation wider than this is not looked at (the check reads the line's text).
_MAX_INDENT = 200

# A name longer than this is not a name (a whole expression caught by the fallback).
_MAX_NAME_CHARS = 120


class _Joined:
    """A signature node and the body node after it, seen as one definition node.

    Dart writes ``int add(a, b) { ... }`` as sibling ``function_signature`` and
    ``function_body`` nodes; the chunker wants one node per definition. Only the parts of
    the node interface the chunker reads are provided.
    """

    is_named = True
    is_error = False
    text = None

    def __init__(self, head: Any, body: Any) -> None:
        self.head = head
        self.body = body
        self.type = head.type
        self.start_point = head.start_point
        self.end_point = body.end_point
        self.parent = head.parent
        self.prev_named_sibling = head.prev_named_sibling
        self.id = head.id

    @property
    def children(self) -> list[Any]:
        return [*self.head.children, self.body]

    @property
    def child_count(self) -> int:
        return int(self.head.child_count) + 1

    @property
    def named_children(self) -> list[Any]:
        return [*self.head.named_children, self.body]

    def child_by_field_name(self, name: str) -> Any | None:
        if name == "body":
            return self.body
        return self.head.child_by_field_name(name)


# HCL block types Terraform addresses without their keyword (``aws_vpc.this``), or with a
# short one (``var.name``); any other block is its type and labels (``data.aws_ami.x``,
# ``module.vpc``, ``output.vpc_id``, ``locals``).
_HCL_ADDRESS_PREFIX = {"resource": "", "variable": "var."}


def _hcl_block_name(node: Any) -> str | None:
    """A Terraform-style address for an HCL block: its type, then its labels.

    ``resource "aws_vpc" "this" {`` is ``aws_vpc.this``, as Terraform code refers to it.
    """
    kind: str | None = None
    labels: list[str] = []
    for child in node.named_children:
        if child.type == "identifier" and kind is None:
            kind = child.text.decode("utf-8", "replace") if child.text else None
        elif child.type == "string_lit" and kind is not None:
            inner = [c for c in child.named_children if c.type == "template_literal"]
            if len(inner) != 1 or not inner[0].text:
                return None
            labels.append(inner[0].text.decode("utf-8", "replace"))
        elif child.type != "comment":
            break
    if kind is None or len(kind) > _MAX_NAME_CHARS:
        return None
    if labels and kind in _HCL_ADDRESS_PREFIX:
        return _HCL_ADDRESS_PREFIX[kind] + ".".join(labels)
    return ".".join([kind, *labels])


# Elixir defines with macro calls: ``defmodule Name do ... end``, ``def name(args) do``.
_ELIXIR_CONTAINERS = frozenset({"defmodule", "defprotocol", "defimpl"})
_ELIXIR_DEFINITIONS = frozenset(
    {"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp", "defdelegate", "defn"}
)


def _elixir_role(node: Any) -> str | None:
    """``"container"``, ``"definition"`` or ``None`` for an Elixir call, by its macro."""
    target = node.named_children[0] if node.named_children else None
    if target is None or target.type != "identifier" or not target.text:
        return None
    word = target.text.decode("utf-8", "replace")
    if word in _ELIXIR_CONTAINERS:
        return "container"
    return "definition" if word in _ELIXIR_DEFINITIONS else None


def _elixir_name(node: Any) -> str | None:
    """The module or function an Elixir ``def...`` call defines, or ``None`` for any call else.

    ``defmodule Phoenix.Token do`` names ``Phoenix.Token``; ``def sign(ctx, salt) when
    is_binary(salt) do`` and ``defp key, do: ...`` name ``sign`` and ``key``.
    """
    role = _elixir_role(node)
    args = next((c for c in node.named_children if c.type == "arguments"), None)
    if role is None or args is None or not args.named_children:
        return None
    first = args.named_children[0]
    if role == "container":
        found = first if first.type == "alias" else None
    else:
        if first.type == "binary_operator":  # a guard: ``name(args) when ...``
            first = first.named_children[0] if first.named_children else first
        if first.type == "call" and first.named_children:
            first = first.named_children[0]
        found = first if first.type == "identifier" else None
    if found is None or not found.text or len(found.text) > _MAX_NAME_CHARS:
        return None
    return str(found.text.decode("utf-8", "replace"))


class GenericChunker(Chunker):
    """A :class:`Chunker` for derived specs: structure needs a name, bodies are optional.

    Args:
        derived: What :func:`derive` read off the grammar.
        table: The file's lines.
        max_lines: Definitions longer than this are split at statements.
        queryable: False when the tree is too deep to query in reasonable time (see
            :mod:`context_kit.sources._ts_budget`); every node is then examined instead.
    """

    def __init__(
        self, derived: Derived, table: LineTable, max_lines: int, *, queryable: bool = True
    ) -> None:
        super().__init__(derived.spec, table, max_lines)
        self.queryable = queryable
        self.identifiers = derived.identifiers
        self.signatures = derived.signatures
        self._query = derived.structure_query
        # Ids of nodes that are, or closely enclose, a definition-like node; ``None`` when
        # unknown (every node is then examined).
        self._near: set[int] | None = None

    def run(self, root: Any) -> list[Span]:
        self._near = self._neighbourhood(root)
        return super().run(root)

    def _neighbourhood(self, root: Any) -> set[int] | None:
        """Definition-like nodes and their ancestors up to :data:`_NEAR_LEVELS` up.

        The rules below walk a handful of levels from a statement down to a definition
        (through holders, wrappers and headers); a statement with no definition-like node
        that close is plain code, and one set lookup says so. Found in C by one query, it
        keeps a 20,000-line script of plain commands from costing seconds of Python.
        """
        from tree_sitter import QueryCursor

        if self._query is None or not self.queryable:
            return None
        # node id -> levels still to mark above it; a walk stops where an earlier one
        # already went at least as far.
        reach: dict[int, int] = {}
        for nodes in QueryCursor(self._query).captures(root).values():
            for node in nodes:
                cur: Any = node
                for left in range(_NEAR_LEVELS, 0, -1):
                    if cur is None or reach.get(cur.id, 0) >= left:
                        break
                    reach[cur.id] = left
                    cur = cur.parent
        return set(reach)

    def _is_near(self, node: Any) -> bool:
        return self._near is None or node.id in self._near

    def _last_line(self, node: Any) -> int:
        """Like :func:`last_line`, also leaving out a last line holding only indentation.

        Scala's indented blocks end after the next line's leading spaces.
        """
        end = last_line(node)
        col = int(node.end_point.column)
        if (
            end == int(node.end_point.row) + 1
            and end > int(node.start_point.row) + 1
            and 0 < col <= _MAX_INDENT
            and not self.table.text(end, end)[:col].strip()
        ):
            return end - 1
        return end

    def _is_structure(self, node: Any) -> bool:
        if isinstance(node, _Joined):
            return True
        if not self._is_near(node):
            return False
        if super()._is_structure(node):
            return (
                self._find_name(node) is not None
                and not self._is_header(node)
                and not self._is_part(node)
            )
        return self._is_header_definition(node)

    def _special(self, node: Any) -> tuple[str | None, Any] | None:
        if node.type == "call" and self.spec.name == "elixir":
            role = _elixir_role(node)
            if role is not None:
                body = next((c for c in node.named_children if c.type == "do_block"), None)
                return role, body
        return super()._special(node)

    def _is_part(self, node: Any) -> bool:
        """Whether ``node`` is a type, parameter or pattern of its parent.

        Haskell spells the type ``a -> b`` as a ``function`` node.
        """
        parent = node.parent
        if parent is None:
            return False
        return any(parent.child_by_field_name(f) == node for f in _PART_FIELDS)

    def _structure_kind(self, node: Any, wrapper_name: str | None) -> str | None:
        if wrapper_name is None and (isinstance(node, _Joined) or self._is_header_definition(node)):
            return "definition"
        return super()._structure_kind(node, wrapper_name)

    def _is_header(self, node: Any) -> bool:
        """Whether ``node`` opens the definition holding it rather than being a member.

        Fortran's ``subroutine`` starts with a ``subroutine_statement``.
        """
        parent = node.parent
        return (
            parent is not None
            and node.prev_named_sibling is None
            and (parent.type in self.spec.definitions or parent.type in self.spec.containers)
        )

    def _is_header_definition(self, node: Any) -> bool:
        """Whether ``node`` holds a named definition header and then a body.

        Zig's ``Decl`` holds ``FnProto`` and ``Block``: the whole node is the definition.
        """
        if isinstance(node, _Joined) or not self._is_near(node):
            return False
        named = node.named_children
        if len(named) < 2 or node.type in self.spec.definitions:
            return False
        head = named[0]
        return (
            head.type in self.spec.definitions
            and any(c.type in self.spec.body_types for c in named[1:])
            and self._find_name(head) is not None
        )

    def _name_node(self, node: Any) -> Any | None:
        """A node's ``name`` field, or the name inside its ``declarator`` (C-like languages).

        Only a named node counts: R keeps its ``function`` keyword in the name field.
        """
        for _ in range(_NAME_DEPTH):
            found = node.child_by_field_name("name")
            if found is not None and found.is_named:
                return found
            node = node.child_by_field_name("declarator")
            if node is None:
                return None
            if node.type in self.identifiers:
                return node
        return None

    def _find_name(self, node: Any) -> str | None:
        """The name field, else an identifier among the first children.

        Grammars without a name field often keep the header in a child (Fortran's
        ``function_statement``, Vim's ``function_declaration``), so the search continues
        in the first child that has children of its own. An HCL block is named by its
        labels too (see :func:`_hcl_block_name`).
        """
        if node.type == "block" and self.spec.name == "hcl":
            return _hcl_block_name(node)
        if node.type == "call" and self.spec.name == "elixir":
            return _elixir_name(node)
        cur = node
        for depth in range(_NAME_DEPTH):
            found = self._name_node(cur)
            body = self._body(cur)
            kids = [c for c in cur.named_children[:4] if body is None or c != body]
            if found is None:
                found = next((c for c in kids if c.type in self.identifiers), None)
            if found is not None:
                text = found.text.decode("utf-8", "replace") if found.text else ""
                if 0 < len(text) <= _MAX_NAME_CHARS and "\n" not in text:
                    return self._clean(text)
                return None
            # Inside a header anything goes (Julia: ``signature`` → ``call_expression`` →
            # ``identifier``); at the definition itself only a header is searched.
            headers = (c for c in kids if depth or _HEADER_WORDS.intersection(words(c.type)))
            cur = next((c for c in headers if c.named_children), None)
            if cur is None:
                return None
        return None

    def _unwrap(self, node: Any) -> tuple[Any, str | None]:
        """The node itself, or an anonymous function it assigns to a name.

        ``f <- function(x) ...`` (R) and ``local f = function() ... end`` (Lua) hold an
        unnamed definition after an identifier; the slice spans the whole statement.
        """
        if not self._is_near(node) or self._is_structure(node) or self._is_comment(node):
            return node, None
        cur = node
        for _ in range(_HOLDER_DEPTH):
            kids = [self._solo(c) for c in cur.named_children]
            for i, kid in enumerate(kids):
                anonymous = kid.type in self.spec.definitions or kid.type in self.spec.containers
                if anonymous and not self._is_part(kid) and self._find_name(kid) is None:
                    name = next(
                        (k for k in kids[:i] if k.type in self.identifiers and k.text), None
                    )
                    if name is not None and len(name.text) <= _MAX_NAME_CHARS:
                        return kid, self._clean(name.text.decode("utf-8", "replace"))
                    return node, None
            if len(cur.named_children) != 1:
                break
            cur = cur.named_children[0]
        return node, None

    def _solo(self, node: Any) -> Any:
        """Look through nodes with a single named child (``variable_list`` → identifier)."""
        for _ in range(_HOLDER_DEPTH):
            if len(node.named_children) != 1 or node.type in self.spec.definitions:
                break
            node = node.named_children[0]
        return node

    def _holds_members(self, node: Any) -> bool:
        if not self._is_near(node):
            return False
        kind = words(node.type)
        if any(w in _NOT_HOLDERS for w in kind) or self._is_comment(node):
            return False
        if self._is_member(node):
            return False
        return any(self._is_member(c) for c in node.named_children)

    def _flatten(self, nodes: list[Any], depth: int = 0) -> list[Any]:
        """Replace nodes that merely hold definitions by their children.

        Haskell keeps all top-level definitions in one ``declarations`` node.
        """
        if depth >= _HOLDER_DEPTH:
            return nodes
        out: list[Any] = []
        for node in nodes:
            if self._holds_members(node):
                out.extend(self._flatten(list(node.children), depth + 1))
            else:
                out.append(node)
        out = self._join_signatures(out)
        # A keyword left outside the node it qualifies (Zig's ``pub`` before ``fn``) would
        # otherwise become a statement of its own and cut into the definition's first line;
        # the next node covers its line anyway.
        return [
            n
            for i, n in enumerate(out)
            if n.is_named or i + 1 == len(out) or out[i + 1].start_point.row > n.end_point.row
        ]

    def _join_signatures(self, nodes: list[Any]) -> list[Any]:
        """Pair a signature node with the body node right after it (see :class:`_Joined`)."""
        out: list[Any] = []
        for node in nodes:
            prev = next((n for n in reversed(out) if n.is_named), None)
            if (
                prev is not None
                and not isinstance(prev, _Joined)
                and node.type in self.spec.body_types
                and prev.type in self.signatures
                and node.start_point.row <= prev.end_point.row + 1
                and self._find_name(prev) is not None
            ):
                while out[-1] is not prev:
                    out.pop()  # tokens between signature and body
                out[-1] = _Joined(prev, node)
                continue
            out.append(node)
        return out

    def _block(
        self,
        children: list[Any],
        scope: list[str],
        parent: str | None,
        depth: int,
        lead: Sequence[Any] = (),
    ) -> None:
        super()._block(self._flatten(children), scope, parent, depth, lead)

    def _name(self, node: Any, fallback: str | None = None) -> str:
        return self._find_name(node) or fallback or "<anonymous>"

    def _signature_end(self, node: Any) -> int:
        if self._body(node) is None:
            return int(node.start_point.row) + 1
        return super()._signature_end(node)

    def _split_points(self, node: Any) -> list[Any]:
        if self._body(node) is None:
            return list(node.named_children)
        return super()._split_points(node)

    def _members(self, node: Any) -> list[Any]:
        # Grammars without a body node keep members as the container's own children.
        if self._body(node) is None:
            return self._flatten(list(node.children))
        return self._flatten(super()._members(node))

    def _container(
        self,
        outer: Any,
        inner: Any,
        start: int,
        name: str,
        scope: list[str],
        parent: str | None,
        depth: int,
        comment_end: int | None,
        aliases: tuple[str, ...] = (),
    ) -> None:
        if any(self._is_member(c) for c in self._members(inner)):
            super()._container(
                outer, inner, start, name, scope, parent, depth, comment_end, aliases
            )
            return
        # Nothing inside to outline: a container is then one definition-like slice, split
        # at statements when long, rather than one unsplittable header.
        span = Span(
            start,
            self._last_line(outer),
            "class",
            ".".join([*scope, name]),
            parent=parent,
            signature_end=self._signature_end(inner),
            doc_end=comment_end,
            aliases=aliases,
        )
        self._emit_split(span, self._split_points(inner))
