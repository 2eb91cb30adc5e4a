"""Read a tree-sitter grammar's node names for what they declare.

A hundred grammars cannot each get a hand-tuned spec, but their node names follow common
habits: ``function_definition``, ``method_declaration``, ``class_declaration``,
``module_definition``, ``subroutine``, ``FnProto``. :func:`classify` sorts one name by its
words (a definition word or a container word, plus a declaring suffix, and no word that
makes it a part or a use: ``function_call``, ``enum_member``); :func:`derive` applies it to
a whole grammar once, when the grammar loads, and adds the node kinds that hold
identifiers, bodies and comments. :mod:`context_kit.sources._generic` chunks with the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .languages import LanguageSpec

__all__ = [
    "DEFINITION_WORDS",
    "Derived",
    "classify",
    "derive",
    "generic_refs_query",
    "identifier_kinds",
    "words",
]

DEFINITION_WORDS = frozenset(
    {
        "function",
        "func",
        "fun",
        "fn",
        "method",
        "procedure",
        "proc",
        "subroutine",
        "subprogram",
        "defun",
        "defn",
        "macro",
        "rpc",
        "value",
        "let",
    }
)
"""Words in a node name that mark a callable (functional languages define functions as
values: OCaml's ``value_definition``, Elm's ``value_declaration``)."""

_CONTAINER_WORDS = frozenset(
    {
        "class",
        "module",
        "mod",
        "impl",
        "implementation",
        "struct",
        "enum",
        "trait",
        "interface",
        "namespace",
        "protocol",
        "record",
        "contract",
        "instance",
        "mixin",
        "extension",
        "object",
        "package",
        "union",
        "library",
        "service",
        "message",
        "container",
    }
)
"""Words in a node name that mark something holding members."""

_BARE = frozenset(
    {
        "function",
        "method",
        "procedure",
        "subroutine",
        "defun",
        "rpc",
        "class",
        "module",
        "struct",
        "enum",
        "trait",
        "interface",
        "namespace",
        "protocol",
        "impl",
        "contract",
        "instance",
        "service",
        "message",
    }
)
"""Node names that are a definition on their own (without a ``_declaration`` suffix);
``object``, ``record`` or ``package`` alone are as often literals or statements."""

_SUFFIXES = frozenset(
    {
        "declaration",
        "definition",
        "def",
        "defn",
        "decl",
        "item",
        "statement",
        "proto",
        "specifier",
        "specification",
    }
)
"""Words that make a node name declare something: ``function_item``, ``fun_decl``,
``function_statement`` (PowerShell), Pascal's ``defProc``, Zig's ``FnProto``,
``struct_specifier`` (C-like), ``value_specification`` (OCaml interfaces)."""

_KNOWN = {"subprogram_body": "definition", "package_body": "container"}
"""Names the word rules cannot sort: Ada keeps implementations in ``*_body`` nodes, while
elsewhere ``function_body`` or ``class_body`` is only the inside of a definition."""

_KNOWN_BY_LANGUAGE: dict[str, dict[str, str | None]] = {
    # Every HCL (Terraform) block, ``resource``, ``variable``, ``module``, ``locals``...
    "hcl": {"block": "definition"},
    # Elixir's definitions are macro calls (``def``, ``defmodule``): every call is looked at,
    # and the chunker keeps those by their macro (see _generic._elixir_role).
    "elixir": {"call": "definition"},
    "objc": {
        "class_interface": "container",
        "class_implementation": "container",
        "implementation_definition": None,
        "struct_declaration": None,
        "protocol_forward_declaration": None,
        "qualified_protocol_interface_declaration": None,
    },
}
"""Per grammar, names whose words mislead. Objective-C's ``@interface`` and
``@implementation`` blocks (categories too) hold members; each method of one is wrapped in
an ``implementation_definition``, which is not a container (its first identifier is the
method's own name), and neither is a ``@property``'s ``struct_declaration`` (D's is a real
struct), a forward ``@protocol Foo;`` or a protocol's ``@optional`` section."""

_EXCLUDED_WORDS = frozenset(
    {
        "end",
        "call",
        "invocation",
        "application",
        "anonymous",
        "lambda",
        "arrow",
        "type",
        "pointer",
        "reference",
        "parameter",
        "parameters",
        "argument",
        "arguments",
        "import",
        "export",
        "forward",
        "renaming",
        "abbrev",
        "constraint",
        "literal",
        "lit",
        "expression",
        "expr",
        "header",
        "left",
        "name",
        "identifier",
        "path",
        "attribute",
        "modifier",
        "modifiers",
        "signature",
        "list",
        "field",
        "member",
        "constant",
        "variant",
        "use",
        "open",
        "include",
        "alias",
        "access",
        "property",
        "body",
        "block",
    }
)
"""Words that turn a definition-like name into a part or a use of one
(``end_function_statement``, ``function_call``, ``enum_member``, ``class_name``)."""

_BODY_WORDS = frozenset({"body", "block", "statements", "compound_statement", "do_block"})

# Node names of a grammar that hold names; ``_name`` suffixes are OCaml's and Elm's habit.
_IDENTIFIER_SUFFIXES = ("identifier", "_name", "_id", "_word")
_IDENTIFIER_NAMES = frozenset(
    {
        "name",
        "identifier",
        "ident",
        "word",
        "bareword",
        "symbol",
        "constant",
        "variable",
        "var",
        "atom",
    }
)

# A reference is a plain identifier: operators and shell flags (``+``, ``-rf``) also sit in
# identifier nodes of some grammars, and name nothing.
_REF_PATTERN = "^[A-Za-z_][A-Za-z0-9_$!?']*$"

# Type annotations written on their own line above a definition (Haskell's ``signature``,
# Elm's ``type_annotation``) document it as a comment would.
_PREAMBLES = frozenset({"signature", "type_signature", "type_annotation", "haddock"})
# Per grammar, more nodes that lead into the definition after them as its doc. Elixir's
# module attributes between definitions (``@doc``, ``@spec``, ``@impl true``) belong to
# the next ``def``.
_LANGUAGE_PREAMBLES = {"elixir": frozenset({"unary_operator"})}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@lru_cache(maxsize=4096)
def words(kind: str) -> tuple[str, ...]:
    """``function_definition`` → ``(function, definition)``; ``FnProto`` → ``(fn, proto)``."""
    return tuple(w for w in _CAMEL.sub("_", kind).lower().split("_") if w)


def classify(kind: str, grammar: str | None = None) -> str | None:
    """``"definition"``, ``"container"`` or ``None`` for one node name (of ``grammar``)."""
    known = _KNOWN_BY_LANGUAGE.get(grammar or "", {})
    if kind in known:
        return known[kind]
    if kind in _KNOWN:
        return _KNOWN[kind]
    parts = words(kind)
    if not parts or any(w in _EXCLUDED_WORDS for w in parts):
        return None
    if "_".join(parts) in _BARE:
        head = parts
    elif len(parts) >= 2 and parts[-1] in _SUFFIXES:
        head = parts[:-1]
    elif len(parts) >= 2 and parts[0] in _SUFFIXES:
        head = parts[1:]
    else:
        return None
    if any(w in DEFINITION_WORDS for w in head):
        return "definition"
    if any(w in _CONTAINER_WORDS for w in head):
        return "container"
    return None


def _named_kinds(language: Any) -> set[str]:
    out: set[str] = set()
    for i in range(int(language.node_kind_count)):
        if language.node_kind_is_named(i) and language.node_kind_is_visible(i):
            kind = language.node_kind_for_id(i)
            if kind:
                out.add(str(kind))
    return out


def identifier_kinds(language: Any) -> list[str]:
    """Named node kinds of ``language`` that hold identifiers, sorted."""
    out = []
    for kind in _named_kinds(language):
        low = kind.lower()
        holds_name = low in _IDENTIFIER_NAMES or ("_" in low and low.endswith(_IDENTIFIER_SUFFIXES))
        if holds_name and classify(kind) is None:
            out.append(kind)
    return sorted(out)


@dataclass(frozen=True)
class Derived:
    """What the generic chunker knows of one grammar.

    Attributes:
        spec: The placeholder spec with its node sets filled in.
        identifiers: Node kinds holding identifiers (names and references).
        signatures: Node kinds that are a callable's signature written apart from its
            body (Dart's ``function_signature`` + ``function_body``).
        structure_query: Captures every node of the kinds above, so the chunker can skip
            the (many) statements with no definition anywhere near them.
    """

    spec: LanguageSpec
    identifiers: frozenset[str]
    signatures: frozenset[str]
    structure_query: Any | None = None


def derive(placeholder: LanguageSpec, language: Any) -> Derived:
    """Read ``language``'s node names into a spec for the generic chunker."""
    kinds = _named_kinds(language)
    sorted_as = {k: classify(k, placeholder.name) for k in kinds}
    definitions = frozenset(k for k, c in sorted_as.items() if c == "definition")
    containers = frozenset(k for k, c in sorted_as.items() if c == "container")
    bodies = frozenset(
        k for k in kinds if k in _BODY_WORDS or words(k)[-1:] in (("body",), ("block",))
    ) - {k for k, c in sorted_as.items() if c is not None}
    spec = replace(
        placeholder,
        definitions=definitions,
        containers=containers,
        body_types=bodies,
        body_lists=bodies,
        comment_types=frozenset(
            k
            for k in kinds
            if "comment" in k
            or k in _PREAMBLES
            or k in _LANGUAGE_PREAMBLES.get(placeholder.name, ())
        ),
        # ``Foo::bar`` (Perl), ``M:scale`` (Lua methods) name members of ``Foo`` / ``M``.
        scope_separators=("::", ":"),
    )
    signatures = frozenset(
        k for k in kinds if "signature" in words(k) and any(w in DEFINITION_WORDS for w in words(k))
    )
    structure = sorted(definitions | containers | signatures)
    return Derived(
        spec,
        frozenset(identifier_kinds(language)),
        signatures,
        _compile_any(language, structure, "@structure"),
    )


def _compile_any(language: Any, kinds: list[str], tail: str) -> Any | None:
    """One query matching any of ``kinds`` (``"[(a) (b)] " + tail``), or ``None``.

    A node name may exist only as an alias that a query cannot match; when the combined
    query fails, each kind is tried alone so one bad kind does not cost the rest (compiling
    is slow, about 50 ms a kind on a big grammar, so only then).
    """
    from tree_sitter import Query, QueryError

    def compile_(chosen: list[str]) -> Any:
        return Query(language, "([" + " ".join(f"({k})" for k in chosen) + "] " + tail + ")")

    if not kinds:
        return None
    try:
        return compile_(kinds)
    except (QueryError, ValueError):
        pass
    usable = []
    for kind in kinds:
        try:
            Query(language, f"({kind}) @x")
        except (QueryError, ValueError):
            continue
        usable.append(kind)
    return compile_(usable) if usable else None


def generic_refs_query(language: Any, identifiers: frozenset[str]) -> Any | None:
    """A query capturing every identifier-holding node as ``@ref`` (``None`` if none compile)."""
    return _compile_any(language, sorted(identifiers), f'@ref (#match? @ref "{_REF_PATTERN}")')
