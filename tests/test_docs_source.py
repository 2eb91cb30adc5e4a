from context_kit.sources import DocsSource
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


def test_plain_text_becomes_windows():
    got = docs("notes.txt", "para one\n\npara two\n")
    assert len(got) == 1 and got[0].kind == "doc"
