"""Property tests: in every language, slices partition the file and every rung is verbatim.

Sources are generated from per-language templates (functions with bodies of random length,
classes with members, doc comments, stray statements, junk), so the chunker and the
renderer meet shapes no hand-written sample covers.
"""

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from context_kit.packing.excerpt import with_excerpt
from context_kit.renderers import CodeRenderer
from context_kit.renderers.code import MENTION_CUT, excerpt_rung, parse_elision_marker
from context_kit.sources import CodeSource
from context_kit.sources._lines import split_lines
from context_kit.sources.walk import FileText

ident = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).map(lambda s: "n" + s)

# language -> (extension, comment prefix, function template, class template, statement)
# Templates take {name}, {body} (indented statements), {fields} (header lines) and
# {members} (indented functions).
TEMPLATES = {
    "python": (
        "py",
        "#",
        "def {name}(a, b):\n{doc}{body}",
        "class {name}(Base):\n{fields}{members}",
        "{name} = 1\n",
        "    ",
        "    x{i} = a + {i}\n",
        '    """Doc of {name}."""\n',
    ),
    "javascript": (
        "js",
        "//",
        "function {name}(a, b) {{\n{body}}}\n",
        "class {name} extends Base {{\n{fields}{members}}}\n",
        "const {name} = 1;\n",
        "  ",
        "  let x{i} = a + {i};\n",
        "",
    ),
    "go": (
        "go",
        "//",
        "func {name}(a int) int {{\n{body}\treturn a\n}}\n",
        "type {name} struct {{\n{fields}}}\n",
        "var {name} = 1\n",
        "\t",
        "\tx{i} := a + {i}\n\t_ = x{i}\n",
        "",
    ),
    "rust": (
        "rs",
        "///",
        "fn {name}(a: i32) -> i32 {{\n{body}    a\n}}\n",
        "impl {name} {{\n{fields}{members}}}\n",
        "const {name}: i32 = 1;\n",
        "    ",
        "    let x{i} = a + {i};\n",
        "",
    ),
    "java": (
        "java",
        "//",
        "static int {name}(int a) {{\n{body}    return a;\n}}\n",
        "class {name} extends Base {{\n{fields}{members}}}\n",
        "interface {name} {{ }}\n",
        "    ",
        "    int x{i} = a + {i};\n",
        "",
    ),
    "ruby": (
        "rb",
        "#",
        "def {name}(a)\n{body}  a\nend\n",
        "class {name} < Base\n{fields}{members}end\n",
        "{name} = 1\n",
        "  ",
        "  x{i} = a + {i}\n",
        "",
    ),
    # ``set = ...`` after a ``val`` derails tree-sitter-kotlin: the respelt reading runs.
    "kotlin": (
        "kt",
        "//",
        "fun {name}(a: Int): Int {{\n{body}    return a\n}}\n",
        "class {name} : Base() {{\n{fields}{members}}}\n",
        "val {name} = 1\n",
        "    ",
        "    val x{i} = a + {i}\n    set = x{i}\n",
        "",
    ),
}


FIELDS = {
    "python": "    attr{i} = {i}\n",
    "javascript": "  f{i} = {i};\n",
    "go": "\tX{i} int\n",
    "rust": "    const C{i}: i32 = {i};\n",
    "java": "    int f{i} = {i};\n",
    "ruby": "  X{i} = {i}\n",
    "kotlin": "    var f{i}: Int = {i}\n",
}
"""A header line (attribute / field) per language, repeated to vary header length."""


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in split_lines(text))


@st.composite
def sources(draw, templates=TEMPLATES, fields_by_language=FIELDS):
    """A source file in one of ``templates``' languages (see ``TEMPLATES`` for the shape)."""
    lang = draw(st.sampled_from(sorted(templates)))
    ext, comment, fn, cls, stmt, ind, line, doc = templates[lang]

    def function(name: str) -> str:
        n = draw(st.integers(0, 12))
        body = "".join(line.format(i=i) for i in range(n))
        with_doc = draw(st.booleans())
        return fn.format(name=name, body=body, doc=doc.format(name=name) if with_doc else "")

    out = []
    for k in range(draw(st.integers(1, 7))):
        kinds = ["fn", "cls", "stmt", "comment", "licence", "blank", "junk"]
        # A licence banner opens many files; first, it is drawn as often as all else.
        kind = draw(st.sampled_from(kinds[:4] + ["licence"] * 4 if k == 0 else kinds))
        name = draw(ident)
        if kind == "fn":
            out.append(function(name))
        elif kind == "cls":
            members = "".join(
                _indent(function(draw(ident)), ind) for _ in range(draw(st.integers(0, 3)))
            )
            n_fields = draw(st.integers(0, 12))
            fields = "".join(fields_by_language[lang].format(i=i) for i in range(n_fields))
            out.append(cls.format(name=name.capitalize(), members=members, fields=fields))
        elif kind == "stmt":
            out.append(stmt.format(name=name))
        elif kind == "comment":
            out.append(f"{comment} {name}\n")
        elif kind == "licence":
            # Opening a file, a banner gives module headers a ``banner_elided`` rung.
            out.append(f"{comment} Copyright {name}\n{comment} Licensed under MIT.\n")
        elif kind == "blank":
            out.append("\n")
        else:
            out.append(draw(st.text(st.characters(codec="utf-8"), max_size=20)) + "\n")
    crlf = draw(st.booleans())
    text = "".join(out)
    return f"sample.{ext}", text.replace("\n", "\r\n") if crlf else text


def _assert_verbatim(rung, file_lines: list[str]) -> None:
    """Rung lines are consecutive file lines, except markers that name exactly the gap.

    The lines shown are exactly those the rung says it shows verbatim.
    """
    cursor = rung.start_line
    shown = set()
    for ln in split_lines(rung.text):
        gap = parse_elision_marker(ln)
        if gap is not None:
            assert gap[0] == cursor, (rung.name, gap, cursor)
            assert gap[1] >= gap[0]
            cursor = gap[1] + 1
            continue
        src = file_lines[cursor - 1]
        # A rung may end a file's last, unterminated line with a newline.
        assert ln == src or ln == src + "\n", (rung.name, cursor, ln, src)
        shown.add(cursor)
        cursor += 1
    assert cursor - 1 <= rung.end_line
    claimed = {n for a, b in rung.verbatim_lines() for n in range(a, b + 1)}
    assert claimed == shown, (rung.name, sorted(claimed ^ shown))


def _assert_mention_quotes_the_slice(text: str, s, file_lines: list[str]) -> None:
    """A mention is ``path:line  name(params)`` or ``path:line  name: quoted line``.

    The line cited is in the slice, and every character after the name is the slice's
    own: a quoted line is (part of) the cited line; a parameter list is the signature
    read across line breaks, whitespace runs collapsed and comments left out, so its words
    are the slice's, in order, never invented.
    """
    m = re.match(rf"{re.escape(s.path)}:(\d+)  {re.escape(s.name)}", text)
    assert m is not None and text.endswith("\n"), (text, s.name)
    line = int(m.group(1))
    assert s.start_line <= line <= s.end_line, (text, s.start_line, s.end_line)
    rest = text[m.end() : -1].removesuffix(MENTION_CUT)
    if rest.startswith(": ") or not rest:
        quoted = rest.removeprefix(": ").strip()
        assert quoted in file_lines[line - 1], (quoted, file_lines[line - 1])
    else:
        assert rest.startswith(("(", "<")), rest
        # Every character (whitespace aside) is the slice's, in order.
        chars = iter(s.text)
        assert all(ch in chars for ch in rest if not ch.isspace()), (text, s.text)


@given(sources(), st.sampled_from([8, 200]))
def test_slices_partition_and_every_rung_is_verbatim(source, max_lines):
    check_partition_and_ladder(*source, max_lines)


def check_partition_and_ladder(path: str, text: str, max_lines: int) -> None:
    """Slices of ``text`` partition it, and every rung of every slice is verbatim."""
    slices = CodeSource(max_slice_lines=max_lines).slices(
        FileText(path, text, text.encode("utf-8", "surrogatepass"), False)
    )
    file_lines = split_lines(text)
    last = 0
    for s in sorted(slices, key=lambda s: s.start_line):
        assert s.start_line > last, "slices overlap"
        assert s.text == "".join(file_lines[s.start_line - 1 : s.end_line])
        last = s.end_line
        rungs = CodeRenderer().ladder(s)
        # An excerpt of every third line, placed by length as the packer places it.
        excerpt = excerpt_rung(s, range(s.start_line, s.end_line + 1, 3))
        rungs = with_excerpt(rungs, excerpt)
        assert rungs[0].name == "full" and rungs[0].text == s.text
        # Blocks shrink strictly; the mention, a list line once formatted, always closes.
        assert rungs[-1].name == "mention" and len(rungs) >= 2
        for prev, nxt in itertools.pairwise(rungs[:-1]):
            assert len(nxt.text) < len(prev.text), "ladder must shrink strictly"
        for r in rungs:
            assert 0 < r.fidelity <= 1
            if r.name == "mention":
                _assert_mention_quotes_the_slice(r.text, s, file_lines)
            else:
                _assert_verbatim(r, file_lines)
    covered = {n for s in slices for n in range(s.start_line, s.end_line + 1)}
    for n, line in enumerate(file_lines, 1):
        if line.strip():
            assert n in covered, f"line {n} is in no slice: {line!r}"


def test_long_class_header_offers_a_skeleton_of_member_signatures():
    fields = "".join(f"    private int field{i} = {i};\n" for i in range(30))
    text = (
        "class Big {\n"
        + fields
        + "\n    /** Doc. */\n    public int get(int k) {\n        return k;\n    }\n"
        + "\n    void set(int k) {\n        this.field0 = k;\n    }\n}\n"
    )
    slices = CodeSource().slices(FileText("Big.java", text, text.encode(), False))
    header = next(s for s in slices if s.name == "Big")
    rungs = {r.name: r for r in CodeRenderer().ladder(header)}
    skeleton = rungs["skeleton"].text
    assert "public int get(int k) {" in skeleton
    assert "void set(int k) {" in skeleton
    assert "field29" not in skeleton
    assert "return k;" not in skeleton
    assert len(skeleton) < len(rungs["full"].text)
    assert rungs["skeleton"].end_line == text.splitlines().index("    void set(int k) {") + 1


def test_an_excerpt_keeps_the_head_the_matching_lines_and_marks_every_gap():
    body = "".join(f"    step_{i}()\n" for i in range(30))
    text = f'def run(job):\n    """Run it."""\n{body}    return job\n'
    (s,) = [s for s in CodeSource().slices(FileText("r.py", text, text.encode(), False))]
    rung = excerpt_rung(s, [10, 20])
    assert rung is not None and rung.name == "excerpt"
    assert rung.text.splitlines() == [
        "def run(job):",
        '    """Run it."""',
        "    ... (lines 3-8 elided)",
        "    step_6()",
        "    step_7()",
        "    step_8()",
        "    ... (lines 12-18 elided)",
        "    step_16()",
        "    step_17()",
        "    step_18()",
        "    ... (lines 22-33 elided)",
    ]
    assert rung.verbatim == ((1, 2), (9, 11), (19, 21))
    assert excerpt_rung(s, [1, 2]) is None  # nothing of the body asked for
    assert excerpt_rung(s, range(3, 34)) is None  # the whole body: that is "full"
    ladder = with_excerpt(CodeRenderer().ladder(s), rung)
    assert [r.name for r in ladder][:4] == ["full", "excerpt", "elided", "signature"]


def test_rungs_split_lines_on_newlines_only():
    # A form feed or U+2028 inside a line is part of that line (git and editors agree);
    # str.splitlines would cut the docstring line short and misnumber the elision.
    text = 'def f(x):\n    """Doc\x0c here\u2028 too."""\n' + "    a = 1\n" * 20 + "    return a\n"
    (s,) = CodeSource().slices(FileText("m.py", text, text.encode(), False))
    file_lines = split_lines(text)
    rungs = with_excerpt(CodeRenderer().ladder(s), excerpt_rung(s, [10]))
    assert [r.name for r in rungs][:4] == ["full", "excerpt", "elided", "signature"]
    for r in rungs:
        if r.name != "mention":
            _assert_verbatim(r, file_lines)
    elided = next(r for r in rungs if r.name == "elided")
    assert elided.text.endswith('    """Doc\x0c here\u2028 too."""\n    ... (lines 3-23 elided)\n')
