import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from context_kit.sources import DocsSource
from context_kit.sources.requirements import (
    _OPENER,
    DEFAULT_REQUIREMENT_PATTERN,
    requirement_blocks,
)
from context_kit.sources.walk import FileText


def docs(path, text):
    return DocsSource().slices(FileText(path, text, text.encode(), False))


MD = """Preamble line.

# Design

Intro.

## Storage

Text about storage.

```bash
# not a heading
echo hi
```

### Compaction

Details.

Setext Title
------------

Body.
"""


def test_markdown_sections_with_heading_paths_and_fences_kept_whole():
    got = docs("docs/design.md", MD)
    names = [s.name for s in got]
    assert names == [
        "docs/design.md",
        "Design",
        "Design > Storage",
        "Design > Storage > Compaction",
        "Design > Setext Title",
    ]
    storage = got[2]
    assert "# not a heading" in storage.text
    assert all(s.kind == "doc" for s in got)


def test_rst_sections():
    rst = (
        "=====\nTitle\n=====\n\nIntro.\n\nPart A\n------\n\nText A.\n\nPart B\n------\n\nText B.\n"
    )
    got = docs("index.rst", rst)
    assert [s.name for s in got] == ["Title", "Title > Part A", "Title > Part B"]
    assert got[0].start_line == 1


def test_rst_titles_take_any_punctuation_and_short_underlines_as_docutils_does():
    # pydicom underlines with ``.``; an underline of four or more shorter than its title
    # is still one (docutils warns); a three-character one under a longer title is text.
    rst = (
        "Guide\n=====\n\nIntro.\n\nDataset.walk\n............\n\nWalks.\n\n"
        "A rather long title\n.....\n\nText.\n\nNot a title at all\n...\n\nMore.\n"
    )
    got = docs("guide.rst", rst)
    assert [s.name for s in got] == [
        "Guide",
        "Guide > Dataset.walk",
        "Guide > A rather long title",
    ]
    assert "Not a title at all" in got[-1].text


def test_plain_text_becomes_windows():
    got = docs("notes.txt", "para one\n\npara two\n")
    assert len(got) == 1 and got[0].kind == "doc"


SPEC = """# Design

The store keeps records in segments.

## 4.1. Storage

- **REQ-1**: The store MUST merge segments with `compact_segments()`.
  It SHOULD do so in the background.
- REQ-2: Records MUST be checksummed by `checksum_record`.

See REQ-7 for retention; UTF-8 and SHA-256 are not requirements.

## US-7 Login

Users MAY log in with a token.
"""


def test_requirement_ids_blocks_and_obligations_are_recorded():
    design, storage, login = docs("docs/design.md", SPEC)
    assert "requirements" not in design.meta
    assert storage.meta["requirements"] == "REQ-1,REQ-2"
    assert storage.meta["requirement_spans"] == "REQ-1:7-8;REQ-2:9-9"
    assert storage.meta["requirement_refs"] == "REQ-7"
    assert storage.meta["clause"] == "4.1"
    assert storage.meta["must"] == 2 and storage.meta["should"] == 1
    assert storage.meta["obligation"] == "MUST"
    assert {"REQ-1", "REQ-2"} <= set(storage.defines)
    # An id in the heading governs the whole section.
    assert login.meta["requirements"] == "US-7"
    assert login.meta["requirement_spans"] == f"US-7:{login.start_line}-{login.end_line}"
    assert login.meta["obligation"] == "MAY"
    assert design.meta["subsections"] == '[[5, "## 4.1. Storage\\n"], [13, "## US-7 Login\\n"]]'


def test_custom_requirement_pattern():
    src = DocsSource(requirement_pattern=r"\bPROJ-\d+\b")
    text = "# T\n\n- PROJ-12: do it\n- REQ-1: not this scheme\n"
    (s,) = src.slices(FileText("a.md", text, text.encode(), False))
    assert s.meta["requirements"] == "PROJ-12"


def test_doc_globs_are_configurable_and_default_sensibly():
    default = DocsSource()
    for path in [
        "README",
        "README.md",
        "CHANGELOG",
        "docs/design.md",
        "docs/notes.yaml",
        "x/adr/0001-use-sqlite.md",
        "decisions/0002.txt",
        "guide.rst",
    ]:
        assert default.accepts(path), path
    for path in ["src/app.py", "setup.cfg", "Makefile"]:
        assert not default.accepts(path), path
    custom = DocsSource(patterns=["specs/**", "!specs/draft/**"])
    assert custom.accepts("specs/a/b.md")
    assert not custom.accepts("specs/draft/x.md")
    assert not custom.accepts("README.md")


def test_extensionless_readme_with_headings_is_markdown():
    got = docs("README", "# Title\n\nIntro.\n\n## Use\n\nRun it.\n")
    assert [s.name for s in got] == ["Title", "Title > Use"]


def test_long_sections_split_at_paragraphs_never_inside_fences():
    fence = "```\n" + "code\n\n" * 6 + "```\n"
    body = "".join(f"Paragraph {i} line.\nsecond line.\n\n" for i in range(6))
    text = "# Big\n\n" + body + fence + "\nTail.\n"
    got = DocsSource(max_section_lines=8).slices(FileText("a.md", text, text.encode(), False))
    assert len(got) > 2
    assert all(s.name == "Big" for s in got)
    assert [s.part for s in got] == [(k, len(got)) for k in range(1, len(got) + 1)]
    assert any(s.text.startswith("```") and s.text.rstrip().endswith("```") for s in got)
    for s in got:
        assert s.text.count("```") % 2 == 0
        assert s.line_count <= 8 or "```" in s.text
    assert "heading_lines" in got[0].meta and "heading_lines" not in got[1].meta


def test_plain_text_windows_align_to_paragraphs():
    text = "".join(f"para {i} a\npara {i} b\n\n" for i in range(40))
    got = DocsSource(window=10).slices(FileText("notes.txt", text, text.encode(), False))
    assert len(got) > 1
    for s in got:
        assert s.symbol_kind == "window"
        assert s.text.startswith("para") and s.text.rstrip().split("\n")[-1].endswith(" b")


def test_rst_and_sphinx_needs_requirements():
    rst = (
        "Spec\n====\n\n.. req:: Checksums\n   :id: REQ_001\n\n   Records MUST carry a CRC.\n\n"
        "Other\n-----\n\n| FR-2 | The CLI SHOULD exit 2 on usage errors. |\n"
    )
    spec, other = docs("spec.rst", rst)
    assert spec.meta["requirements"] == "REQ_001"
    assert spec.meta["requirement_spans"] == "REQ_001:5-7"
    assert other.meta["requirements"] == "FR-2" and other.meta["obligation"] == "SHOULD"


RFC = """Internet Draft                 Store                        2026

1.  Introduction

   The store keeps records.

2.  Requirements

2.1.  Compaction

   The store MUST compact segments.

2.2.  Checksums

   Each record SHOULD carry a checksum.
"""


def test_rfc_style_plain_text_is_cut_at_numbered_headings():
    got = docs("draft-store.txt", RFC)
    names = [s.name for s in got]
    assert names == [
        "draft-store.txt",
        "1.  Introduction",
        "2.  Requirements",
        "2.  Requirements > 2.1.  Compaction",
        "2.  Requirements > 2.2.  Checksums",
    ]
    assert got[3].meta["clause"] == "2.1" and got[3].meta["obligation"] == "MUST"
    # Appendices are sections too, lettered.
    appendix = docs(
        "draft-store.txt", RFC + "\nAppendix A.  ABNF\n\n   rule = 1\n\nA.1.  Rules\n\n   More.\n"
    )
    assert [s.name for s in appendix][-2:] == [
        "Appendix A.  ABNF",
        "Appendix A.  ABNF > A.1.  Rules",
    ]
    # A short numbered list in a note is not a heading structure.
    note = docs("note.txt", "Steps:\n\n1. Install it\n\n2. Run it\n")
    assert [s.symbol_kind for s in note] == ["window"]


# The opener as it was, with emphasis as an alternation: the same language, exponential
# backtracking on long runs of "*" or "_" (fine on the short lines generated here).
_OLD_OPENER = _OPENER.replace("[*_`\\[]*", "(?:\\*\\*|__|[*_`\\[])*")


@given(st.text(alphabet=" \t*_`[-+|:id1.)REQ", max_size=14))
def test_requirement_opener_matches_what_the_alternation_did(line):
    assert _OLD_OPENER != _OPENER
    new = re.match(_OPENER + "(" + DEFAULT_REQUIREMENT_PATTERN + ")", line)
    old = re.match(_OLD_OPENER + "(" + DEFAULT_REQUIREMENT_PATTERN + ")", line)
    assert (new and new.group(1)) == (old and old.group(1))


def test_long_rst_rules_do_not_stall_requirement_blocks():
    lines = ["*" * 60 + "\n", "REQ-1 the cart must total\n", "_" * 60 + "\n"]
    assert [(b.id, b.start) for b in requirement_blocks(lines)] == [("REQ-1", 1)]


def _sections(path: str, text: str, **kw):
    from context_kit.sources import DocsSource
    from context_kit.sources.walk import FileText

    return DocsSource(**kw).slices(FileText(path, text, text.encode(), False))


def test_front_matter_is_no_heading():
    # curl's docs: the closing ``---`` read as a setext underline named a section after
    # the last YAML key (840 of 2,530 doc files in an audit).
    text = "---\ntitle: Codecs\ndescription: Two-way\n---\n\nIntro.\n\n### Inverting\n\nText.\n"
    got = [(s.start_line, s.end_line, s.name) for s in _sections("c.md", text)]
    assert got == [(1, 6, "c.md"), (8, 10, "Inverting")]
    toml = "+++\ntitle = 'x'\n+++\n\n# Top\n\nBody.\n"
    assert [s.name for s in _sections("h.md", toml)] == ["h.md", "Top"]


def test_headings_and_fences_inside_html_comments_are_not_read():
    # A README's commented-out section (``<!-- ## Roadmap ... -->``) is hidden on the
    # rendered page; read as a heading it named a section of text nobody sees, and a
    # fence opened inside the comment swallowed every heading after it.
    text = (
        "# Tool\n\nIntro.\n\n<!--\n## Roadmap\n\nHidden.\n\n```\n-->\n\n"
        "## Usage\n\nRun it.\n\n<!-- one line --> tail\n\n## Licence\n\nMIT.\n"
    )
    got = [(s.start_line, s.end_line, s.name) for s in _sections("README.md", text)]
    assert got == [(1, 11, "Tool"), (13, 17, "Tool > Usage"), (19, 21, "Tool > Licence")]
    # A comment opened inside a fence is code, not a comment.
    fenced = "# A\n\n```html\n<!--\n```\n\n## B\n\nText.\n"
    assert [s.name for s in _sections("x.md", fenced)] == ["A", "A > B"]


def test_asciidoc_titles_are_sections_and_listing_blocks_are_not():
    # rubocop's 44 .adoc pages were line windows, and contributing.adoc (a prose name,
    # read as Markdown) took ``----`` listing delimiters for setext underlines.
    text = (
        "= Guide\n\nIntro.\n\n== Install\n\n[source,sh]\n----\n== not a heading\n"
        "$ gem install x\n----\n\n=== Deep\n\nMore.\n"
    )
    for path in ("guide.adoc", "contributing.adoc"):
        got = [(s.start_line, s.end_line, s.name) for s in _sections(path, text)]
        assert got == [
            (1, 3, "Guide"),
            (5, 11, "Guide > Install"),
            (13, 15, "Guide > Install > Deep"),
        ]


def test_an_rst_title_underlined_with_tildes_opens_no_code_fence():
    # ``~~~`` is an RST underline, not a Markdown fence: the section was never split and
    # had no lead (171 sections of 38 files in an audit).
    paragraphs = "\n\n".join(f"Paragraph {i} line one.\nline two." for i in range(40))
    text = f"Title\n=====\n\nIntro para.\n\nSub\n~~~\n\n{paragraphs}\n"
    from context_kit.renderers import TextRenderer

    subs = [s for s in _sections("r.rst", text) if s.name == "Title > Sub"]
    assert len(subs) == 2  # split at a paragraph boundary
    assert "lead" in [r.name for r in TextRenderer().ladder(subs[0])]


def test_the_lead_of_a_split_section_marks_the_lines_before_its_subsections():
    # The first part's lead listed a child heading far below without a marker for the
    # later parts' lines in between (39 leads of 28 files in an audit).
    body = "\n\n".join(f"Paragraph {i} of the intro, which goes on for a while." for i in range(8))
    text = f"# Guide\n\nIntro.\n\n{body}\n\n## Child\n\nChild text.\n"
    from context_kit.renderers import TextRenderer
    from context_kit.renderers.code import parse_elision_marker

    first = next(s for s in _sections("g.md", text, max_section_lines=8) if s.part == (1, 3))
    lead = next(r for r in TextRenderer().ladder(first) if r.name == "lead")
    lines = lead.text.splitlines(keepends=True)
    child = text.splitlines().index("## Child") + 1
    assert lines[-1] == "## Child\n"
    gap = parse_elision_marker(lines[-2])
    assert gap is not None and gap[1] == child - 1


_MIT = (
    "# MIT License\n\nPermission is hereby granted, free of charge, to any person.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND. IN NO EVENT SHALL\n'
    "THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY.\n"
)
# A build guide's CMake (``find_package(X REQUIRED)``) made every section quoting it a MUST
# section, in fences at any indent (list items hold them) and in code spans.
_BUILD = (
    "# Build\n\nLink the library:\n\n```cmake\nfind_package(Zlib REQUIRED)\n```\n\n"
    "1. Or in a list item:\n\n    ~~~\n    find_package(Png REQUIRED)\n    ~~~\n\n"
    "Write `find_package(Ssl REQUIRED)` for TLS.\n"
)


@pytest.mark.parametrize(
    ("path", "text", "levels"),
    [
        # A licence's shouted disclaimer states no obligation...
        ("LICENSE.md", _MIT, {}),
        # ... while a spec's keyword amid ordinary words counts.
        ("spec.md", "# Cache\n\nThe cache MUST evict the oldest entry first.\n", {"must": 1}),
        # Code states none.
        ("BUILD.md", _BUILD, {}),
        # Prose around code still counts, and an unclosed fence hides only what follows.
        ("BUILD.md", _BUILD + "\nThe build SHOULD use Ninja.\n\n```\nMUST\n", {"should": 1}),
    ],
)
def test_obligation_levels_come_from_prose_only(path, text, levels):
    (section,) = docs(path, text)
    got = {lv: section.meta[lv] for lv in ("must", "should", "may") if lv in section.meta}
    assert got == levels
    assert section.meta.get("obligation") == (next(iter(levels)).upper() if levels else None)
