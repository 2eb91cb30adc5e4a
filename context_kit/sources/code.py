"""Code slices from tree-sitter syntax trees.

Each file is *partitioned*: every line belongs to at most one slice, so slices never overlap
and nothing readable is invisible. A file yields

* ``function`` / ``method`` slices (decorators and the comment block right above included),
  methods qualified as ``Class.method``;
* ``class`` slices: the container's header — decorators, signature, docstring and the
  statements before its first member — plus an outline of member signatures;
* ``class_body`` slices: statements between or after a container's members;
* ``module`` slices: runs of top-level statements (imports, constants, ``if __name__``).

Definitions, class headers and module runs longer than ``max_slice_lines`` are split at
statement boundaries into parts (``part=(k, n)``), each still citing exact lines; a single
node with no statement inside (a 2,000-line string literal) is cut between lines, at blank
lines where it has them. A file with no definition at all (a script, a template, a table
of constants) is cut the same way into parts no longer than a text file's windows.

Files with syntax errors still yield slices: tree-sitter recovers a partial tree and the
chunker uses whatever it recognises. A C or C++ file with errors is also read from a copy
without its conditional directives and attribute-like macros, and the reading with fewer
errors is kept (see ``_c_recover``). A Rust file is read with the brace macro calls
that hold items (``cfg_rt! {...}``) unwrapped (see ``_rust_macros``), and a Kotlin file
with errors again with its soft keywords used as names respelt (see ``_kotlin_recover``).

Languages with a hand-written :class:`~context_kit.sources.languages.LanguageSpec` are cut
by :class:`~context_kit.sources._chunker.Chunker`; those from the optional grammar bundle by
:class:`~context_kit.sources._generic.GenericChunker`, whose rules are read off the grammar.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..types import Slice
from ._c_recover import recover
from ._chunker import Chunker, Span
from ._generic import GenericChunker
from ._kotlin_recover import recover as recover_kotlin
from ._kotlin_recover import unmask
from ._lines import LineTable
from ._node_names import Derived, derive, generic_refs_query
from ._rust_macros import unwrap as unwrap_macros
from ._sfc import SFC_EXTENSIONS, Scripts, find_scripts
from ._ts_budget import too_deep_to_query
from .languages import (
    LANGUAGES,
    LanguageSpec,
    language_for_file,
    language_for_path,
    load_language,
    refs_query_text,
)
from .text import DEFAULT_WINDOW_LINES, window_slices
from .walk import FileText

__all__ = ["DEFAULT_MAX_SLICE_LINES", "CodeSource"]

_C_FAMILY = frozenset(("c", "cpp"))
# The spans a class body's declarations land in: its header (or a part of it) and the
# runs of fields between its members. A declaration inside a function (a local class's
# field) names nothing the repository can refer to.
_MEMBER_HOLDERS = frozenset(("class", "class_body"))
# A constant's spelling: upper-case letters, digits and underscores, starting with a letter.
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")

DEFAULT_MAX_SLICE_LINES = 200
"""Definitions longer than this are split into parts: long enough that most functions stay
whole (a reader wants the whole function), short enough that one giant function cannot
swallow a budget as a single all-or-nothing item."""


# Each thread's grammars (parser, compiled query, spec) by language, shared by every
# CodeSource in it. Compiling a language's query costs 3-124 ms (tree-sitter analyses each
# pattern against the grammar's parse states; Ruby and C++ are the slowest), and each
# Index.build makes a new CodeSource: kept per source, the queries were compiled again for
# every index a process built or updated (the test suite: 1,137 compilations, 30 s of its
# 98). Per thread, as they were per source and thread: a parser must not be shared
# between threads, and py-tree-sitter does not promise that a query may be.
_GRAMMARS = threading.local()


@dataclass(frozen=True)
class _Grammar:
    """A loaded language, per thread: parser, reference query and the spec to chunk with."""

    parser: Any
    query: Any | None
    spec: LanguageSpec
    derived: Derived | None


class CodeSource:
    """Turns source files of known languages into code slices with tree-sitter.

    Args:
        max_slice_lines: Definitions longer than this are split into parts.

    Files whose language has no installed grammar fall back to line windows, and so do
    files of bundle languages where the generic rules find no definition.
    """

    name = "code"
    # 3: bundle languages; lines outside every syntax node get a slice.
    # 4: C++ headers named .h parse as C++; a long stretch that is one node is split inside it;
    #    Kotlin extension functions are methods of their receiver;
    #    references name every type a slice mentions (Go, Rust, Java, C#, TS, PHP, Ruby).
    # 5: JS/TS functions assigned to names are definitions; /** */ one blank line above docs.
    # 6: JS/TS test cases (describe/it/test) are slices.  7: Ruby RSpec/minitest blocks too.
    # 8: TS object type aliases are containers; long containers without members are cut.
    # 9: JS/TS object literals holding functions are containers; ``export default`` names.
    # 10: long class headers are cut too; a node with nothing to cut at is cut by lines.
    # 11: JS/TS calls with a title and a callback (``app.get('/', ...)``) are definitions.
    # 12: JS/TS class fields holding functions (``handleClick = () => {}``) are methods.
    # 13: a JS/TS call whose last argument is an object literal of functions is a container.
    # 14: a titled call bound by an assignment keeps the assigned name.
    # 15: ``new X({...})`` is read like a call.  16: IIFEs and UMD/AMD factories are opened;
    #     a token is never a definition.  17: string-named methods lose their quotes.
    # 18: C++ annotation macros keep the function's name.  19: ``app[method] = ...``.
    # 20: Rust impls of generic types.  21: backquoted names.
    # 22: Python and JS/TS definitions inside if, try and with blocks are slices.
    # 23: Rust impls for array types (``[u8; N]``) are named.
    # 24: C/C++ names behind reference and parenthesized declarators, conversion operators,
    #     attribute macros and macros read as scopes.
    # 25: TypeScript's ``declare module 'vue'`` is named without its quotes.
    # 26: C/C++ files the preprocessor derails are read again from a masked copy.
    # 27: C/C++ typedefs of types with bodies are classes (the tag an alias); anonymous
    #     enums are named by their first constant.
    # 28: module runs define their top-level constants, variables and macros.
    # 29: ... in Kotlin, Swift, Ruby and PHP too.
    # 30: PHP ``define('NAME', ...)`` at the top level (or under a top-level guard).
    # 31: class spans define the fields, constants and enum members their bodies declare.
    # 32: Python constructors define the attributes they set (``self.x = ...``).
    # 33: ... and JavaScript/TypeScript ones (``this.x = ...``) the undeclared ones.
    # 34: Ruby classes and modules define their attr_reader/writer/accessor attributes.
    # 35: Ruby ``initialize`` defines its ``@x`` (unless ``attr_*`` declares it); PHP
    #     ``__construct`` its promoted properties.
    # 36: a Rust impl for a reference or pointer type is named by the type it points to;
    #     a Kotlin top-level annotation line the grammar detached joins its definition.
    # 37: a namespace (C++, C#, PHP, Rust ``mod``, TypeScript) is module lines, not a class;
    #     a comment joins a definition only while its first part reaches the signature.
    # 38: a file with no definition (a script, a template) is cut into window-sized parts.
    # 39: a property with code (Swift computed, Kotlin getter/setter, C# accessors) is a
    #     definition; a Swift subscript is named ``subscript``, not by its return type.
    # 40: a Java enum's methods (after its constants) and constant bodies are slices.
    # 41: a Kotlin extension whose name the parser read into its receiver type is named.
    # 42: Ruby definitions in an ``if``/``begin`` branch or an argument-less call's block.
    # 43: shoulda's ``should "..." do`` is a test case.
    # 44: Ruby's ``Point = Struct.new(...) do`` (``Class.new``, ``Data.define``) is a class.
    # 45: a Java field or Kotlin property holding an anonymous class with methods is a class.
    # 46: Catch2/doctest ``TEST_CASE("x") {...}`` (a macro call and a block) is a test slice.
    # 47: Rust attributes (and the doc comment above them) join their item; a macro call
    #     with a name and a body (ripgrep's ``rgtest!(r16, |dir, cmd| {...})``) is a test.
    # 48: Rust references inside macro arguments: calls and capitalised names in a token
    #     tree (``assert_eq!(parse(x), Foo::new(1))``) and path-named macros (``tokio::select!``).
    # 49: Go's ``var f = func(...) {...}`` is the function ``f``; grouped ``var (...)`` specs
    #     define their names.
    # 50: module runs define C/C++ globals and typedef names, and Python's and Ruby's
    #     chained and unpacking assignments (``A = B = 1``, ``C, D = 1, 2``).
    # 51: a split definition's first part is never its signature alone: a long docstring
    #     (or first statement) starts in it.
    # 52: a Python module run defines what a top-level if/try/with assigns in any branch.
    # 53: a JS/TS module run defines the names a top-level destructuring binds.
    # 54: a Swift module run defines the names of a top-level tuple pattern.
    # 55: a C++ class behind an export macro (``class GTEST_API_ UnitTest``) is a class;
    #     directive lines a masked reading blanks inside a class are lines of its body.
    # 56: a Rust blanket impl (``impl<T: Read> ReadExt for T``) is named by its trait.
    # 57: C# conversion operators are methods; operators are named ``operator==`` etc.
    # 58: no ``var`` (Java) or ``class`` (Kotlin ``Foo::class``) or empty references.
    # 59: a Java anonymous class a call is made on (``new X() {...}.nullSafe()``), or an
    #     interface constant holds, is a container of its methods.
    # 60: Rust items inside a brace macro call (``cfg_rt! { pub fn spawn ... }``) are slices.
    # 61: a C/C++ masked reading blanks a macro call used as a statement without its ``;``.
    # 62: comments between a header and its body node are the body's: no longer in the
    #     signature (Python ``def`` + comment, Ruby ``module`` + its class's comment);
    #     in Python they are the doc when there is no docstring.
    # 63: C# and PHP block namespaces no longer qualify names (as file-scoped ones never did).
    # 64: a Kotlin file with errors is read again with ``set =``, ``suspend =`` and
    #     ``dynamic`` used as names respelt.
    # 65: ... and ``suspend`` naming a value respelt, an annotated primary constructor's
    #     visibility on its own line blanked.
    # 66: unpacking targets (Python) and destructuring patterns (JS/TS) define their
    #     names at any depth.
    # 67: Vue and Svelte components' script blocks are code; the rest of them windows.
    version = "67"

    def __init__(self, *, max_slice_lines: int = DEFAULT_MAX_SLICE_LINES) -> None:
        self.max_slice_lines = max_slice_lines

    def __repr__(self) -> str:
        # Stable (no address): a source's options, reprs included, key its cache entries.
        return f"CodeSource(max_slice_lines={self.max_slice_lines})"

    def accepts(self, path: str) -> bool:
        """Whether the file's extension belongs to a language with structure.

        Vue and Svelte components count: their script blocks are code (see
        :mod:`context_kit.sources._sfc`).
        """
        return language_for_path(path) is not None or _component(path)

    def _parser(self, spec: LanguageSpec) -> _Grammar | None:
        from tree_sitter import Parser, Query

        cache: dict[str, _Grammar] = _GRAMMARS.__dict__.setdefault("by_language", {})
        if spec.name not in cache:
            lang = load_language(spec.name)
            if lang is None:
                return None
            derived: Derived | None = None
            if spec.generic:
                derived = derive(spec, lang)
                spec = derived.spec
                query = generic_refs_query(lang, derived.identifiers)
            else:
                q_text = refs_query_text(spec.name)
                query = Query(lang, q_text) if q_text else None
            cache[spec.name] = _Grammar(Parser(lang), query, spec, derived)
        return cache[spec.name]

    def slices(self, file: FileText) -> list[Slice]:
        """Slices of one file (a pure function of its path and content)."""
        table = LineTable(file.text)
        if _component(file.path):
            return self._component_slices(file, table)
        spec = language_for_file(file.path, file.text)
        if spec is None:
            return window_slices(file.path, table, language=None)
        grammar = self._parser(spec)
        if grammar is None:
            return window_slices(file.path, table, language=spec.name)
        return self._code_slices(file, table, grammar)

    def _component_slices(self, file: FileText, table: LineTable) -> list[Slice]:
        """A Vue or Svelte component: its scripts as code, everything else as windows."""
        ext = file.path[file.path.rfind(".") + 1 :].lower()
        data = file.text.encode("utf-8", "surrogatepass")
        scripts = find_scripts(data, table)
        grammar = self._parser(LANGUAGES[scripts.language]) if scripts is not None else None
        if scripts is None or grammar is None:
            return window_slices(file.path, table, language=ext)
        code = self._code_slices(file, table, grammar, scripts)
        if all(s.symbol_kind == "module" for s in code):
            # Scripts that only declare and import (most of Svelte's 4,510 components,
            # its tests'): one file's windows say as much in fewer slices.
            return window_slices(file.path, table, language=ext)
        # Every line of a script that is not blank is in a code slice.
        covered = [(s.start_line or 0, s.end_line or 0) for s in code] + list(scripts.lines)
        rest: list[Slice] = []
        line = 1
        for a, b in [*sorted(covered), (len(table) + 1, len(table) + 1)]:
            if line < a:
                rest += window_slices(file.path, table, language=ext, first=line, last=a - 1)
            line = max(line, b + 1)
        return sorted([*code, *rest], key=lambda s: s.start_line or 0)

    def _code_slices(
        self, file: FileText, table: LineTable, grammar: _Grammar, scripts: Scripts | None = None
    ) -> list[Slice]:
        """The code slices of a file the grammar parses (only its scripts, with ``scripts``)."""
        spec, query = grammar.spec, grammar.query
        # A component is parsed from a copy with all but its scripts blanked, and chunked by
        # that copy's lines, so no run of markup lines becomes a slice of code. (Its
        # scripts are JavaScript or TypeScript: none of the recoveries below applies.)
        if scripts is None:
            data, lines = file.text.encode("utf-8", "surrogatepass"), table
        else:
            data = scripts.masked
            lines = LineTable(data.decode("utf-8", "surrogatepass"))
        tree = grammar.parser.parse(data)
        read = data  # what the tree was parsed from: the file, or a masked copy of it
        if spec.name in _C_FAMILY:
            tree, read = recover(grammar.parser, data, tree, table)
        elif spec.name == "rust":
            tree, read = unwrap_macros(grammar.parser, data, tree, table)
        elif spec.name == "kotlin":
            tree, read = recover_kotlin(grammar.parser, data, tree, table)
        # Measured once: both the generic chunker and the reference query need it.
        deep = too_deep_to_query(tree.root_node)

        def cut(max_lines: int) -> list[Span]:
            if grammar.derived is not None:
                chunker: Chunker = GenericChunker(
                    grammar.derived, lines, max_lines, queryable=not deep
                )
            else:
                chunker = Chunker(spec, lines, max_lines)
            spans = _normalise(chunker.run(tree.root_node), lines, max_lines)
            if read is not data:
                spans = _absorb_masked(spans, table, read, max_lines, spec.name in _C_FAMILY)
            return spans

        spans = cut(self.max_slice_lines)
        if scripts is not None:
            _take_tags(spans, scripts.tags, table)
        if not any(sp.symbol_kind != "module" for sp in spans):
            if spec.generic:
                # The generic rules found no definition: windows cut a long script better
                # than one statement run would.
                return window_slices(file.path, table, language=spec.name)
            if any(sp.end - sp.start + 1 > DEFAULT_WINDOW_LINES for sp in spans):
                # No definition at all (a script, a template, a table of constants): one
                # run of up to max_slice_lines would be a single all-or-nothing item, so
                # the runs are cut at the size of a text file's windows instead, still at
                # statement boundaries, keeping what each part defines and refers to.
                # (Only a run longer than that is cut: chunking again is not free.)
                spans = cut(DEFAULT_WINDOW_LINES)
                if scripts is not None:
                    _take_tags(spans, scripts.tags, table)
        starts = [table.byte_start(sp.start) for sp in spans]
        ends = [table.byte_end(sp.end) for sp in spans]
        refs, names, members, attributes = (
            _references(query, tree.root_node, starts, ends, read)
            if query is not None and not deep
            else ({}, {}, {}, {})
        )
        if read is not data and spec.name == "kotlin":
            # Names read where the copy respelt a soft keyword (``sEt``) are spelt back.
            refs, names, members, attributes = (
                {i: unmask(found) for i, found in table_.items()}
                for table_ in (refs, names, members, attributes)
            )
        # A Ruby attribute is captured as its symbol (``:name``) or its variable (``@name``).
        members = {i: {m.lstrip(":@") for m in ms} for i, ms in members.items()}
        attributes = {i: {a.lstrip("@") for a in attrs} for i, attrs in attributes.items()}
        declared_names = {
            f"{sp.name}.{m}"
            for i, sp in enumerate(spans)
            if sp.symbol_kind in _MEMBER_HOLDERS
            for m in members.get(i, ())
        }
        out: list[Slice] = []
        for i, sp in enumerate(spans):
            defines: tuple[str, ...] = ()
            if sp.symbol_kind in ("function", "method", "class") and (
                sp.part is None or sp.part[0] == 1
            ):
                # The name, then a typedef's tag: each qualified and simple, once.
                named = (sp.name, *sp.aliases)
                defines = tuple(dict.fromkeys(x for n in named for x in (n, n.rsplit(".", 1)[-1])))
            elif sp.symbol_kind == "module":
                # Top-level constants, variables and macros (the query's @def captures).
                defines = tuple(sorted(names.get(i, ())))
            declared = members.get(i)
            if declared and sp.symbol_kind in _MEMBER_HOLDERS:
                defines += _member_defines(sp.name, declared, defines)
            set_here = attributes.get(i)
            if set_here and sp.symbol_kind == "method" and sp.parent:
                # A constructor's ``self.x = ...``: where the attribute is introduced,
                # unless the class body declares it (a TypeScript field).
                owner = sp.parent
                fresh = {a for a in set_here if f"{owner}.{a}" not in declared_names}
                defines += _member_defines(owner, fresh, defines)
            out.append(
                Slice(
                    id=f"code:{file.path}:{sp.start}-{sp.end}",
                    kind="code",
                    path=file.path,
                    start_line=sp.start,
                    end_line=sp.end,
                    start_byte=starts[i],
                    end_byte=ends[i],
                    name=sp.name,
                    symbol_kind=sp.symbol_kind,
                    language=spec.name,
                    text=table.text(sp.start, sp.end),
                    signature_end_line=sp.signature_end,
                    doc_end_line=sp.doc_end,
                    outline=tuple(sp.outline),
                    defines=defines,
                    references=_references_of(refs.get(i), spec.not_references),
                    parent=sp.parent,
                    part=sp.part,
                )
            )
        return out


def _component(path: str) -> bool:
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot:].lower() in SFC_EXTENSIONS


def _take_tags(spans: list[Span], tags: frozenset[int], table: LineTable) -> None:
    """Let a component's statement runs take the script tag lines beside them.

    A ``<script setup lang="ts">`` line alone would be a one-line window (a slice, and a
    heading in a prompt, for one tag); the run of imports below it holds it instead. Only
    blank lines may lie between; a definition keeps its own first and last lines.
    """
    taken = 0  # the last line a span holds: a line ending one block and opening the next
    for sp in spans:
        if sp.symbol_kind != "module":
            taken = sp.end
            continue
        above = sp.start - 1
        while above > taken and table.is_blank(above):
            above -= 1
        if above > taken and above in tags:
            sp.start = above
        below = sp.end + 1
        while below <= len(table) and table.is_blank(below):
            below += 1
        if below in tags:
            sp.end = below
        taken = sp.end


def _references_of(found: set[str] | None, not_names: frozenset[str]) -> tuple[str, ...]:
    """A span's references, sorted, without the words that name nothing.

    An empty word goes too: a capture of a ``MISSING`` node the parser put in a broken
    stretch (gmock's ``MOCK_METHOD(int, Nullary, ());``).
    """
    if not found:
        return ()
    return tuple(sorted(found.difference(not_names, ("",))))


def _member_defines(owner: str, members: set[str], defines: tuple[str, ...]) -> tuple[str, ...]:
    """The names a class's declared ``members`` add to its span's ``defines``.

    Each member qualified by its class (a ``class_body`` run is named after its class):
    ``Options.ordering``. A constant's simple name too (``MAX_RETRIES``, an enum's
    ``RED``): code and issues spell constants bare (static imports, C enumerators), while a
    bare field name (``name``, ``value``, ``Load``) names a member of dozens of classes
    and matched issue words to the wrong ones (measured on the quality tasks). A C enum
    named after its first constant does not define that constant twice.
    """
    own = owner.rsplit(".", 1)[-1]
    out: list[str] = []
    for m in sorted(members - {own}):
        out.append(f"{owner}.{m}")
        if _CONSTANT.fullmatch(m) and m not in defines:
            out.append(m)
    return tuple(out)


def _normalise(spans: list[Span], table: LineTable, max_lines: int) -> list[Span]:
    """Sort, clip overlaps, trim blank edges, drop empty spans and fill the gaps."""
    spans.sort(key=lambda s: (s.start, s.end))
    out: list[Span] = []
    last_end = 0
    for sp in spans:
        sp.start = max(sp.start, last_end + 1)
        sp.end = min(sp.end, len(table))
        sp.start, sp.end = table.trim_blank(sp.start, sp.end)
        if sp.start > sp.end:
            continue
        if sp.signature_end is not None:
            sp.signature_end = min(max(sp.signature_end, sp.start), sp.end)
        if sp.doc_end is not None:
            sp.doc_end = min(max(sp.doc_end, sp.start), sp.end)
        sp.outline = [o for o in sp.outline if o.line > sp.end]
        out.append(sp)
        last_end = sp.end
    return _fill_gaps(out, table, max_lines)


def _fill_gaps(spans: list[Span], table: LineTable, max_lines: int) -> list[Span]:
    """Give lines that no syntax node holds a slice of their own.

    A grammar may leave text outside every node (Hack's ``<?hh`` header, the rest of a
    Kotlin file after a construct its grammar cannot read); such lines must still be in
    some slice, or they would be invisible to every query. A long gap is cut into parts
    of at most ``max_lines``, at blank lines where it has them.
    """
    out: list[Span] = []
    line = 1
    for sp in [*spans, None]:
        stop = sp.start - 1 if sp is not None else len(table)
        a, b = table.trim_blank(line, stop)
        if a <= b:
            out.extend(_gap_parts(a, b, table, max_lines))
        if sp is not None:
            out.append(sp)
            line = sp.end + 1
    return out


def _gap_parts(first: int, last: int, table: LineTable, max_lines: int) -> list[Span]:
    """Module spans covering lines ``first..last``, none longer than ``max_lines``."""
    cuts: list[tuple[int, int]] = []
    a = first
    while True:
        a, b = table.trim_blank(a, last)
        if a > b:
            break
        if b - a + 1 <= max_lines:
            cuts.append((a, b))
            break
        blank = table.window_end(a, max_lines)  # statements stay whole at blank lines
        cuts.append(table.trim_blank(a, blank))
        a = blank + 1
    n = len(cuts)
    return [
        Span(x, y, "module", "<module>", part=(k, n) if n > 1 else None)
        for k, (x, y) in enumerate(cuts, 1)
    ]


def _absorb_masked(
    spans: list[Span], table: LineTable, read: bytes, max_lines: int, closing_macros: bool
) -> list[Span]:
    """Join the spans that hold only lines the masked copy blanked to a module run beside them.

    Blanked directive lines (``#endif``) stand outside every node of the tree parsed
    from the masked copy, so :func:`_fill_gaps` gives each its own slice; in a tree
    parsed from the file they are part of the conditional around them, and so of the
    module run that holds it. A span of such lines joins the module run that ends just
    before it (or else starts just after it) unless that would make the run too long;
    inside a class it is a line of the class's body. With ``closing_macros`` (C and C++),
    one or two lines right after a definition end it (jemalloc's ``TEST_END``); a Rust
    macro call's closing brace is no such thing.
    """
    out: list[Span] = []
    for i, sp in enumerate(spans):
        blanked = (
            sp.symbol_kind == "module"
            and sp.part is None
            and not read[table.byte_start(sp.start) : table.byte_end(sp.end)].strip()
        )
        if blanked:
            size = sp.end - sp.start + 1
            prev = out[-1] if out else None
            nxt = spans[i + 1] if i + 1 < len(spans) else None
            owner = _owner(prev, nxt)
            if owner is not None:
                # Inside a class (an ``#ifdef`` around a member): lines of its body, joined
                # to a run of the body right beside it.
                assert prev is not None and nxt is not None
                if _body_run(prev, owner) and _blank(table, prev.end + 1, sp.start - 1):
                    prev.end = sp.end
                elif _body_run(nxt, owner) and _blank(table, sp.end + 1, nxt.start - 1):
                    nxt.start = sp.start
                else:
                    out.append(Span(sp.start, sp.end, "class_body", owner, parent=owner))
                continue
            if prev is not None and _joinable(prev, prev.end, sp.start, size, table, max_lines):
                prev.end = sp.end
                continue
            if nxt is not None and _joinable(nxt, sp.end, nxt.start, size, table, max_lines):
                nxt.start = sp.start
                continue
            if (
                closing_macros
                and prev is not None
                and prev.end == sp.start - 1
                and size <= _MAX_CLOSING_LINES
                and "#" not in table.text(sp.start, sp.end)
            ):
                # A closing macro right after a definition (jemalloc's ``TEST_END`` after
                # ``TEST_BEGIN(name) {...}``) ends that definition.
                prev.end = sp.end
                continue
        out.append(sp)
    return out


_MAX_CLOSING_LINES = 2


def _owner(prev: Span | None, nxt: Span | None) -> str | None:
    """The class both neighbours of a span belong to, if they share one.

    ``nxt`` must be a member (or a body run) of it; ``prev`` a member, a body run or the
    class's own header.
    """
    if prev is None or nxt is None or nxt.parent is None:
        return None
    if nxt.parent == prev.parent or (prev.symbol_kind == "class" and prev.name == nxt.parent):
        return nxt.parent
    return None


def _body_run(sp: Span, owner: str) -> bool:
    return sp.symbol_kind == "class_body" and sp.parent == owner and sp.part is None


def _blank(table: LineTable, first: int, last: int) -> bool:
    """Whether lines ``first..last`` are all blank (or there are none)."""
    a, b = table.trim_blank(first, last)
    return a > b


def _joinable(run: Span, after: int, before: int, extra: int, table: LineTable, most: int) -> bool:
    """Whether module run ``run`` may take ``extra`` lines and stay within ``most`` lines.

    Only across blank lines: those strictly between lines ``after`` and ``before``.
    """
    return (
        run.symbol_kind == "module"
        and run.part is None
        and _blank(table, after + 1, before - 1)
        and run.end - run.start + 1 + extra + (before - after - 1) <= most
    )


def _references(
    query: Any, root: Any, starts: list[int], ends: list[int], data: bytes
) -> tuple[dict[int, set[str]], dict[int, set[str]], dict[int, set[str]], dict[int, set[str]]]:
    """The ``@ref``, ``@def``, ``@member`` and ``@attribute`` captures, by span.

    Spans are byte ranges (``starts``, ``ends``); each capture goes to the span holding
    it. One query run finds all four: the names a span refers to, the names a run of
    top-level lines defines (constants, macros), the members a class body declares
    (fields, constants, enum members) and the attributes a constructor sets.
    """
    from bisect import bisect_right

    from tree_sitter import QueryCursor

    # Byte offsets rather than nodes' points and text, and the distinct (span, bytes)
    # pairs before any decoding: a large tree has over a million captures, mostly
    # repeats (``self``, ``np``, ``str``) within one span.
    captures = QueryCursor(query).captures(root)

    def by_span(nodes: Any) -> dict[int, set[str]]:
        found: dict[int, set[bytes]] = {}
        for node in nodes:
            at = node.start_byte
            i = bisect_right(starts, at) - 1
            if i >= 0 and at < ends[i]:
                words = found.get(i)
                if words is None:
                    words = found[i] = set()
                words.add(data[at : node.end_byte])
        return {i: {w.decode("utf-8", "replace") for w in ws} for i, ws in found.items()}

    defs = [
        *captures.get("def", ()),
        *(b for n in captures.get("destructure", ()) for b in _bindings(n)),
    ]
    return (
        by_span(captures.get("ref", ())),
        by_span(defs),
        by_span(captures.get("member", ())),
        by_span(captures.get("attribute", ())),
    )


# What an unpacking target or a destructuring pattern binds: its names at any depth, not
# an object pattern's keys (``{key: name}``), a default's value (``{a = 1}``, ``[b = c]``)
# nor an attribute or item it assigns (Python's ``a.b, c[0] = ...``).
_BINDING_NAMES = frozenset(("identifier", "shorthand_property_identifier_pattern"))
_BINDING_FIELD = {
    "pair_pattern": "value",
    "assignment_pattern": "left",
    "object_assignment_pattern": "left",
}
_NOT_BINDINGS = frozenset(
    (
        "attribute",
        "subscript",
        "member_expression",
        "subscript_expression",
        "computed_property_name",
    )
)


def _bindings(node: Any) -> Iterator[Any]:
    """The name nodes a destructuring pattern (``@destructure`` capture) binds, in order."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _BINDING_NAMES:
            yield n
        elif n.type in _BINDING_FIELD:
            inner = n.child_by_field_name(_BINDING_FIELD[n.type])
            if inner is not None:
                stack.append(inner)
        elif n.type not in _NOT_BINDINGS:
            stack.extend(reversed(n.named_children))
