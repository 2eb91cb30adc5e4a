"""The warm index the MCP server keeps: rebuilt only when the work tree changes."""

from __future__ import annotations

from pathlib import Path

from conftest import git

from context_kit._warm import WarmIndex, fingerprint


def test_mcp_server_reuses_the_index_until_a_file_changes(sample_repo: Path):
    warm = WarmIndex(sample_repo, history=True)
    first = warm.get()
    assert warm.get() is first and (warm.builds, warm.updates) == (1, 0)
    (sample_repo / "pkg" / "util.py").write_text("def other_thing():\n    return 1\n")
    updated = warm.get()  # an edit: Index.update() folds it in
    assert (warm.builds, warm.updates) == (1, 1)
    assert updated.search("other_thing", k=1)[0].slice.name == "other_thing"
    git(sample_repo, "commit", "-qam", "Rename to other_thing")
    rebuilt = warm.get()  # HEAD moved: rebuilt, so the new commit is in the history too
    assert (warm.builds, warm.updates) == (2, 1)
    assert any(s.name == "Rename to other_thing" for s in rebuilt.slices)


def test_fingerprint_sees_tracked_edits_and_untracked_files_only_when_indexed(sample_repo: Path):
    tracked = fingerprint(sample_repo, include_untracked=False)
    everything = fingerprint(sample_repo)
    (sample_repo / "scratch.py").write_text("x = 1\n")
    assert fingerprint(sample_repo, include_untracked=False) == tracked
    assert fingerprint(sample_repo) != everything
    (sample_repo / "pkg" / "util.py").write_text("y = 2\n")
    assert fingerprint(sample_repo, include_untracked=False) != tracked


def test_the_warm_index_updates_just_the_files_whose_stamps_changed(tmp_path: Path, monkeypatch):
    # Each use lists and stats the tree once; what changed is then all the update needs
    # to look at (no second listing), except a .gitignore, which may change any listing.
    from context_kit import Index

    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("def alpha():\n    return 1\n")
    (root / "pkg" / "b.py").write_text("def beta():\n    return 2\n")
    calls: list[object] = []
    real = Index.update

    def recording(self, paths=None, **kw):
        calls.append(paths)
        return real(self, paths, **kw)

    monkeypatch.setattr(Index, "update", recording)
    warm = WarmIndex(root, cache_dir=False, workers=1)
    warm.get()
    (root / "pkg" / "a.py").write_text("def alpha_two():\n    return 1\n")
    (root / "pkg" / "c.py").write_text("def gamma():\n    return 3\n")
    (root / "pkg" / "b.py").unlink()
    index = warm.get()
    assert calls == [["pkg/a.py", "pkg/b.py", "pkg/c.py"]]
    fresh = Index.build(root, cache_dir=False, workers=1)
    assert [s.id for s in index.slices] == [s.id for s in fresh.slices]
    assert warm.get() is index and len(calls) == 1  # nothing changed: no update
    (root / ".gitignore").write_text("pkg/c.py\n")
    index = warm.get()
    assert calls[-1] is None  # a full update
    assert [s.id for s in index.slices] == [
        s.id for s in Index.build(root, cache_dir=False, workers=1).slices
    ]
    assert not any(s.path == "pkg/c.py" for s in index.slices)


def test_outside_git_the_fingerprint_ignores_what_the_index_ignores(tmp_path: Path):
    root = tmp_path / "site"
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / ".gitignore").write_text("*.log\n")
    (root / "app.py").write_text("x = 1\n")
    (root / "server.log").write_text("started\n")
    (root / "node_modules" / "lib" / "index.js").write_text("module.exports = 1\n")
    before, before_vendored = fingerprint(root), fingerprint(root, include_vendored=True)
    (root / "server.log").write_text("started\nrequest 1\n")  # ignored: no change
    (root / "node_modules" / "lib" / "index.js").write_text("module.exports = 22\n")
    assert fingerprint(root) == before
    assert fingerprint(root, include_vendored=True) != before_vendored  # indexed when asked
    (root / "app.py").write_text("x = 22\n")
    assert fingerprint(root) != before
