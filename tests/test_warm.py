"""The warm index the MCP server keeps: rebuilt only when the work tree changes."""

from __future__ import annotations

from pathlib import Path

from context_kit._warm import WarmIndex, fingerprint


def test_mcp_server_reuses_the_index_until_a_file_changes(sample_repo: Path):
    warm = WarmIndex(sample_repo, history=False)
    first = warm.get()
    assert warm.get() is first and warm.builds == 1
    (sample_repo / "pkg" / "util.py").write_text("def other():\n    return 1\n")
    assert warm.get() is not first and warm.builds == 2


def test_fingerprint_sees_tracked_edits_and_untracked_files_only_when_indexed(sample_repo: Path):
    tracked = fingerprint(sample_repo, include_untracked=False)
    everything = fingerprint(sample_repo)
    (sample_repo / "scratch.py").write_text("x = 1\n")
    assert fingerprint(sample_repo, include_untracked=False) == tracked
    assert fingerprint(sample_repo) != everything
    (sample_repo / "pkg" / "util.py").write_text("y = 2\n")
    assert fingerprint(sample_repo, include_untracked=False) != tracked
