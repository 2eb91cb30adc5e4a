"""Line tracking through hunks agrees with git's own ``git log -L`` on random histories."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from context_kit.history import History
from context_kit.sources.git import GitSource

# One edit: at a relative position, delete some lines and insert some new ones.
_edit = st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 3), st.integers(0, 3))
_commit = st.lists(_edit, min_size=1, max_size=3)


def _apply(lines: list[str], edits: list[tuple[float, int, int]], tag: str) -> list[str]:
    out = list(lines)
    for k, (where, delete, insert) in enumerate(edits):
        at = int(where * len(out))
        out[at : at + delete] = [f"{tag} line {k}.{j}" for j in range(insert)]
    return out


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    commits=st.lists(_commit, min_size=1, max_size=5),
    span=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_tracking_matches_git_log_L(tmp_path_factory, commits, span):
    root: Path = tmp_path_factory.mktemp("track")
    git(root, "init", "-q")
    lines = [f"original {i}" for i in range(20)]
    (root / "f.txt").write_text("".join(x + "\n" for x in lines))
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    for n, edits in enumerate(commits):
        new = _apply(lines, edits, f"c{n}")
        if new == lines or not new:
            continue
        lines = new
        (root / "f.txt").write_text("".join(x + "\n" for x in lines))
        git(root, "commit", "-qam", f"edit {n}")
    a = 1 + int(span[0] * (len(lines) - 1))
    b = a + int(span[1] * (len(lines) - a))
    commits_read, _ = GitSource(cache_dir=False, max_commits=None).read(root)
    history = History(commits_read)
    ours = [history.commits[p].sha for p in history.track("f.txt", [(a, b)])[0]]
    theirs = subprocess.run(
        ["git", "log", "-L", f"{a},{b}:f.txt", "--format=%H", "-s"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ours == theirs
