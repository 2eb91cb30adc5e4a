"""Walk one tree-sitter syntax tree and cut it into non-overlapping line spans.

The spans are what :mod:`context_kit.sources.code` turns into slices; this module only
knows syntax nodes and :class:`~context_kit.sources.languages.LanguageSpec` data, never files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from typing import Any

from ..types import OutlineEntry
from ._lines import LineTable
from .languages import LanguageSpec

__all__ = ["Chunker", "Span", "last_line"]

# Deeply nested code can recurse once per nesting level; past this depth the chunker stops
# descending and keeps the rest of the subtree inside its parent slice.
_MAX_CONTAINER_DEPTH = 50

# How far the chunker looks through declarators / statement holders for a name or a body;
# real code needs two or three levels, the cap only guards pathological trees.
_MAX_NAME_DEPTH = 8

# Fields through which a wrapper holds what it wraps (decorators, exports, declarators).
_WRAPPED_FIELDS = ("definition", "declaration", "value")
_TYPEDEF = "type_definition"  # C and C++ (see ``_typedef``)
# Test calls that group others (``describe``) rather than being a case themselves.
_TEST_GROUPS = frozenset(
    {"describe", "context", "suite", "feature", "shared_examples", "shared_context"}
)
# Key nodes a JavaScript method or entry may be named by, quoted or computed, and the
# members named so (a ``declare module '../vanilla'`` keeps its quotes: a path, not a key).
_PROPERTY_KEYS = frozenset({"string", "computed_property_name"})
# Nodes a quoted string can name, named by the string's text: ``'get-one'() {}`` and
# TypeScript's ``declare module 'vue' {...}``.
_KEYED_MEMBERS = frozenset(
    {"method_definition", "method_signature", "abstract_method_signature", "pair", "module"}
)
# Declarations a C++ annotation macro can leave a function's head in (see _annotated_head).
_SPLIT_HEADS = frozenset({"declaration", "field_declaration"})
# A C or C++ block standing alone among statements: the body of a macro-headed test.
_MACRO_BLOCK = "compound_statement"
# A short subscript of a dotted name (``handlers[name]``, ``app['get']``): a name to cite.
_SUBSCRIPT = re.compile(r"[\w$.]+\[[\w$.'\"-]{1,40}\]")
_TEST_CALL_TYPES = frozenset({"call_expression", "new_expression", "call"})
_ACCESSOR_LIST = "accessor_list"  # C#'s ``{ get {...} set {...} }`` (see _property_code)
_IDENTIFIERS = frozenset({"identifier", "simple_identifier"})
# A method called on a declaration's value (Java's), looked through for an anonymous class.
_CALL_ON_VALUE = "method_invocation"
# Operators named by a field of theirs (C#'s): the field and what joins it to "operator".
_OPERATOR_NAMES = {
    "operator_declaration": ("operator", ""),
    "conversion_operator_declaration": ("type", " "),
}
# Ruby's constant names (``Point``, ``Shop::Point``): what a class-making call is bound to.
_CONSTANT_TYPES = frozenset({"constant", "scope_resolution"})
_BLOCK_CALL = "call"  # Ruby's call node, which may take a block (see _opens_conditional)


def _title(node: Any, *, quoted: bool = True) -> str:
    """A test's title as a label: quotes gone, dots (which read as qualification) spaces."""
    raw = node.text.decode("utf-8", "replace") if node.text else ""
    if quoted:
        raw = raw[1:-1]
    return " ".join(raw.replace(".", " ").split())


def _is_doc_comment(node: Any) -> bool:
    text = node.text
    return bool(text) and bytes(text[:3]) == b"/**" and text[3:4] != b"/"


_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


@dataclass
class Span:
    """One future slice: a line range with its symbol, before it is cut from the file."""

    start: int  # 1-based lines, inclusive
    end: int
    symbol_kind: str
    name: str
    parent: str | None = None
    signature_end: int | None = None
    doc_end: int | None = None
    outline: list[OutlineEntry] = field(default_factory=list)
    part: tuple[int, int] | None = None
    # Other names the span defines: a C ``typedef struct tag {...} name;`` is ``name``
    # and also defines ``tag``.
    aliases: tuple[str, ...] = ()


def last_line(node: Any) -> int:
    """1-based last line of ``node``.

    Some grammars end a node at column 0 of the *next* line (Rust doc comments swallow
    their newline); that line holds none of the node, so it is not counted.
    """
    row, column = node.end_point
    if column == 0 and row > node.start_point.row:
        return int(row)
    return int(row) + 1


# Nodes whose children are chunked as if they were their siblings: a conditional
# compilation block (the include guard around a whole C header, a platform's functions
# in ``#ifdef``), an ``extern "C" { ... }`` block and a stretch the parser could only
# read as an error (a C++ namespace opened by a macro) hold definitions like any other
# stretch of the file. (A ``declaration_list`` met among siblings is such a block's body:
# a namespace's or class's is read as the container's members, never as a sibling.)
_OPENED = frozenset(
    {
        "ERROR",
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "linkage_specification",
        "declaration_list",
        # A Java enum's members after its constants (``; int code() {...}``).
        "enum_body_declarations",
    }
)


def _expanded(nodes: Sequence[Any], opens: Callable[[Any], bool]) -> list[Any]:
    """``nodes`` with each node ``opens`` accepts replaced by its children, recursively."""
    out: list[Any] = []
    todo = list(reversed(nodes))
    while todo:
        node = todo.pop()
        if node.child_count and opens(node):
            todo.extend(reversed(node.children))
        else:
            out.append(node)
    return out


# Statements that may run a scope function, and the expressions its value passes through
# (see Chunker._scope_path): each with the field holding the rest of the way, if one.
_SCOPE_STATEMENTS = frozenset(
    {"expression_statement", "variable_declaration", "lexical_declaration"}
)
_SCOPE_VALUE_FIELDS = {
    "binary_expression": "right",
    "unary_expression": "argument",
    "variable_declarator": "value",
    "assignment_expression": "right",
}


def _expanded_along(node: Any, path: Sequence[Any]) -> list[Any]:
    """``node`` replaced by its descendants, every node on ``path`` opened."""
    on_path = {n.id for n in path}
    return _expanded([node], lambda n: n.id in on_path)


def _opened(children: Sequence[Any]) -> list[Any]:
    """``children`` with every node of an :data:`_OPENED` type replaced by its children."""
    if not any(c.type in _OPENED for c in children):
        return list(children)
    return _expanded(children, lambda node: node.type in _OPENED)


# A C/C++ definition written through a macro: ``TEST(args_test, basic) { ... }`` (gtest,
# BOOST_AUTO_TEST_CASE...). Named by its macro alone, hundreds of tests share one name.
_MACRO = re.compile(r"[A-Z][A-Z0-9_]+")
_NOT_A_NAME = re.compile(r"[{;]|//|/\*")
# A bracketed part of a type name (Rust's ``[u8; N]``, ``[[u8; 4]; N]``): its ``;`` is the
# array length's, not a statement's end, so it is left out of the check above.
_BRACKETED = re.compile(r"\[[^\[\]{}]*\]")
_MAX_BRACKET_DEPTH = 8
_MACRO_ARGS = re.compile(r"\(\s*(\w+(?:\s*,\s*\w+)*)\s*\)")


def _without_brackets(name: str) -> str:
    """``name`` with its bracketed parts taken out, innermost first (see ``_BRACKETED``)."""
    for _ in range(_MAX_BRACKET_DEPTH):
        if "[" not in name:
            break
        name, n = _BRACKETED.subn("", name)
        if not n:
            break
    return name


def _macro_call_name(macro: str, declarator: Any) -> str:
    """``TEST(suite, name)`` for a macro whose arguments are plain names, else the macro."""
    params = declarator.child_by_field_name("parameters")
    text = params.text.decode("utf-8", "replace") if params is not None and params.text else ""
    m = _MACRO_ARGS.fullmatch(text)
    if m is None or m.group(1) == "void":
        return macro
    return f"{macro}({', '.join(a.strip() for a in m.group(1).split(','))})"


def _name_chain(name: Any) -> list[Any]:
    """A C++ name and, while it is qualified (``a::b::c``), each ``name`` part inside it.

    The last node is the unqualified last part (``c``), unless a qualified node has none.
    """
    chain = [name]
    while chain[-1].type == "qualified_identifier":
        inner = chain[-1].child_by_field_name("name")
        if inner is None:
            break
        chain.append(inner)
    return chain


def _after_missing_scopes(qualified: Any) -> Any:
    """The part of a C++ qualified name after the last ``::`` the parser had to invent.

    ``MACRO std::string to_string(...)`` and ``CONSTEXPR_MACRO result_t<T> parse(...)``
    (a macro line above the head) read as scopes joined by missing ``::`` tokens: what
    follows the last one is the name (itself qualified, ``ns::f``, when written so).
    """
    chain = _name_chain(qualified)
    after = qualified
    for scope, rest in pairwise(chain):
        if any(c.is_missing for c in scope.children):
            after = rest
    return after


_TEMPLATE_ARGUMENTS = re.compile(rb"<[^<>]*>")


def _without_scope_arguments(qualified: Any, raw: bytes) -> tuple[bytes, int]:
    """``raw``, a C++ qualified name, without its scopes' template arguments.

    ``Buffer<T*, T>::grow`` is a member of the class its template names, ``Buffer``, as
    the same method written inside the class is. Returns the text and the byte offset
    at which its last part would start if no argument had been dropped before it, so
    offsets into that part still index the new text.
    """
    k = _name_chain(qualified)[-1].start_byte - qualified.start_byte
    head = raw[:k]
    while True:  # innermost first: ``A<B<C>>::f``
        head, n = _TEMPLATE_ARGUMENTS.subn(b"", head)
        if not n:
            break
    return head + raw[k:], qualified.start_byte + (k - len(head))


def _unnamed_declarator(declarator: Any) -> Any | None:
    """What a declarator without a ``declarator`` field declares: its one child.

    When the parser gave up inside it (an annotation macro, ``NON_NULL(2)``, on the line
    above a method reads as a parenthesised declarator opening at the macro's ``(``),
    the function declarator inside the error (a constructor's, with its initialiser
    list read as a second declarator after it) or else next to it, if there is one.
    """
    kids = [c for c in declarator.named_children if c.type != "comment"]
    broken = [c for c in kids if c.type == "ERROR"]
    if not broken:
        return kids[0] if len(kids) == 1 else None
    for holder in (*(c.named_children for c in broken), kids):
        found = next((c for c in holder if c.type == "function_declarator"), None)
        if found is not None:
            return found
    return None


def _cast_parameters(name: Any) -> int | None:
    """Where the parameters of a C++ conversion operator named by ``name`` start, if it is one.

    ``operator T*() const noexcept`` is one ``operator_cast`` node, parameters and
    qualifiers included, unlike other functions whose declarator holds the name apart.
    """
    cast = _name_chain(name)[-1]
    if cast.type != "operator_cast":
        return None
    cur = cast.child_by_field_name("declarator")
    while cur is not None and cur.type != "abstract_function_declarator":
        cur = cur.child_by_field_name("declarator") or _unnamed_declarator(cur)
    params = cur.child_by_field_name("parameters") if cur is not None else None
    return params.start_byte if params is not None else None


def _declared_after_macro(declarator: Any) -> str | None:
    """The function a C definition declares after attribute macros, if it does.

    ``JEMALLOC_ATTR(malloc) JEMALLOC_ALLOC_SIZE(1)`` on the line above ``je_malloc(size_t
    size) {`` parses as a declarator of the first macro followed by calls: the last call
    of a name that is not a macro's is the function.
    """
    for child in reversed(declarator.named_children):
        if child.type != "call_expression":
            continue
        called = child.child_by_field_name("function")
        if called is None or called.type != "identifier" or not called.text:
            return None
        name: str = called.text.decode("utf-8", "replace")
        return None if _MACRO.fullmatch(name) else name
    return None


class Chunker:
    """Walks one syntax tree and emits non-overlapping spans."""

    def __init__(self, spec: LanguageSpec, table: LineTable, max_lines: int) -> None:
        self.spec = spec
        self.table = table
        self.max_lines = max_lines
        self.spans: list[Span] = []
        # _test_call's answer per node: asked for the same call by _is_structure (through
        # _unwrap), _structure_kind, the name and every _body lookup.
        self._test_calls: dict[int, tuple[str, str, Any] | None] = {}
        # _holds_definitions' answer per object literal node, asked as often.
        self._objects: dict[int, bool] = {}
        self._conditionals: dict[int, bool] = {}  # by node id: see _holds_member
        self._object_depth = 0

    # --- helpers -------------------------------------------------------------------------
    def _is_structure(self, node: Any) -> bool:
        t = node.type
        if t in self.spec.definitions:
            return True
        if t in self.spec.containers:
            # ``namespace App;`` scopes the rest of the file but holds nothing itself.
            return t not in self.spec.namespaces or self._body(node) is not None
        special = self._special(node)
        return special is not None and special[0] is not None

    def _special(self, node: Any) -> tuple[str | None, Any] | None:
        """The role and body of a node whose role depends on what it holds.

        Calls (test cases and groups, titled callbacks), values such as ``type T = {...}``
        and object literals are definitions or containers only by their content. For
        them: ``(kind, body)``, ``kind`` being ``"definition"``, ``"container"`` or
        ``None`` (not a structure after all); ``None`` for every other node. The one
        dispatch serves the kind, the structure test and the body alike.
        """
        t = node.type
        if t == _BLOCK_CALL and self.spec.factory_calls:
            made = self._factory_body(node)
            if made is not None:
                return "container", made
        if t in _TEST_CALL_TYPES and self.spec.test_calls:
            call = self._test_call(node)
            if call is None:
                return None, None
            # Test groups hold their cases; an object argument holds its functions.
            group = call[0].split(".", 1)[0] in _TEST_GROUPS
            literal = call[2].type in self.spec.object_containers
            return ("container" if group or literal else "definition"), call[2]
        if t in self.spec.value_containers:
            value = self._value_body(node)
            return ("container" if value is not None else None), value
        if t in self.spec.object_containers:
            # ``{ a() {}, b: 1 }``: the braces hold the entries themselves.
            return ("container" if self._holds_definitions(node) else None), node
        if t in self.spec.bodied_containers:
            body = node.child_by_field_name(self.spec.body_field)
            return ("container" if body is not None else None), body
        if t in self.spec.class_values:
            anonymous = self._class_value_body(node)
            if anonymous is not None:
                return "container", anonymous
            if t not in self.spec.code_properties:
                return None, None  # a field of data
        if t in self.spec.code_properties:
            code = self._property_code(node)
            return ("definition" if code is not None else None), code
        return None

    def _class_value_body(self, node: Any) -> Any | None:
        """The body of the anonymous class a declaration holds (see ``class_values``).

        The class is the declaration's child (Kotlin's ``object_literal``) or its
        declarator's ``value`` (Java's ``variable_declarator``); its body must hold a
        definition, so ``new Object() {}`` and ``new int[] {...}`` stay lines.
        """
        anonymous, body_type = self.spec.class_values[node.type]
        for child in node.named_children:
            value = child if child.type == anonymous else child.child_by_field_name("value")
            while value is not None and value.type == _CALL_ON_VALUE:
                # gson's ``CLASS = new TypeAdapter<Class>() {...}.nullSafe();``: the class
                # is what the call is made on.
                value = value.child_by_field_name("object")
            if value is None or value.type != anonymous:
                continue
            body = next((c for c in value.named_children if c.type == body_type), None)
            if body is not None and self._holds_definitions(body):
                return body
            return None
        return None

    def _property_code(self, node: Any) -> Any | None:
        """The child holding a property's code (see ``LanguageSpec.code_properties``)."""
        kinds = self.spec.code_properties[node.type]
        for child in node.named_children:
            if child.type not in kinds:
                continue
            if child.type == _ACCESSOR_LIST and not any(
                a.child_by_field_name("body") is not None for a in child.named_children
            ):
                continue  # ``{ get; set; }``: accessors without code
            return child
        return None

    def _holds_definitions(self, node: Any) -> bool:
        """Whether an object literal has an entry that is, or wraps, a definition.

        Entries holding objects are asked in turn; past ``_MAX_CONTAINER_DEPTH`` nested
        literals (generated data) the answer is no, as deeper containers are not cut.
        """
        key = node.id
        found = self._objects.get(key)
        if found is None:
            if self._object_depth >= _MAX_CONTAINER_DEPTH:
                return False
            self._object_depth += 1
            try:
                found = any(self._is_member(c) for c in node.named_children)
            finally:
                self._object_depth -= 1
            self._objects[key] = found
        return found

    def _value_body(self, node: Any) -> Any | None:
        """The ``value`` that makes ``node`` a container (``type T = { ... }``), if it is one."""
        value = node.child_by_field_name("value")
        if value is None or value.type != self.spec.value_containers[node.type]:
            return None
        return value

    def _test_call(self, node: Any) -> tuple[str, str, Any] | None:
        """``describe('store', () => {...})``: the callee, the title and the callback body.

        Test files are mostly such calls; as definitions (``it``, ``test``) and
        containers (``describe``) they get a slice per case, named by its title.
        JavaScript's ``call_expression`` takes the body of its last argument, a function;
        Ruby's ``call`` (``describe "x" do ... end``, ``RSpec.describe``) its block's.
        """
        key = node.id
        if key not in self._test_calls:
            self._test_calls[key] = (
                self._ruby_test_call(node) if node.type == "call" else self._js_test_call(node)
            )
        return self._test_calls[key]

    def _js_test_call(self, node: Any) -> tuple[str, str, Any] | None:
        # ``new Vue({ methods: {...} })`` is read like a call of ``Vue``.
        callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        if callee is None or args is None or callee.text is None:
            return None
        name = callee.text.decode("utf-8", "replace")
        known = name.split(".", 1)[0] in self.spec.test_calls
        if not (known or self.spec.titled_calls) or not _DOTTED.fullmatch(name):
            return None
        named = args.named_children
        if not named:
            return None
        callback = named[-1]
        titled = len(named) >= 2 and named[0].type in ("string", "template_string")
        if (
            self.spec.titled_calls
            and callback.type in self.spec.object_containers
            and self._holds_definitions(callback)
        ):
            # ``createSlice({ reducers: { add(state) {...} } })``, ``app.component('x',
            # { data() {...} })``: a container of the literal's functions.
            return name, _title(named[0]) if titled else "", callback
        if callback.type not in self.spec.definitions:
            return None
        body = callback.child_by_field_name("body")
        if body is None or body.type not in self.spec.body_lists:
            return None  # ``() => expr``: nothing to look into
        if titled:
            return name, _title(named[0]), body
        own = callback.child_by_field_name("name")
        if known or own is None or own.text is None:
            return None  # ``setTimeout(function () {...})``: nothing names it
        # ``defineGetter(req, 'protocol', function protocol() {...})``: the function's name.
        return self._clean(own.text.decode("utf-8", "replace")), "", body

    def _ruby_test_call(self, node: Any) -> tuple[str, str, Any] | None:
        method = node.child_by_field_name("method")
        if method is None or method.text is None:
            return None
        name = method.text.decode("utf-8", "replace")
        receiver = node.child_by_field_name("receiver")
        if name not in self.spec.test_calls or (receiver is not None and receiver.text != b"RSpec"):
            return None
        args = node.child_by_field_name("arguments")
        block = node.child_by_field_name("block")
        if args is None or block is None or not args.named_children:
            return None
        first = args.named_children[0]
        if first.type not in ("string", "constant", "scope_resolution"):
            return None
        body = block.child_by_field_name("body")
        if body is None:
            return None  # ``it "is pending" do end``
        title = _title(first) if first.type == "string" else _title(first, quoted=False)
        return name, title, body

    def _factory_body(self, node: Any) -> Any | None:
        """The block body of an assigned class-making call (see ``LanguageSpec.factory_calls``)."""
        receiver = node.child_by_field_name("receiver")
        method = node.child_by_field_name("method")
        block = node.child_by_field_name("block")
        if receiver is None or method is None or block is None:
            return None
        if receiver.text is None or method.text is None:
            return None
        made = (receiver.text + b"." + method.text).decode("utf-8", "replace")
        if made not in self.spec.factory_calls:
            return None
        holder = node.parent
        if holder is None or holder.type not in self.spec.assignments:
            return None
        left = holder.child_by_field_name("left")
        if left is None or left.type not in _CONSTANT_TYPES:
            return None  # ``body = Struct.new(:x) do``: a test's throwaway local
        return block.child_by_field_name("body")

    def _unwrap(self, node: Any) -> tuple[Any, str | None]:
        """The definition or container inside wrapper nodes, and a wrapper's name if any.

        Returns the node itself when the wrappers hold no definition, so that
        ``const x = f(() => 1)`` stays a plain statement.
        """
        outer = node
        wrapper_name: str | None = None
        seen = 0
        while node.type in self.spec.wrappers and seen < _MAX_CONTAINER_DEPTH:
            if node.type == _TYPEDEF:
                return self._typedef(outer, node)
            named = self._field_text(node, "name")
            if named is None and self.spec.object_containers:
                named = self._key_name(node)
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

    def _typedef(self, outer: Any, node: Any) -> tuple[Any, str | None]:
        """A C ``typedef`` of a struct, union or enum with a body: that type, and the name.

        ``typedef struct tag {...} name;`` is read as the container ``name`` (the name
        code uses; the tag is an alias, see :meth:`_typedef_tag`). A typedef of a type
        declared elsewhere (``typedef struct tag name;``, ``typedef int (*fn)(void);``)
        stays a module line.
        """
        inner = node.child_by_field_name("type")
        if (
            inner is None
            or inner.type not in self.spec.containers
            or inner.child_by_field_name("body") is None
        ):
            return outer, None
        declarator = node.child_by_field_name("declarator")
        if declarator is None:
            return outer, None
        if declarator.type == "type_identifier":  # a bare name: no field holds it
            name = self._clean((declarator.text or b"").decode("utf-8", "replace"))
        else:  # ``*NodePtr``, ``Table[4]``...
            name = self._name(declarator)
        return inner, None if name == "<anonymous>" else name

    def _typedef_tag(self, inner: Any, name: str) -> tuple[str, ...]:
        """The tag of a typedef'd type when it has one other than the typedef's name."""
        tag = self._field_text(inner, "name")
        return (tag,) if tag and tag != name and tag != "<anonymous>" else ()

    def _key_name(self, node: Any) -> str | None:
        """An object entry's key as a name (``'content-type': ...`` without its quotes).

        Or a JavaScript class field's ``property``. ``export default`` names what it
        exports ``default`` when nothing else does.
        """
        key = node.child_by_field_name("key") or node.child_by_field_name("property")
        if key is None:
            if node.type == "export_statement" and any(c.type == "default" for c in node.children):
                return "default"
            return None
        return self._key_text(key)

    def _key_text(self, key: Any) -> str | None:
        """A property key as a name.

        A string key names by its text (``'get-one'`` and ``['get-one']`` name
        ``get-one``); any other key as written (``[Symbol.iterator]``).
        """
        literal = key
        if key.type == "computed_property_name" and len(key.named_children) == 1:
            literal = key.named_children[0]
        if literal.type == "string" and literal.text is not None and len(literal.text) >= 2:
            return self._clean(literal.text[1:-1].decode("utf-8", "replace"))
        if key.text is None:
            return None
        return self._clean(key.text.decode("utf-8", "replace"))

    def _structure_kind(self, node: Any, wrapper_name: str | None) -> str | None:
        """``"definition"``, ``"container"`` or ``None`` for an unwrapped node."""
        if wrapper_name is None and not self._is_structure(node):
            return None
        special = self._special(node)
        if special is not None:
            return special[0]
        if node.type in self.spec.definitions:
            return "definition"
        if node.type in self.spec.containers:
            return "container"
        return None

    def _is_member(self, node: Any) -> bool:
        """Whether ``node`` is, or wraps, a definition or container."""
        inner, wrapper_name = self._unwrap(node)
        return wrapper_name is not None or self._is_structure(inner)

    def _blanket_trait(self, node: Any) -> str | None:
        """The trait a Rust blanket impl implements, which names it instead of its type.

        ``impl<T: AsyncRead> AsyncReadExt for T`` (or ``for &mut T``) is for every type
        the parameter stands for: named by ``T``, dozens of unrelated impls of a crate
        shared one name and their methods ``T.poll_read``.
        """
        trait = node.child_by_field_name("trait")
        params = node.child_by_field_name("type_parameters")
        target = node.child_by_field_name("type")
        if trait is None or params is None:
            return None
        while target is not None and target.type in ("reference_type", "pointer_type"):
            target = target.child_by_field_name("type")
        if target is None or target.type != "type_identifier":
            return None
        names = set()
        for p in params.named_children:
            # ``T: Bound`` (``type_parameter``'s name; ``constrained_type_parameter``'s
            # left in older grammars) or a bare ``T``.
            named = p.child_by_field_name("name") or p.child_by_field_name("left")
            names.add((named if named is not None else p).text)
        if target.text not in names:
            return None
        while trait.type == "generic_type" and trait.child_by_field_name("type") is not None:
            trait = trait.child_by_field_name("type")  # ``From<T>``: ``From``
        return self._clean(trait.text.decode("utf-8", "replace")) if trait.text else None

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
        if node.type in spec.named_by_default:
            return fallback or spec.default_names[node.type]
        if spec.dotted_receivers and (misread := self._misread_receiver(node)) is not None:
            return misread[1]
        if node.type == "impl_item" and (trait := self._blanket_trait(node)) is not None:
            return trait
        if (how := _OPERATOR_NAMES.get(node.type)) is not None:
            named = node.child_by_field_name(how[0])
            if named is not None and named.text:
                # C#'s ``operator ==`` and ``implicit operator decimal``: by what they
                # operate on or convert to, as C++'s ``operator==`` and ``operator bool``.
                return self._clean("operator" + how[1] + named.text.decode("utf-8", "replace"))
        cur = node
        for _ in range(_MAX_NAME_DEPTH):
            found = None
            for fld in spec.name_fields:
                found = cur.child_by_field_name(fld)
                if found is not None:
                    break
            if found is None and cur.type in spec.name_descend:
                # C++'s ``reference_declarator`` (``T& at()``, ``T&& take()``) and C's
                # ``parenthesized_declarator`` (``int (f)(void)``) hold what they declare
                # as an unnamed child, not in a ``declarator`` field as pointers do.
                found = _unnamed_declarator(cur)
                if found is None:
                    break
            elif found is None:
                holder = next((c for c in cur.named_children if c.type in spec.name_holders), None)
                if holder is not None:
                    cur = holder
                    continue
                # A holder without a name field (Kotlin's ``variable_declaration``) holds
                # the name as its identifier child.
                found = (
                    next((c for c in cur.named_children if c.type in _IDENTIFIERS), None)
                    if cur is not node
                    else None
                )
                if found is None:
                    break
            if found.type in spec.name_descend:
                cur = found
                continue
            if found.type == "qualified_identifier" and found.has_error:
                found = _after_missing_scopes(found)
            if found.text is None:
                break
            raw = found.text
            start = found.start_byte
            if found.type == "qualified_identifier" and b"<" in raw:
                raw, start = _without_scope_arguments(found, raw)
            if found.type in _PROPERTY_KEYS and cur.type in _KEYED_MEMBERS:
                name = self._key_text(found) or ""  # ``'get-one'() {}``
            elif (cut := _cast_parameters(found)) is not None:
                # ``A::operator bool() const``: the name stops before the parameters.
                name = self._clean(raw[: cut - start].decode("utf-8", "replace"))
            else:
                if len(raw) > 2 and raw[0] == raw[-1] == 0x60 and b"`" not in raw[1:-1]:
                    # Kotlin's ``fun `connects to host`()``, Swift's ``func `default`()``:
                    # the backticks quote the name, they are not part of it.
                    raw = raw[1:-1]
                name = self._clean(raw.decode("utf-8", "replace"))
            # A parser lost in macros can give a "name" holding a whole class body, or a
            # macro line and the comment below it.
            if _NOT_A_NAME.search(_without_brackets(name)):
                break
            if cur.type == "function_declarator" and _MACRO.fullmatch(name):
                return (
                    self._declared_before_macro(node)
                    or _declared_after_macro(cur)
                    or _macro_call_name(name, cur)
                )
            if cur.type == "parenthesized_declarator":
                # ``TEST_BEGIN(test_basic) {...}`` reads as a definition of ``test_basic``
                # whose type is the macro: named like a macro call that parses as one.
                macro = node.child_by_field_name("type")
                if macro is not None and macro.text and _MACRO.fullmatch(macro.text.decode()):
                    return f"{macro.text.decode()}({name})"
            return name
        if fallback is None and node.type == "enum_specifier":
            # ``enum { FLAGS_SPACE = 1, ... };`` declares constants and no type: the
            # first one names it (each is a name of the enclosing scope).
            body = node.child_by_field_name("body")
            kids = body.named_children if body is not None else []
            first = next((c for c in kids if c.type == "enumerator"), None)
            named = self._field_text(first, "name") if first is not None else None
            if named:
                return named
        return fallback or spec.default_names.get(node.type, "<anonymous>")

    def _declared_before_macro(self, node: Any) -> str | None:
        """The function a C++ definition declares before an annotation macro, if it does.

        ``void Foo(int x) GTEST_LOCK_EXCLUDED_(mu_) {`` parses as a definition of the
        macro, ``Foo(int x)`` left in an ERROR inside it: the name is ``Foo``'s.
        """
        for child in node.named_children:
            if child.type != "ERROR":
                continue
            declarator = next(
                (c for c in child.named_children if c.type == "function_declarator"), None
            )
            if declarator is not None:
                name = self._name(declarator)
                return None if name == "<anonymous>" else name
        return None

    def _annotated_head(self, pending: list[Any], inner: Any) -> str | None:
        """The name of a C++ function whose annotation macro split it in two, if it is one.

        ``void Free(int a) EXCLUSIVE_LOCKS_REQUIRED(mu_) {...}`` parses as a declaration
        of ``Free`` missing its ``;`` then a definition of the macro with no return type
        (Clang's thread-safety annotations, gtest's ``GTEST_LOCK_EXCLUDED_``). A real
        prototype ends with its ``;``, and ``TEST(suite, name) {...}`` follows none.
        """
        if not pending or inner.type != "function_definition":
            return None
        head = pending[-1]
        if head.type not in _SPLIT_HEADS or inner.child_by_field_name("type") is not None:
            return None
        end = head.children[-1] if head.child_count else None
        if end is None or (end.type == ";" and not end.is_missing):
            return None
        if self._last_line(head) < inner.start_point.row:  # a line or more between them
            return None
        macro = inner.child_by_field_name("declarator")
        declared = head.child_by_field_name("declarator")
        if (
            macro is None
            or macro.type != "function_declarator"
            or declared is None
            or declared.type != "function_declarator"
        ):
            return None
        called = macro.child_by_field_name("declarator")
        if called is None or called.text is None or not _MACRO.fullmatch(called.text.decode()):
            return None
        name = self._name(head)
        return None if name == "<anonymous>" else name

    def _macro_test(self, head: Any, block: Any) -> str | None:
        """The name of a test a macro heads, when ``head`` and ``block`` are one.

        Catch2's and doctest's ``TEST_CASE("parses dates", "[date]") {...}`` parse as a
        call missing its ``;`` then a block of its own (gtest's ``TEST(Suite, Name)``
        reads as a function and needs nothing). Named ``TEST_CASE parses dates`` (the
        macro and its leading string), else as written: ``TEST_CASE_METHOD(Fixture,
        "x")``.
        """
        if head.type != "expression_statement" or head.named_child_count != 1:
            return None
        end = head.children[-1]
        if end.type == ";" and not end.is_missing:
            return None
        if self._last_line(head) < block.start_point.row:  # a line or more between them
            return None
        call = head.named_children[0]
        macro = call.child_by_field_name("function") if call.type == "call_expression" else None
        args = call.child_by_field_name("arguments")
        if macro is None or args is None or macro.text is None or args.text is None:
            return None
        name = macro.text.decode("utf-8", "replace")
        written = args.text.decode("utf-8", "replace")
        if not _MACRO.fullmatch(name) or "\n" in written or _NOT_A_NAME.search(written):
            return None  # an argument list the parser ran on into the next test
        first = args.named_children[0] if args.named_children else None
        if first is not None and first.type == "binary_expression":  # ``"x" * doctest::skip()``
            first = first.child_by_field_name("left")
        if first is not None and first.type == "string_literal":
            return f"{name} {_title(first)}".strip()
        # ``TEST(format_test, enum)`` (a keyword in the name broke the function): as
        # gtest's other tests are named.
        return f"{name}{' '.join(written.split())}"

    def _take_leading(
        self, pending: list[Any], start_row: int, signature_end: Callable[[], int]
    ) -> tuple[int, int | None]:
        """Pop the annotation lines and comments above a definition off ``pending``.

        Returns the definition's new first row and the last line of its doc comment.
        A comment joins only while the first part still reaches ``signature_end()`` (asked
        only when a comment is there to join): a 300-line licence or essay above a
        function would otherwise fill the first part, and the signature rung would show
        comment lines. The rest stays module (or class body) lines. A doc comment
        (``/** ... */``) may stand one blank line above (JSDoc style); other comments end
        on the line right above.
        """
        while (
            pending
            and pending[-1].type in self.spec.detached_annotations
            and self._last_line(pending[-1]) >= start_row - 1
        ):
            start_row = pending.pop().start_point.row
        if not pending or not self._is_comment(pending[-1]):
            return start_row, None
        first_row = signature_end() - self.max_lines
        if self._last_line(pending[-1]) == start_row - 1 and _is_doc_comment(pending[-1]):
            start_row -= 1
        doc_end: int | None = None
        while (
            pending
            and self._is_comment(pending[-1])
            and self._last_line(pending[-1]) >= start_row
            and pending[-1].start_point.row >= first_row
        ):
            comment = pending.pop()
            doc_end = doc_end or self._last_line(comment)
            start_row = comment.start_point.row
        return start_row, doc_end

    def _named_macro_call(self, node: Any) -> str | None:
        """The name of a test a macro call makes (see ``LanguageSpec.macro_tests``)."""
        call = node
        if call.type == "expression_statement" and call.named_child_count == 1:
            call = call.named_children[0]
        if call.type != "macro_invocation" or call.end_point.row - call.start_point.row < 2:
            return None
        macro = call.child_by_field_name("macro")
        args = next((c for c in call.named_children if c.type == "token_tree"), None)
        if macro is None or macro.text is None or args is None or args.child_count < 3:
            return None
        opening, first, comma = args.children[:3]
        if opening.type != "(" or first.type != "identifier" or comma.type != ",":
            return None
        # A body: a block of two lines or more among the arguments (``|dir, cmd| {...}``);
        # a row of a table of cases (``syntax!(seq3, "a", vec![...])``) stays a line.
        if not any(
            c.type == "token_tree"
            and c.children
            and c.children[0].type == "{"
            and c.end_point.row > c.start_point.row
            for c in args.named_children
        ):
            return None
        assert first.text is not None
        return f"{macro.text.decode('utf-8', 'replace')}!({first.text.decode('utf-8', 'replace')})"

    def _macro_definition(
        self,
        pending: list[Any],
        head: Any,
        block: Any,
        name: str,
        signature_end: int,
        scope: list[str],
        parent: str | None,
    ) -> None:
        """Emit a test a macro makes, from ``head`` to ``block`` (its comments joined)."""
        leftover_kind = "class_body" if parent else "module"
        start_row, doc_end = self._take_leading(
            pending, head.start_point.row, lambda: signature_end
        )
        self._flush(pending, leftover_kind, scope, parent)
        span = Span(
            start_row + 1,
            self._last_line(block),
            "method" if parent else "function",
            ".".join([*scope, name]),
            parent=parent,
            signature_end=signature_end,
            doc_end=doc_end,
        )
        long = span.end - span.start + 1 > self.max_lines
        statements = block.named_children if long and block.type == _MACRO_BLOCK else []
        self._emit_split(span, statements)

    def _assigned_name(self, node: Any, inner: Any) -> str | None:
        """The name an assignment among ``node``'s wrappers gives ``inner``, if any.

        ``app.init = function () {}`` defines ``app.init``; ``Foo.prototype.bar = ...``
        the method ``Foo.bar``; ``exports.parse = ...`` ``parse``; ``module.exports =
        function create() {}`` ``create`` (the function's own name, if it has one).
        """
        spec = self.spec
        for _ in range(_MAX_CONTAINER_DEPTH):
            if node.type in spec.assignments:
                left = node.child_by_field_name("left")
                if left is None or left.text is None:
                    return None
                name: str = left.text.decode("utf-8", "replace")
                if spec.scope_separators:
                    name = self._clean(name)  # Ruby's ``Shop::Point = Struct.new ...``
                if not _DOTTED.fullmatch(name):
                    # ``app[method] = function () {...}`` (express defines its verbs so):
                    # named as written, which says more than ``<anonymous>``.
                    if left.type == "subscript_expression" and _SUBSCRIPT.fullmatch(name):
                        return name
                    return None
                for prefix in ("module.exports.", "exports."):
                    if name.startswith(prefix):
                        name = name[len(prefix) :]
                        break
                if name in ("module.exports", "exports"):
                    return self._field_text(inner, "name") or name
                return name.replace(".prototype.", ".")
            node = next((c for c in reversed(node.named_children) if c.type in spec.wrappers), None)
            if node is None:
                return None
        return None

    def _receiver(self, node: Any) -> str | None:
        """The receiver type of a Go-style method (``func (r *T) M()`` → ``T``).

        Or of a Kotlin-style extension function (``fun Map<K, V>.keys()`` → ``Map``).
        """
        if self.spec.dotted_receivers:
            for c, nxt in pairwise(node.children):
                if c.type in self.spec.dotted_receivers and nxt.type == "." and c.text:
                    text = c.text.decode("utf-8", "replace").split("<", 1)[0]
                    return self._clean(text.rstrip("?").strip()) or None
            misread = self._misread_receiver(node)
            return misread[0] if misread is not None else None
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

    def _misread_receiver(self, node: Any) -> tuple[str, str] | None:
        """``(receiver, name)`` of an extension function whose name went into its receiver.

        Kotlin's grammar can read ``fun <T, K, V> Flow<T>.associate(...)`` as the receiver
        type ``Flow<T>.associate`` followed by a missing (empty) name: kotlinx.coroutines'
        ``Collection.kt`` had an ``<anonymous>`` function for it.
        """
        name = node.child_by_field_name("name")
        if name is None or (not name.is_missing and name.end_byte > name.start_byte):
            return None
        for c in node.children:
            if c.type not in self.spec.dotted_receivers or c.child_count < 3 or not c.text:
                continue
            dot, last = c.children[-2], c.children[-1]
            if dot.type == "." and last.type in _IDENTIFIERS and last.text:
                text = c.text[: dot.start_byte - c.start_byte].decode("utf-8", "replace")
                receiver = self._clean(text.split("<", 1)[0].rstrip("?").strip())
                return receiver, last.text.decode("utf-8", "replace")
        return None

    def _body(self, node: Any) -> Any | None:
        special = self._special(node)
        if special is not None:
            return special[1]
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

    def _split_points(self, node: Any) -> list[Any]:
        """Where a long definition may be cut: between the statements of its body."""
        return self._statements(self._body(node))

    def _members(self, node: Any) -> list[Any]:
        """A container's member nodes (its body's children, tokens included).

        Comments between the header and the body node come first: grammars start a body
        at its first statement, so the comment documenting a Ruby module's first class
        (or a Python class's first field) sits outside the body, and was read as part
        of the container's signature.
        """
        body = self._body(node)
        if body is None:
            return []
        return [*self._comments_before(body), *body.children]

    def _comments_before(self, body: Any) -> list[Any]:
        """The comments between a header and its ``body`` node, in order (see _members)."""
        lead: list[Any] = []
        prev = body.prev_sibling
        while prev is not None and self._is_comment(prev):
            lead.append(prev)
            prev = prev.prev_sibling
        return lead[::-1]

    def _signature_end(self, node: Any) -> int:
        body = self._body(node)
        if body is None:
            return self._last_line(node)
        # The signature ends at what comes before the body, comments aside (they are the
        # body's, see _members).
        lead = self._comments_before(body)
        prev = (lead[0] if lead else body).prev_sibling
        if prev is None:
            return int(body.start_point.row) + 1
        return max(self._last_line(prev), int(node.start_point.row) + 1)

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
            return self._last_line(first)
        # No docstring: comments opening the body (outside the body node, see _members)
        # say what a docstring would, and the elided rung keeps them.
        lead = self._comments_before(body)
        return self._last_line(lead[-1]) if lead else None

    def _last_line(self, node: Any) -> int:
        return last_line(node)

    def _is_comment(self, node: Any) -> bool:
        return node.type in self.spec.comment_types

    # --- the walk ------------------------------------------------------------------------
    def run(self, root: Any) -> list[Span]:
        self._block(list(root.children), scope=[], parent=None, depth=0)
        return self.spans

    def _block(
        self,
        children: list[Any],
        scope: list[str],
        parent: str | None,
        depth: int,
        lead: Sequence[Any] = (),
    ) -> None:
        """Chunk a sequence of sibling statements (``lead``: statements before them, unflushed)."""
        pending: list[Any] = list(lead)
        leftover_kind = "class_body" if parent else "module"
        nodes = self._siblings(children)
        if depth == 0 and self.spec.scope_functions:
            nodes = self._open_scopes(nodes)
        for child in nodes:
            if not child.is_named:  # a token of an opened node (``function`` of ``function () {``)
                pending.append(child)
                continue
            if child.type == _MACRO_BLOCK and pending:
                test = self._macro_test(pending[-1], child)
                if test is not None:
                    head = pending.pop()
                    self._macro_definition(
                        pending, head, child, test, self._last_line(head), scope, parent
                    )
                    pending = []
                    continue
            if child.type in self.spec.macro_tests:
                test = self._named_macro_call(child)
                if test is not None:
                    row = child.start_point.row + 1
                    self._macro_definition(pending, child, child, test, row, scope, parent)
                    pending = []
                    continue
            inner, wrapper_name = self._unwrap(child)
            kind = self._structure_kind(inner, wrapper_name)
            is_def = kind == "definition"
            is_container = kind == "container" and depth < _MAX_CONTAINER_DEPTH
            if not (is_def or is_container):
                pending.append(child)
                continue
            if is_container and inner.type in self.spec.namespaces:
                self._namespace(child, inner, wrapper_name, scope, parent, depth, pending)
                pending = []
                continue
            # A comment block ending on the line right above a definition documents it; a
            # doc comment (``/** ... */``) may stand one blank line above (JSDoc style).
            start_row = child.start_point.row
            annotated = self._annotated_head(pending, inner) if is_def else None
            if annotated is not None:  # its head was read as a declaration of its own
                start_row = pending.pop().start_point.row
            start_row, doc_end = self._take_leading(
                pending, start_row, partial(self._signature_end, inner)
            )
            self._flush(pending, leftover_kind, scope, parent)
            pending = []
            name = self._name(inner, wrapper_name)
            aliases: tuple[str, ...] = ()  # qualified like the name
            if child.type == _TYPEDEF and wrapper_name is not None:
                name = wrapper_name
                aliases = tuple(
                    ".".join([*scope, a]) for a in self._typedef_tag(inner, wrapper_name)
                )
            assigned = self._assigned_name(child, inner) if self.spec.assignments else None
            name = annotated or assigned or name
            if (
                inner.type in _TEST_CALL_TYPES
                and self.spec.test_calls
                and wrapper_name is None
                and assigned is None
            ):
                # ``const store = create('store', ...)`` and ``exports.store = create(...)``
                # keep the name they are bound to; only an unbound call is named by itself.
                call = self._test_call(inner)
                if call is not None:
                    name = f"{call[0]} {call[1]}".strip()
            if is_def:
                self._definition(child, inner, start_row + 1, name, scope, parent, doc_end)
            else:
                self._container(
                    child, inner, start_row + 1, name, scope, parent, depth, doc_end, aliases
                )
        self._flush(pending, leftover_kind, scope, parent)

    def _siblings(self, children: Sequence[Any]) -> list[Any]:
        """``children`` with the nodes that merely hold statements opened.

        Those of :func:`_opened`, and conditional blocks that hold a definition.
        """
        nodes = _opened(children)
        if self.spec.conditional_blocks and any(
            n.type in self.spec.conditional_blocks for n in nodes
        ):
            nodes = _expanded(nodes, self._opens_conditional)
        return nodes

    def _opens_conditional(self, node: Any) -> bool:
        """Whether ``node`` is a conditional block to read as its statements.

        See ``LanguageSpec.conditional_blocks``: one holding a definition, or such a block.
        """
        if node.type not in self.spec.conditional_blocks:
            return False
        if node.type == _BLOCK_CALL and node.child_by_field_name("arguments") is not None:
            # Only a scope opener (``class_methods do``, ``helpers do``) is read as its
            # statements. A call with arguments is a step of its own: a test case
            # (shoulda's ``should "exits" do``, which may define a stub method inside), a
            # route, a task, or a structure itself (RSpec's ``describe ... do``).
            return False
        return self._holds_member(node, 0)

    def _holds_member(self, node: Any, depth: int) -> bool:
        """Whether a conditional block holds a definition, in it or in a block inside it."""
        key = node.id
        found = self._conditionals.get(key)
        if found is None:
            blocks = self.spec.conditional_blocks
            found = depth < _MAX_CONTAINER_DEPTH and any(
                self._holds_member(c, depth + 1) if c.type in blocks else self._is_member(c)
                for c in node.named_children
            )
            self._conditionals[key] = found
        return found

    def _open_scopes(self, nodes: list[Any]) -> list[Any]:
        """``nodes`` with each statement that runs a scope function opened to its statements.

        See ``LanguageSpec.scope_functions``: the tokens around the function's body
        (``var ENV = (function () {``, ``})();``) stay module lines, and the body's
        statements are read as top-level ones.
        """
        out: list[Any] = []
        for node in nodes:
            path = self._scope_path(node, 0) if node.type in _SCOPE_STATEMENTS else None
            if path is None or self._is_member(node):  # a structure keeps its own rules
                out.append(node)
                continue
            out.extend(_expanded_along(node, path))
        return out

    def _scope_path(self, node: Any, depth: int) -> list[Any] | None:
        """The nodes from ``node`` down to the body of a scope function it calls, if any.

        Only a body holding a definition counts (an IIFE of plain statements stays one
        module run), and only through the expressions that carry its value: a
        declaration's single declarator, ``ENV || (...)``, ``!function () {...}()``, the
        callee of a call or, for a module factory, its last argument.
        """
        if depth > _MAX_NAME_DEPTH:
            return None
        t = node.type
        if t in self.spec.scope_functions:
            body = node.child_by_field_name("body")
            if body is None or body.type not in self.spec.body_lists:
                return None  # ``() => expr``
            if not any(self._is_member(c) for c in body.named_children):
                return None
            return [node, body]
        # Each way on: the nodes it passes (opened too), then the node to look into.
        steps: list[tuple[tuple[Any, ...], Any]] = []
        if t == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and (
                callee.type == "parenthesized_expression"
                or callee.type in self.spec.scope_functions
            ):
                steps.append(((), callee))
            args = node.child_by_field_name("arguments")
            last = args.named_children[-1] if args is not None and args.named_children else None
            if last is not None and last.type in self.spec.scope_functions:
                steps.append(((args,), last))
        elif t in _SCOPE_VALUE_FIELDS:
            value = node.child_by_field_name(_SCOPE_VALUE_FIELDS[t])
            if value is not None:
                steps.append(((), value))
        else:
            named = [c for c in node.named_children if c.type not in self.spec.comment_types]
            if len(named) == 1:
                steps.append(((), named[0]))
        for passed, step in steps:
            found = self._scope_path(step, depth + 1)
            if found is not None:
                return [node, *passed, *found]
        return None

    def _flush(self, nodes: list[Any], kind: str, scope: list[str], parent: str | None) -> None:
        if not nodes:
            return
        start = nodes[0].start_point.row + 1
        end = max(self._last_line(n) for n in nodes)
        name = ".".join(scope) if scope else "<module>"
        self._emit_split(Span(start, end, kind, name, parent=parent), nodes)

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
        span = Span(
            start,
            self._last_line(outer),
            kind,
            qual,
            parent=parent,
            signature_end=self._signature_end(inner),
            doc_end=doc_end if doc_end is not None else comment_end,
        )
        # Most definitions fit in one slice: only a long one needs its statements listed
        # (a node object per statement).
        long = span.end - span.start + 1 > self.max_lines
        self._emit_split(span, self._split_points(inner) if long else ())

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
        qual = ".".join([*scope, name])
        members = self._siblings(self._members(inner))
        first_member = next(
            (i for i, c in enumerate(members) if self._is_member(c)),
            None,
        )
        sig_end = self._signature_end(inner)
        if first_member is None:
            header_end = self._last_line(outer)
            head_nodes: list[Any] = members
            rest: list[Any] = []
        else:
            head_nodes = members[:first_member]
            # Comments (and annotation lines) right above the first member belong to it,
            # not to the header.
            while head_nodes and (
                self._is_comment(head_nodes[-1])
                or head_nodes[-1].type in self.spec.detached_annotations
            ):
                head_nodes = head_nodes[:-1]
            rest = members[len(head_nodes) :]
            # Closing tokens (``}``, Ruby's ``end``) join the last member below rather than
            # becoming one-line slices of their own.
            while rest and not rest[-1].is_named:
                rest.pop()
            # Unnamed head tokens count too: an Allman-style ``{`` line must not fall
            # between the header and the first member.
            header_end = max((self._last_line(n) for n in head_nodes), default=sig_end)
            header_end = max(header_end, sig_end)
        doc_end = self._doc_end(inner)
        header = Span(
            start,
            header_end,
            "class",
            qual,
            parent=parent,
            signature_end=sig_end,
            doc_end=doc_end if doc_end is not None else comment_end,
            aliases=aliases,
        )
        if first_member is None:
            # No members to carry the length (a 400-line options type, a Java class of
            # fields, a long enum): cut the container itself between its children.
            self._emit_split(header, members)
            return
        # A header can be long too (a lexer's 2,600-line token table before its first
        # method): it is cut like a definition, and its first part keeps the outline.
        header = self._emit_split(header, head_nodes)
        before = len(self.spans)
        if rest:
            self._block(rest, [*scope, name], qual, depth + 1)
            if len(self.spans) > before:
                last = self.spans[-1]
                last.end = max(last.end, self._last_line(outer))
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

    def _namespace(
        self,
        outer: Any,
        inner: Any,
        wrapper_name: str | None,
        scope: list[str],
        parent: str | None,
        depth: int,
        lead: list[Any],
    ) -> None:
        """A namespace, read as statements of the block it stands in, qualified by it.

        A namespace is no class: a function in it is a function, a class in it has no
        parent, and its own lines (``namespace geo {``) are module lines. They join the
        module lines before them (``lead``), so a file's includes or usings and its
        namespace line make one header slice rather than two of a line or two each.
        """
        name = self._name(inner, wrapper_name)
        body = self._body(inner)
        # The nodes from ``outer`` down to ``inner`` (``export namespace X {...}``), opened.
        path = [inner]
        while path[-1].id != outer.id and path[-1].parent is not None:
            path.append(path[-1].parent)
        nodes = _expanded_along(outer, path)
        at = next((i for i, n in enumerate(nodes) if body is not None and n.id == body.id), None)
        if at is not None:
            nodes = [*nodes[:at], *nodes[at].children, *nodes[at + 1 :]]
        # The closing ``}`` joins the last slice inside rather than being a slice of its own.
        while len(nodes) > 1 and not nodes[-1].is_named:
            nodes.pop()
        before = len(self.spans)
        inner_scope = [*scope, name] if self.spec.namespaces_qualify else scope
        self._block(nodes, inner_scope, parent, depth + 1, lead)
        if len(self.spans) > before:
            last = self.spans[-1]
            last.end = max(last.end, self._last_line(outer))

    def _finer(self, nodes: Sequence[Any]) -> list[Any]:
        """``nodes`` with each one longer than a part replaced by its children, recursively.

        A stretch that is one huge node (a ``switch`` of 2,000 lines, a block a parser could
        only read as an error, a test file's one ``describe(...)`` call) has no statement
        boundary to cut at; its children, or theirs, do.
        """
        return _expanded(
            nodes, lambda node: last_line(node) - node.start_point.row > self.max_lines
        )

    def _emit_split(self, span: Span, statements: Sequence[Any]) -> Span:
        """Emit ``span``, split at statement boundaries when it is too long.

        Returns the span that stands for ``span`` (its first part when it was cut), so a
        container can give that part its member outline.
        """
        if span.end - span.start + 1 <= self.max_lines:
            self.spans.append(span)
            return span
        statements = self._finer(statements)
        cuts: list[tuple[int, int]] = []
        cur_start = span.start
        # A short part that would end with the signature (a 250-line docstring follows
        # ``def f(x):``) takes the first window of what follows instead: a signature
        # alone is what the part's cheapest rung already says, and the docstring's start
        # belongs with it. A part that is long already (a 200-line doc comment above the
        # signature) is cut as before, or the window after it would be a line or two.
        head = span.signature_end if span.signature_end is not None else span.start - 1
        for stmt in statements:
            s_end = self._last_line(stmt)
            row = stmt.start_point.row  # the line before this statement, 1-based
            if (
                s_end - cur_start + 1 > self.max_lines
                and row + 1 > cur_start
                and (row > head or row - cur_start + 1 > self.max_lines // 2)
            ):
                cut_end = row
                cuts.extend(self._line_cuts(cur_start, cut_end))
                cur_start = cut_end + 1
        cuts.extend(self._line_cuts(cur_start, span.end))
        n = len(cuts)
        parts = [
            Span(
                a,
                b,
                span.symbol_kind,
                span.name,
                parent=span.parent,
                signature_end=span.signature_end if k == 1 else None,
                doc_end=span.doc_end if k == 1 else None,
                outline=span.outline if k == 1 else [],
                part=(k, n) if n > 1 else None,
                aliases=span.aliases if k == 1 else (),
            )
            for k, (a, b) in enumerate(cuts, 1)
        ]
        self.spans.extend(parts)
        return parts[0]

    def _line_cuts(self, first: int, last: int) -> list[tuple[int, int]]:
        """Lines ``first..last`` in runs of at most ``max_lines``, ended at blank lines.

        The last resort for a stretch that is one node with no statement inside to cut at:
        a 2,000-line string literal, a data table a lexer class holds. Each part still
        cites exact lines; a blank line, where the window has one, ends a part.
        """
        cuts: list[tuple[int, int]] = []
        a = first
        while last - a + 1 > self.max_lines:
            blank = self.table.window_end(a, self.max_lines)
            cuts.append((a, blank))
            a = blank + 1
        cuts.append((a, last))
        return cuts
