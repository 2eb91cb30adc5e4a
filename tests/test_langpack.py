"""The ``languages`` extra: 46 more languages (47 grammars), offline, only when installed.

Tests that need the bundle skip without it; the tests of what happens *without* it run
either way (they hide an installed bundle).
"""

import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from conftest import NO_NETWORK
from hypothesis import given
from hypothesis import strategies as st
from test_code_source import _check_partition
from test_rendering_properties import check_partition_and_ladder, sources

from context_kit import Index
from context_kit.sources import CodeSource, _langpack
from context_kit.sources._generic import GenericChunker
from context_kit.sources._node_names import classify, derive
from context_kit.sources.docs import DOC_EXTENSIONS
from context_kit.sources.languages import LANGUAGES, language_for_path, load_language
from context_kit.sources.walk import FileText

SAMPLES = Path(__file__).parent / "samples" / "langpack"
SMOKE = SAMPLES / "smoke"

needs_pack = pytest.mark.skipif(
    not _langpack.pack_available(),
    reason="the 'languages' extra (tree-sitter-language-pack 0.x) is not installed",
)

# file -> [(qualified name, symbol kind, parent, first line, last line)]; a first line above
# the definition's keyword is its doc comment.
EXPECTED = {
    "queue.lua": [
        ("Queue.new", "method", "Queue", 5, 14),
        ("Queue.push", "method", "Queue", 16, 25),
        ("Queue.pop", "method", "Queue", 27, 36),
        ("drain", "function", None, 38, 44),
    ],
    "Shapes.hs": [
        ("area", "function", None, 16, 18),
        ("perimeter", "function", None, 21, 26),
        ("Describable", "class", None, 32, 33),
        ("Describable.describe", "method", "Describable", 36, 36),
    ],
    "Inventory.scala": [
        ("Item", "class", None, 5, 6),
        ("Inventory.reserve", "method", "Inventory", 12, 20),
        ("Inventory.restock", "method", "Inventory", 22, 23),
        ("Inventory.available", "method", "Inventory", 25, 26),
        ("Pricing.price", "method", "Pricing", 34, 35),
    ],
    "deploy.sh": [
        ("log", "function", None, 8, 11),
        ("build", "function", None, 13, 17),
        ("upload", "function", None, 19, 22),
        ("main", "function", None, 24, 28),
    ],
    "vec.zig": [
        ("Vec2", "class", None, 4, 7),
        ("Vec2.length", "method", "Vec2", 9, 12),
        ("Vec2.add", "method", "Vec2", 14, 17),
        ("sum", "function", None, 19, 26),
    ],
    # The comment above a method is its doc; the class's ``@end`` closes its last method.
    "Downloader.m": [
        ("Downloader.downloadWithURL", "method", "Downloader", 9, 17),
        ("Downloader.cancel", "method", "Downloader", 19, 22),
        ("Downloader.shared", "method", "Downloader", 24, 29),
        ("LogDownload", "function", None, 31, 33),
    ],
    # Elixir's def macros; the @doc before a def is its doc, and a def may be one line.
    "token.ex": [
        ("Phoenix.Token", "class", None, 1, 5),
        ("Phoenix.Token.sign", "method", "Phoenix.Token", 7, 10),
        ("Phoenix.Token.get_key_base", "method", "Phoenix.Token", 12, 12),
        ("Phoenix.Token.Inner.foo", "method", "Phoenix.Token.Inner", 15, 17),
    ],
    # Terraform's blocks, named by their addresses; a comment above a block is its doc.
    "network.tf": [
        ("locals", "function", None, 1, 3),
        ("aws_eip.nat", "method", "aws_eip", 5, 9),
        ("var.single_nat_gateway", "method", "var", 11, 15),
        ("data.aws_availability_zones.available", "method", "data.aws_availability_zones", 17, 17),
        ("module.vpc", "method", "module", 19, 22),
        ("output.nat_public_ips", "method", "output", 24, 26),
    ],
    "cart.dart": [
        ("Product", "class", None, 3, 9),
        ("Cart", "class", None, 11, 13),
        ("Cart.add", "method", "Cart", 15, 18),
        ("total", "function", None, 23, 30),
    ],
}

# (file, slice) -> a name it must refer to
EXPECTED_REFS = {
    ("queue.lua", "drain"): "pop",
    ("deploy.sh", "main"): "upload",
    ("vec.zig", "sum"): "add",
    ("Inventory.scala", "Inventory.reserve"): "copy",
}

# One small file per remaining language -> a definition it must yield.
SMOKE_NAMES = {
    "sample.adb": "Geometry.Area",
    "sample.bzl": "my_macro",
    "sample.cairo": "counter.inc",
    "sample.capnp": "Geo.dist",
    "sample.cu": "add",
    "sample.d": "Point.norm",
    "sample.el": "my-add",
    "sample.elm": "add",
    "sample.erl": "greet",
    "sample.f90": "geometry.area",
    "sample.fish": "greet",
    "sample.gd": "Inner.hello",
    "sample.gleam": "add",
    "sample.glsl": "luma",
    "sample.ha": "add",
    "sample.hack": "Greeter.greet",
    "sample.hlsl": "luma",
    "sample.hx": "Point.norm",
    "sample.ino": "setup",
    "sample.jl": "Geo.dist",
    "sample.luau": "add",
    "sample.ml": "dist",
    "sample.mli": "dist",
    "sample.nim": "norm",
    "sample.nut": "Point.norm",
    "sample.odin": "add",
    "sample.pas": "Greet",
    "sample.pl": "greet",
    "sample.proto": "Geo.Dist",
    "sample.ps1": "Point.Norm",
    "sample.purs": "add",
    "sample.r": "scale",
    "sample.sol": "Counter.inc",
    "sample.sv": "counter",
    "sample.tcl": "add",
    "sample.thrift": "Geo.dist",
    "sample.vim": "Greet",
    "sample.wgsl": "luma",
}


def slices_of(path: Path, name: str | None = None):
    text = path.read_text("utf-8")
    return text, CodeSource().slices(FileText(name or path.name, text, text.encode(), False))


@pytest.fixture
def without_pack(monkeypatch):
    """Behave as if the extra were not installed, whether or not it is."""
    monkeypatch.setattr(_langpack, "pack_available", lambda: False)
    load_language.cache_clear()
    yield
    load_language.cache_clear()


# --- always ------------------------------------------------------------------------------
def test_bundle_never_shadows_a_core_language_or_a_document():
    core_ext = {ext for spec in LANGUAGES.values() for ext in spec.extensions}
    pack_ext = [ext for exts in _langpack.PACK_EXTENSIONS.values() for ext in exts]
    assert not set(_langpack.PACK_EXTENSIONS) & set(LANGUAGES)
    assert len(pack_ext) == len(set(pack_ext)), "an extension is claimed twice"
    assert not set(pack_ext) & core_ext
    assert not set(pack_ext) & set(DOC_EXTENSIONS)
    assert all(ext == ext.lower() and ext.startswith(".") for ext in pack_ext)
    # COBOL's grammar never returns on some inputs: it must stay unmapped.
    assert "cobol" not in _langpack.PACK_EXTENSIONS


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("function_definition", "definition"),
        ("method_declaration", "definition"),
        ("subroutine_declaration_statement", "definition"),
        ("FnProto", "definition"),
        ("defProc", "definition"),
        ("value_definition", "definition"),
        ("function", "definition"),
        ("class_definition", "container"),
        ("struct_specifier", "container"),
        ("module", "container"),
        ("subprogram_body", "definition"),
        ("function_call", None),
        ("function_body", None),
        ("class_body", None),
        ("end_function_statement", None),
        ("enum_member_declaration", None),
        ("anonymous_function", None),
        ("function_type", None),
        ("object", None),
        ("import_declaration", None),
        ("class_property_definition", None),
    ],
)
def test_node_names_are_sorted_by_their_words(kind: str, expected: str | None):
    assert classify(kind) == expected


def test_a_grammar_may_sort_its_own_names():
    # D's struct_declaration is a struct; Objective-C's is a @property's declarator.
    assert classify("struct_declaration") == "container"
    assert classify("struct_declaration", "objc") is None
    assert classify("class_implementation", "objc") == "container"
    assert classify("implementation_definition", "objc") is None
    assert classify("implementation_definition") == "container"


def test_without_the_extra_bundle_files_are_line_windows(without_pack, tmp_path: Path):
    assert language_for_path("queue.lua") is None
    assert not CodeSource().accepts("queue.lua")
    assert CodeSource().accepts("main.py")
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("queue.lua", "vec.zig"):
        (root / name).write_text((SAMPLES / name).read_text("utf-8"))
    index = Index.build(root, cache_dir=False, workers=1, history=False)
    got = [s for s in index.slices if s.path in ("queue.lua", "vec.zig")]
    assert {s.path for s in got} == {"queue.lua", "vec.zig"}
    assert all(s.symbol_kind == "window" for s in got)


def test_a_downloading_pack_counts_as_absent(monkeypatch):
    # 1.x fetches grammars at first use; context_kit must never touch it.
    monkeypatch.setattr(_langpack.util, "find_spec", lambda name: object())
    monkeypatch.setattr(_langpack.metadata, "version", lambda name: "1.0.0")
    _langpack.pack_available.cache_clear()
    try:
        assert _langpack.pack_available() is False
        monkeypatch.setattr(_langpack.metadata, "version", lambda name: "0.13.0")
        _langpack.pack_available.cache_clear()
        assert _langpack.pack_available() is True
    finally:
        monkeypatch.undo()
        _langpack.pack_available.cache_clear()


def _run(script: str, timeout: float = 120, *, prelude: str = "") -> str:
    out = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_bundle_is_imported_only_for_its_own_files():
    out = _run(
        """
        import sys
        from context_kit.sources import CodeSource
        from context_kit.sources.walk import FileText

        def slices(name, text):
            return CodeSource().slices(FileText(name, text, text.encode(), False))

        slices("a.py", "def f():\\n    return 1\\n")
        print("py", "tree_sitter_language_pack" in sys.modules)
        got = slices("a.lua", "function f()\\n  return 1\\nend\\n")
        print("lua", "tree_sitter_language_pack" in sys.modules, got[0].symbol_kind)
        """
    )
    installed = _langpack.pack_available()
    kind = "function" if installed else "window"
    assert out.splitlines() == ["py False", f"lua {installed} {kind}"]


def test_an_unimportable_bundle_is_not_an_error():
    out = _run(
        """
        import sys
        sys.modules["tree_sitter_language_pack"] = None  # import fails, find_spec says None
        from context_kit.sources import CodeSource
        from context_kit.sources.walk import FileText
        text = "function f()\\n  return 1\\nend\\n"
        got = CodeSource().slices(FileText("a.lua", text, text.encode(), False))
        print(got[0].symbol_kind, CodeSource().accepts("a.lua"))
        """
    )
    assert out == "window False"


# --- with the bundle ---------------------------------------------------------------------
@needs_pack
def test_every_bundle_language_loads_and_has_definitions():
    for name, exts in _langpack.PACK_EXTENSIONS.items():
        lang = load_language(name)
        assert lang is not None, f"{name} did not load from the bundle"
        spec = language_for_path("x" + exts[0])
        assert spec is not None and spec.generic and spec.name == name
        derived = derive(spec, lang)
        assert derived.spec.definitions or derived.spec.containers, name
        assert derived.identifiers, name


@needs_pack
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundle_languages_get_named_definitions_with_exact_lines(name: str):
    text, got = slices_of(SAMPLES / name)
    lang = language_for_path(name)
    assert lang is not None and all(s.language == lang.name for s in got)
    by_name = {}
    for s in got:
        by_name.setdefault(s.name, s)
    for qual, kind, parent, start, end in EXPECTED[name]:
        assert qual in by_name, f"{name}: no slice {qual}; got {sorted(by_name)}"
        s = by_name[qual]
        assert (s.symbol_kind, s.parent) == (kind, parent), qual
        assert (s.start_line, s.end_line) == (start, end), qual
        simple = qual.rsplit(".", 1)[-1]
        assert simple in s.defines
        assert s.signature_end_line is not None and s.start_line <= s.signature_end_line
        first = text.splitlines()[s.signature_end_line - 1]
        assert simple in first or simple in s.text.splitlines()[0], (qual, first)
    _check_partition(text, got)


@needs_pack
def test_comment_blocks_above_a_definition_are_its_doc():
    _, got = slices_of(SAMPLES / "queue.lua")
    new = next(s for s in got if s.name == "Queue.new")
    assert (new.start_line, new.doc_end_line, new.signature_end_line) == (5, 6, 7)


@needs_pack
@pytest.mark.parametrize(("name", "qual"), sorted(EXPECTED_REFS))
def test_identifiers_in_a_body_are_its_references(name: str, qual: str):
    _, got = slices_of(SAMPLES / name)
    s = next(s for s in got if s.name == qual)
    assert EXPECTED_REFS[name, qual] in s.references
    assert all(r[0].isalpha() or r[0] == "_" for r in s.references)


@needs_pack
def test_every_bundle_language_has_a_checked_sample():
    files = [*EXPECTED, *SMOKE_NAMES]
    covered = {language_for_path(f).name for f in files}
    assert covered == set(_langpack.PACK_EXTENSIONS)


@needs_pack
@pytest.mark.parametrize("name", sorted(SMOKE_NAMES))
def test_each_bundle_language_finds_a_definition(name: str):
    text, got = slices_of(SMOKE / name)
    names = {s.name for s in got if s.symbol_kind in ("function", "method", "class")}
    assert SMOKE_NAMES[name] in names, sorted(names)
    _check_partition(text, got)


@needs_pack
def test_zsh_files_are_read_as_shell():
    text = "# The branch checked out.\nfunction git_current_branch() {\n  echo main\n}\n"
    for name in ("lib/git.zsh", "themes/robbyrussell.zsh-theme"):
        got = CodeSource().slices(FileText(name, text, text.encode(), False))
        assert [(s.name, s.symbol_kind, s.language) for s in got] == [
            ("git_current_branch", "function", "bash")
        ]


@needs_pack
def test_objective_c_is_told_from_matlab_and_from_c_by_its_lines():
    matlab = "function y = twice(x)\n  % doubles\n  y = 2 * x;\nend\n"
    got = CodeSource().slices(FileText("twice.m", matlab, matlab.encode(), False))
    assert [s.symbol_kind for s in got] == ["window"]
    header = (
        "#import <Foundation/Foundation.h>\n\n@interface Downloader : NSObject\n"
        "- (void)cancel:(NSOperation *)op;\n@end\n"
    )
    got = CodeSource().slices(FileText("Downloader.h", header, header.encode(), False))
    assert {s.language for s in got} == {"objc"}
    assert "Downloader.cancel" in {s.name for s in got}
    _check_partition(header, got)
    plain = "#include <stdio.h>\n\nint twice(int x);\n"
    got = CodeSource().slices(FileText("twice.h", plain, plain.encode(), False))
    assert {s.language for s in got} == {"c"}


def test_without_the_extra_an_objective_c_header_stays_c(without_pack):
    header = "#import <Foundation/Foundation.h>\n@interface Downloader : NSObject\n@end\n"
    got = CodeSource().slices(FileText("Downloader.h", header, header.encode(), False))
    assert {s.language for s in got} == {"c"}


@needs_pack
def test_a_file_without_definitions_stays_line_windows():
    text = "".join(f"echo line {i}\n" for i in range(150))
    got = CodeSource().slices(FileText("run.sh", text, text.encode(), False))
    assert len(got) > 1 and all(s.symbol_kind == "window" for s in got)
    assert {s.language for s in got} == {"bash"}
    _check_partition(text, got)


@needs_pack
def test_slicing_bundle_languages_opens_no_network_connection(tmp_path: Path):
    root = tmp_path / "repo"
    root.mkdir()
    for name in EXPECTED:
        (root / name).write_text((SAMPLES / name).read_text("utf-8"))
    out = _run(
        f"""
        import context_kit
        index = context_kit.Index.build({str(root)!r}, cache_dir=False, workers=1)
        names = {{s.name for s in index.slices if s.symbol_kind in ("function", "method")}}
        assert {{"Queue.push", "perimeter", "Vec2.length", "Cart.add"}} <= names, names
        packed = index.pack("how does the queue push items?", budget=400)
        assert 0 < packed.tokens <= 400
        print("ok")
        """,
        prelude=NO_NETWORK,
    )
    assert out == "ok"


HOSTILE = [
    "",
    "\n\n\n",
    "(((((((((((((((((((((((\n" * 20,
    "}}}}}}}} end end end ]]]]]\n" * 20,
    "function class def fn module struct\n" * 30,
    "x" * 20_000 + "\n",
    "\x00\x01\x02 binary-ish \ufffd\ufffd\n" * 10,
    "\t" * 300 + "f(x) = y\n",
]


@needs_pack
def test_no_bundle_grammar_hangs_or_crashes_on_junk():
    # In a child process with a deadline: a parser that never returns (the 0.13 COBOL
    # grammar does on ``x = 1``) must fail this test, not hang the suite.
    script = f"""
        from context_kit.sources import CodeSource
        from context_kit.sources._langpack import PACK_EXTENSIONS
        from context_kit.sources.walk import FileText
        source = CodeSource(max_slice_lines=8)
        for name, exts in sorted(PACK_EXTENSIONS.items()):
            for text in {HOSTILE!r}:
                data = text.encode("utf-8", "surrogatepass")
                got = source.slices(FileText("junk" + exts[0], text, data, False))
                assert all(s.start_line <= s.end_line for s in got), name
        print("ok")
        """
    assert _run(script, timeout=300) == "ok"


# language -> templates as in test_rendering_properties.TEMPLATES
PACK_TEMPLATES = {
    "lua": (
        "lua",
        "--",
        "function {name}(a, b)\n{doc}{body}  return a\nend\n",
        "do\n{fields}{members}end\n",
        "local {name} = 1\n",
        "  ",
        "  local x{i} = a + {i}\n",
        "",
    ),
    "bash": (
        "sh",
        "#",
        '{name}() {{\n{doc}{body}  echo "$1"\n}}\n',
        "if true; then\n{fields}{members}fi\n",
        "{name}=1\n",
        "  ",
        "  x{i}=$(( $1 + {i} ))\n",
        "",
    ),
    "scala": (
        "scala",
        "//",
        "def {name}(a: Int): Int = {{\n{doc}{body}  a\n}}\n",
        "class {name} {{\n{fields}{members}}}\n",
        "val {name} = 1\n",
        "  ",
        "  val x{i} = a + {i}\n",
        "",
    ),
    "zig": (
        "zig",
        "//",
        "fn {name}(a: i32) i32 {{\n{doc}{body}    return a;\n}}\n",
        "const {name} = struct {{\n{fields}{members}}};\n",
        "const {name} = 1;\n",
        "    ",
        "    const x{i} = a + {i};\n    _ = x{i};\n",
        "",
    ),
    "julia": (
        "jl",
        "#",
        "function {name}(a, b)\n{doc}{body}    a\nend\n",
        "module {name}\n{fields}{members}end\n",
        "{name} = 1\n",
        "    ",
        "    x{i} = a + {i}\n",
        '    """Doc of {name}."""\n',
    ),
    "dart": (
        "dart",
        "//",
        "int {name}(int a) {{\n{doc}{body}  return a;\n}}\n",
        "class {name} {{\n{fields}{members}}}\n",
        "var {name} = 1;\n",
        "  ",
        "  var x{i} = a + {i};\n",
        "",
    ),
    "haskell": (
        "hs",
        "--",
        "{name} :: Int -> Int\n{name} a = a\n  where\n{doc}{body}    y = 0\n",
        "class {name} a where\n{fields}{members}",
        "{name} = 1\n",
        "  ",
        "    x{i} = a + {i}\n",
        "",
    ),
}

PACK_FIELDS = {
    "lua": "  local f{i} = {i}\n",
    "bash": "  f{i}={i}\n",
    "scala": "  val f{i} = {i}\n",
    "zig": "    f{i}: i32,\n",
    "julia": "    const C{i} = {i}\n",
    "dart": "  int f{i} = {i};\n",
    "haskell": "  m{i} :: a -> Int\n",
}


@needs_pack
@given(sources(PACK_TEMPLATES, PACK_FIELDS), st.sampled_from([8, 200]))
def test_bundle_slices_partition_and_every_rung_is_verbatim(source, max_lines):
    check_partition_and_ladder(*source, max_lines)


def _slices_examining_every_node(path: str, text: str):
    """The reference: no query narrows which nodes the generic rules look at."""
    with mock.patch.object(GenericChunker, "_neighbourhood", lambda self, root: None):
        return CodeSource(max_slice_lines=8).slices(FileText(path, text, text.encode(), False))


@needs_pack
@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.rglob("*.*") if p.is_file()))
def test_skipping_plain_statements_changes_nothing(path: Path):
    text = path.read_text("utf-8")
    fast = CodeSource(max_slice_lines=8).slices(FileText(path.name, text, text.encode(), False))
    assert fast == _slices_examining_every_node(path.name, text)


@needs_pack
@given(sources(PACK_TEMPLATES, PACK_FIELDS))
def test_skipping_plain_statements_changes_nothing_on_generated_code(source):
    path, text = source
    fast = CodeSource(max_slice_lines=8).slices(FileText(path, text, text.encode(), False))
    assert fast == _slices_examining_every_node(path, text)
