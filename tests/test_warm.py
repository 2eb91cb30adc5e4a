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
