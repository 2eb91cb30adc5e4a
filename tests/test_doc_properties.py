"""Properties of document sections and their ladders, for arbitrary Markdown."""

import itertools
import json
import re

from hypothesis import given
from hypothesis import strategies as st

from context_kit.renderers import TextRenderer
from context_kit.sources import DocsSource
from context_kit.sources._lines import split_lines
from context_kit.sources.walk import FileText

MAX_LINES = 6
word = st.sampled_from(["alpha", "beta", "REQ-3", "`f()`", "MUST", "gamma", "#", "==", "x"])
title = st.lists(
    st.sampled_from(["Intro", "Storage", "API", "REQ-9", "Notes"]), min_size=1, max_size=3
).map(" ".join)
# Paragraph lines open with a plain word: "# x" or a lone "==" would be a heading.
opener = st.sampled_from(["alpha", "beta", "REQ-3", "`f()`", "gamma"])
line = st.tuples(opener, st.lists(word, max_size=4)).map(lambda t: " ".join([t[0], *t[1]]))
paragraph = st.lists(line, min_size=1, max_size=4)
fence_body = st.lists(
    st.sampled_from(["# not a heading", "", "code()", "Title", "-----"]), max_size=5
)


@st.composite
def markdown(draw):
    """A document as lines, with the headings and fences it holds (1-based lines)."""
    lines: list[str] = []
    heads: list[tuple[int, int, str]] = []
    fences: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["atx", "setext", "para", "fence", "blank"]))
        if lines and lines[-1] != "":
            lines.append("")
        if kind == "atx":
            level, t = draw(st.integers(1, 4)), draw(title)
            heads.append((len(lines) + 1, level, t))
            lines.append("#" * level + " " + t)
        elif kind == "setext":
            level, t = draw(st.integers(1, 2)), draw(title)
            heads.append((len(lines) + 1, level, t))
            lines += [t, ("=" if level == 1 else "-") * draw(st.integers(3, 6))]
        elif kind == "para":
            lines += draw(paragraph)
        elif kind == "fence":
            start = len(lines) + 1
            marker = draw(st.sampled_from(["```", "~~~", "````"]))
            inner = draw(fence_body)
            if marker != "```":  # a shorter or different fence inside does not close it
                inner += draw(st.lists(st.just("```"), max_size=1))
            lines += [marker + draw(st.sampled_from(["", "python"])), *inner, marker]
            fences.append((start, len(lines)))
        else:
            lines.append("")
    return "\n".join(lines) + "\n", heads, fences


def sections(text: str):
    return DocsSource(max_section_lines=MAX_LINES, window=MAX_LINES).slices(
        FileText("docs/d.md", text, text.encode(), False)
    )


@given(markdown())
def test_sections_partition_the_document_and_never_split_fences(doc):
    text, _, fences = doc
    lines = split_lines(text)
    got = sections(text)
    covered: list[int] = []
    for s in got:
        assert s.text == "".join(lines[s.start_line - 1 : s.end_line])
        assert s.text.strip() and lines[s.start_line - 1].strip()
        covered += range(s.start_line, s.end_line + 1)
    assert covered == sorted(set(covered)), "sections overlap or are out of order"
    non_blank = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert set(non_blank) <= set(covered), "a non-blank line is in no section"
    for a, b in fences:
        assert any(s.start_line <= a and b <= s.end_line for s in got), (a, b)
    for s in got:  # a part is over-long only when a fence forced it
        assert s.line_count <= MAX_LINES or "```" in s.text or "~~~" in s.text


@given(markdown())
def test_heading_paths_follow_the_heading_levels(doc):
    text, heads, _ = doc
    by_line = {s.start_line: s for s in sections(text)}
    for k, (line, level, t) in enumerate(heads):
        # j is an ancestor of k when every heading after j, up to k, is deeper than j.
        ancestors = [
            heads[j][2]
            for j in range(k)
            if all(heads[j][1] < heads[i][1] for i in range(j + 1, k + 1))
        ]
        s = by_line[line]
        assert s.name == " > ".join([*ancestors, t])
        assert s.meta["level"] == level
        assert s.part is None or s.part[0] == 1


MARKER = re.compile(r"^\.\.\. \(lines (\d+)-(\d+) elided\)$")


def check_verbatim(rung_text: str, file_lines: list[str], start: int) -> None:
    """Every rung line is the next file line (blank lines may be skipped) or a marker."""
    pos = start
    for line in split_lines(rung_text):
        m = MARKER.match(line.rstrip("\n"))
        if m:
            first, last = int(m.group(1)), int(m.group(2))
            assert pos <= first <= last <= len(file_lines), (line, pos)
            pos = last + 1
            continue
        while pos <= len(file_lines) and file_lines[pos - 1] != line:
            assert not file_lines[pos - 1].strip(), f"skipped non-blank line {pos} unmarked"
            pos += 1
        assert pos <= len(file_lines), f"{line!r} is not a file line"
        pos += 1


@given(markdown())
def test_ladder_is_verbatim_except_markers_and_shrinks(doc):
    text, _, _ = doc
    lines = split_lines(text)
    renderer = TextRenderer()
    for s in sections(text):
        rungs = renderer.ladder(s)
        assert rungs[0].name == "full" and rungs[0].text == s.text
        mention = f"{s.path}:{s.start_line}  {s.name}\n"
        # The mention is always the last rung: a list line, whatever its length in text.
        assert (rungs[-1].name, rungs[-1].text) == ("mention", mention)
        for prev, nxt in itertools.pairwise(rungs[:-1]):
            assert len(nxt.text) < len(prev.text), "blocks must shrink strictly"
        for r in rungs[:-1]:
            check_verbatim(r.text, lines, s.start_line)
        lead = next((r for r in rungs if r.name == "lead"), None)
        if lead is not None:
            for _, heading in json.loads(str(s.meta.get("subsections", "[]"))):
                assert heading in lead.text


any_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
        st.sampled_from(["\n", "\n\n", "# ", "===", "---", "```", "~~~", "1.  Intro", "\r\n"]),
        st.sampled_from(["REQ-1", "- **FR-2.1**: x", ":id: REQ_3", "`f()`", "MUST", "\u2028"]),
    ),
    max_size=30,
).map("".join)


@given(any_text, st.sampled_from(["a.md", "a.rst", "a.txt", "README", "docs/a.yaml"]))
def test_any_text_yields_sections_that_cover_every_non_blank_line(text, path):
    lines = split_lines(text)
    got = DocsSource(max_section_lines=MAX_LINES, window=MAX_LINES).slices(
        FileText(path, text, text.encode("utf-8", "surrogatepass"), False)
    )
    covered = [n for s in got for n in range(s.start_line, s.end_line + 1)]
    assert covered == sorted(set(covered))
    assert {n for n, line in enumerate(lines, 1) if line.strip()} <= set(covered)
    for s in got:
        assert s.text == "".join(lines[s.start_line - 1 : s.end_line])
        assert all(isinstance(v, (str, int, float, bool)) for v in s.meta.values())
        TextRenderer().ladder(s)
