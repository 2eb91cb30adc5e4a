"""Git history: reading, caching, robustness, revision bounds, linkage, ladder, packing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import git
from hypothesis import given
from hypothesis import strategies as st

import context_kit.sources.git as git_mod
from context_kit import Index, OptionError, get_tokenizer
from context_kit.renderers import CommitRenderer
from context_kit.sources._commit_text import MARKER_RE
from context_kit.sources._gitlog import LogOptions, _unquote, parse_log
from context_kit.sources.git import GitSource

FOO_V1 = "def foo(text):\n    return text.split()\n"
FOO_V2 = "def foo(text):\n    parts = text.split()\n    return parts[:100]\n"
BAR = "\n\ndef bar(x):\n    threshold = 3\n    return x > threshold\n"
BAR_V2 = "\n\ndef bar(x):\n    threshold = 7\n    return x > threshold\n"


def _head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Six commits: add, fix, rename, binary, latin-1 message, tweak."""
    root = tmp_path_factory.mktemp("hist") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    shas: dict[str, str] = {}
    (root / "a.py").write_text(FOO_V1 + BAR)
    (root / "notes.md").write_text("# Notes\n\nNothing yet.\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Add tokenizer helpers")
    shas["add"] = _head(root)
    (root / "a.py").write_text(FOO_V2 + BAR)
    git(
        root, "commit", "-qam", "Cap token list to avoid overflow in parser\n\nLong inputs blew up."
    )
    shas["fix"] = _head(root)
    git(root, "mv", "a.py", "b.py")
    git(root, "commit", "-qm", "Move helpers to b.py")
    shas["rename"] = _head(root)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0binary\0")
    git(root, "add", "logo.png")
    git(root, "commit", "-qm", "Add logo")
    shas["binary"] = _head(root)
    (root / "notes.md").write_text("# Notes\n\nCaf\xe9 opening hours.\n")
    git(root, "add", "notes.md")
    # git commit would repair a Latin-1 message into UTF-8, so write the object by hand:
    # a message in raw Latin-1 bytes with no encoding header, as old tools produced.
    tree, parent = git(root, "write-tree").strip(), _head(root)
    who = b"t <t@example.com> 1700000000 +0000"
    obj = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\nNote the caf\xe9 hours\n" % (
        tree.encode(),
        parent.encode(),
        who,
        who,
    )
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=root,
            input=obj,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(root, "reset", "-q", "--soft", sha)
    shas["latin1"] = _head(root)
    (root / "b.py").write_text(FOO_V2 + BAR_V2)
    git(root, "commit", "-qam", "Raise the zebra threshold")
    shas["tweak"] = _head(root)
    return {"root": root, "shas": shas}


def _source(tmp_path: Path, **kw: object) -> GitSource:
    return GitSource(cache_dir=tmp_path / "cache", **kw)  # type: ignore[arg-type]


def test_reads_messages_renames_binary_and_non_utf8(history_repo, tmp_path):
    root, shas = history_repo["root"], history_repo["shas"]
    commits, skipped = _source(tmp_path).read(root)
    assert [c.sha for c in commits] == [shas[k] for k in reversed(list(shas))]
    by = {c.sha: c for c in commits}
    fix = by[shas["fix"]]
    assert fix.subject.startswith("Cap token list") and "Long inputs" in fix.body
    (rename,) = by[shas["rename"]].files
    assert (rename.status, rename.old_path, rename.new_path) == ("R", "a.py", "b.py")
    (logo,) = by[shas["binary"]].files
    assert logo.binary and logo.status == "A"
    assert by[shas["latin1"]].note == "invalid-utf8"
    assert "\ufffd" in by[shas["latin1"]].message
    assert ("invalid-utf8", f"commit:{shas['latin1']}") in {(s.reason, s.path) for s in skipped}
    (tweak,) = by[shas["tweak"]].files
    assert tweak.runs == (7, 1, 7, 1) and (tweak.added, tweak.deleted) == (1, 1)


def test_commits_after_rev_never_appear(history_repo, tmp_path):
    root, shas = history_repo["root"], history_repo["shas"]
    later = {shas["binary"], shas["latin1"], shas["tweak"]}
    src = _source(tmp_path, rev=shas["rename"])
    slices, _ = src.collect(root)
    assert {s.commit for s in slices} == {shas["add"], shas["fix"], shas["rename"]}
    index = Index.build(root, rev=shas["rename"], history=True)
    for query in ("zebra threshold", "logo", "cafe hours", "tokenizer overflow"):
        packed = index.pack(query, budget=3000)
        assert not {i.commit for i in packed.items} & later
        assert not any(sha in packed.text or sha[:12] in packed.text for sha in later)


def test_query_matching_a_commit_message_retrieves_it(history_repo):
    root, shas = history_repo["root"], history_repo["shas"]
    index = Index.build(root, history=True)
    top = index.search("why was the token list capped to avoid an overflow?", k=3)
    assert top[0].slice.kind == "commit" and top[0].slice.commit == shas["fix"]
    hits = index.search("zebra", k=5)
    assert any(h.slice.commit == shas["tweak"] for h in hits)
    packed = index.pack("avoid overflow in parser", budget=2000)
    assert shas["fix"] in {i.commit for i in packed.items}


def test_history_signal_lifts_code_changed_by_matching_commit(history_repo):
    root = history_repo["root"]
    index = Index.build(root, history=True)
    hist = index.retrievers[-1]
    assert hist.name == "history"
    scores = hist.score("zebra")
    bar = next(i for i, s in enumerate(index.slices) if s.name == "bar")
    foo = next(i for i, s in enumerate(index.slices) if s.name == "foo")
    # "zebra" is only in a commit message; that commit changed bar, not foo.
    assert scores[bar] > 0 and scores[foo] == 0


def test_slices_link_to_the_commits_that_changed_their_lines(history_repo):
    root, shas = history_repo["root"], history_repo["shas"]
    index = Index.build(root, history=True)
    assert index.history is not None
    code = {s.name: s for s in index.slices if s.kind == "code" and s.path == "b.py"}
    links = index.history.link(code.values())
    foo = [c.sha for c in links[code["foo"].id]]
    bar = [c.sha for c in links[code["bar"].id]]
    # Through the rename back to the file's creation; newest first.
    assert foo == [shas["fix"], shas["add"]]
    assert bar == [shas["tweak"], shas["add"]]
    last = index.history.last_commit(code["bar"])
    assert last is not None and last.sha == shas["tweak"]
    # git blame agrees on which commits own the lines now.
    assert set(index.history.blame(root, code["foo"])) <= set(foo)
    assert index.history.file_churn("b.py") == 2
    # Only the first commit touched two files.
    assert index.history.co_change == {"a.py": {"notes.md": 1}, "notes.md": {"a.py": 1}}


def test_second_read_is_served_by_the_cache(history_repo, tmp_path, monkeypatch):
    root = history_repo["root"]
    first, _ = _source(tmp_path).collect(root)

    def no_git(*a: object, **k: object):
        raise AssertionError("git log should not run on a warm cache")

    monkeypatch.setattr(git_mod, "run_log", no_git)
    second, _ = _source(tmp_path).collect(root)
    assert [s.model_dump() for s in first] == [s.model_dump() for s in second]


def test_warm_read_of_the_same_tip_runs_no_rev_list(history_repo, tmp_path, monkeypatch):
    root = history_repo["root"]
    first, _ = _source(tmp_path).collect(root)
    calls: list[tuple[str, ...]] = []
    real = git_mod._git

    def spy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return real(cwd, *args)

    monkeypatch.setattr(git_mod, "_git", spy)
    monkeypatch.setattr(git_mod, "run_log", None)  # any git log would fail loudly
    second, _ = _source(tmp_path).collect(root)
    assert [s.model_dump() for s in second] == [s.model_dump() for s in first]
    assert calls and all(c[0] == "rev-parse" for c in calls)


def test_a_moving_tip_reads_only_the_new_commits_from_git(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for k in range(40):
        (root / "f.py").write_text(f"x = {k}\n")
        git(root, "add", ".")
        git(root, "commit", "-qm", f"Step {k}")
    # Small chunks, so the chunks at both ends of the list change when the tip moves (new
    # commits on top, old ones past max_commits off the end).
    monkeypatch.setattr(git_mod, "_CHUNK_MAX", 8)
    src = _source(tmp_path, max_commits=30)
    src.collect(root)
    for k in range(3):
        (root / "f.py").write_text(f"y = {k}\n")
        git(root, "commit", "-qam", f"New {k}")
    read: list[str] = []
    real = git_mod.run_log

    def spy(cwd: str, shas: list[str], *a: object, **kw: object):
        read.extend(shas)
        return real(cwd, shas, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(git_mod, "run_log", spy)
    got, _ = _source(tmp_path, max_commits=30).collect(root)
    newest = git(root, "rev-list", "--max-count=3", "HEAD").split()
    assert read == newest
    fresh, _ = GitSource(cache_dir=False, max_commits=30).collect(root)
    assert [s.model_dump() for s in got] == [s.model_dump() for s in fresh]


def test_a_chunk_that_is_not_what_its_key_says_is_a_miss(history_repo, tmp_path, monkeypatch):
    root = history_repo["root"]
    monkeypatch.setattr(git_mod, "_CHUNK_MAX", 2)
    first, _ = _source(tmp_path).collect(root)
    entries = sorted((tmp_path / "cache").rglob("*.json"), key=lambda p: p.stat().st_size)
    chunks = [p for p in entries if b"git-commits/" in p.read_bytes()[:40]]
    assert len(chunks) >= 2
    # Swap two chunks' contents: each is intact, but under the other's key.
    a, b = chunks[0].read_bytes(), chunks[1].read_bytes()
    chunks[0].write_bytes(b)
    chunks[1].write_bytes(a)
    again, _ = _source(tmp_path).collect(root)
    assert [s.model_dump() for s in again] == [s.model_dump() for s in first]


def test_corrupt_cache_entries_are_misses(history_repo, tmp_path):
    root = history_repo["root"]
    first, _ = _source(tmp_path).collect(root)
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert entries
    for p in entries:
        p.write_bytes(p.read_bytes()[:20])
    again, _ = _source(tmp_path).collect(root)
    assert [s.text for s in again] == [s.text for s in first]
    no_cache, _ = GitSource(cache_dir=False).collect(root)
    assert [s.text for s in no_cache] == [s.text for s in first]


def test_ladder_is_verbatim_except_markers(tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q")
    for n in range(4):
        (root / f"m{n}.py").write_text("".join(f"value_{i} = {i}\n" for i in range(300)))
    (root / "tests").mkdir()
    (root / "tests" / "test_m.py").write_text("def test_x():\n    assert True\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Big initial import\n\nWith a body line.")
    for n in range(4):
        text = (root / f"m{n}.py").read_text().replace("= 1", "= -1")
        (root / f"m{n}.py").write_text(text)
    git(root, "commit", "-qam", "Negate ones")
    slices, _ = GitSource(cache_dir=False, max_diff_chars=2000).collect(root)
    renderer = CommitRenderer()
    names_seen = set()
    for s in slices:
        full_lines = set(s.text.split("\n"))
        rungs = renderer.ladder(s)
        assert rungs[0].name == "full" and rungs[0].text == s.text
        assert [len(r.text) for r in rungs] == sorted((len(r.text) for r in rungs), reverse=True)
        for r in rungs:
            names_seen.add(r.name)
            if r.name == "mention":
                assert r.text == f"{s.commit[:12]}  {s.name}\n"
                continue
            for line in r.text.rstrip("\n").split("\n"):
                assert line in full_lines or MARKER_RE.match(line), (r.name, line)
    assert names_seen == {"full", "headers", "stat", "mention"}
    assert any(MARKER_RE.match(ln) for s in slices for ln in s.text.split("\n"))
    assert len(slices[1].text) < 6000  # the 1,200-line import was trimmed to the cap


@given(budget=st.integers(min_value=30, max_value=1500))
def test_packs_with_commits_stay_within_budget(history_repo_index, budget):
    index = history_repo_index
    packed = index.pack("overflow threshold tokenizer logo", budget=budget)
    assert packed.tokens == index.tokenizer.count(packed.text) <= budget
    kinds = [i.kind for i in packed.items]
    assert kinds == sorted(kinds, key=lambda k: {"doc": 0, "code": 1, "commit": 2}[k])


@pytest.fixture(scope="module")
def history_repo_index(history_repo) -> Index:
    return Index.build(history_repo["root"], history=True)


# ---------------------------------------------------------------------- robustness
def _reasons(index: Index) -> set[str]:
    return {s.reason for s in index.skipped}


def test_folder_that_is_not_a_repository(tmp_path):
    (tmp_path / "x.py").write_text("def f():\n    return 1\n")
    index = Index.build(tmp_path, history=True)
    assert "not_a_repository" in _reasons(index)
    assert index.history is None and all(s.kind != "commit" for s in index.slices)
    assert index.pack("f", budget=200).tokens <= 200


def test_repository_without_commits(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "x.py").write_text("def f():\n    return 1\n")
    assert "no_commits" in _reasons(Index.build(tmp_path, history=True))


def test_no_git_installed(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    slices, skipped = GitSource(cache_dir=False).collect(tmp_path)
    assert slices == [] and [s.reason for s in skipped] == ["no_git"]


def test_unknown_explicit_revision_is_a_typed_error(history_repo):
    with pytest.raises(OptionError):
        GitSource(rev="no-such-branch", cache_dir=False).collect(history_repo["root"])


def test_shallow_clone(history_repo, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{history_repo['root']}", str(clone)],
        check=True,
        capture_output=True,
    )
    slices, skipped = GitSource(cache_dir=False).collect(clone)
    assert len(slices) == 1 and "shallow_history" in {s.reason for s in skipped}
    assert slices[0].meta["diff_line"] == -1  # the boundary's diff would be the whole tree


def test_detached_head_and_subfolder(history_repo, tmp_path):
    root, shas = history_repo["root"], history_repo["shas"]
    clone = tmp_path / "detached"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True, capture_output=True)
    git(clone, "checkout", "-q", "--detach", shas["fix"])
    slices, _ = GitSource(cache_dir=False).collect(clone)
    assert [s.commit for s in slices] == [shas["fix"], shas["add"]]


def test_submodule_and_subfolder(history_repo, tmp_path):
    root = tmp_path / "super"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "pkg" / "m.py").write_text("X = 1\n")
    (root / "top.py").write_text("Y = 1\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Start")
    git(
        root,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(history_repo["root"]),
        "vendor/sub",
    )
    git(root, "commit", "-qm", "Add submodule")
    (root / "top.py").write_text("Y = 2\n")
    git(root, "commit", "-qam", "Touch top only")
    slices, skipped = GitSource(cache_dir=False).collect(root)
    assert [s.name for s in slices] == ["Touch top only", "Add submodule", "Start"]
    assert "Subproject commit" in slices[1].text and not skipped
    # Indexing a subfolder reads only the history of that folder, with paths relative to it.
    sub, _ = GitSource(cache_dir=False).collect(root / "pkg")
    assert [s.name for s in sub] == ["Start"] and "+++ b/m.py" in sub[0].text


# ---------------------------------------------------------------------- parser units
def test_parser_computes_exact_changed_runs():
    log = (
        b"\x00\x00ck-commit\x1e"
        + "\x1f".join(["a" * 40, "b" * 40, "N", "n@x", "1", "2", "", "Subject\n"]).encode()
        + b"\x00\x00ck-diff\x1e\n\n"
        + b"diff --git a/f.py b/f.py\nindex 1..2 100644\n--- a/f.py\n+++ b/f.py\n"
        + b"@@ -1,6 +1,6 @@ def f\n a\n-b\n+B\n c\n d\n+e\n-x\n f\n"
        + b"@@ -20,2 +20,3 @@\n g\n+h\n i\n"
        + b"@@ -30,2 +31,1 @@\n j\n-k\n"
    )
    (c,) = list(parse_log([log[:37], log[37:90], log[90:]], LogOptions()))
    assert c.subject == "Subject" and c.parents == ("b" * 40,)
    (f,) = c.files
    assert f.runs == (2, 1, 2, 1, 5, 1, 5, 1, 20, 0, 21, 1, 31, 1, 31, 0)
    assert (f.added, f.deleted) == (3, 3)


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [("plain.py", "plain.py"), ('"a\\tb.py"', "a\tb.py"), ('"caf\\303\\251.py"', "café.py")],
)
def test_unquote_paths(quoted, plain):
    assert _unquote(quoted) == plain


def test_odd_file_names_round_trip(tmp_path):
    git(tmp_path, "init", "-q")
    name = "dir with space/caf\xe9 \u2603.py"
    (tmp_path / "dir with space").mkdir()
    (tmp_path / name).write_text("x = 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "odd names")
    commits, _ = GitSource(cache_dir=False).read(tmp_path)
    assert [f.path for f in commits[0].files] == [name]


def test_tokenizer_counts_commit_text(history_repo_index):
    tok = get_tokenizer("cl100k_base")
    commit = next(s for s in history_repo_index.slices if s.kind == "commit")
    assert tok.count(commit.text) > 0
    assert re.match(r"^commit [0-9a-f]{40}\n", commit.text)


def test_pack_attaches_the_commit_that_last_changed_the_code(history_repo_index, history_repo):
    shas = history_repo["shas"]
    index = history_repo_index
    # Only the best-ranked slice (the function bar) is priced; its commit comes by linkage.
    opts = {"weights": {"history": 0.0}, "max_candidates": 1}
    packed = index.pack("bar", budget=4000, **opts)
    assert [i.name for i in packed.items if i.kind == "code"] == ["bar"]
    by_commit = {i.commit: i for i in packed.items if i.kind == "commit"}
    assert shas["tweak"] in by_commit
    assert "last_commit" in by_commit[shas["tweak"]].scores
    plain = index.pack("bar", budget=4000, attach_commits=0, **opts)
    assert shas["tweak"] not in {i.commit for i in plain.items}


def test_git_failure_is_reported_not_raised(history_repo, tmp_path):
    src = GitSource(cache_dir=tmp_path / "c")
    skipped: list = []
    got, _ = src._load(
        history_repo["root"],
        ["0" * 40],
        params="p",
        relative=False,
        shallow=False,
        skipped=skipped,
    )
    assert got == [] and [s.reason for s in skipped] == ["git_error"]
    assert "0000000" in skipped[0].detail or "bad" in skipped[0].detail.lower()


def test_git_source_is_a_repo_source():
    from context_kit.sources import RepoSource

    assert isinstance(GitSource(), RepoSource)


def _history_reference_scores(hist, slices, query: str) -> np.ndarray:
    """The history retriever's score written as plain loops over rows (the definition)."""
    from context_kit.retrievers._terms import terms

    out = np.zeros(hist.n_rows_, dtype=np.float64)
    h = hist.history_
    msg = hist.messages_.score(query)
    top = float(msg.max()) if msg.size else 0.0
    if top > 0:
        for row, found in enumerate(hist.links_):
            if found:
                out[row] += hist.message_weight * max(msg[p] / top for p in found)
    named = hist._named_files(query)
    if named:
        share = hist._cochange_shares(h, named)
        for row, p in enumerate(hist.paths_):
            out[row] += hist.cochange_weight * share.get(p, 0.0)
        for pos, row in hist.commit_rows_.items():
            if any(f.path in named for f in h.commits[pos].files):
                out[row] += hist.cochange_weight
    qterms = set(terms(query))
    for row, s in enumerate(slices):
        if out[row] > 0 or qterms & set(terms(s.name)):
            out[row] += hist.prior_weight * hist.prior_[row]
    return out


@pytest.mark.parametrize(
    "query", ["zebra", "foo bar", "why was the token list capped in mod.py?", "nothing here"]
)
def test_history_scores_equal_the_row_by_row_definition(history_repo_index, query):
    hist = history_repo_index.retrievers[-1]
    got = hist.score(query)
    want = _history_reference_scores(hist, history_repo_index.slices, query)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert got.any() or query == "nothing here"
