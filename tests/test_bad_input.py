"""Hostile files: each yields slices or a reported skip, never an exception."""

from pathlib import Path

import pytest

from context_kit import Index
from context_kit.sources import CodeSource
from context_kit.sources.walk import FileText, decode_text

BIG = 20 * 1024 * 1024


def slices_of(path: str, data: bytes):
    text, lossy = decode_text(data)
    return CodeSource().slices(FileText(path, text, data, lossy))


def test_a_20mb_single_line_file_is_skipped_by_default_and_sliced_when_allowed(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "huge.py").write_bytes(b"x = 1  # " + b"a" * BIG)
    (root / "huge.js").write_bytes(b"var x = '" + b"b" * BIG + b"';")
    (root / "ok.py").write_text("def ok():\n    return 1\n")
    index = Index.build(root, cache_dir=False, workers=1, history=False)
    reasons = {s.path: s.reason for s in index.skipped}
    assert reasons == {"huge.py": "too_large", "huge.js": "too_large"}
    roomy = Index.build(root, cache_dir=False, workers=1, max_file_bytes=BIG * 2, history=False)
    reasons = {s.path: s.reason for s in roomy.skipped}
    assert reasons == {"huge.js": "minified"}
    huge = [s for s in roomy.slices if s.path == "huge.py"]
    assert len(huge) == 1 and huge[0].end_line == 1


LANG_SNIPPETS = {
    "a.py": b"def f(:\n    return [\nclass C(\n",
    "a.js": b"function f( {\n  return 1;\nclass {\n",
    "a.ts": b"export class C implements {\n  m(): { return\n}\n",
    "a.go": b"package x\nfunc (r *T) M( {\n\treturn\n",
    "a.rs": b"impl T {\n    fn f(&self -> i32 {\n        1\n",
    "A.java": b"class A {\n  void f( {\n    int x = ;\n",
    "a.c": b"int f(int a {\n  return a;\n",
    "a.cpp": b"namespace n { class C { void m() { return; }\n",
    "A.cs": b"namespace N { class C { void M( { } }\n",
    "a.rb": b"class C\n  def m(\n    1\n",
    "a.php": b"<?php\nclass C { function f( { }\n",
    "a.kt": b"class C {\n  fun f(: Int {\n",
    "a.swift": b"class C {\n  func f( -> Int {\n",
}


@pytest.mark.parametrize("path", sorted(LANG_SNIPPETS))
def test_syntax_errors_still_give_covering_slices(path):
    data = LANG_SNIPPETS[path]
    got = slices_of(path, data)
    assert got
    covered = {n for s in got for n in range(s.start_line, s.end_line + 1)}
    lines = data.decode().split("\n")
    assert all(n in covered for n, line in enumerate(lines, 1) if line.strip())


@pytest.mark.parametrize(
    "path",
    ["a.py", "a.js", "a.go", "a.rs", "A.java", "a.c", "a.rb", "a.kt", "a.swift", "a.txt"],
)
def test_invalid_utf8_crlf_and_bom_are_sliced(path):
    data = b"\xef\xbb\xbf// \xff\xfe bad bytes\r\nfoo bar \xc3\x28\r\n"
    got = slices_of(path, data)
    assert got
    assert all("\ufeff" not in s.text for s in got)
    assert got[-1].text.endswith("\r\n")


def test_deep_nesting_in_many_languages_does_not_crash():
    depth = 300
    snippets = {
        "d.js": "".join("  " * i + f"class C{i} {{ m{i}() {{\n" for i in range(depth))
        + "}\n" * (2 * depth),
        # Object literals holding functions are containers, asked about level by level.
        "o.js": "x = "
        + "".join(f"{{ m{i}() {{}},\n k{i}: " for i in range(depth))
        + "1"
        + "}" * depth,
        "data.js": "const x = " + "{a: " * depth + "1" + "}" * depth + "\n",
        "d.rs": "".join(f"mod m{i} {{\n" for i in range(depth)) + "}\n" * depth,
        "d.rb": "".join(f"module M{i}\n" for i in range(depth)) + "end\n" * depth,
        "d.c": "int f() {\n" + "{\n" * depth + "}\n" * depth + "}\n",
        "d.py": "".join("    " * i + f"def f{i}():\n" for i in range(depth))
        + "    " * depth
        + "pass\n",
    }
    for path, text in snippets.items():
        got = slices_of(path, text.encode())
        assert got, path
        last = 0
        for s in got:
            assert s.start_line > last
            last = s.end_line


def test_empty_and_whitespace_files_are_reported_skips(tmp_path: Path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "empty.py").write_bytes(b"")
    (root / "blank.go").write_bytes(b"\n\n   \r\n")
    (root / "bom_only.rs").write_bytes(b"\xef\xbb\xbf")
    (root / "ok.py").write_text("x = 1\n")
    index = Index.build(root, cache_dir=False, workers=1, history=False)
    assert {s.path: s.reason for s in index.skipped} == {
        "empty.py": "empty",
        "blank.go": "empty",
        "bom_only.rs": "empty",
    }
    assert [s.path for s in index.slices] == ["ok.py"]
