"""Per-language facts the tree-sitter chunker needs, kept as data.

A language is described by which syntax nodes are *definitions* (functions, methods),
which are *containers* (classes, impls, modules whose members become ``Container.member``),
which merely *wrap* a definition (decorators, ``export``, ``const f = () => ...``), where a
definition keeps its name and body, and where its docstrings live. Adding a language means
adding one :class:`LanguageSpec` and, optionally, a ``queries/<name>-refs.scm`` file whose
``@ref`` captures name what a slice refers to.

Grammars come from the official per-language wheels (``tree-sitter-go``...), which ship
compiled parsers, so nothing is downloaded at run time. A language whose wheel is missing
falls back to line windows.

With the ``languages`` extra installed, the extensions in
:data:`~context_kit.sources._langpack.PACK_EXTENSIONS` get grammars from the bundle and a
*generic* spec (``generic=True``): which nodes are definitions is read off the grammar's
node names when the grammar loads (see :mod:`context_kit.sources._node_names`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from ._langpack import PACK_EXTENSIONS, load_pack_language, pack_language_for_extension

__all__ = [
    "LANGUAGES",
    "LanguageSpec",
    "language_for_file",
    "language_for_path",
    "load_language",
    "refs_query_text",
]

_C_COMMENTS = frozenset({"comment"})
_LINE_BLOCK_COMMENTS = frozenset({"line_comment", "block_comment", "comment"})
# Declarator nodes a C-family name sits inside (``int *(*f)(void)``, ``T& g()``...).
_C_DECLARATORS = frozenset(
    {
        "function_declarator",
        "pointer_declarator",
        "reference_declarator",
        "parenthesized_declarator",
        "array_declarator",
        "attributed_declarator",
    }
)


@dataclass(frozen=True)
class LanguageSpec:
    """How to chunk one language.

    Attributes:
        name: Language name (also the prefix of its ``queries/*.scm`` files).
        extensions: File extensions (lower case, with the dot).
        module: Python module of the grammar wheel.
        loader: Attribute of ``module`` returning the language pointer.
        definitions: Node types that become function/method slices.
        containers: Node types whose members are qualified by the container's name.
        namespaces: The containers that only scope names (C++ and C# ``namespace``, Rust
            ``mod``, TypeScript ``namespace``): their members are qualified by them but
            belong to no class, so a function in one is a function and a class in one has
            no parent; the namespace's own lines are module lines. One without a body
            (PHP's ``namespace App;``, Rust's ``mod util;``) is a module statement.
        namespaces_qualify: Whether a namespace qualifies its members' names. C# and PHP
            namespaces do not: they name packages, as Java's ``package`` does, and C# 10's
            file-scoped ``namespace App;`` and PHP's ``namespace App;`` never could, so a
            block namespace qualifying names made one code base name its classes two ways
            (``Serilog.Core.Logger.Write`` against ``Logger.Write``), at a cost in tokens
            in every heading and mention.
        wrappers: Node types that wrap a definition or container (decorators, exports,
            variable declarations holding a function); the slice spans the wrapper, and a
            wrapper's name names an anonymous definition inside it.
        body_field: Field holding a definition's or container's body.
        body_types: Child node types taken as the body when ``body_field`` is absent
            (grammars such as Kotlin's do not name the body field).
        body_lists: Node types that merely hold a body's statements (Go's ``block`` →
            ``statement_list``); the chunker looks through them to split long bodies.
        name_fields: Fields tried, in order, for a node's name.
        name_descend: Node types found in a name field that hold the real name further
            down (C declarators); the chunker looks inside them with ``name_fields``.
        name_holders: Child node types that carry the name when the node has no name
            field (Go's ``type_declaration`` → ``type_spec``).
        default_names: Names for nodes that have none (Swift ``init``, Kotlin companion).
        receiver_field: Field holding a method receiver (Go ``func (r *T) M()``); the first
            ``receiver_types`` node inside it qualifies the method as ``T.M``.
        receiver_types: Node types that name the receiver's type.
        dotted_receivers: Node types that name an extension function's receiver when a
            ``.`` token follows them before the name (Kotlin ``fun String.shout()``:
            ``String.shout``, a method of ``String``).
        scope_separators: Separators inside qualified names (``::``) rewritten to ``.``.
        assignments: Node types assigning a definition to a name (JavaScript's
            ``app.get = function get() {...}``, a wrapper too): the slice is named after
            the ``left`` field when it is a plain dotted name, ``exports.`` prefixes and
            ``.prototype`` dropped (``Foo.prototype.bar`` is the method ``Foo.bar``).
        test_calls: Functions whose calls with a title and a callback are test cases
            (``it``, ``test``) or groups of them (``describe``): a slice each, named
            ``it <title>``, groups holding their cases as a class holds methods.
        titled_calls: Calls to any function are taken like ``test_calls`` (JavaScript):
            ``app.get('/users', function (req, res) {...})``, ``program.command('build',
            ...)`` and ``emitter.on('data', ...)`` are definitions named ``app.get /users``
            and so on; a call with no title but a named function (``defineGetter(req,
            'protocol', function protocol() {...})``) is named by the function. Only the
            test groups of ``test_calls`` are containers.
        value_containers: Node types that are containers when their ``value`` field is
            of the given type, which is then their body (TypeScript's ``type Options =
            { ... }``; ``type Id = string`` stays a module line).
        object_containers: Object literal node types that are containers when one of
            their entries is, or wraps, a definition: ``module.exports = { get() {...} }``,
            ``const api = { list: async () => ... }``. The literal is its own body, and an
            entry wrapper (``pair``) is named by its ``key``. A literal of data alone
            (``const config = { port: 80 }``) stays module lines.
        conditional_blocks: Statement node types (and the blocks and clauses inside them)
            read as their statements when they hold a definition: Python's ``if
            sys.version_info >= (3, 8): def helper(): ...``, ``try: ... except
            ImportError: def speedup(): ...`` and ``with suppress(ImportError): ...``, a
            JavaScript ``if (...) { test(...) }``, a Ruby ``class_methods do def ...``
            (only a call without arguments: ``should "x" do`` or ``describe Foo do`` is
            a unit of its own).
            The condition and keywords stay lines of the enclosing run; a block of
            plain statements stays whole.
        scope_functions: Function node types whose body is read as module code when
            the function is called where it is written (JavaScript): an IIFE (``var ENV =
            (function () { function a() {...} ... })()``, ``!function () {...}()``) or
            a module factory passed to a call (UMD's ``(function (root, factory) {...})
            (this, function () {...})``, AMD's ``define([...], function (dep) {...})``).
            Its functions are then slices as if written at the top of the file, named
            without a scope: a closure's names are private, not members of anything.
        docstrings: ``"python"`` (first string statement of the body) or ``"comments"``
            (comment lines directly above the definition).
        comment_types: Node types that are comments.
        code_properties: Property node types that are definitions when they hold code,
            each with the child node types that hold it: a Swift computed property or
            one with observers, a Kotlin property with a getter or setter, a C# property
            or indexer whose accessors have bodies (or an expression body, ``=> x``).
            The first such child is the body. A stored property (``var count = 0``, C#'s
            ``{ get; set; }``) stays a line of its class: it holds no code to cut out,
            and a slice per field would split a class into one-line items.
        bodied_containers: Node types that are containers only when they have a body
            (a Java enum constant with a class body, ``PLUS { int apply(...) {...} }``;
            a plain ``RED,`` stays a line of its enum).
        class_values: Field or property declaration types that are containers when their
            value is an anonymous class holding a definition, each with the anonymous
            class's node type and its body's: Java's ``static final Adapter<Boolean> BOOL =
            new Adapter<Boolean>() { Boolean fromJson(...) {...} };`` is the container
            ``BOOL`` with the method ``BOOL.fromJson``, and so is Kotlin's ``val BOOL =
            object : Adapter<Boolean>() {...}``. A field of data stays a line of its class.
        macro_tests: Statement node types that are tests when they are a multi-line
            macro call whose first argument is a name: ripgrep's ``rgtest!(r16, |dir,
            cmd| {...});`` is the function ``rgtest!(r16)``. ``lazy_static! {...}`` and
            other brace-delimited calls stay lines.
        factory_calls: Calls that make a class of the block they take, as
            ``receiver.method`` (Ruby's ``Struct.new``, ``Class.new``, ``Data.define``):
            ``Point = Struct.new(:x, :y) do ... end`` is the class ``Point`` and the
            methods in its block are ``Point``'s. Only an assigned call is one (its
            value is otherwise thrown away); one without a block stays a line.
        named_by_default: Node types named by ``default_names`` even when they have a
            name field (Swift's ``subscript_declaration``, whose name field holds the
            return type).
        detached_annotations: Node types a grammar makes of an annotation line it did not
            join to the definition below (Kotlin reads a top-level ``@Suppress("x")`` line
            as an ``annotated_expression``): one ending on the line right above a
            definition or container becomes part of it, and the comments above it
            document it (they were left as a module run of their own).
        not_references: Words the reference query captures that name nothing: Java's
            ``var`` (a type identifier to the grammar), Kotlin's ``class`` of ``Foo::class``.
        generic: The node sets above are left empty and derived from the grammar's node
            names when it loads (bundle languages without a hand-written spec).
    """

    name: str
    extensions: tuple[str, ...]
    module: str
    loader: str = "language"
    definitions: frozenset[str] = frozenset()
    containers: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    namespaces_qualify: bool = True
    wrappers: frozenset[str] = frozenset()
    body_field: str = "body"
    body_types: frozenset[str] = frozenset()
    body_lists: frozenset[str] = frozenset()
    name_fields: tuple[str, ...] = ("name",)
    name_descend: frozenset[str] = frozenset()
    name_holders: frozenset[str] = frozenset()
    default_names: Mapping[str, str] = field(default_factory=dict)
    receiver_field: str | None = None
    receiver_types: frozenset[str] = frozenset()
    dotted_receivers: frozenset[str] = frozenset()
    scope_separators: tuple[str, ...] = ()
    assignments: frozenset[str] = frozenset()
    test_calls: frozenset[str] = frozenset()
    titled_calls: bool = False
    value_containers: Mapping[str, str] = field(default_factory=dict)
    object_containers: frozenset[str] = frozenset()
    conditional_blocks: frozenset[str] = frozenset()
    scope_functions: frozenset[str] = frozenset()
    detached_annotations: frozenset[str] = frozenset()
    code_properties: Mapping[str, frozenset[str]] = field(default_factory=dict)
    named_by_default: frozenset[str] = frozenset()
    bodied_containers: frozenset[str] = frozenset()
    factory_calls: frozenset[str] = frozenset()
    macro_tests: frozenset[str] = frozenset()
    class_values: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    docstrings: Literal["python", "comments"] = "comments"
    comment_types: frozenset[str] = field(default_factory=lambda: frozenset({"comment"}))
    not_references: frozenset[str] = frozenset()
    generic: bool = False


# A C# property's code: accessors (when one has a body; see _chunker) or ``=> expression``.
_CS_PROPERTY_CODE = frozenset({"accessor_list", "arrow_expression_clause"})
_JS_DEFINITIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "arrow_function",
        "function_expression",
        "function",
        "generator_function",
    }
)
_TS_DEFINITIONS = _JS_DEFINITIONS | frozenset(
    {"method_signature", "abstract_method_signature", "function_signature"}
)
_JS_WRAPPERS = frozenset({"export_statement", "lexical_declaration", "variable_declaration"})
# CommonJS-era code defines most functions by assignment: ``app.init = function () {}``,
# ``Router.prototype.handle = ...``, ``exports.parse = ...``.
_JS_ASSIGNMENTS = frozenset({"assignment_expression"})
# RSpec (describe/context/it...; Capybara's feature/scenario), Rails' minitest ``test``
# and shoulda's ``should``.
_RUBY_TEST_CALLS = frozenset(
    {
        "describe",
        "context",
        "it",
        "should",
        "specify",
        "example",
        "feature",
        "scenario",
        "shared_examples",
        "shared_context",
        "test",
    }
)
# mocha, jest, vitest, jasmine, ava, node:test, tap.
_JS_TEST_CALLS = frozenset({"describe", "context", "suite", "it", "test", "specify"})
# Object literals holding functions: CommonJS modules (``module.exports = { ... }``),
# Vue's options objects, handler tables. Their ``key: function () {}`` entries are pairs.
_JS_OBJECTS = frozenset({"object"})
# Statements whose blocks may hold definitions (see LanguageSpec.conditional_blocks).
_PY_CONDITIONALS = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "try_statement",
        "except_clause",
        "except_group_clause",
        "finally_clause",
        "with_statement",  # ``with suppress(ImportError): def ...`` (jsonschema)
        "block",
    }
)
_JS_CONDITIONALS = frozenset(
    {
        "if_statement",
        "else_clause",
        "try_statement",
        "catch_clause",
        "finally_clause",
        "statement_block",
    }
)
# Ruby: a block passed to a call (``class_methods do``, Sinatra's ``helpers do``, a
# concern's ``included do``) and the branches of an ``if``/``unless``/``begin``.
_RUBY_CONDITIONALS = frozenset(
    {
        "call",
        "do_block",
        "block",
        "block_body",
        "body_statement",
        "if",
        "unless",
        "then",
        "else",
        "elsif",
        "begin",
        "rescue",
        "ensure",
    }
)
# Functions whose body may be a whole module's scope (see LanguageSpec.scope_functions).
_JS_SCOPE_FUNCTIONS = frozenset({"function_expression", "function", "arrow_function"})
_JS_WRAPPERS_ALL = (
    _JS_WRAPPERS
    | _JS_ASSIGNMENTS
    | frozenset({"variable_declarator", "expression_statement", "pair"})
    # Class fields holding functions (React's ``handleClick = () => {...}``).
    | frozenset({"field_definition"})
)
_TS_CONTAINERS = frozenset(
    {
        "class_declaration",
        "abstract_class_declaration",
        "class",
        "interface_declaration",
        "internal_module",
        "module",
        "enum_declaration",
    }
)
_TS_NAMESPACES = frozenset({"internal_module", "module"})
_TS_WRAPPERS = _JS_WRAPPERS_ALL | frozenset(
    {"expression_statement", "ambient_declaration", "public_field_definition"}
)

LANGUAGES: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        name="python",
        extensions=(".py", ".pyi", ".pyw"),
        module="tree_sitter_python",
        definitions=frozenset({"function_definition"}),
        containers=frozenset({"class_definition"}),
        wrappers=frozenset({"decorated_definition"}),
        conditional_blocks=_PY_CONDITIONALS,
        docstrings="python",
    ),
    "javascript": LanguageSpec(
        name="javascript",
        extensions=(".js", ".mjs", ".cjs", ".jsx"),
        module="tree_sitter_javascript",
        definitions=_JS_DEFINITIONS,
        containers=frozenset({"class_declaration", "class"}),
        wrappers=_JS_WRAPPERS_ALL,
        assignments=_JS_ASSIGNMENTS,
        object_containers=_JS_OBJECTS,
        scope_functions=_JS_SCOPE_FUNCTIONS,
        conditional_blocks=_JS_CONDITIONALS,
        test_calls=_JS_TEST_CALLS,
        titled_calls=True,
        body_lists=frozenset({"statement_block"}),
    ),
    "typescript": LanguageSpec(
        name="typescript",
        extensions=(".ts", ".mts", ".cts"),
        module="tree_sitter_typescript",
        loader="language_typescript",
        definitions=_TS_DEFINITIONS,
        containers=_TS_CONTAINERS,
        namespaces=_TS_NAMESPACES,
        wrappers=_TS_WRAPPERS,
        assignments=_JS_ASSIGNMENTS,
        object_containers=_JS_OBJECTS,
        scope_functions=_JS_SCOPE_FUNCTIONS,
        conditional_blocks=_JS_CONDITIONALS,
        value_containers={"type_alias_declaration": "object_type"},
        test_calls=_JS_TEST_CALLS,
        titled_calls=True,
        body_lists=frozenset({"statement_block"}),
    ),
    "tsx": LanguageSpec(
        name="tsx",
        extensions=(".tsx",),
        module="tree_sitter_typescript",
        loader="language_tsx",
        definitions=_TS_DEFINITIONS,
        containers=_TS_CONTAINERS,
        namespaces=_TS_NAMESPACES,
        wrappers=_TS_WRAPPERS,
        assignments=_JS_ASSIGNMENTS,
        object_containers=_JS_OBJECTS,
        scope_functions=_JS_SCOPE_FUNCTIONS,
        conditional_blocks=_JS_CONDITIONALS,
        value_containers={"type_alias_declaration": "object_type"},
        test_calls=_JS_TEST_CALLS,
        titled_calls=True,
        body_lists=frozenset({"statement_block"}),
    ),
    "go": LanguageSpec(
        name="go",
        extensions=(".go",),
        module="tree_sitter_go",
        # ``var defaultLogFormatter = func(p Params) string {...}`` (gin) is a function
        # named by its var. Only a lone top-level spec is unwrapped: a grouped ``var (...)``
        # stays module lines, and a func literal inside a function is its body's.
        definitions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        containers=frozenset({"type_declaration"}),
        wrappers=frozenset({"var_declaration", "var_spec", "expression_list"}),
        body_lists=frozenset({"block", "statement_list"}),
        name_holders=frozenset({"type_spec", "type_alias"}),
        receiver_field="receiver",
        receiver_types=frozenset({"type_identifier"}),
    ),
    "rust": LanguageSpec(
        name="rust",
        extensions=(".rs",),
        module="tree_sitter_rust",
        definitions=frozenset({"function_item", "function_signature_item", "macro_definition"}),
        containers=frozenset(
            {"impl_item", "trait_item", "mod_item", "struct_item", "enum_item", "union_item"}
        ),
        namespaces=frozenset({"mod_item"}),
        # ``impl Display for Point`` has no name field: the implemented type names it, and
        # ``impl<'a, W> ReceiverBuffer<'a, W>`` names ``ReceiverBuffer`` (as a path does),
        # and ``impl<'a> Write for &'a mut File`` names ``File`` (not ``&'a mut File``).
        name_fields=("name", "type"),
        name_descend=frozenset({"generic_type", "reference_type", "pointer_type"}),
        body_lists=frozenset({"block"}),
        scope_separators=("::",),
        comment_types=_LINE_BLOCK_COMMENTS,
        # ``#[derive(Debug)]``, ``#[test]``: siblings of the item, not part of it.
        detached_annotations=frozenset({"attribute_item"}),
        macro_tests=frozenset({"expression_statement", "macro_invocation"}),
    ),
    "java": LanguageSpec(
        name="java",
        extensions=(".java",),
        module="tree_sitter_java",
        definitions=frozenset(
            {"method_declaration", "constructor_declaration", "compact_constructor_declaration"}
        ),
        containers=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "annotation_type_declaration",
            }
        ),
        body_lists=frozenset({"block", "constructor_body"}),
        bodied_containers=frozenset({"enum_constant"}),
        # An interface's fields are ``constant_declaration``s (``Filter ALL = new Filter()
        # {...};``).
        class_values={
            "field_declaration": ("object_creation_expression", "class_body"),
            "constant_declaration": ("object_creation_expression", "class_body"),
        },
        # A field is named by its declarator (``BOOL`` of ``Adapter<Boolean> BOOL = ...``).
        name_holders=frozenset({"variable_declarator"}),
        comment_types=_LINE_BLOCK_COMMENTS,
        not_references=frozenset({"var"}),
    ),
    "c": LanguageSpec(
        name="c",
        extensions=(".c", ".h"),
        module="tree_sitter_c",
        definitions=frozenset({"function_definition"}),
        containers=frozenset({"struct_specifier", "union_specifier", "enum_specifier"}),
        wrappers=frozenset({"type_definition"}),
        name_fields=("name", "declarator"),
        name_descend=_C_DECLARATORS,
        body_lists=frozenset({"compound_statement"}),
        comment_types=_C_COMMENTS,
    ),
    "cpp": LanguageSpec(
        name="cpp",
        extensions=(".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp"),
        module="tree_sitter_cpp",
        definitions=frozenset({"function_definition"}),
        containers=frozenset(
            {
                "class_specifier",
                "struct_specifier",
                "union_specifier",
                "enum_specifier",
                "namespace_definition",
            }
        ),
        namespaces=frozenset({"namespace_definition"}),
        wrappers=frozenset({"template_declaration", "linkage_specification", "type_definition"}),
        name_fields=("name", "declarator"),
        # A specialisation (``struct hash<Key, void_t<...>>``) is named by its template.
        name_descend=_C_DECLARATORS | {"template_type"},
        body_lists=frozenset({"compound_statement"}),
        default_names={"namespace_definition": "<anonymous namespace>"},
        scope_separators=("::",),
        comment_types=_C_COMMENTS,
    ),
    "c_sharp": LanguageSpec(
        name="c_sharp",
        extensions=(".cs",),
        module="tree_sitter_c_sharp",
        definitions=frozenset(
            {
                "method_declaration",
                "constructor_declaration",
                "destructor_declaration",
                "operator_declaration",
                "conversion_operator_declaration",
                "local_function_statement",
            }
        ),
        containers=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "struct_declaration",
                "record_declaration",
                "enum_declaration",
                "namespace_declaration",
            }
        ),
        namespaces=frozenset({"namespace_declaration"}),
        namespaces_qualify=False,
        body_lists=frozenset({"block"}),
        default_names={"operator_declaration": "operator", "indexer_declaration": "this[]"},
        code_properties={
            "property_declaration": _CS_PROPERTY_CODE,
            "indexer_declaration": _CS_PROPERTY_CODE,
        },
    ),
    "ruby": LanguageSpec(
        name="ruby",
        extensions=(".rb", ".rake", ".gemspec"),
        module="tree_sitter_ruby",
        definitions=frozenset({"method", "singleton_method"}),
        containers=frozenset({"class", "module", "singleton_class"}),
        body_lists=frozenset({"body_statement"}),
        default_names={"singleton_class": "<singleton>"},
        scope_separators=("::",),
        test_calls=_RUBY_TEST_CALLS,
        conditional_blocks=_RUBY_CONDITIONALS,
        # ``Point = Struct.new(:x) do ... end``: the assignment wraps the class it names.
        wrappers=frozenset({"assignment"}),
        assignments=frozenset({"assignment"}),
        factory_calls=frozenset({"Struct.new", "Class.new", "Module.new", "Data.define"}),
    ),
    "php": LanguageSpec(
        name="php",
        extensions=(".php", ".phtml"),
        module="tree_sitter_php",
        loader="language_php",
        definitions=frozenset({"function_definition", "method_declaration"}),
        containers=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "trait_declaration",
                "enum_declaration",
                "namespace_definition",
            }
        ),
        namespaces=frozenset({"namespace_definition"}),
        namespaces_qualify=False,
        body_lists=frozenset({"compound_statement"}),
        scope_separators=("\\",),
    ),
    "kotlin": LanguageSpec(
        name="kotlin",
        extensions=(".kt", ".kts"),
        module="tree_sitter_kotlin",
        definitions=frozenset({"function_declaration", "secondary_constructor", "getter"}),
        containers=frozenset({"class_declaration", "object_declaration", "companion_object"}),
        body_types=frozenset({"class_body", "function_body", "enum_class_body"}),
        body_lists=frozenset({"block", "statements"}),
        default_names={"companion_object": "Companion", "secondary_constructor": "constructor"},
        # A property is named by the identifier inside its ``variable_declaration``.
        name_holders=frozenset({"variable_declaration"}),
        code_properties={"property_declaration": frozenset({"getter", "setter"})},
        class_values={"property_declaration": ("object_literal", "class_body")},
        comment_types=_LINE_BLOCK_COMMENTS,
        dotted_receivers=frozenset({"user_type", "nullable_type"}),
        detached_annotations=frozenset({"annotated_expression"}),
        not_references=frozenset({"class"}),
    ),
    "swift": LanguageSpec(
        name="swift",
        extensions=(".swift",),
        module="tree_sitter_swift",
        definitions=frozenset(
            {
                "function_declaration",
                "init_declaration",
                "deinit_declaration",
                "protocol_function_declaration",
                "subscript_declaration",
            }
        ),
        containers=frozenset({"class_declaration", "protocol_declaration"}),
        # A subscript has no body field: its accessors' block is its body.
        body_types=frozenset({"computed_property"}),
        body_lists=frozenset({"statements"}),
        default_names={
            "init_declaration": "init",
            "deinit_declaration": "deinit",
            "subscript_declaration": "subscript",
        },
        named_by_default=frozenset({"subscript_declaration"}),
        code_properties={
            "property_declaration": frozenset({"computed_property", "willset_didset_block"})
        },
        comment_types=frozenset({"comment", "multiline_comment"}),
    ),
}
"""Languages with real structure; every other readable file becomes line windows."""


@cache
def _by_extension() -> dict[str, LanguageSpec]:
    return {ext: spec for spec in LANGUAGES.values() for ext in spec.extensions}


@cache
def _pack_spec(name: str) -> LanguageSpec:
    return LanguageSpec(
        name=name,
        extensions=PACK_EXTENSIONS[name],
        module="tree_sitter_language_pack",
        loader=name,
        generic=True,
    )


def language_for_path(path: str) -> LanguageSpec | None:
    """The language spec for a file path, by extension, or ``None``.

    Core languages first; then, only if the ``languages`` extra is installed, the bundle's.
    """
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    ext = path[dot:].lower()
    spec = _by_extension().get(ext)
    if spec is not None:
        return spec
    pack_name = pack_language_for_extension(ext)
    return _pack_spec(pack_name) if pack_name is not None else None


# Lines only C++ writes, at the start of a line (so not in a comment's prose): C's grammar
# reads them as errors, and a C++ header named ``.h`` (fmt, gtest, most of the ecosystem)
# then came out as one module slice of thousands of lines.
_CPP_LINE = re.compile(
    r"^[ \t]*(?:namespace[ \t]+\w+(?:::\w+)*[ \t]*\{|template[ \t]*<|using[ \t]+namespace[ \t]"
    r"|(?:class|struct)[ \t]+\w+[ \t]*(?:final[ \t]*)?:[ \t]*(?:public|protected|private)\b"
    r"|(?:public|protected|private)[ \t]*:)",
    re.MULTILINE,
)


# Lines only Objective-C writes. ``.m`` is MATLAB's extension as well, and an Objective-C
# header is named ``.h``: either is read as Objective-C only with one of these lines.
_OBJC_LINE = re.compile(
    r"^[ \t]*(?:@(?:interface|implementation|protocol|end)\b|#import[ \t]*[<\"])", re.MULTILINE
)


# A script's interpreter line: ``#!/usr/bin/env python3``, ``#!/usr/local/bin/ruby -w``,
# ``#!/usr/bin/env -S node --flag``. The interpreter's name is what follows the last "/"
# (or ``env``), without a version (``python3.11``, ``ruby2.7``).
_SHEBANG = re.compile(
    r"#![ \t]*(?:\S*/)?(?:env[ \t]+(?:-\S+[ \t]+)*)?([A-Za-z][A-Za-z_-]*?)[\d.]*(?=[ \t\r\n]|$)"
)
SCRIPT_INTERPRETERS: Mapping[str, str] = {
    "python": ".py",
    "pypy": ".py",
    "ruby": ".rb",
    "jruby": ".rb",
    "node": ".js",
    "nodejs": ".js",
    "deno": ".ts",
    "bun": ".ts",
    "ts-node": ".ts",
    "php": ".php",
    "swift": ".swift",
    "kotlin": ".kts",
    "uv": ".py",  # ``#!/usr/bin/env -S uv run --script``: a PEP 723 Python script
    "sh": ".sh",
    "bash": ".sh",
    "dash": ".sh",
    "ash": ".sh",
    "ksh": ".sh",
    "mksh": ".sh",
    "zsh": ".sh",
    "perl": ".pl",
    "lua": ".lua",
    "Rscript": ".r",
    "julia": ".jl",
    "groovy": ".groovy",
    "escript": ".erl",
    "tclsh": ".tcl",
}
"""The extension whose language reads a script run by each interpreter (its ``#!`` line).

Scripts without an extension (``bin/rails``, ``script/bootstrap``, ``manage``) are code;
read by their interpreter line, they get the slices of that language, not line windows.
Shells, Perl, Lua, R, Julia, Groovy, Erlang and Tcl have grammars only in the optional
``languages`` extra (without it, their scripts stay line windows)."""


def language_for_shebang(text: str) -> LanguageSpec | None:
    r"""The language of a script by its ``#!`` line, or ``None`` (no such line, or no grammar).

    >>> language_for_shebang("#!/usr/bin/env python3\nprint(1)\n").name
    'python'
    >>> language_for_shebang("#!/bin/false\n") is None
    True
    """
    if not text.startswith("#!"):
        return None
    m = _SHEBANG.match(text)
    ext = SCRIPT_INTERPRETERS.get(m.group(1)) if m else None
    return language_for_path(f"script{ext}") if ext else None


def language_for_file(path: str, text: str) -> LanguageSpec | None:
    """The language spec for a file, by extension and, for a ``.h`` header, by its content.

    ``.h`` is C's extension but C++ projects use it as well; a header with a line only C++
    writes (a namespace block, a template, an access specifier, a derived class) is
    parsed as C++, and one with a line only Objective-C writes (``@interface``,
    ``#import <...>``) as Objective-C when the ``languages`` extra is installed. ``.m`` is
    Objective-C's and MATLAB's: a ``.m`` file without such a line is no code we parse.
    A file whose extension names no language is read by its ``#!`` line (see
    :func:`language_for_shebang`).
    """
    spec = language_for_path(path)
    if spec is None:
        return language_for_shebang(text)
    if spec.name == "objc" and path[-2:].lower() == ".m" and _OBJC_LINE.search(text) is None:
        return None  # MATLAB (or Mercury): line windows
    if spec.name == "c" and path[-2:].lower() == ".h":
        if _CPP_LINE.search(text) is not None:
            return LANGUAGES["cpp"]
        if _OBJC_LINE.search(text) is not None:
            return language_for_path("header.m") or spec  # C without the languages extra
    return spec


@cache
def load_language(name: str) -> Any | None:
    """Load a grammar from its installed wheel; ``None`` when it is missing or unloadable.

    A wheel built for an incompatible tree-sitter ABI raises ``ValueError`` on load; that
    language then falls back to line windows rather than failing the index.
    """
    from tree_sitter import Language

    if name not in LANGUAGES:
        return load_pack_language(name)
    spec = LANGUAGES[name]
    try:
        module = importlib.import_module(spec.module)
        loader: Callable[[], Any] = getattr(module, spec.loader)
        return Language(loader())
    except (ImportError, AttributeError, ValueError, TypeError):
        return None


@cache
def refs_query_text(name: str) -> str | None:
    """Source of ``queries/<name>-refs.scm``, or ``None`` if the language has none.

    A file whose first line is ``; inherits: a, b`` is preceded by ``queries/a.scm`` and
    ``queries/b.scm`` (the patterns a family of grammars shares, written once).
    """
    text = _query_file(f"{name}-refs")
    if text is None:
        return None
    first = text.split("\n", 1)[0]
    if not first.startswith(_INHERITS):
        return text
    # An inherited file is part of the package: one missing is a packaging bug, raised.
    shared = [_read_query(n.strip()) for n in first[len(_INHERITS) :].split(",")]
    return "\n".join([*shared, text])


_INHERITS = "; inherits:"


def _query_file(stem: str) -> str | None:
    try:
        return _read_query(stem)
    except FileNotFoundError:
        return None


def _read_query(stem: str) -> str:
    return (resources.files("context_kit.sources") / "queries" / f"{stem}.scm").read_text("utf-8")
