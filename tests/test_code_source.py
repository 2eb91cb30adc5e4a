import itertools
from pathlib import Path

from conftest import SAMPLE_PY
from hypothesis import example, given
from hypothesis import strategies as st

from context_kit.sources import CodeSource
from context_kit.sources._lines import LineTable, split_lines
from context_kit.sources.walk import FileText
from context_kit.types import Slice


def slices_of(text: str, path: str = "m.py", **kw):
    return CodeSource(**kw).slices(FileText(path, text, text.encode(), False))


def by_name(slices):
    return {s.name: s for s in slices}


def test_python_definitions_are_sliced_and_qualified():
    got = by_name(slices_of(SAMPLE_PY))
    assert got["add"].symbol_kind == "function"
    assert got["Greeter"].symbol_kind == "class"
    assert got["Greeter.greet"].symbol_kind == "method"
    assert got["Greeter.Inner.deep"].symbol_kind == "method"
    assert got["Greeter.greet"].parent == "Greeter"
    assert "Greeter.greet" in got["Greeter.greet"].defines
    assert "greet" in got["Greeter.greet"].defines


def test_comment_and_decorator_belong_to_the_definition():
    got = by_name(slices_of(SAMPLE_PY))
    assert got["add"].text.startswith("# Helper that adds.\ndef add")
    assert got["decorated"].text.startswith("@decorator\n")


def test_class_header_has_docstring_attributes_and_an_outline():
    cls = by_name(slices_of(SAMPLE_PY))["Greeter"]
    assert 'greeting = "hello"' in cls.text
    assert "def __init__" not in cls.text
    assert [o.name for o in cls.outline] == ["Greeter.__init__", "Greeter.greet", "Greeter.Inner"]
    assert cls.doc_end_line == cls.start_line + 1


def test_signature_and_docstring_spans():
    greet = by_name(slices_of(SAMPLE_PY))["Greeter.greet"]
    assert greet.signature_end_line == greet.start_line
    assert greet.doc_end_line == greet.start_line + 1


def test_references_come_from_the_query_file():
    got = by_name(slices_of(SAMPLE_PY))
    assert "join" in got["Greeter.Inner.deep"].references
    assert "Base" in got["Greeter"].references


def test_module_statements_are_slices_too():
    mods = [s for s in slices_of(SAMPLE_PY) if s.symbol_kind == "module"]
    assert any("import os" in s.text for s in mods)
    assert any("__main__" in s.text for s in mods)


def _check_partition(text: str, slices) -> None:
    lines = split_lines(text)
    last = 0
    for s in sorted(slices, key=lambda s: s.start_line):
        assert s.start_line > last, "slices overlap"
        assert s.text == "".join(lines[s.start_line - 1 : s.end_line])
        assert s.start_byte == len("".join(lines[: s.start_line - 1]).encode())
        last = s.end_line
    covered = {n for s in slices for n in range(s.start_line, s.end_line + 1)}
    for n, line in enumerate(lines, 1):
        if line.strip():
            assert n in covered, f"line {n} is in no slice: {line!r}"


def test_slices_partition_the_file_exactly():
    _check_partition(SAMPLE_PY, slices_of(SAMPLE_PY))


def test_large_functions_are_split_into_parts_that_cite_exact_lines():
    body = "".join(f"    x{i} = {i}\n" for i in range(300))
    text = f"def big():\n    '''Doc.'''\n{body}    return x0\n"
    parts = [s for s in slices_of(text, max_slice_lines=100) if s.name == "big"]
    assert len(parts) >= 3
    assert [p.part[0] for p in parts] == list(range(1, len(parts) + 1))
    assert all(p.line_count <= 100 for p in parts)
    _check_partition(text, parts)


def test_a_long_docstring_stays_with_its_signature_when_a_function_is_split():
    # pvlib's read_epw: a docstring longer than a part made part 1 the ``def`` line alone.
    doc = "".join(f"    line {i} of the parameters.\n" for i in range(150))
    tail = "    data = load(path)\n    return data\n"
    text = f"def read(path):\n    '''Read a file.\n{doc}    '''\n{tail}"
    parts = [s for s in slices_of(text, max_slice_lines=100) if s.name == "read"]
    assert parts[0].part == (1, len(parts)) and len(parts) >= 2
    assert parts[0].start_line == 1 and parts[0].end_line >= 50
    assert "'''Read a file." in parts[0].text
    assert all(p.line_count <= 100 for p in parts)
    _check_partition(text, parts)


def test_syntax_errors_still_give_slices():
    text = (
        "def ok():\n    return 1\n\ndef broken(:\n    pass\n\nclass C:\n    def m(self): return 2\n"
    )
    got = slices_of(text)
    assert "ok" in by_name(got)
    _check_partition(text, got)


def test_crlf_lines_are_kept_verbatim():
    text = "def a():\r\n    return 1\r\n\r\ndef b():\r\n    return 2\r\n"
    got = by_name(slices_of(text))
    assert got["a"].text == "def a():\r\n    return 1\r\n"
    assert got["b"].start_line == 4


def test_deeply_nested_code_does_not_crash():
    depth = 200
    text = "".join("    " * i + f"class C{i}:\n" for i in range(depth)) + "    " * depth + "x = 1\n"
    got = slices_of(text)
    assert got
    _check_partition(text, got)


def test_a_file_without_definitions_is_cut_at_window_size():
    # A template holds no PHP code at all, a script or a table of constants no function:
    # one 150-line run would be a single all-or-nothing item.
    template = "".join(f'<div class="row-{i}">{{{{ $item{i} }}}}</div>\n' for i in range(150))
    script = "import os\n" + "".join(f"X{i} = os.path.join('{i}')\n" for i in range(150))
    for path, text in (("views/row.blade.php", template), ("consts.py", script)):
        got = slices_of(text, path)
        assert len(got) == 3, path
        assert all(s.symbol_kind == "module" and s.line_count <= 60 for s in got), path
        assert [s.part for s in got] == [(1, 3), (2, 3), (3, 3)], path
        _check_partition(text, got)
    # What each part defines and refers to is kept.
    parts = slices_of(script, "consts.py")
    assert "X0" in parts[0].defines and "X149" in parts[-1].defines
    assert all("join" in p.references for p in parts)
    # One definition anywhere and the runs keep their usual limit.
    with_def = script + "def f():\n    return 1\n"
    assert any(s.line_count > 60 for s in slices_of(with_def, "consts.py"))
    # So does a caller's own limit below the window size.
    assert all(s.line_count <= 40 for s in slices_of(script, "consts.py", max_slice_lines=40))


def test_unknown_extension_becomes_windows():
    text = "".join(f"line {i}\n" for i in range(150))
    got = CodeSource().slices(FileText("data.cfg", text, text.encode(), False))
    assert len(got) >= 2
    assert all(s.symbol_kind == "window" for s in got)


identifier = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@st.composite
def python_modules(draw):
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["def", "class", "stmt", "comment", "blank", "junk"]))
        name = draw(identifier)
        if kind == "def":
            out.append(f"def {name}(a):\n    return a\n")
        elif kind == "class":
            out.append(f"class {name}:\n    x = 1\n    def m(self):\n        pass\n")
        elif kind == "stmt":
            out.append(f"{name} = 1\n")
        elif kind == "comment":
            out.append(f"# {name}\n")
        elif kind == "blank":
            out.append("\n")
        else:
            out.append(draw(st.text(max_size=30)) + "\n")
    return "".join(out)


@given(python_modules())
def test_any_python_text_is_partitioned_without_error(text):
    _check_partition(text, slices_of(text))


# Pieces of C-family heads that parse into the declarators and errors names are read
# from: references, parentheses, casts, qualified names, macros before and after.
c_pieces = st.sampled_from(
    [
        *("int ", "T& ", "T&& ", "const ", "static ", "MACRO(3) ", "API_EXPORT ", "TEST_BEGIN("),
        *("(", ")", "(*", "name", "ns::", "A<T, B<U>>::", "operator ", "operator bool", "~"),
        *("(int a)", "() const", " noexcept", " override", " : base(a)", " {", "}", ";", "\n"),
        *("template <typename T>\n", "#if X\n", "#endif\n", "enum {", "struct S ", "class C "),
        *("#else\n", "#ifdef Y \\\n", "NS_BEGIN\n", "TEST_END\n", "\r\n", "é"),
        *("class GTEST_API_ ", "struct EXPORT(x) ", "[[nodiscard]] ", " final"),
    ]
)


_C_SOURCE = CodeSource()  # one source: its parsers are built once, not per example


@given(st.lists(c_pieces, max_size=40), st.sampled_from(["m.c", "m.cpp"]))
def test_any_c_family_head_is_partitioned_and_named_without_code(pieces, path):
    text = "".join(pieces)
    got = _C_SOURCE.slices(FileText(path, text, text.encode(), False))
    _check_partition(text, got)
    for s in got:
        assert s.name.strip() and "\n" not in s.name and "{" not in s.name, s.name


# Pieces of Rust items and the brace macro calls that wrap them (see _rust_macros).
rust_pieces = st.sampled_from(
    [
        *("cfg_rt! {\n", "pin_project! {\n", "m!(", "m![", "}\n", "{\n", ")", "]", ";\n"),
        *("pub fn f(&self) -> u8 {\n", "impl<T> Tr for T {\n", "impl S {\n", "struct S {\n"),
        *("x: u8,\n", "#[pin]\n", "static ref X: u8 = 1;\n", "mod m {\n", "fn", "\n", "é"),
    ]
)


@given(st.lists(rust_pieces, max_size=40))
def test_any_rust_with_macro_calls_is_partitioned_and_named_without_code(pieces):
    text = "".join(pieces)
    got = _C_SOURCE.slices(FileText("m.rs", text, text.encode(), False))
    _check_partition(text, got)
    for s in got:
        assert s.name.strip() and "\n" not in s.name and "{" not in s.name, s.name


@given(st.binary(max_size=300) | st.lists(c_pieces, max_size=40).map(lambda p: "".join(p).encode()))
def test_the_masked_copy_of_c_keeps_every_line_break_and_only_blanks(data):
    from context_kit.sources._c_recover import masked_ranges

    copy, ranges = masked_ranges(data)
    assert len(copy) == len(data)
    for i, (old, new) in enumerate(zip(data, copy, strict=True)):
        if old != new:
            assert new == 32 and old not in (10, 13) and any(a <= i < b for a, b in ranges)
    assert ranges == sorted(ranges)
    assert all(b < c for (_, b), (c, _) in itertools.pairwise(ranges))


def test_lossy_file_is_still_sliced(tmp_path: Path):
    from context_kit.sources.walk import decode_text

    text, lossy = decode_text(b"def f():\n    return '\xff'\n")
    assert lossy
    got = slices_of(text)
    assert by_name(got)["f"].end_line == 2


@given(st.text(alphabet="ab\n\ré", max_size=30), st.data())
def test_point_of_byte_is_the_row_and_byte_column_tree_sitter_uses(text, data):
    raw = text.encode()
    offset = data.draw(st.integers(0, len(raw)))
    row = raw.count(b"\n", 0, offset)
    column = offset - (raw.rfind(b"\n", 0, offset) + 1)
    assert LineTable(text).point_of_byte(offset) == (row, column)


@given(
    st.lists(st.sampled_from(["", "  ", "\t\r", "x = 1", " y"]), max_size=12),
    st.integers(1, 13),
    st.integers(0, 12),
)
def test_trim_blank_drops_exactly_the_blank_edges(lines, first, last):
    table = LineTable("\n".join(lines) + "\n")
    last = min(last, len(table))
    a, b = table.trim_blank(first, last)
    kept = [n for n in range(first, last + 1) if not table.is_blank(n)]
    if kept:
        assert (a, b) == (kept[0], kept[-1])
    else:
        assert a > b


@given(st.text(st.characters(codec="utf-8"), max_size=200))
def test_line_table_byte_offsets_match_the_utf8_encoding(text):
    table = LineTable(text)
    encoded = text.encode("utf-8", "surrogatepass")
    for n in range(1, len(table) + 1):
        start, end = table.byte_start(n), table.byte_end(n)
        assert encoded[start:end].decode("utf-8", "surrogatepass") == table.lines[n - 1]
        assert table.line_of_byte(start) == n
    if len(table):
        assert table.byte_end(len(table)) == len(encoded)


class _Node:
    """The little of a tree-sitter node that Chunker._name reads."""

    def __init__(self, type_: str, text: str = "", **fields: "_Node") -> None:
        self.type, self.text, self._fields = type_, text.encode(), fields
        self.start_byte = 0
        self.named_children: list[_Node] = list(fields.values())

    def child_by_field_name(self, name: str) -> "_Node | None":
        return self._fields.get(name)


def test_a_name_holding_code_is_no_name():
    # Lost in macros, tree-sitter can hand a whole class body over as a declarator's name.
    from context_kit.sources._chunker import Chunker
    from context_kit.sources._lines import LineTable
    from context_kit.sources.languages import LANGUAGES

    chunker = Chunker(LANGUAGES["cpp"], LineTable(""), 200)
    body = "class view {\n private:\n  const T* ptr_;\n}"
    garbled = _Node("function_definition", declarator=_Node("identifier", body))
    assert chunker._name(garbled) == "<anonymous>"
    commented = "EXPORT_BEGIN // A context with custom output\n// iterators. template <typename T>"
    assert chunker._name(_Node("class_specifier", name=_Node("identifier", commented))) == (
        "<anonymous>"
    )
    fine = _Node("function_definition", declarator=_Node("identifier", "fmt::format"))
    assert chunker._name(fine) == "fmt.format"


def _declaration(path: str, text: str, name: str, kind: str, language: str) -> Slice:
    """A slice of ``text`` whose signature is its first line."""
    end = text.count("\n")
    return Slice(
        id=f"code:{path}:1-{end}",
        kind="code",
        path=path,
        start_line=1,
        end_line=end,
        name=name,
        symbol_kind=kind,
        language=language,
        text=text,
        signature_end_line=1,
    )


def test_a_mention_never_cuts_the_name():
    from context_kit.renderers.code import mention_line

    name = "Deeply.Nested.Namespace." * 8 + "Handler.HandleTheRequest"
    text = "    public void HandleTheRequest(int id)\n    {\n    }\n"
    s = _declaration("a.cs", text, name, "method", "c_sharp")
    assert mention_line(s).startswith(f"a.cs:1  {name}(int id)")


def test_a_cut_mention_says_so():
    from context_kit.renderers.code import MENTION_CUT, mention_line

    params = ", ".join(f"int argument_{n}" for n in range(30))
    text = f"def run({params}):\n    pass\n"
    s = _declaration("a.py", text, "run", "function", "python")
    line = mention_line(s)
    assert line.endswith(f"{MENTION_CUT}\n") and len(line) < len(text)
    assert line.removeprefix("a.py:1  ")[: -len(MENTION_CUT) - 1] in text
    short = s.model_copy(update={"text": "def run(a):\n    pass\n"})
    assert mention_line(short) == "a.py:1  run(a)\n"


@given(
    st.lists(st.sampled_from(["", "   ", "x = 1", "call()"]), min_size=1, max_size=120),
    st.integers(1, 30),
)
@example(["x", "", "", "x", "x", "x"], 2)  # a window starting on a blank line
def test_a_gap_no_node_holds_is_cut_into_parts_at_blank_lines(lines, max_lines):
    # Lines outside every syntax node (a grammar giving up on the rest of a file) become
    # module slices; a long run of them must not become one slice of hundreds of lines.
    from context_kit.sources.code import _gap_parts

    table = LineTable("".join(ln + "\n" for ln in lines))
    parts = _gap_parts(1, len(lines), table, max_lines)
    covered = [n for p in parts for n in range(p.start, p.end + 1)]
    assert covered == sorted(set(covered)), "parts overlap or go backwards"
    assert {n for n in range(1, len(lines) + 1) if lines[n - 1].strip()} <= set(covered)
    for p in parts:
        assert p.end - p.start + 1 <= max_lines
        assert lines[p.start - 1].strip() and lines[p.end - 1].strip()
        # A part stops at a blank line, or is full, or reaches the end.
        nxt = p.end + 1
        full = p.end - p.start + 1 == max_lines
        assert nxt > len(lines) or not lines[nxt - 1].strip() or full
    assert all(p.part == (k, len(parts)) for k, p in enumerate(parts, 1)) or len(parts) == 1
