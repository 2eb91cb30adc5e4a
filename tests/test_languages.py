"""Every mainstream language gets real structure from its grammar wheel."""

import itertools
import re
from pathlib import Path

import pytest
from test_code_source import _check_partition

from context_kit.renderers import CodeRenderer
from context_kit.sources import CodeSource
from context_kit.sources.languages import LANGUAGES, language_for_path, load_language
from context_kit.sources.walk import FileText

SAMPLES = Path(__file__).parent / "samples"

# file -> (qualified name, symbol kind, parent, first line of its doc comment or None)
EXPECTED = {
    "sample.js": [
        ("add", "function", None, 5),
        ("Greeter", "class", None, 10),
        ("Greeter.constructor", "method", "Greeter", 12),
        ("Greeter.greet", "method", "Greeter", None),
        ("exported", "function", None, None),
        ("arrow", "function", None, None),
    ],
    "sample.ts": [
        ("Shape", "class", None, 3),
        ("Shape.area", "method", "Shape", None),
        ("Circle.area", "method", "Circle", 14),
        ("make", "function", None, None),
        ("Color", "class", None, None),
        ("Geo.dist", "function", None, None),
    ],
    "sample.tsx": [("Button", "function", None, 3), ("Panel.render", "method", "Panel", None)],
    "sample.go": [
        ("Point", "class", None, 7),
        ("Point.Dist", "method", "Point", 12),
        ("Add", "function", None, 17),
        ("Shape", "class", None, None),
    ],
    "sample.rs": [
        ("Point", "class", None, 5),
        ("Point.new", "method", "Point", 12),
        ("Point.dist", "method", "Point", None),
        ("Point.fmt", "method", "Point", None),
        ("Shape.area", "method", "Shape", None),
        ("add", "function", None, 32),
        ("inner.deep", "function", None, None),
    ],
    "Sample.java": [
        ("Greeter", "class", None, 5),
        ("Greeter.Greeter", "method", "Greeter", 11),
        ("Greeter.greet", "method", "Greeter", 16),
        ("Greeter.Inner.deep", "method", "Greeter.Inner", None),
        ("Color", "class", None, None),
    ],
    "sample.c": [
        ("point", "class", None, 5),
        ("add", "function", None, 11),
        ("name", "function", None, None),
    ],
    "sample.cpp": [
        ("geo.Shape", "class", None, 5),
        ("geo.Shape.area", "method", "geo.Shape", 9),
        ("geo.Point.dist", "method", "geo.Point", None),
        ("geo.Shape.perimeter", "method", "geo.Shape", 22),
        ("maxof", "function", None, None),
    ],
    "Sample.cs": [
        # A namespace names a package, as Java's ``package`` does: no qualifier.
        ("Greeter", "class", None, 5),
        ("Greeter.Greeter", "method", "Greeter", 10),
        ("Greeter.Greet", "method", "Greeter", 16),
        ("IShape.Area", "method", "IShape", None),
    ],
    "sample.rb": [
        ("Greeter", "class", None, 5),
        ("Greeter.initialize", "method", "Greeter", 9),
        ("Greeter.build", "method", "Greeter", None),
        ("Util.helper", "method", "Util", None),
        ("add", "function", None, 29),
    ],
    "sample.php": [
        ("Greeter", "class", None, 8),
        ("Greeter.__construct", "method", "Greeter", 15),
        ("Greeter.greet", "method", "Greeter", None),
        ("add", "function", None, 27),
        ("Shape.area", "method", "Shape", None),
    ],
    "sample.kt": [
        ("Greeter", "class", None, 7),
        ("Greeter.greet", "method", "Greeter", 11),
        ("Greeter.Companion.build", "method", "Greeter.Companion", None),
        ("add", "function", None, 21),
        ("Registry.register", "method", "Registry", None),
    ],
    "sample.swift": [
        ("Greeter", "class", None, 5),
        ("Greeter.init", "method", "Greeter", 9),
        ("Greeter.greet", "method", "Greeter", 14),
        ("Point.dist", "method", "Point", None),
        ("Shape.area", "method", "Shape", None),
        ("add", "function", None, 35),
    ],
}

# file -> (slice name, a reference its refs query must find)
EXPECTED_REFS = {
    "sample.js": ("add", "helper"),
    "sample.ts": ("make", "Circle"),
    "sample.tsx": ("Panel.render", "div"),
    "sample.go": ("Add", "Println"),
    "sample.rs": ("Point.fmt", "write"),
    "Sample.java": ("Greeter.greet", "format"),
    "sample.c": ("add", "helper"),
    "sample.cpp": ("geo.Shape.area", "compute"),
    "Sample.cs": ("Greeter.Greet", "Format"),
    "sample.rb": ("Greeter.greet", "format"),
    "sample.php": ("add", "helper"),
    "sample.kt": ("add", "helper"),
    "sample.swift": ("add", "helper"),
}


def slices_of(name: str):
    text = (SAMPLES / name).read_text("utf-8")
    return text, CodeSource().slices(FileText(name, text, text.encode(), False))


def test_every_language_loads_from_its_wheel():
    for name in LANGUAGES:
        assert load_language(name) is not None, f"grammar wheel for {name} did not load"


def test_every_language_has_a_sample():
    covered = {language_for_path(n).name for n in EXPECTED}
    assert covered == set(LANGUAGES) - {"python"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_definitions_are_qualified_and_documented(name: str):
    text, got = slices_of(name)
    by_name = {}
    for s in got:
        by_name.setdefault(s.name, s)
    assert all(s.language == language_for_path(name).name for s in got)
    for qual, kind, parent, doc_line in EXPECTED[name]:
        assert qual in by_name, f"{name}: no slice {qual}; got {sorted(by_name)}"
        s = by_name[qual]
        assert s.symbol_kind == kind, (qual, s.symbol_kind)
        assert s.parent == parent, (qual, s.parent)
        if doc_line is not None:
            # The comment block right above the definition is part of the slice.
            assert s.start_line == doc_line, (qual, s.start_line)
            assert s.doc_end_line is not None and s.doc_end_line < s.signature_end_line
    _check_partition(text, got)


@pytest.mark.parametrize("name", sorted(EXPECTED_REFS))
def test_reference_queries_find_calls(name: str):
    _, got = slices_of(name)
    qual, ref = EXPECTED_REFS[name]
    s = next(s for s in got if s.name == qual)
    assert ref in s.references


def test_elided_rung_keeps_the_doc_comment():
    checked = 0
    for name in sorted(EXPECTED):
        _, got = slices_of(name)
        for s in got:
            if s.doc_end_line is None or s.symbol_kind not in ("function", "method"):
                continue
            rungs = {r.name: r for r in CodeRenderer().ladder(s)}
            if "elided" in rungs:
                keep = s.text.splitlines(keepends=True)[: s.doc_end_line - s.start_line + 1]
                assert rungs["elided"].text.startswith("".join(keep))
                checked += 1
    assert checked >= 6


def _slices(path: str, text: str, **kw):
    slices = CodeSource(**kw).slices(FileText(path, text, text.encode(), False))
    _check_partition(text, slices)
    return slices


GUARDED_C_HEADER = """#ifndef POINT_H
#define POINT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Adds two numbers. */
static inline int add(int a, int b) {
    return a + b;
}

struct point {
    int x;
};

#if defined(_WIN32)
static int platform(void) { return 1; }
#else
static int platform(void) { return 2; }
#endif

#ifdef __cplusplus
}
#endif
#endif
"""


def test_definitions_inside_include_guards_and_conditional_blocks_are_slices():
    # Nearly every C header wraps its whole body in #ifndef: it used to be one module slice.
    slices = _slices("point.h", GUARDED_C_HEADER)
    named = {(s.name, s.symbol_kind, s.start_line) for s in slices}
    assert ("add", "function", 8) in named  # with its doc comment
    assert ("point", "class", 13) in named
    assert {("platform", "function", 18), ("platform", "function", 20)} <= named
    assert {s.language for s in slices} == {"c"}  # extern "C" guards do not make it C++


CPP_HEADER = """#pragma once
#include <string>

namespace geo {

template <typename T>
T twice(T x) {
    return x + x;
}

class Shape {
 public:
    virtual double area() const { return 0.0; }
};

}  // namespace geo
"""


def test_a_cpp_header_named_dot_h_is_parsed_as_cpp():
    slices = _slices("shape.h", CPP_HEADER)
    assert {s.language for s in slices} == {"cpp"}
    names = {s.name for s in slices}
    assert {"geo.Shape.area", "geo.twice"} <= names, names


NAMESPACED = {
    # C++: includes and the namespace line are one header; an out-of-class definition
    # inside the namespace is a method of its class, a free function a function.
    "geo.cc": (
        "#include <cmath>\n\nnamespace geo {\n\nint twice(int x) { return 2 * x; }\n\n"
        "class Shape {\n public:\n  double area() const;\n};\n\n"
        "double Shape::area() const { return 0; }\n\n}  // namespace geo\n",
        {
            ("geo.twice", "function", None),
            ("geo.Shape", "class", None),
            ("geo.Shape.area", "method", "geo.Shape"),
        },
        (1, 3),
    ),
    "Log.cs": (
        "using System;\n\nnamespace Serilog.Core\n{\n    class Logger\n    {\n"
        "        void Write() { }\n    }\n}\n",
        # C# and PHP namespaces name packages: members are named as in a file-scoped
        # ``namespace Serilog.Core;``, by their class alone.
        {("Logger", "class", None), ("Logger.Write", "method", "Logger")},
        (1, 4),
    ),
    "Str.php": (
        "<?php\nnamespace Illuminate\\Support {\n\nclass Str {\n"
        "    public function lower($x) { return $x; }\n}\n}\n",
        {("Str", "class", None), ("Str.lower", "method", "Str")},
        (1, 2),
    ),
    # PHP's statement form scopes the file but holds nothing: a module line.
    "Gate.php": (
        "<?php\nnamespace Illuminate\\Auth;\n\nuse Foo;\n\nclass Gate {\n"
        "    public function allows() { return 1; }\n}\n",
        {("Gate", "class", None), ("Gate.allows", "method", "Gate")},
        (1, 4),
    ),
    # Rust: ``mod util;`` is a statement, ``mod tests {...}`` a scope of functions.
    "lib.rs": (
        "mod util;\n\nfn main() {}\n\nmod tests {\n    #[test]\n"
        "    fn it_works() { super::main(); }\n}\n",
        {("main", "function", None), ("tests.it_works", "function", None)},
        (1, 1),
    ),
    "geo.ts": (
        "namespace Geo {\n  export function dist(a: number) { return a; }\n"
        "  export class Point { norm() { return 0; } }\n}\n",
        {
            ("Geo.dist", "function", None),
            ("Geo.Point", "class", None),
            ("Geo.Point.norm", "method", "Geo.Point"),
        },
        (1, 1),
    ),
}


@pytest.mark.parametrize("path", sorted(NAMESPACED))
def test_a_namespace_scopes_its_members_but_is_no_class(path: str):
    text, expected, header = NAMESPACED[path]
    slices = _slices(path, text)
    assert expected <= {(s.name, s.symbol_kind, s.parent) for s in slices}
    # No slice stands for the namespace as a class, and nothing names it as a parent.
    assert not any(s.symbol_kind in ("class", "class_body") and not s.defines for s in slices)
    kinds = {s.name: s.symbol_kind for s in slices}
    for name in ("geo", "Serilog.Core", "Illuminate.Auth", "util", "tests", "Geo"):
        assert kinds.get(name) in (None, "module"), (name, kinds.get(name))
    assert all(s.parent is None or "." in s.name for s in slices)
    # The file's first slice is its header, namespace line included.
    first = min(slices, key=lambda s: s.start_line)
    assert (first.symbol_kind, first.start_line, first.end_line) == ("module", *header)


@pytest.mark.parametrize(
    ("path", "comment", "definition", "name"),
    [
        ("add.c", "// {}\n", "int add(int a,\n        int b) {\n  return a + b;\n}\n", "add"),
        ("A.java", "  /** {} */\n", "  int m(int a) {\n    return a;\n  }\n", "A.m"),
    ],
)
def test_a_comment_longer_than_a_part_leaves_the_signature_in_the_first_part(
    path: str, comment: str, definition: str, name: str
):
    # Before: the first part was comment lines only, its signature "end" clamped into them.
    lines = "".join(comment.format(f"line {i} of a long comment") for i in range(12))
    text = f"{lines}{definition}" if path.endswith(".c") else f"class A {{\n{lines}{definition}}}\n"
    slices = _slices(path, text, max_slice_lines=8)
    first = next(s for s in slices if s.name == name and s.part is not None and s.part[0] == 1)
    sig = first.signature_end_line
    assert sig is not None and first.start_line <= sig <= first.end_line
    head = definition.splitlines()[0]
    def_line = text.splitlines().index(head) + 1
    assert first.start_line < def_line <= sig  # some of the comment, then the signature
    assert "comment" not in text.splitlines()[sig - 1]
    # The comment lines nearest the definition stay its doc; the others are plain lines.
    assert first.doc_end_line is not None and first.doc_end_line < sig
    assert first.end_line - first.start_line + 1 <= 8
    first_comment_line = 2 if path.endswith(".java") else 1
    assert any(s.start_line == first_comment_line and s.name != name for s in slices)


def test_a_stretch_that_is_one_long_node_is_split_inside_it():
    # The body is one `if` of 300 lines: no statement boundary at the top to cut at.
    body = "".join(f"        total += {i}\n" for i in range(300))
    text = f"def grow(total, on):\n    if on:\n{body}    return total\n"
    slices = _slices("grow.py", text, max_slice_lines=100)
    parts = [s for s in slices if s.name == "grow"]
    assert len(parts) >= 3 and all(s.part is not None for s in parts)
    assert max(s.end_line - s.start_line + 1 for s in parts) <= 100


TYPED = {
    "srv.go": (
        "package srv\n\ntype Server struct{ cfg *Config }\n\n"
        "func (s *Server) Run(w Widget) (Result, error) {\n\treturn Result{}, nil\n}\n",
        "Server.Run",
        {"Server", "Widget", "Result"},
    ),
    "srv.rs": (
        "struct Server { cfg: Config }\n\nimpl Server {\n"
        "    fn run(&self, w: &Widget) -> Result<Output, Failure> {\n        todo!()\n    }\n}\n",
        "Server.run",
        {"Widget", "Result", "Output", "Failure"},
    ),
    "Srv.java": (
        "class Srv {\n    Result<Item> run(Widget w) throws Failure {\n"
        "        return (Item) null;\n    }\n}\n",
        "Srv.run",
        {"Result", "Item", "Widget", "Failure"},
    ),
    "Srv.cs": (
        "class Srv {\n    [Cached] public Result<Item> Run(Widget w) {\n"
        "        return null;\n    }\n}\n",
        "Srv.Run",
        {"Cached", "Result", "Item", "Widget"},
    ),
    "srv.ts": (
        "class Srv {\n  run(w: Widget): Promise<Result> {\n"
        "    return helper(w) as Output;\n  }\n}\n",
        "Srv.run",
        {"Widget", "Promise", "Result", "Output"},
    ),
    "Srv.php": (
        "<?php\nclass Srv {\n    public function run(?Widget $w): Result {\n"
        "        return Registry::DEFAULT;\n    }\n}\n",
        "Srv.run",
        {"Widget", "Result", "Registry"},
    ),
    "srv.rb": (
        "class Srv\n  def run(w)\n    raise Failure unless w.is_a?(Widget)\n  end\nend\n",
        "Srv.run",
        {"Failure", "Widget"},
    ),
}


@pytest.mark.parametrize("path", sorted(TYPED))
def test_references_name_the_types_a_definition_mentions(path: str):
    # Return types, parameter types, generic arguments, casts and rescued errors link a
    # function to the types it works with (the symbol graph's edges).
    text, name, types = TYPED[path]
    (slice_,) = [s for s in _slices(path, text) if s.name == name]
    assert types <= set(slice_.references), sorted(slice_.references)


@pytest.mark.parametrize(
    ("path", "text", "names"),
    [
        (
            "regions.cs",
            "namespace N {\n#if NET45\n  class A {\n    void F() { }\n  }\n#else\n"
            "  class B {\n    void G() { }\n  }\n#endif\n}\n",
            {"A", "A.F", "B", "B.G"},
        ),
        (
            "shape.cpp",
            "class Shape {\n public:\n#ifdef HAVE_AREA\n  double area() const {\n    return 0;\n"
            "  }\n#endif\n  int sides() const { return 0; }\n};\n",
            {"Shape", "Shape.area", "Shape.sides"},
        ),
    ],
)
def test_members_inside_conditional_blocks_are_slices(path: str, text: str, names: set[str]):
    assert names <= {s.name for s in _slices(path, text)}


def test_a_test_file_that_is_one_call_is_split_inside_the_call():
    # describe("...", () => { ...hundreds of lines... }): one statement wrapping one call.
    cases = "".join(
        f"  it('case {i}', () => {{\n    expect({i}).toBe({i});\n  }});\n" for i in range(80)
    )
    text = f"describe('store', () => {{\n{cases}}})\n"  # no semicolon: a one-child statement
    slices = _slices("store.test.ts", text, max_slice_lines=60)
    assert len(slices) >= 4
    assert max(s.end_line - s.start_line + 1 for s in slices) <= 60


def test_a_kotlin_extension_function_is_a_method_of_its_receiver():
    text = (
        "fun String.shout(): String {\n  return uppercase()\n}\n\n"
        "fun <T> Dns.Call.toList(x: T): List<T> = listOf(x)\n\n"
        "fun Map<String, Int>.total(): Int = values.sum()\n\nfun plain(x: Int) = x\n"
    )
    got = {s.name: (s.symbol_kind, s.parent) for s in _slices("ext.kt", text)}
    assert got["String.shout"] == ("method", "String")
    assert got["Dns.Call.toList"] == ("method", "Dns.Call")
    assert got["Map.total"] == ("method", "Map")
    assert got["plain"] == ("function", None)


def test_a_definition_through_a_test_macro_is_named_by_its_arguments():
    # gtest's TEST(suite, name) { ... }: hundreds of tests would all be named "TEST".
    text = (
        "TEST(args_test, basic) {\n  EXPECT_EQ(1, 1);\n}\n\n"
        "TEST_F(Fixture, Works) {\n  ok();\n}\n\n"
        "int MAX(int a, int b) { return a > b ? a : b; }\n\nvoid INIT(void) { }\n"
    )
    slices = _slices("args_test.cc", text)
    assert [s.name for s in slices] == [
        "TEST(args_test, basic)",
        "TEST_F(Fixture, Works)",
        "MAX",
        "INIT",
    ]
    assert slices[0].defines == ("TEST(args_test, basic)",)
    from context_kit.renderers.code import mention_line

    assert mention_line(slices[0]).startswith("args_test.cc:1  TEST(args_test, basic)")


@pytest.mark.parametrize("path", ["app.js", "app.ts"])
def test_functions_assigned_to_names_are_named_by_the_assignment(path: str):
    # CommonJS-era code defines most functions by assignment (express: app.handle = ...).
    text = (
        "var app = exports = module.exports = {};\n\n"
        "/**\n * Dispatch a request.\n * @private\n */\n\n"
        "app.handle = function handle(req, res) {\n  return res;\n};\n\n"
        "Router.prototype.route = function (path) {\n  return path;\n};\n\n"
        "exports.parse = (text) => text.trim();\n\n"
        "module.exports = function createApplication() {\n  return app;\n};\n\n"
        "module.exports.helper = function () {};\n\n"
        "handlers[name] = function () {};\n\n"
        "module.exports = router;\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in slices}
    assert got["app.handle"] == ("method", "app", 3)  # its JSDoc, one blank line above
    assert got["Router.route"] == ("method", "Router", 12)
    assert got["parse"][:2] == ("function", None)
    assert got["createApplication"][:2] == ("function", None)
    assert got["helper"][:2] == ("function", None)
    # A subscript is cited as written (it was a function named <anonymous>).
    assert got["handlers[name]"][:2] == ("function", None)
    assert "router" not in got and "<anonymous>" not in got  # a value: module lines
    handle = next(s for s in slices if s.name == "app.handle")
    assert handle.defines == ("app.handle", "handle") and handle.doc_end_line == 6


@pytest.mark.parametrize("path", ["api.js", "api.ts", "api.tsx"])
def test_an_object_literal_holding_functions_is_a_container_of_methods(path: str):
    # CommonJS modules and Vue options objects: `module.exports = { get() {...} }` was
    # module lines; its functions could not be found or cited by name.
    text = (
        "const x = require('x')\n\n"
        "/** The API. */\n"
        "module.exports = {\n"
        "  name: 'api',\n"
        "  /** Lists. */\n"
        "  list(req) {\n    return 1\n  },\n"
        "  'get-one': function (id) {\n    return id\n  },\n"
        "  nested: {\n    deep() { return 2 },\n  },\n"
        "  post: async (a) => {\n    return a\n  },\n"
        "}\n\n"
        "const config = { port: 80, host: 'x', nested: { a: 1 } }\n\n"
        "export default {\n  data() { return {} },\n}\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.parent, s.start_line, s.end_line) for s in slices}
    api = "module.exports"
    assert got[api] == ("class", None, 3, 5)  # its doc comment, the `= {` line, data entries
    assert got[f"{api}.list"] == ("method", api, 6, 9)
    assert got[f"{api}.get-one"] == ("method", api, 10, 12)  # a quoted key, unquoted
    assert got[f"{api}.nested.deep"][:2] == ("method", f"{api}.nested")
    assert got[f"{api}.post"] == ("method", api, 16, 19)  # the closing `}` joins the last
    assert got["default.data"][:2] == ("method", "default")
    assert not any("config" in n for n in got)  # data alone stays module lines
    header = next(s for s in slices if s.name == api)
    assert [e.name for e in header.outline] == [
        f"{api}.list",
        f"{api}.get-one",
        f"{api}.nested",
        f"{api}.post",
    ]
    listed = next(s for s in slices if s.name == f"{api}.list")
    assert "list" in listed.defines and listed.doc_end_line == 6


@pytest.mark.parametrize("path", ["button.js", "button.ts", "button.tsx"])
def test_a_class_field_holding_a_function_is_a_method(path: str):
    # React class components bind handlers as fields: `handleClick = () => {...}` was
    # part of the class header.
    text = (
        "class Button extends React.Component {\n"
        "  state = { on: false }\n\n"
        "  handleClick = () => {\n    this.setState({ on: true })\n  }\n\n"
        "  static create = function (props) {\n    return new Button(props)\n  }\n\n"
        "  render() {\n    return null\n  }\n"
        "}\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.start_line, s.end_line) for s in slices}
    assert got["Button"] == ("class", 1, 2)  # the data field stays in the header
    assert got["Button.handleClick"] == ("method", 4, 6)
    assert got["Button.create"] == ("method", 8, 10)
    header = next(s for s in slices if s.name == "Button")
    assert [e.name for e in header.outline] == [
        "Button.handleClick",
        "Button.create",
        "Button.render",
    ]


@pytest.mark.parametrize("path", ["app.js", "app.ts"])
def test_a_call_with_a_title_and_a_callback_is_a_definition(path: str):
    # express apps, CLI commands, gulp tasks and event handlers define their behaviour in
    # callbacks: `app.get('/', function (req, res) {...})` was module lines.
    text = (
        "var app = express()\n\n"
        "/** Home. */\n"
        "app.get('/users/:id', function (req, res) {\n  res.send(req.params.id)\n})\n\n"
        "app.get('/short', (req, res) => res.send('x'))\n\n"
        "defineGetter(req, 'protocol', function protocol() {\n  return 'http'\n})\n\n"
        "setTimeout(function () {\n  go()\n}, 10)\n\n"
        "const store = create('store', (set) => {\n  return set\n})\n\n"
        "program.command('build', async () => {\n  await build()\n})\n\n"
        "exports.cache = create('cache', (set) => {\n  return set\n})\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.parent, s.start_line, s.end_line) for s in slices}
    assert got["app.get /users/:id"] == ("method", "app", 3, 6)  # with its JSDoc
    assert got["protocol"] == ("function", None, 10, 12)  # no title: the function's name
    assert got["store"] == ("function", None, 18, 20)  # the name it is bound to
    assert got["program.command build"] == ("method", "program", 22, 24)
    assert got["cache"] == ("function", None, 26, 28)  # an assignment names it too
    # An expression callback (nothing to look into) and an unnamed one stay module lines.
    assert {s.start_line for s in slices if s.symbol_kind == "module"} == {1, 8, 14}


@pytest.mark.parametrize("path", ["store.js", "store.ts"])
def test_an_object_argument_holding_functions_makes_the_call_a_container(path: str):
    # Redux's createSlice, Vue's app.component and defineComponent take their functions
    # in an object literal.
    text = (
        "const todos = createSlice({\n  name: 'todos',\n"
        "  reducers: {\n    add(state, action) {\n      state.push(action.payload)\n    },\n  },\n"
        "})\n\n"
        "app.component('my-button', {\n  data() {\n    return { n: 0 }\n  },\n})\n\n"
        "export default defineComponent({\n  setup() {\n    return {}\n  },\n})\n\n"
        "configure({ port: 80 })\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in slices}
    assert got["todos"] == ("class", None, 1)  # the name it is bound to
    assert got["todos.reducers"] == ("class", "todos", 3)
    assert got["todos.reducers.add"] == ("method", "todos.reducers", 4)
    assert got["app.component my-button.data"] == ("method", "app.component my-button", 11)
    assert got["default.setup"] == ("method", "default", 17)
    assert not any("configure" in n for n in got)  # data alone: a module line


@pytest.mark.parametrize("path", ["main.js", "main.ts"])
def test_a_constructor_given_an_object_of_functions_is_a_container(path: str):
    # Vue 2 apps: `new Vue({ methods: {...} })` held every handler in module lines.
    text = (
        "new Vue({\n  el: '#app',\n  methods: {\n    go() {\n      return 1\n    },\n  },\n})\n\n"
        "const vm = new Vue({\n  data() {\n    return {}\n  },\n})\n\n"
        "const p = new Promise((resolve) => {\n  resolve(1)\n})\n"
    )
    slices = _slices(path, text)
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in slices}
    assert got["Vue"] == ("class", None, 1)
    assert got["Vue.methods.go"] == ("method", "Vue.methods", 4)
    assert got["vm.data"] == ("method", "vm", 11)  # the name it is bound to
    # An untitled, unnamed callback names nothing: a module line, as for a call.
    assert [s.start_line for s in slices if s.symbol_kind == "module"] == [16]


@pytest.mark.parametrize("path", ["legacy.js", "legacy.ts"])
def test_functions_inside_an_iife_or_a_module_factory_are_top_level_slices(path: str):
    # Browser scripts, jQuery plugins and UMD/AMD bundles keep a whole module inside one
    # function called where it is written: vue's 211-line dbmon/ENV.js was one window.
    text = (
        "var ENV = ENV || (function() {\n  var first = true;\n\n"
        "  /** Format. */\n  function formatElapsed(value) {\n    return value\n  }\n\n"
        "  return { formatElapsed: formatElapsed }\n})();\n\n"
        "(function (root, factory) {\n  module.exports = factory()\n})(this, function () {\n"
        "  function lib() {\n    return 1\n  }\n  return lib\n});\n\n"
        "define(['dep'], function (dep) {\n  function useDep() {\n    return dep\n  }\n});\n\n"
        "!function () {\n  function bang() {\n    go()\n  }\n}();\n\n"
        "(() => {\n  const arrow = () => {\n    go()\n  }\n})();\n\n"
        "(function () {\n  go()\n})();\n"
    )
    slices = _slices(path, text)  # still a partition of the file
    got = {s.name: (s.symbol_kind, s.parent, s.start_line, s.end_line) for s in slices}
    # A closure's names are private: top-level functions, named without a scope.
    assert got["formatElapsed"] == ("function", None, 4, 7)  # with its JSDoc
    assert got["lib"] == ("function", None, 15, 17)  # UMD: the factory's body
    assert got["useDep"] == ("function", None, 22, 24)  # AMD: the factory's body
    assert got["bang"] == ("function", None, 28, 30)
    assert got["arrow"] == ("function", None, 34, 36)
    modules = [(s.start_line, s.end_line) for s in slices if s.symbol_kind == "module"]
    # The wrapper's own lines stay module lines, and so does an IIFE of plain statements.
    assert (1, 2) in modules and (37, 41) in modules


@pytest.mark.parametrize("path", ["store.test.js", "store.test.ts", "store.test.tsx"])
def test_test_cases_are_slices_named_by_their_titles(path: str):
    # Test files are mostly describe/it calls: 200-line module windows before.
    text = (
        "import { create } from './store'\n\n"
        "describe('store.create', () => {\n"
        "  const base = 1\n\n"
        "  it('starts empty', () => {\n    expect(create().size).toBe(0)\n  })\n\n"
        "  test.skip(`keeps ${'values'}`, async function () {\n    await create()\n  })\n\n"
        "  it('is pending')\n"
        "  it('is terse', () => expect(1).toBe(1))\n"
        "})\n\n"
        "test('top level', (t) => {\n  t.pass()\n})\n\n"
        "run('not a test', () => {\n  go()\n})\n"
    )
    slices = _slices(path, text)
    got = {
        s.name: (s.symbol_kind, s.parent, s.start_line, s.end_line)
        for s in slices
        if s.symbol_kind != "class_body"  # the group's other lines: pending cases, "})"
    }
    group = "describe store create"
    assert got[group] == ("class", None, 3, 4)
    assert got[f"{group}.it starts empty"] == ("method", group, 6, 8)
    assert got[f"{group}.test.skip keeps ${{'values'}}"][:3] == ("method", group, 10)
    assert got["test top level"][:3] == ("function", None, 18)
    assert not any("pending" in n or "terse" in n for n in got)
    # Any titled call with a callback is a definition, but only test groups are containers.
    assert got["run not a test"][:3] == ("function", None, 22)
    header = next(s for s in slices if s.name == group)
    assert [e.name for e in header.outline] == [
        f"{group}.it starts empty",
        f"{group}.test.skip keeps ${{'values'}}",
    ]


def test_rspec_blocks_are_slices_named_by_their_titles():
    text = (
        "require 'helper'\n\n"
        "RSpec.describe Thor::Group do\n"
        "  let(:x) { 1 }\n\n"
        '  describe "#start" do\n'
        '    it "invokes all.commands" do\n      expect(x).to eq(1)\n    end\n\n'
        '    it "is pending"\n'
        '    it "is empty" do end\n'
        "  end\n"
        "end\n\n"
        'Other.describe "not rspec" do\n  go\nend\n\n'
        'test "minitest style" do\n  assert true\nend\n'
    )
    slices = _slices("group_spec.rb", text)
    got = {
        s.name: (s.symbol_kind, s.parent, s.start_line, s.end_line)
        for s in slices
        if s.symbol_kind != "class_body"
    }
    outer, inner = "describe Thor::Group", "describe Thor::Group.describe #start"
    assert got[outer][:3] == ("class", None, 3)
    assert got[inner][:3] == ("class", outer, 6)
    assert got[f"{inner}.it invokes all commands"] == ("method", inner, 7, 9)
    assert got["test minitest style"][:3] == ("function", None, 20)
    assert not any("pending" in n or "empty" in n or "not rspec" in n for n in got)


def test_an_object_type_alias_is_a_container_and_a_long_memberless_one_is_cut():
    # got's options.ts: `export type Hooks = { ...400 lines of documented properties }`
    # was module windows; it is the type Hooks now, cut into parts between properties.
    props = "".join(f"  /** Option {i}. */\n  option{i}: string;\n" for i in range(40))
    text = (
        "type Id = string;\n\n"
        f"/** All the options. */\nexport type Options = {{\n{props}}};\n\n"
        "type Api = {\n  get(url: string): Promise<string>;\n  retries: number;\n};\n"
    )
    slices = _slices("options.ts", text, max_slice_lines=30)
    options = [s for s in slices if s.name == "Options"]
    n = len(options)  # 83 lines in parts of at most 30, cut between properties
    assert n == 3 and [s.part for s in options] == [(k, n) for k in range(1, n + 1)]
    assert options[0].start_line == 3 and options[0].signature_end_line == 4
    assert options[-1].end_line == 85  # the closing "};"
    assert all(a.end_line + 1 == b.start_line for a, b in itertools.pairwise(options))
    assert all(s.end_line - s.start_line + 1 <= 30 for s in options)
    assert {(s.name, s.symbol_kind) for s in slices} >= {("Api", "class"), ("Api.get", "method")}
    assert not any(s.name == "Id" for s in slices)  # a plain alias stays a module line


def test_a_long_class_header_is_cut_and_its_first_part_keeps_the_outline():
    # pygments' MatlabLexer: a 2,600-line token table before the first method was one
    # class-header slice; a pack could take all of it or only a rung of it.
    rows = "".join(
        f"        'k{i}': [\n            (r'a{i}', 'b'),\n        ],\n" for i in range(30)
    )
    text = (
        'class Lexer(Base):\n    """Doc."""\n    name = "x"\n    tokens = {\n' + rows + "    }\n\n"
        "    def get(self):\n        return 1\n\n    def put(self):\n        return 2\n"
    )
    slices = _slices("lexer.py", text, max_slice_lines=20)
    header = [s for s in slices if s.name == "Lexer"]
    n = len(header)
    assert n >= 5 and [s.part for s in header] == [(k, n) for k in range(1, n + 1)]
    assert all(s.end_line - s.start_line + 1 <= 20 for s in header)
    assert all(a.end_line + 1 == b.start_line for a, b in itertools.pairwise(header))
    assert (header[0].start_line, header[0].signature_end_line, header[0].doc_end_line) == (1, 1, 2)
    assert [e.name for e in header[0].outline] == ["Lexer.get", "Lexer.put"]
    assert all(not s.outline for s in header[1:])
    assert [s.name for s in slices if s.symbol_kind == "method"] == ["Lexer.get", "Lexer.put"]


@pytest.mark.parametrize("path", ["strings.py", "strings.js", "strings.go"])
def test_one_node_too_long_to_cut_inside_is_cut_at_blank_lines(path: str):
    # A 2,000-line string literal has no statement inside; its lines are cut instead, at
    # the last blank line of each window (none: the window's last line).
    body = "".join(f"line {i}\n" + ("\n" if i % 7 == 6 else "") for i in range(60))
    quote = '"""' if path.endswith(".py") else "`"
    head = {"strings.py": "DATA = ", "strings.js": "const DATA = ", "strings.go": "var DATA = "}
    text = ("package p\n\n" if path.endswith(".go") else "") + head[path] + quote + body + quote
    text += "\n"
    slices = _slices(path, text, max_slice_lines=20)
    assert len(slices) >= 4
    assert all(s.end_line - s.start_line + 1 <= 20 for s in slices)
    lines = text.splitlines()
    for s in slices[:-1]:  # every part but the last ends just before a blank line
        assert lines[s.end_line] == "" or s.end_line - s.start_line + 1 == 20


def test_a_keyword_token_in_broken_code_is_never_a_definition():
    # thor's spec/fixtures/doc/config.rb is an ERB template: the parse is an ERROR whose
    # tokens are read as statements, and the keyword `class` was taken for a class.
    slices = _slices("config.rb", "class <%= @klass %>; end\n")
    assert [(s.symbol_kind, s.name) for s in slices] == [("module", "<module>")]


@pytest.mark.parametrize("path", ["keys.js", "keys.ts"])
def test_a_method_named_by_a_string_is_named_without_its_quotes(path: str):
    text = (
        "class A {\n  ['get-one']() {\n    return 1\n  }\n"
        "  'x y'() {\n    return 2\n  }\n"
        "  [Symbol.iterator]() {\n    return 3\n  }\n}\n"
    )
    names = [s.name for s in _slices(path, text) if s.symbol_kind == "method"]
    # A computed key that is not a string literal is named as written.
    assert names == ["A.get-one", "A.x y", "A.[Symbol.iterator]"]


def test_an_ambient_typescript_module_is_named_without_its_quotes():
    # vuejs/core's .d.ts tests: members of ``declare module 'vue'`` were "'vue'.Props".
    text = "declare module 'vue' {\n  interface Props {\n    hello?: string\n  }\n}\n"
    names = [s.name for s in _slices("shims.d.ts", text)]
    assert names == ["vue", "vue.Props"]


def test_a_cpp_function_split_by_an_annotation_macro_keeps_its_name_and_head():
    # Clang thread-safety annotations and gtest's GTEST_LOCK_EXCLUDED_ after a signature
    # make tree-sitter read a definition *of the macro*: 24 of gtest's methods were named
    # GTEST_LOCK_EXCLUDED_(mutex_) and lost their signature lines to the class body.
    text = (
        "class M {\n public:\n  void Foo(int x)\n      GTEST_LOCK_EXCLUDED_(mutex_) {\n"
        "    go();\n  }\n  int Bar() const GTEST_EXCLUSIVE_LOCK_REQUIRED_(mu) {\n"
        "    return 1;\n  }\n};\n"
        "/** Frees. */\nvoid Free(int a)\n    EXCLUSIVE_LOCKS_REQUIRED(mu_) {\n  go();\n}\n"
        "void proto(int);\nTEST(suite, name) {\n  go();\n}\n"
    )
    got = {s.name: (s.symbol_kind, s.start_line, s.end_line) for s in _slices("m.cc", text)}
    assert got["M.Foo"] == ("method", 3, 6)
    assert got["M.Bar"] == ("method", 7, 10)
    assert got["Free"] == ("function", 11, 15)  # with its doc comment
    # A prototype ends with its ';': the macro definition after it is a test of its own.
    assert got["TEST(suite, name)"] == ("function", 17, 19)
    assert not any("LOCK" in name for name in got)


@pytest.mark.parametrize(
    ("path", "text", "names"),
    [
        # nlohmann/json: every function returning a reference was <anonymous>, its
        # declarator an unnamed child of C++'s reference_declarator.
        (
            "map.hpp",
            "struct M {\n  T& operator[](const K& k)\n  {\n    return at(k);\n  }\n"
            "  const T& at(const K& k) const\n  {\n    return v;\n  }\n};\n"
            "Foo&& take(int a)\n{\n  return 1;\n}\n",
            ["M", "M.operator[]", "M.at", "take"],
        ),
        # Conversion operators stop before their parameters and qualifiers.
        (
            "cast.hpp",
            "class A {\n  constexpr operator value_t() const noexcept\n  {\n    return t;\n"
            "  }\n  operator const std::locale&() const { return l; }\n};\n"
            "B::operator T*() const { return 0; }\n",
            ["A", "A.operator value_t", "A.operator const std.locale&", "B.operator T*"],
        ),
        # nlohmann/json: an annotation macro above a constructor leaves it in an ERROR.
        (
            "exc.hpp",
            "class E : public exception\n{\n  private:\n    NON_NULL(3)\n"
            "    E(int id_, const char* what)\n        : exception(id_, what) {}\n"
            "    NON_NULL(2)\n    void write(const C* s, size_t n) override\n    {\n"
            "      go();\n    }\n};\n",
            ["E", "E.E", "E.write"],
        ),
        # A macro before the return type reads as scopes joined by a missing "::".
        (
            "ff.hpp",
            "template <typename UC>\nCONSTEXPR20 result_t<UC>\nparse_int(UC p) {\n  return p;\n}\n"
            "TPL_DECLARATION\nstd::string to_string(const J& j)\n{\n  return j.dump();\n}\n",
            ["parse_int", "to_string"],
        ),
        # fmt: a specialisation is named by its template, in the class and out of it.
        (
            "spec.hpp",
            "template <typename T>\nclass buf<T*, T, traits> : public base<T> {\n"
            "  void grow(size_t n) {\n    go();\n  }\n};\n"
            "template <typename T>\nvoid buf<T, vec<T>>::flush(int k) {\n  go();\n}\n"
            "bool operator<(const A& a, const A& b) { return 1; }\n",
            ["buf", "buf.grow", "buf.flush", "operator<"],
        ),
        # jemalloc: tests through TEST_BEGIN(name) and functions after attribute macros.
        (
            "jm.c",
            "TEST_BEGIN(test_basic) {\n  expect(1);\n}\nTEST_END\n\n"
            "void *\nJEMALLOC_ATTR(malloc) JEMALLOC_ALLOC_SIZE(1)\nje_malloc(size_t size) {\n"
            "  return 0;\n}\n\nint (plain)(void)\n{\n  return 1;\n}\n",
            ["TEST_BEGIN(test_basic)", "je_malloc", "plain"],
        ),
    ],
)
def test_c_family_definitions_behind_declarators_and_macros_are_named(
    path: str, text: str, names: list[str]
):
    got = [s.name for s in _slices(path, text) if s.symbol_kind not in ("module", "class_body")]
    assert got == names


@pytest.mark.parametrize(
    ("path", "text", "names"),
    [
        # leveldb's env_posix.cc: a #if between a constructor's initialisers made every
        # later definition of the file a member of that class (``Limiter.PosixEnv...``).
        (
            "env.cc",
            "class Limiter {\n public:\n  Limiter(int n)\n      :\n#if !defined(NDEBUG)\n"
            "        max_(n),\n#endif\n        allowed_(n) {\n    check(n);\n  }\n"
            "  bool Acquire() { return true; }\n};\n\n"
            "class PosixEnv : public Env {\n public:\n  PosixEnv();\n"
            "  void Schedule(int x) {\n    go(x);\n  }\n};\n\n"
            "int MaxOpenFiles() {\n  return 1;\n}\n",
            [
                "Limiter",
                "Limiter.Limiter",
                "Limiter.Acquire",
                "PosixEnv",
                "PosixEnv.Schedule",
                "MaxOpenFiles",
            ],
        ),
        # fmt's format.h: a constexpr macro in front of a constructor with initialisers
        # left 1,600 lines of functions after it nameless.
        (
            "format.h",
            "struct size_padding {\n  unsigned size;\n\n"
            "  FMT_CONSTEXPR size_padding(int n, const specs& s)\n"
            "      : size(to_unsigned(n)), padding(0) {\n    if (s.w > size) size = s.w;\n"
            "  }\n};\n\n"
            "template <typename Char, typename OutputIt>\n"
            "FMT_CONSTEXPR FMT_INLINE auto write_int(OutputIt out, int n) -> OutputIt {\n"
            "  return out;\n}\n\n"
            "FMT_API auto write_float(double d) -> int {\n  return 0;\n}\n",
            ["size_padding", "size_padding.size_padding", "write_int", "write_float"],
        ),
        # googletest's gtest-printers.h: a macro call used as a statement, without its
        # ``;``, in a class body left the rest of the file inside that class. One right
        # above a declaration is its attribute, and one above a ``{`` heads a block.
        (
            "printers.h",
            "template <typename T>\nclass Printer<T&> {\n public:\n"
            "  DISABLE_WARNINGS_PUSH_(4180)\n\n"
            "  static void Print(const T& value) {\n    go(value);\n  }\n\n"
            "  DISABLE_WARNINGS_POP_()\n};\n\n"
            "class Other {\n  NON_NULL(3)\n  void Run(int a) {\n    go(a);\n  }\n};\n\n"
            "void Free() {\n  try_it();\n}\n",
            ["Printer", "Printer.Print", "Other", "Other.Run", "Free"],
        ),
        # Two branches that each open the same function: the first is read, and what
        # follows the shared body is named.
        (
            "two.c",
            "#ifdef WIN32\nint open_file(const wchar_t *p) {\n#else\n"
            "int open_file(const char *p) {\n#endif\n  return go(p);\n}\n\n"
            "int close_file(int fd) {\n  return 0;\n}\n",
            ["open_file", "close_file"],
        ),
    ],
)
def test_c_family_code_the_preprocessor_derails_is_named_from_a_masked_reading(
    path: str, text: str, names: list[str]
):
    got = _slices(path, text)
    assert [s.name for s in got if s.symbol_kind not in ("module", "class_body")] == names
    # The masked copy only chooses the tree: every slice is the file's own text.
    assert "".join(s.text for s in got).split() == text.split()


def test_a_cpp_class_behind_an_export_macro_is_a_class_with_members():
    # googletest's ``class GTEST_API_ UnitTest`` (Qt's ``Q_CORE_EXPORT``, LLVM's
    # ``LLVM_ABI``): the parser reads the macro as the class's name and the rest as a
    # function, named after the base class when there is one. Without a base list the
    # file parses with no error at all, so the macro is looked for in clean files too.
    clean = (
        "namespace testing {\nclass GTEST_API_ Listeners {\n public:\n"
        "  void Append(int* listener) {\n    list_ = listener;\n  }\n"
        "  int* list_;\n};\n}  // namespace testing\n"
    )
    derailed = (
        "class API_ Exc : public internal::Failure {\n public:\n"
        "  explicit Exc(int r) : Failure(r) {}\n};\n\n"
        "class API_ [[nodiscard]] Holder<const char*> final : public Base {\n"
        "  int get() const { return 1; }\n};\n"
    )
    for text, names in (
        (clean, ["testing.Listeners", "testing.Listeners.Append"]),
        (derailed, ["Exc", "Exc.Exc", "Holder", "Holder.get"]),
    ):
        got = _slices("api.h", text)
        kinds = {s.name: s.symbol_kind for s in got}
        assert [s.name for s in got if s.symbol_kind in ("class", "method")] == names
        assert not any(k == "function" for k in kinds.values()), kinds
        assert "".join(s.text for s in got).split() == text.split()


@pytest.mark.parametrize(
    "text",
    [
        # An all-caps struct tag is no macro when no name and body follow it.
        "struct STAT st = {0};\nstruct FOO *make(void) {\n  return 0;\n}\n",
        "struct WIDGET final {\n  int x;\n};\n",
        "class subclassAPI Foo;\n",
    ],
)
def test_an_all_caps_type_name_is_not_taken_for_an_export_macro(text: str):
    from context_kit.sources._c_recover import _class_macro_ranges

    assert _class_macro_ranges(b"\n" + text.encode()) == []


def test_directive_lines_inside_a_class_of_a_masked_reading_are_its_body():
    # The masked copy blanks an ``#ifdef`` around a member: its lines stand outside every
    # node and were each a one-line module run in the middle of the class.
    text = (
        "class GTEST_API_ Message : public Base {\n public:\n"
        "  Message& operator<<(int val) {\n    return *this;\n  }\n\n"
        "#ifdef GTEST_HAS_ABSL\n  Message& operator<<(const T& val) {\n    return *this;\n  }\n"
        "#endif  // GTEST_HAS_ABSL\n\n  void f() {\n  }\n};\n"
    )
    got = [(s.symbol_kind, s.name, s.start_line, s.end_line) for s in _slices("m.h", text)]
    assert ("class_body", "Message", 7, 7) in got and ("class_body", "Message", 11, 11) in got
    assert [k for k, *_ in got].count("module") == 0, got


def test_c_conditional_branches_that_each_close_what_they_open_are_all_read():
    text = (
        "#if defined(_WIN32)\nstatic int platform(void) { return 1; }\n#else\n"
        "static int platform(void) { return 2; }\n#endif\n"
        '#ifdef __cplusplus\nextern "C" {\n#endif\nint api(void) {\n  return 3;\n}\n'
        "#ifdef __cplusplus\n}\n#endif\n"
        "TEST_BEGIN(test_api) {\n  expect(api());\n}\nTEST_END\n"
    )
    got = [(s.name, s.symbol_kind, s.start_line, s.end_line) for s in _slices("p.c", text)]
    assert ("platform", "function", 2, 2) in got and ("platform", "function", 4, 4) in got
    assert ("api", "function", 9, 11) in got
    # A closing macro right after a test ends that test rather than standing alone.
    assert ("TEST_BEGIN(test_api)", "function", 15, 18) in got


def test_c_typedefs_of_types_with_bodies_are_classes_named_as_code_uses_them():
    # redis's server.h: 434 typedef'd structs and enums were lines of module runs.
    text = (
        "typedef struct redisObject {\n  unsigned type:4;\n  void *ptr;\n} robj;\n\n"
        "typedef struct {\n  int a;\n} point_t, *point_p;\n\n"
        "typedef struct node {\n  int v;\n} *NodePtr;\n\n"
        "typedef enum { RED, GREEN } color_t;\n\n"
        "typedef union u_tag { int i; float f; } u_t;\n\n"
        "typedef struct fwd fwd_t;\ntypedef int (*callback)(void *);\n"
    )
    got = {s.name: s for s in _slices("types.h", text) if s.symbol_kind == "class"}
    assert sorted(got) == ["NodePtr", "color_t", "point_t", "robj", "u_t"]
    # The tag is defined too: code says ``struct redisObject`` as well as ``robj``. The
    # fields follow (a bit-field and a pointer too), qualified by the name code uses.
    assert got["robj"].defines == ("robj", "redisObject", "robj.ptr", "robj.type")
    assert (got["robj"].start_line, got["robj"].end_line) == (1, 4)
    assert got["point_t"].defines == ("point_t", "point_t.a")
    assert got["u_t"].defines == ("u_t", "u_tag", "u_t.f", "u_t.i")
    # Enumerators are constants: C code names them bare.
    assert got["color_t"].defines == ("color_t", "color_t.GREEN", "GREEN", "color_t.RED", "RED")
    # Cut into parts, the first part defines both names; each field goes with its part.
    parts = [s for s in _slices("types.h", text, max_slice_lines=2) if s.name == "robj"]
    assert len(parts) > 1 and parts[0].defines[:2] == ("robj", "redisObject")
    assert {d for s in parts for d in s.defines} == set(got["robj"].defines)
    # Typedefs of types declared elsewhere stay module lines.
    module = [s for s in _slices("types.h", text) if s.symbol_kind == "module"]
    assert any("fwd_t" in s.text and "callback" in s.text for s in module)


def test_cpp_typedefs_are_scoped_and_anonymous_enums_named_by_their_first_constant():
    text = (
        "namespace fmt {\nnamespace detail {\n// Check the literal encoding.\n"
        "enum { is_utf8_enabled = 1 };\nenum {\n  long_short = 4,\n  other = 5\n};\n"
        "typedef struct {\n  int x;\n} Pair;\n}  // namespace detail\n}\n"
        "enum { FLAGS_SPACE = 1 << 0, FLAGS_SHOW = 1 << 1 };\n"
    )
    got = {s.name: s for s in _slices("base.hpp", text) if s.symbol_kind == "class"}
    assert "fmt.detail.is_utf8_enabled" in got and "fmt.detail.long_short" in got
    assert got["fmt.detail.is_utf8_enabled"].defines == (
        "fmt.detail.is_utf8_enabled",
        "is_utf8_enabled",
    )
    assert got["fmt.detail.Pair"].parent is None  # a namespace is no class
    assert "FLAGS_SPACE" in got
    assert not any("<anonymous>" in s.name for s in _slices("base.hpp", text))


def test_a_rust_impl_of_a_generic_type_is_named_by_the_type_alone():
    # fd: impl<'a, W: Write> ReceiverBuffer<'a, W> gave "ReceiverBuffer<'a, W>.new".
    text = (
        "struct Buf<'a, W> { w: &'a W }\n"
        "impl<'a, W: Write> Buf<'a, W> {\n"
        "    fn new(w: &'a W) -> Self {\n        Buf { w }\n    }\n}\n"
        "impl<T> fmt::Display for a::Check<T> {\n    fn fmt(&self) {}\n}\n"
    )
    names = [s.name for s in _slices("g.rs", text) if s.symbol_kind == "method"]
    assert names == ["Buf.new", "a.Check.fmt"]  # as Go's List[T] and TS's Box<T> are


def test_csharp_operators_are_named_by_what_they_operate_on_or_convert_to():
    # AutoMapper: conversion operators stayed lines of the class header (they were no
    # definition), and every other operator was ``operator``, so ``==`` and ``!=`` of
    # one class shared a name.
    text = (
        "public class Money {\n  public decimal Amount;\n\n"
        "  public static implicit operator decimal(Money m)\n  {\n    return m.Amount;\n  }\n\n"
        "  public static explicit operator Money(decimal d) => new Money();\n\n"
        "  public static bool operator ==(Money a, Money b) => true;\n"
        "  public static bool operator !=(Money a, Money b) => false;\n}\n"
    )
    got = {s.name: s for s in _slices("Money.cs", text) if s.symbol_kind == "method"}
    assert list(got) == [
        "Money.operator decimal",
        "Money.operator Money",
        "Money.operator==",
        "Money.operator!=",
    ]
    assert (got["Money.operator decimal"].start_line, got["Money.operator decimal"].end_line) == (
        4,
        7,
    )
    assert got["Money.operator!="].defines == ("Money.operator!=", "operator!=")


@pytest.mark.parametrize(
    ("path", "text", "refs"),
    [
        # gson: ``var`` is a type identifier to the grammar (175 slices referred to it).
        ("V.java", "class A {\n  void f() {\n    var e = List.of(1);\n  }\n}\n", ("List", "of")),
        # kotlinx.coroutines: ``Foo::class`` (282 slices referred to ``class``).
        (
            "k.kt",
            "class A {\n  fun f() = listOf(A::class, S::class.java)\n}\n",
            ("A", "S", "java", "listOf"),
        ),
        # googletest: a parameter list gmock's macro leaves empty gave the reference "".
        (
            "m.cc",
            "class M : public Foo {\n public:\n  MOCK_METHOD(int, Nullary, ());\n};\n",
            ("Foo", "M", "Nullary"),
        ),
    ],
)
def test_references_hold_no_keywords_and_no_empty_names(
    path: str, text: str, refs: tuple[str, ...]
):
    got = _slices(path, text)
    assert {r for s in got for r in s.references} == set(refs)


def test_a_kotlin_top_level_annotation_line_joins_its_definition_and_doc():
    # kotlinx.coroutines: ``@Suppress("FunctionName")`` above ``public fun CoroutineScope``
    # parses as an expression of its own, which left the function without its 240-line
    # KDoc (a module run) and the annotation a one-line run between them.
    text = (
        "package x\n\n"
        '/** Makes an A. */\n@Suppress("FunctionName")\npublic fun A(c: Int): Int =\n    c + 1\n\n'
        '/** Old. */\n@Deprecated("use c")\n@JvmName("bee")\nfun b() {}\n\n'
        '/** A class. */\n@Suppress("Y")\nclass C {\n    fun m() {}\n}\n'
    )
    got = {s.name: s for s in _slices("a.kt", text)}
    assert [(n, s.start_line, s.doc_end_line) for n, s in got.items()] == [
        ("<module>", 1, None),
        ("A", 3, 3),
        ("b", 8, 8),
        ("C", 13, 13),
        ("C.m", 16, None),
    ]
    assert got["A"].signature_end_line == 5
    assert got["b"].signature_end_line == 11


def test_a_rust_impl_for_a_reference_is_named_by_the_type_it_refers_to():
    # ripgrep: ``impl<'a, M: Matcher> Matcher for &'a M`` named its methods "&'a M.find_at".
    # The type there is the impl's own parameter (a blanket impl, for every type), so the
    # trait names it: by ``M`` or ``T``, 31 unrelated impls of tokio shared a name.
    text = (
        "impl<'a, M: Matcher> Matcher for &'a M {\n    fn find_at(&self) {}\n}\n"
        "impl<'a, P: Builder> Builder for &'a mut P {\n    fn build(&mut self) {}\n}\n"
        "impl<T> Send for *const Node<T> {\n    fn go(&self) {}\n}\n"
        "impl<R: AsyncRead + ?Sized> ext::AsyncReadExt<u8> for R {\n    fn read(&self) {}\n}\n"
        "impl<T> From<T> for Wrapper<T> {\n    fn from(t: T) -> Self {\n        go(t)\n    }\n}\n"
    )
    names = [s.name for s in _slices("r.rs", text) if s.symbol_kind == "method"]
    assert names == [
        "Matcher.find_at",
        "Builder.build",
        "Node.go",
        "ext.AsyncReadExt.read",
        "Wrapper.from",
    ]


def test_a_rust_impl_for_an_array_type_is_named_by_the_array_type():
    # axum: ``impl<const N: usize> IntoResponse for [u8; N]`` and three more impls were
    # ``<anonymous>``: the array length's ``;`` read as the end of a statement.
    text = (
        "impl<const N: usize> IntoResponse for [u8; N] {\n"
        "    fn into_response(self) -> Response {\n        go()\n    }\n}\n"
        "impl<K, V, const N: usize> Parts for [[(K, V); 2]; N] {\n"
        "    fn parts(self) {}\n}\n"
    )
    got = {s.name: s.symbol_kind for s in _slices("a.rs", text)}
    assert got["[u8; N]"] == "class"
    assert got["[u8; N].into_response"] == "method"
    assert got["[[(K, V); 2]; N].parts"] == "method"
    assert not any("<anonymous>" in name for name in got)


def test_rust_items_inside_brace_macro_calls_are_slices():
    # tokio gates groups of items behind ``cfg_rt! { ... }`` (and ``pin_project!`` wraps
    # structs): tree-sitter reads a call's body as tokens, so ``tokio::spawn`` had no
    # slice and 17.5% of tokio's lines were module runs.
    text = (
        "use std::time::Duration;\n\n"
        "cfg_rt! {\n"
        "    /// Spawns a task.\n"
        "    pub fn spawn<F>(future: F) -> JoinHandle<F::Output> {\n"
        "        spawn_inner(future)\n"
        "    }\n\n"
        "    cfg_net! {\n"
        "        impl Builder {\n"
        "            pub fn enable_io(&mut self) -> &mut Self {\n"
        "                self\n            }\n"
        "        }\n"
        "    }\n"
        "}\n\n"
        "impl Runtime {\n"
        "    cfg_metrics! {\n"
        "        pub fn metrics(&self) -> Metrics {\n            Metrics::new()\n        }\n"
        "    }\n"
        "}\n\n"
        "pin_project! {\n"
        "    pub struct Timeout<S> {\n        #[pin]\n        stream: S,\n    }\n"
        "}\n\n"
        "lazy_static! {\n    static ref TABLE: Vec<u8> = build_fn();\n}\n\n"
        "macro_rules! cfg_rt {\n    ($($item:item)*) => { $($item)* }\n}\n"
    )
    got = _slices("lib.rs", text)
    kinds = {s.name: (s.symbol_kind, s.start_line, s.end_line) for s in got}
    assert kinds["spawn"] == ("function", 4, 7)
    assert kinds["Builder.enable_io"][0] == "method"
    assert kinds["Runtime.metrics"][:2] == ("method", 20)
    assert kinds["Timeout"] == ("class", 27, 30)
    assert "Timeout.stream" in next(s for s in got if s.name == "Timeout").defines
    assert "spawn_inner" in next(s for s in got if s.name == "spawn").references
    # Every line is still in one slice, as the file has it; the heads are module lines.
    assert "".join(s.text for s in got).split() == text.split()
    assert kinds["<module>"][0] == "module"
    # A body that is not items by itself (``static ref``) stays the call's lines.
    assert any(
        "lazy_static!" in s.text and "TABLE" in s.text for s in got if s.symbol_kind == "module"
    )


def test_a_go_var_holding_a_func_literal_is_a_function():
    # gin's ``var defaultLogFormatter = func(param LogFormatterParams) string {...}``
    # was lines of a module run.
    text = (
        "package gin\n\n"
        "// defaultLogFormatter is the default log format.\n"
        "var defaultLogFormatter = func(p Params) string {\n\treturn format(p)\n}\n\n"
        "var (\n\tquiet = false\n\tnoop = func() {\n\t\tskip()\n\t}\n)\n\n"
        "var rootCmd = &cobra.Command{\n\tRun: func(c *Command) {\n\t\trun()\n\t},\n}\n\n"
        "func main() {\n\tf := func() {\n\t\tgo1()\n\t}\n\tf()\n}\n"
    )
    got = _slices("log.go", text)
    kinds = {s.name: s.symbol_kind for s in got}
    fmt = next(s for s in got if s.name == "defaultLogFormatter")
    assert fmt.symbol_kind == "function" and fmt.start_line == 3 and fmt.end_line == 6
    assert "format" in fmt.references
    # A grouped var and a struct literal stay module lines; a closure stays in main.
    assert kinds == {"<module>": "module", "defaultLogFormatter": "function", "main": "function"}
    module_defines = {n for s in got if s.symbol_kind == "module" for n in s.defines}
    assert {"quiet", "noop", "rootCmd"} <= module_defines


def test_rust_references_reach_into_macro_arguments():
    # A test's calls sit inside ``assert_eq!``: the parser leaves them as tokens, so the
    # symbol graph saw no edge from a test to the function it checks.
    text = (
        "#[test]\nfn parses() {\n"
        "    assert_eq!(parse(input), Config::new(1));\n"
        "    let v = vec![Point { x: 1 }, geometry::origin()];\n"
        "    tokio::select! { r = fetch_all(&c) => r, _ = sleep(d) => () }\n"
        "    let local = other;\n}\n"
    )
    (test,) = [s for s in _slices("t.rs", text) if s.name == "parses"]
    refs = set(test.references)
    assert {"parse", "Config", "new", "Point", "origin", "fetch_all", "sleep"} <= refs
    assert {"assert_eq", "vec", "select"} <= refs
    # Lower-case names not called are locals or fields, not references.
    assert not {"input", "x", "r", "c", "d", "other", "local"} & refs


@pytest.mark.parametrize(
    ("path", "text", "want"),
    [
        (
            "t.kt",
            "class T {\n    fun `connects to host`() {\n        go()\n    }\n}\n",
            "T.connects to host",
        ),
        ("t.swift", "class T {\n    func `default`() {\n        go()\n    }\n}\n", "T.default"),
    ],
)
def test_a_backquoted_name_is_named_without_its_backticks(path: str, text: str, want: str):
    # okhttp names its Kotlin tests in backticks: 214 methods carried them in their names.
    assert [s.name for s in _slices(path, text) if s.symbol_kind == "method"] == [want]


def test_python_definitions_inside_if_and_try_blocks_are_slices():
    # Compat modules define by version and platform (typing_extensions.py: 305 classes and
    # functions were module lines; 4,999 on the 65 MB benchmark tree).
    text = (
        "import sys\n\n"
        "if sys.version_info >= (3, 8):\n    def helper(x):\n        return x\n\n"
        "    class A:\n        if sys.platform == 'win32':\n"
        "            def m(self):\n                return 1\n"
        "elif sys.version_info >= (3, 6):\n    helper = None\n"
        "else:\n    def helper(x):\n        return -x\n\n"
        "try:\n    from fast import speedup\nexcept ImportError:\n"
        "    def speedup(v):\n        return v\n\n"
        "if __name__ == '__main__':\n    main()\n\n"
        "with suppress(ImportError):\n    def checker(x):\n        return x\n"
    )
    slices = _slices("compat.py", text)
    got = [(s.name, s.symbol_kind, s.start_line, s.end_line) for s in slices]
    assert ("helper", "function", 4, 5) in got and ("helper", "function", 14, 15) in got
    assert ("A", "class", 7, 8) in got
    assert ("A.m", "method", 9, 10) in got  # a class's conditional block holds methods
    assert ("speedup", "function", 20, 21) in got
    assert ("checker", "function", 27, 28) in got
    # Conditions, keywords and a block of plain statements stay module lines.
    modules = [(s.start_line, s.end_line) for s in slices if s.symbol_kind == "module"]
    assert modules == [(1, 3), (11, 13), (17, 19), (23, 26)]


@pytest.mark.parametrize("path", ["unix.test.ts", "unix.test.js"])
def test_javascript_tests_inside_an_if_block_are_slices(path: str):
    # got's test/unix-socket.ts wraps its tests in `if (process.platform !== 'win32')`.
    text = (
        "if (process.platform !== 'win32') {\n"
        "  test('works', async (t) => {\n    t.pass()\n  })\n"
        "} else {\n  skip()\n}\n"
    )
    slices = _slices(path, text)
    got = [(s.name, s.symbol_kind, s.start_line) for s in slices]
    assert ("test works", "function", 2) in got
    assert [s.start_line for s in slices if s.symbol_kind == "module"] == [1, 5]


@pytest.mark.parametrize(
    ("path", "text", "names"),
    [
        (
            "m.py",
            "import os\n\nDEFAULT_TIMEOUT = 30\nlogger = get()\nLO = HI = 0\n"
            "major, minor = 3, 12\n(ON, OFF) = (1, 0)\n\ndef f():\n    x = 1\n"
            "    a, b = 1, 2\n    return x\n\nclass K:\n    y = 2\n",
            ("DEFAULT_TIMEOUT", "HI", "LO", "OFF", "ON", "logger", "major", "minor"),
        ),
        (
            "a.c",
            "#include <x.h>\n#define MAX_LEN 10\n"
            "#define serverAssert(e) do { if (!(e)) abort(); } while (0)\n\n"
            'struct redisServer server;\nstatic int hits = 0, misses;\nconst char *NAME = "r";\n'
            "int table[4];\ntypedef char *sds;\ntypedef unsigned long ulong;\nint g(int);\n"
            "#ifdef DEBUG\nint trace_level;\n#endif\n\n"
            "int f(void) {\n#define INNER 1\n  int x = 0;\n  return x;\n}\n",
            (
                "MAX_LEN",
                "NAME",
                "hits",
                "misses",
                "sds",
                "server",
                "serverAssert",
                "table",
                "trace_level",
                "ulong",
            ),
        ),
        (
            "a.ts",
            "import x from 'y';\nexport const API_URL = 'u';\nlet count = 0;\ntype Id = string;\n"
            "export const handler = () => 1;\nfunction g() {\n  const local = 1;\n}\n",
            ("API_URL", "Id", "count"),
        ),
        (
            "a.go",
            'package m\n\nconst MaxSize = 10\nvar ErrBad = errors.New("x")\n'
            'var (\n\tErrGone = errors.New("y")\n\tlo, hi = 1, 2\n)\n'
            "const (\n\tA = iota\n\tB\n)\n\n"
            "func F() {\n\tconst inner = 1\n}\n",
            ("A", "B", "ErrBad", "ErrGone", "MaxSize", "hi", "lo"),
        ),
        (
            "a.rs",
            'const LIMIT: u32 = 5;\nstatic NAME: &str = "x";\ntype Res<T> = Result<T, E>;\n\n'
            "fn main() {\n    const INNER: u8 = 1;\n}\n",
            ("LIMIT", "NAME", "Res"),
        ),
        (
            "a.kt",
            "package a\nconst val MAX = 3\nval logger = x()\n\nfun f() {\n    val inner = 1\n}\n",
            ("MAX", "logger"),
        ),
        (
            "a.swift",
            "import X\nlet maxCount = 3\nvar shared = Foo()\nlet (host, port) = split(url)\n\n"
            "func f() {\n    let inner = 1\n    let (a, b) = (1, 2)\n}\n",
            ("host", "maxCount", "port", "shared"),
        ),
        (
            "a.rb",
            "require 'x'\nVERSION = '1.0'\nlog = 1\nMIN = MAX = 0\nON, OFF = 1, 0\n\n"
            "def f\n  x = 1\nend\n",
            ("MAX", "MIN", "OFF", "ON", "VERSION"),
        ),
        (
            "a.php",
            "<?php\nconst MAX = 3;\n$x = 1;\ndefine('APP_VERSION', '1.2');\n"
            "define(\"START\", microtime(true));\nundefine('NOT_ME', 1);\n"
            "if (!defined('GUARDED')) {\n  define('GUARDED', 1);\n}\n\n"
            "function f() {\n  $inner = 1;\n  define('INNER', 2);\n}\n",
            ("APP_VERSION", "GUARDED", "MAX", "START"),
        ),
    ],
)
def test_module_runs_define_their_top_level_names(path: str, text: str, names: tuple[str, ...]):
    got = _slices(path, text)
    module = [s for s in got if s.symbol_kind == "module"]
    assert tuple(sorted(n for s in module for n in s.defines)) == names
    # Names defined inside a function stay the function's business.
    assert not any(n in ("INNER", "inner", "local", "x", "a", "b") for s in got for n in s.defines)


def _module_defines(path: str, text: str) -> tuple[set[str], set[str]]:
    """What the module runs of ``text`` define, and what any of its slices defines."""
    got = _slices(path, text)
    module = {n for s in got if s.symbol_kind == "module" for n in s.defines}
    return module, {n for s in got for n in s.defines}


def test_a_python_module_run_defines_what_its_top_level_branches_assign():
    # requests' compat.py: ``if is_py2: builtin_str = str ... elif is_py3: ...``.
    text = (
        "import sys\n\n"
        "if sys.version_info[0] == 2:\n    string_types = basestring\n"
        "elif sys.version_info[1] < 5:\n    string_types = (str, bytes)\n"
        "else:\n    text_type = str\n\n"
        "try:\n    import simplejson as json\n    HAS_SJ = True\n"
        "except ImportError:\n    json = None\nfinally:\n    DONE = 1\n\n"
        "with open('v') as f:\n    VERSION = f.read()\n\n"
        "def g(x):\n    if x:\n        local = 1\n    return local\n"
    )
    module, anywhere = _module_defines("compat.py", text)
    assert module == {"string_types", "text_type", "HAS_SJ", "json", "DONE", "VERSION"}
    assert "local" not in anywhere


@pytest.mark.parametrize("path", ["a.js", "a.ts", "a.tsx"])
def test_a_js_module_run_defines_the_names_a_top_level_destructuring_binds(path: str):
    # vue's runtime-test: ``const { render: baseRender, createApp: baseCreateApp } = ...``.
    text = (
        "const { render: baseRender, createApp } = createRenderer(ops);\n"
        "export const [first, second = 2, ...others] = pair;\n"
        "let { flag = true, size: width = 1, ...options } = config;\n"
        "var { outer: { inner } } = nested;\n"
        "function f() {\n  const { local } = config;\n}\n"
        "for (const { item } of list) {}\n"
    )
    text += "const [[deep, { deeper = fallback, [key]: computed }], ...[tail]] = rows;\n"
    module, anywhere = _module_defines(path, text)
    bound = {"baseRender", "createApp", "first", "second", "others", "flag", "width", "options"}
    bound |= {"inner", "deep", "deeper", "computed", "tail"}  # nested at any depth
    # Keys read (render, size, outer, key), defaults (pair, config, fallback) and local
    # bindings (local, item) define nothing.
    assert module == bound
    assert not anywhere & {"local", "item", "key", "fallback"}


def test_a_python_module_run_defines_the_names_an_unpacking_binds_at_any_depth():
    text = (
        "a, (b, [c, *d]) = load()\n"
        "[e, f] = pair\n"
        "(g, h) = i = pair\n"
        "obj.attr, table[0], j = triple\n"
        "def k():\n    local, other = pair\n"
    )
    module, anywhere = _module_defines("unpack.py", text)
    assert module == {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
    assert not anywhere & {"obj", "attr", "table", "local", "other"}


def test_each_part_of_a_long_module_run_defines_the_names_in_it():
    text = "".join(f"CONST_{i} = {i}\n" for i in range(40))
    parts = [s for s in _slices("consts.py", text, max_slice_lines=10) if s.symbol_kind == "module"]
    assert len(parts) == 4
    for s in parts:
        assert s.defines == tuple(sorted(f"CONST_{i}" for i in range(s.start_line - 1, s.end_line)))


@pytest.mark.parametrize(
    ("path", "text", "members"),
    [
        (
            "m.py",
            "class Options:\n    verbose_name = None\n    ordering: list = []\n    z: int\n\n"
            "    def f(self):\n        local = 1\n        self.attr = local\n\n"
            "    LATE = 2\n\n    class Meta:\n        db_table = 'x'\n",
            {
                "Options": {"verbose_name", "ordering", "z"},
                "Options.Meta": {"db_table"},
                # A run of fields between members is its class's.
                ("Options", "class_body"): {"LATE"},
            },
        ),
        (
            "A.java",
            "class A {\n  static final int MAX = 3;\n  private String owner, name;\n"
            "  int get() { int local = 1; return local; }\n}\n"
            "interface I { int LIMIT = 2; }\nenum E { RED, GREEN; private int v; }\n"
            "record R(int left, int right) { static int K = 1; }\n",
            {
                "A": {"MAX", "owner", "name"},
                "I": {"LIMIT"},
                "E": {"RED", "GREEN", "v"},
                # A record's components are its fields.
                "R": {"left", "right", "K"},
            },
        ),
        (
            "A.cs",
            "class Bank {\n  public const int Max = 3;\n  private int a, b;\n"
            "  public string Owner { get; set; }\n  public event EventHandler Changed;\n"
            "  public int Get() { int local = 1; return local; }\n}\nenum Color { Red, Green }\n"
            "public record Person(string Name, int Age) { public int X { get; init; } }\n",
            {
                "Bank": {"Max", "a", "b", "Owner", "Changed"},
                "Color": {"Red", "Green"},
                "Person": {"Name", "Age", "X"},
            },
        ),
        (
            "a.ts",
            "class A {\n  x = 1;\n  private y: number;\n  m() { const local = 1; }\n}\n"
            "interface I { name: string; }\nenum E { Red, Green = 2 }\n",
            {"A": {"x", "y"}, "I": {"name"}, "E": {"Red", "Green"}},
        ),
        (
            "a.js",
            "class A {\n  x = 1;\n  static N = 2;\n  m() { let local = 1; }\n}\n",
            {"A": {"x", "N"}},
        ),
        (
            "a.go",
            "package p\n\ntype A struct {\n\tX int\n\ty, z string\n\tEmbedded\n}\n\n"
            "type I interface {\n\tGo() int\n}\n",
            {"A": {"X", "y", "z"}, "I": {"Go"}},
        ),
        (
            "a.rs",
            "struct A {\n    x: i32,\n    pub y: String,\n}\n\n"
            "enum E {\n    Red,\n    Green(i32),\n}\n\n"
            "impl A {\n    const N: i32 = 1;\n    fn f(&self) { let local = 1; }\n}\n",
            {"A": {"x", "y", "N"}, "E": {"Red", "Green"}},
        ),
        (
            "a.cpp",
            "class A {\n public:\n  int x = 1;\n  static const int N = 2;\n"
            "  char *name;\n  void f();\n};\n"
            "enum class E { Red, Green };\n",
            {"A": {"x", "N", "name"}, "E": {"Red", "Green"}},
        ),
        (
            "a.kt",
            'class A {\n    val x = 1\n    private var y: String = ""\n'
            "    fun f() { val local = 1 }\n}\nenum class E { RED, GREEN }\n"
            "data class P(val left: Int, private var right: String, local: Int)\n",
            # A constructor parameter is a property only with val or var.
            {"A": {"x", "y"}, "E": {"RED", "GREEN"}, "P": {"left", "right"}},
        ),
        (
            "a.rb",
            "class A\n  MAX = 3\n  attr_accessor :name, :size\n  other :nope\n"
            "  def f\n    local = 1\n  end\nend\n",
            {"A": {"MAX", "name", "size"}},
        ),
        (
            "a.php",
            "<?php\nclass A {\n    const MAX = 3;\n    public $name;\n"
            "    private static ?int $size = 2;\n"
            "    function f() { $local = 1; }\n}\nenum E { case Red; case Green; }\n",
            {"A": {"MAX", "name", "size"}, "E": {"Red", "Green"}},
        ),
        (
            "a.swift",
            'class A {\n    let x = 1\n    static var y: String = ""\n'
            "    func f() { let local = 1 }\n}\nenum E { case red, green }\n",
            {"A": {"x", "y"}, "E": {"red", "green"}},
        ),
    ],
)
def test_classes_define_the_members_their_bodies_declare(
    path: str, text: str, members: dict[object, set[str]]
):
    got = _slices(path, text)
    for key, names in members.items():
        name, kind = key if isinstance(key, tuple) else (key, "class")
        holders = [s for s in got if s.name == name and s.symbol_kind == kind]
        assert holders, (name, kind, [(s.name, s.symbol_kind) for s in got])
        defined = {d for s in holders for d in s.defines}
        # Each member qualified by its class, as methods are; a constant simple too.
        assert {f"{name}.{m}" for m in names} <= defined, (name, defined)
        simple = {m for m in names if m.isupper()}
        assert {m for m in names if m in defined} == simple, (name, defined)
    # Locals, instance attributes set in a method and other calls declare nothing.
    assert not any(n.endswith(("local", "attr", "nope")) for s in got for n in s.defines)
    # Only class headers and runs of fields take members (never a method or a module run).
    own = {f"{k if isinstance(k, str) else k[0]}.{m}" for k, v in members.items() for m in v}
    for s in got:
        if s.symbol_kind not in ("class", "class_body"):
            assert not own & set(s.defines) - {s.name}, s


@pytest.mark.parametrize(
    ("path", "text", "ctor", "expected"),
    [
        (
            "c.py",
            "class Conn:\n    def __init__(self, host):\n        self.host = host\n"
            "        self.MAX_TRIES: int = 3\n        other.port = 1\n        if host:\n"
            "            self.maybe = 1\n\n    def reset(self):\n        self.host = None\n",
            "__init__",
            # A constant is defined by its simple name too.
            ("Conn.MAX_TRIES", "MAX_TRIES", "Conn.host"),
        ),
        (
            "conn.rb",
            "class Conn\n  def initialize(host)\n    @host = host\n    @tries ||= 3\n"
            "    if host\n      @maybe = 1\n    end\n  end\n\n"
            "  def reset\n    @host = nil\n  end\nend\n",
            "initialize",
            ("Conn.host", "Conn.tries"),
        ),
        (
            # Promoted parameters declare properties; a dynamic property does not.
            "Conn.php",
            "<?php\nclass Conn {\n    public function __construct(private string $host, $plain,"
            " public readonly int $port) {\n        $this->dynamic = 1;\n    }\n"
            "    public function reset(private int $no) {}\n}\n",
            "__construct",
            ("Conn.host", "Conn.port"),
        ),
    ],
)
def test_constructors_define_the_attributes_they_set(
    path: str, text: str, ctor: str, expected: tuple[str, ...]
):
    got = {s.name: s for s in _slices(path, text)}
    # Set directly in the constructor's body, qualified by the class.
    assert got[f"Conn.{ctor}"].defines == (f"Conn.{ctor}", ctor, *expected)
    # Another object's attribute, a conditional one and another method's set nothing; the
    # class itself declares none of them.
    assert got["Conn.reset"].defines == ("Conn.reset", "reset")
    assert "Conn.host" not in got["Conn"].defines


@pytest.mark.parametrize("path", ["c.js", "c.ts"])
def test_js_and_ts_constructors_define_the_undeclared_attributes_they_set(path: str):
    declared = "  q = 0;\n" if path == "c.ts" else ""
    text = (
        f"class Conn {{\n{declared}  constructor(host) {{\n    this.host = host;\n"
        "    this.q = 1;\n    this.#secret = 2;\n    if (host) {\n      this.maybe = 1;\n    }\n"
        "  }\n  reset() {\n    this.host = null;\n  }\n}\n"
    )
    got = {s.name: s for s in _slices(path, text)}
    ctor = got["Conn.constructor"].defines
    assert "Conn.host" in ctor and "Conn.maybe" not in ctor and not any("secret" in d for d in ctor)
    # A field the class body declares is defined there, not again by the constructor.
    if path == "c.ts":
        assert "Conn.q" in got["Conn"].defines and "Conn.q" not in ctor
    else:
        assert "Conn.q" in ctor
    assert got["Conn.reset"].defines == ("Conn.reset", "reset")


def test_a_ruby_attribute_declared_by_attr_accessor_is_not_defined_again_by_initialize():
    text = (
        "class Conn\n  attr_accessor :host\n\n  def initialize(host)\n    @host = host\n"
        "    @port = 1\n  end\nend\n"
    )
    got = {s.name: s for s in _slices("conn.rb", text)}
    assert "Conn.host" in got["Conn"].defines
    assert got["Conn.initialize"].defines == ("Conn.initialize", "initialize", "Conn.port")


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.*")))
def test_member_and_attribute_names_are_words_of_the_slice_that_defines_them(sample: str):
    text = (SAMPLES / sample).read_text()
    found = 0
    for s in _slices(sample, text):
        owner = s.name if s.symbol_kind in ("class", "class_body") else s.parent
        if owner is None or s.symbol_kind not in ("class", "class_body", "method"):
            continue
        for d in s.defines:
            if d.startswith(owner + ".") and d != s.name:
                # A whole word of the text (Ruby's @host and :host, PHP's $host count).
                name = d[len(owner) + 1 :]
                assert re.search(rf"(?<!\w){re.escape(name)}\b", s.text), (s.name, d)
                found += 1
    # Every sample but the TSX one (a component and a class without fields) declares some.
    assert found or sample == "sample.tsx"


@pytest.mark.parametrize(
    ("path", "text", "methods", "stored"),
    [
        (
            # swift-argument-parser: ``extension ArgumentSet`` holds three computed
            # properties (57 lines) and was one slice, so none could be packed alone.
            "a.swift",
            "extension ArgumentSet {\n"
            "  var hasPositional: Bool {\n    switch content {\n    case .a: return true\n"
            "    }\n  }\n"
            "  var stored: Int = 3\n"
            "  var observed: Int = 0 {\n    didSet { log(observed) }\n  }\n"
            "  subscript(i: Int) -> Int {\n    get { return i }\n  }\n"
            "}\n",
            {
                "ArgumentSet.hasPositional": (2, 6, 2),
                "ArgumentSet.observed": (8, 10, 8),
                "ArgumentSet.subscript": (11, 14, 11),  # with the closing brace
            },
            "ArgumentSet.stored",
        ),
        (
            "a.kt",
            "class Foo {\n"
            "    val size: Int\n        get() {\n            return items.size\n        }\n"
            '    var name: String = ""\n        set(value) {\n            field = value\n'
            "        }\n"
            "    val plain = 3\n"
            "}\n",
            {"Foo.size": (2, 5, 2), "Foo.name": (6, 9, 6)},
            "Foo.plain",
        ),
        (
            "a.cs",
            "public class Foo {\n"
            "    public int Auto { get; set; }\n"
            "    public int Size {\n        get {\n            return items.Count;\n"
            "        }\n    }\n"
            "    public int Twice => Size * 2;\n"
            "    public int this[int i] {\n        get { return items[i]; }\n    }\n"
            "}\n",
            {"Foo.Size": (3, 7, 3), "Foo.Twice": (8, 8, 8), "Foo.this[]": (9, 12, 9)},
            "Foo.Auto",
        ),
    ],
)
def test_a_property_with_code_is_a_method_and_a_stored_one_a_class_line(
    path: str, text: str, methods: dict[str, tuple[int, int, int]], stored: str
):
    slices = _slices(path, text)
    got = {
        s.name: (s.start_line, s.end_line, s.signature_end_line)
        for s in slices
        if s.symbol_kind == "method"
    }
    assert got == methods
    for s in slices:
        if s.symbol_kind == "method":
            assert s.defines[0] == s.name  # qualified, then simple
            assert s.parent == s.name.rsplit(".", 1)[0]
    # A stored property holds no code: it stays a declared member of a class-level run.
    holders = [s for s in slices if stored in s.defines]
    assert [s.symbol_kind for s in holders] in (["class"], ["class_body"])
    # A property's signature rung (a one-line one has only its full text) starts with
    # its declaration line, verbatim.
    for s in slices:
        if s.symbol_kind == "method":
            rungs = {r.name: r.text for r in CodeRenderer().ladder(s)}
            first = text.splitlines(keepends=True)[s.start_line - 1]
            assert rungs.get("signature", rungs["full"]).startswith(first.rstrip("\n"))


def test_a_java_enum_s_methods_and_constant_bodies_are_slices():
    # okhttp's ``TransferKind``: constants with bodies, then ``;`` and the enum's methods,
    # which the grammar holds in an ``enum_body_declarations`` node: the whole enum was one
    # slice.
    text = (
        "enum Op {\n"
        "    PLUS {\n        int apply(int a, int b) {\n            return a + b;\n"
        "        }\n    },\n"
        "    ZERO;\n\n"
        "    abstract int apply(int a, int b);\n\n"
        "    static Op parse(String s) {\n        return valueOf(s);\n    }\n"
        "}\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("Op.java", text)}
    assert got["Op.PLUS"] == ("class", "Op", 2)
    assert got["Op.PLUS.apply"] == ("method", "Op.PLUS", 3)
    assert got["Op.apply"] == ("method", "Op", 9)
    assert got["Op.parse"] == ("method", "Op", 11)
    # A constant without a body stays a line of its enum, which declares it.
    assert "Op.ZERO" not in got
    assert any("Op.ZERO" in s.defines for s in _slices("Op.java", text))


def test_a_kotlin_extension_name_read_into_its_receiver_type_is_recovered():
    # tree-sitter-kotlin can read ``Flow<T>.pairs`` as the receiver type and leave the name
    # empty (kotlinx.coroutines' Collection.kt had an ``<anonymous>`` function); this
    # reduced, unbalanced text makes the parser do it.
    text = (
        '@file:Merged @file:JvmName("PairsKt")\n'
        "/**\n */\n/**\n */\n/**\n */\n"
        "public suspend fun <T, C : MutableList<in T>> Flow<T>.into(sink: C): C {\n"
        "        sink.add(item)\n"
        "/**\n */\n"
        "public suspend inline fun <T, K, V> Flow<T>.pairs("
        "crossinline make: suspend (T) -> Pair<K, V>): Map<K, V> =\n"
        ' *     override fun label(): String = "$a $b"\n'
    )
    got = {s.name: (s.symbol_kind, s.parent) for s in _slices("p.kt", text)}
    assert got.get("Flow.pairs") == ("method", "Flow"), got
    assert not any("<anonymous>" in name for name in got)


def test_ruby_methods_in_a_block_or_a_branch_are_slices_and_test_groups_stay_groups():
    # A concern's ``class_methods do``, Sinatra's ``helpers do`` and an ``if`` around
    # definitions held their methods as lines of the enclosing run.
    text = (
        "module Searchable\n"
        "  class_methods do\n    def search(q)\n      where(q)\n    end\n  end\n\n"
        "  if RUBY_VERSION >= '3'\n    def modern\n      1\n    end\n  end\n"
        "end\n\n"
        "helpers do\n  def current_user\n    @user\n  end\nend\n\n"
        "describe 'math' do\n  it 'adds' do\n    expect(2).to eq(2)\n  end\nend\n\n"
        "context 'cli' do\n  should 'exit' do\n    def site.process; end\n    run\n  end\nend\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("c.rb", text)}
    assert got["Searchable.search"] == ("method", "Searchable", 3)
    assert got["Searchable.modern"] == ("method", "Searchable", 9)
    assert got["current_user"] == ("function", None, 16)
    # RSpec's describe is a structure itself: a group holding its cases, not opened.
    assert got["describe math"] == ("class", None, 21)
    assert got["describe math.it adds"][:2] == ("method", "describe math")
    # A shoulda case is one unit, the stub method it defines included.
    assert got["context cli.should exit"] == ("method", "context cli", 28)
    assert not any(name.endswith("process") for name in got)


def test_a_ruby_class_made_by_struct_new_or_class_new_holds_its_methods():
    # rubocop's ``Captures = Struct.new(...) do ... end`` held its methods as lines of the
    # enclosing class; only a constant bound to a class-making call with a block is one.
    text = (
        "module Shop\n"
        "  Point = Struct.new(:x, :y) do\n    def norm\n      x + y\n    end\n  end\n\n"
        "  Shop::Handler = Class.new(Base) do\n    def call(env)\n      env\n    end\n  end\n\n"
        "  Item = Data.define(:name)\n"
        "  def build\n    body = Struct.new(:b) do\n      def each; end\n    end\n  end\n"
        "end\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("s.rb", text)}
    assert got["Shop.Point"] == ("class", "Shop", 2)
    assert got["Shop.Point.norm"] == ("method", "Shop.Point", 3)
    assert got["Shop.Shop.Handler.call"][:2] == ("method", "Shop.Shop.Handler")
    # No block: a line of its module. A local in a method: part of the method.
    assert "Shop.Item" not in got
    assert got["Shop.build"] == ("method", "Shop", 15)
    assert not any(name.endswith("each") for name in got)


def test_a_field_holding_an_anonymous_class_is_a_container_of_its_methods():
    # okhttp's ``private final Runnable cleanup = new Runnable() { public void run() ... }``
    # and moshi's ``val BOOLEAN_JSON_ADAPTER = object : JsonAdapter<Boolean>() {...}`` held
    # their methods as lines of the class header.
    java = (
        "class Pool {\n"
        "  private final Runnable cleanup = new Runnable() {\n"
        "    @Override public void run() {\n      sweep();\n    }\n  };\n"
        "  private final Object lock = new Object() {};\n"
        "  private final int[] sizes = new int[] {1, 2};\n"
        "  void sweep() {}\n"
        "}\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("Pool.java", java)}
    assert got["Pool.cleanup"] == ("class", "Pool", 2)
    assert got["Pool.cleanup.run"] == ("method", "Pool.cleanup", 3)
    assert got["Pool.sweep"] == ("method", "Pool", 9)
    # An anonymous class without methods, and an array, stay lines of the class.
    assert "Pool.lock" not in got and "Pool.sizes" not in got
    kotlin = (
        "object Adapters {\n"
        "  val BOOL: JsonAdapter<Boolean> =\n"
        "    object : JsonAdapter<Boolean>() {\n"
        "      override fun fromJson(r: JsonReader) = r.nextBoolean()\n"
        "    }\n"
        '  val name: String get() = "adapters"\n'
        "  val size = 2\n"
        "}\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("a.kt", kotlin)}
    assert got["Adapters.BOOL"] == ("class", "Adapters", 2)
    assert got["Adapters.BOOL.fromJson"] == ("method", "Adapters.BOOL", 4)
    # A property with a getter is still a method; one of data still a line.
    assert got["Adapters.name"][:2] == ("method", "Adapters")
    assert "Adapters.size" not in got
    # gson: an anonymous class a call is made on (``new TypeAdapter<Class>() {...}
    # .nullSafe()``, 15 of them in TypeAdapters.java), and an interface's constant.
    java = (
        "interface Filter {\n"
        "  Filter ALL = new Filter() {\n    public boolean check(int c) {\n"
        "      return true;\n    }\n  };\n"
        "  boolean check(int c);\n}\n"
        "class Adapters {\n"
        "  static final TypeAdapter<Class> CLASS = new TypeAdapter<Class>() {\n"
        "    public Class read(JsonReader in) {\n      return null;\n    }\n"
        '  }.nullSafe().named("class");\n'
        "  static final Object TWO = make().then();\n"
        "}\n"
    )
    got = {s.name: (s.symbol_kind, s.parent, s.start_line) for s in _slices("F.java", java)}
    assert got["Filter.ALL"] == ("class", "Filter", 2)
    assert got["Filter.ALL.check"] == ("method", "Filter.ALL", 3)
    assert got["Adapters.CLASS"] == ("class", "Adapters", 10)
    assert got["Adapters.CLASS.read"] == ("method", "Adapters.CLASS", 11)
    assert "Adapters.TWO" not in got


def test_catch2_and_doctest_test_cases_are_slices_named_by_their_titles():
    # ``TEST_CASE("x") {...}`` parses as a call missing its ``;`` and a block of its own:
    # nlohmann/json's 156-line ``TEST_CASE("Unicode (5/5)" * doctest::skip())`` was a
    # module run.
    text = (
        '#include "json.hpp"\n\n'
        "// Round trips.\n"
        'TEST_CASE("round trip" * doctest::skip())\n{\n'
        '    SECTION("empty")\n    {\n        CHECK(1);\n    }\n}\n\n'
        'TEST_CASE_METHOD(Fixture, "uses the fixture", "[fix]") {\n    CHECK(2);\n}\n\n'
        "TEST(suite, enum) {\n    CHECK(3);\n}\n\n"
        "REGISTER(x);\n{\n    int y = 0;\n}\n"
    )
    got = {s.name: (s.symbol_kind, s.start_line, s.end_line) for s in _slices("t.cpp", text)}
    assert got["TEST_CASE round trip"] == ("function", 3, 10)
    assert got['TEST_CASE_METHOD(Fixture, "uses the fixture", "[fix]")'][1:] == (12, 14)
    # gtest's TEST with a keyword for a name (fmt's ``TEST(format_test, enum)``).
    assert got["TEST(suite, enum)"][1:] == (16, 18)
    # A call ended by its ``;`` heads no block.
    assert not any(name.startswith("REGISTER") for name in got)
    signature = next(s for s in _slices("t.cpp", text) if s.name == "TEST_CASE round trip")
    assert signature.signature_end_line == 4 and signature.doc_end_line == 3


def test_rust_attributes_and_the_doc_comments_above_them_join_their_item():
    # ``#[derive(...)]``, ``#[must_use]`` and ``#[test]`` are siblings of the item in
    # tree-sitter-rust; the item's ``///`` doc comment above them was left in the module
    # run (or the impl's header), away from the code it documents.
    text = (
        "use x;\n\n"
        "/// A point.\n#[derive(Debug, Clone)]\npub struct Point {\n    x: i32,\n}\n\n"
        "impl Point {\n    /// Makes one.\n    #[must_use]\n"
        "    pub fn new() -> Self {\n        Point { x: 0 }\n    }\n}\n\n"
        "// See: issue 16\n#[cfg(unix)]\n"
        "rgtest!(r16, |dir: Dir, mut cmd: TestCommand| {\n"
        '    cmd.arg("xyz").assert_err();\n});\n\n'
        'syntax!(seq3, "a",\n    vec![A]);\n'
    )
    slices = _slices("lib.rs", text)
    got = {s.name: s for s in slices}
    struct, impl = (s for s in slices if s.name == "Point")
    assert (struct.start_line, struct.doc_end_line) == (3, 3)
    assert (impl.start_line, impl.end_line) == (9, 9)
    assert got["Point.new"].start_line == 10
    assert got["Point.new"].signature_end_line == 12
    # ripgrep's tests are macro calls: a name and a multi-line body make one.
    test = got["rgtest!(r16)"]
    assert (test.symbol_kind, test.start_line, test.end_line) == ("function", 17, 21)
    # A row of a table of cases (no body) stays a line.
    assert not any(name.startswith("syntax!") for name in got)


@pytest.mark.parametrize(
    ("assignment", "name"),
    [
        # okhttp's Settings.kt: after a ``val``, ``set = ...`` was read as an accessor.
        ("set = set or bit", "set"),
        # okhttp's Http2Stream.kt: ``open = isOpen`` was read as a modifier.
        ("open = isOpen", "open"),
        ("private += bit", "private"),
    ],
)
def test_kotlin_soft_keywords_used_as_names_do_not_derail_the_class(assignment, name):
    text = (
        "class Settings {\n"
        f"  private var {name}: Int = 0\n\n"
        "  fun merge(bit: Int) {\n"
        "    val local = 1\n"
        f"    {assignment}\n"
        "  }\n\n"
        "  fun clear() {\n"
        f"    {name} = 0\n"
        "  }\n\n"
        "  fun size(): Int = 3\n"
        "}\n"
    )
    slices = _slices("Settings.kt", text)
    kinds = {s.name: s.symbol_kind for s in slices}
    assert {k: kinds.get(k) for k in ("Settings.merge", "Settings.clear", "Settings.size")} == {
        "Settings.merge": "method",
        "Settings.clear": "method",
        "Settings.size": "method",
    }
    # Names read from the respelt copy are spelt as the file spells them.
    words = {w for s in slices for w in (s.name, *s.defines, *s.references)}
    assert f"Settings.{name}" in words
    assert not any(w != w.lower() and w.lower() == name for w in words), words


def test_kotlin_suspend_naming_a_value_and_annotated_constructors_do_not_derail_the_file():
    # kotlinx.coroutines' Semaphore.kt calls a parameter named ``suspend``; Channel.kt's
    # value class puts ``@PublishedApi internal constructor(...)`` on its own line. Each
    # made the rest of its file one error (13 and 20 functions lost).
    text = (
        "class Sem {\n"
        "  private inline fun <W> acquire(waiter: W, suspend: (waiter: W) -> Boolean) {\n"
        "    if (suspend(waiter)) return\n"
        "    log(suspend)\n"
        "  }\n\n"
        "  suspend fun lock(block: suspend () -> Unit) = block()\n\n"
        "  fun release() {\n"
        "  }\n"
        "}\n\n"
        "@JvmInline\n"
        "public value class Result<out T>\n"
        "@PublishedApi internal constructor(@PublishedApi internal val holder: Any?) {\n"
        "  public val isSuccess: Boolean get() = holder !is Failed\n\n"
        "  public fun getOrNull(): T? = holder as T?\n"
        "}\n\n"
        "fun after(): Int = 1\n"
    )
    slices = _slices("Semaphore.kt", text)
    kinds = {s.name: s.symbol_kind for s in slices}
    for name, kind in [
        ("Sem.acquire", "method"),
        ("Sem.lock", "method"),
        ("Sem.release", "method"),
        ("Result", "class"),
        ("Result.getOrNull", "method"),
        ("after", "function"),
    ]:
        assert kinds.get(name) == kind, (name, kinds)
    words = {w for s in slices for w in (s.name, *s.defines, *s.references)}
    assert "sUspend" not in words
    # Every slice is the file's own text.
    lines = text.splitlines(keepends=True)
    for s in slices:
        assert s.text == "".join(lines[s.start_line - 1 : s.end_line])


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("#!/usr/bin/env python3", "python"),
        ("#!/usr/bin/python3.11 -u", "python"),
        ("#! /usr/local/bin/ruby -w", "ruby"),
        ("#!/usr/bin/env ruby2.7", "ruby"),
        ("#!/usr/bin/env -S node --harmony", "javascript"),
        ("#!/usr/bin/env php\r", "php"),
        ("#!/bin/false", None),
        ("#!/usr/bin/env pythonw", None),
        ("# a comment", None),
    ],
)
def test_a_script_s_language_is_read_from_its_interpreter_line(line, language):
    from context_kit.sources.languages import language_for_file, language_for_shebang

    spec = language_for_shebang(line + "\nbody\n")
    assert (spec.name if spec else None) == language
    # Only a file whose extension names no language is read by its #! line.
    assert language_for_file("tool.py", "#!/usr/bin/env ruby\n").name == "python"


def test_a_script_without_an_extension_is_sliced_as_code(tmp_path: Path):
    from context_kit import Index
    from context_kit.sources import DocsSource, TextSource

    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "deploy").write_text(
        "#!/usr/bin/env ruby\n# Deploys the site.\n\nclass Deployer\n"
        "  def upload(files)\n    files.each { |f| puts f }\n  end\nend\n"
    )
    (bin_ / "notes").write_text("#!/bin/false\njust some notes\n")
    index = Index.build(tmp_path, cache_dir=False, workers=1)
    by_path = {p: [s for s in index.slices if s.path == p] for p in ("bin/deploy", "bin/notes")}
    assert {s.name for s in by_path["bin/deploy"]} >= {"Deployer", "Deployer.upload"}
    assert all(s.language == "ruby" for s in by_path["bin/deploy"])
    assert [s.symbol_kind for s in by_path["bin/notes"]] == ["window"]
    _check_partition((bin_ / "deploy").read_text(), by_path["bin/deploy"])

    plain = Index.build(
        tmp_path, cache_dir=False, workers=1, sources=[DocsSource(), TextSource(scripts=False)]
    )
    assert {s.symbol_kind for s in plain.slices if s.path == "bin/deploy"} == {"window"}


def test_a_script_is_sliced_with_the_code_sources_options(tmp_path: Path):
    from context_kit.slicing import source_fingerprint
    from context_kit.sources import CodeSource, TextSource
    from context_kit.sources.walk import FileText

    body = "".join(f"    total += {i}\n" for i in range(60))
    text = f"#!/usr/bin/env python3\n\n\ndef tally():\n    total = 0\n{body}    return total\n"
    file = FileText("bin/tally", text, text.encode(), False)
    whole = [s for s in TextSource().slices(file) if s.name == "tally"]
    assert len(whole) == 1 and whole[0].part is None
    short = TextSource(code=CodeSource(max_slice_lines=20)).slices(file)
    parts = [s for s in short if s.name == "tally"]
    assert len(parts) > 1 and all(s.part is not None for s in parts)
    _check_partition(text, short)
    # The code source's options key the cache entries of the text source that uses it.
    assert source_fingerprint(TextSource()) == source_fingerprint(TextSource())
    assert source_fingerprint(TextSource()) != source_fingerprint(
        TextSource(code=CodeSource(max_slice_lines=20))
    )
