"""History statistics: churn, recency, co-change, and which commits changed which lines.

Shared with retrievers through ``Corpus.extras["history"]`` and with the packer.

Line linkage walks history newest-first, carrying each line range back through every
change to its file: a range is *touched* by a commit when one of the commit's exact changed
runs overlaps it, and is then mapped into the commit's pre-image coordinates, following
renames, until the lines were created. Like ``git log -L`` on a linearised history it is an
approximation across merges (side-branch commits are applied in log order); :meth:`History.blame`
asks git for the exact answer for a few slices.

>>> History([]).file_churn("a.py")
0
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .types import Slice

if TYPE_CHECKING:  # runtime import would cycle through the sources package
    from .sources._gitlog import Commit, FileChange

__all__ = [
    "LAST_COMMIT",
    "LAST_COMMIT_SHARE",
    "MAX_COCHANGE_FILES",
    "History",
    "last_commit_candidates",
    "last_commits",
    "with_last_commit",
]

MAX_COCHANGE_FILES = 30
"""Commits touching more files than this (sweeping renames, reformatting) say little about
which files belong together, so they are left out of co-change counts."""

LAST_COMMIT_SHARE = 0.5
"""A commit attached to a code slice ("the commit that last changed this function") enters
the packer's running at this share of that slice's score: worth having next to the code,
never worth more than the code itself."""

LAST_COMMIT = ("last_commit", "last_commit_subject", "last_commit_time")
"""``Slice.meta`` keys of the commit that last changed a packed code slice: its id, subject
and author time. ``Index.pack`` sets them on its best code candidates (``attach_commits``),
and every output format shows them beside the slice's block."""

_BLAME_TIMEOUT_S = 60

IntArray = npt.NDArray[np.int64]


class History:
    """Commits (newest first) with per-file indexes.

    Args:
        commits: Commits, newest first, as :class:`~context_kit.sources.git.GitSource` reads
            them.

    Attributes:
        commits: The commits.
        position: Commit id -> position in ``commits``.
    """

    def __init__(self, commits: Sequence[Commit]) -> None:
        self.commits = list(commits)
        self.position = {c.sha: i for i, c in enumerate(self.commits)}

    @cached_property
    def _by_path(self) -> dict[str, list[tuple[int, FileChange]]]:
        # Built on first use: reading history should not pay for statistics nobody asks.
        out: dict[str, list[tuple[int, FileChange]]] = {}
        for i, c in enumerate(self.commits):
            for f in c.files:
                out.setdefault(f.path, []).append((i, f))
        return out

    def __len__(self) -> int:
        return len(self.commits)

    # ------------------------------------------------------------------ file stats
    def file_changes(self, path: str) -> list[tuple[int, FileChange]]:
        """``(commit position, change)`` for every commit that left ``path`` changed."""
        return self._by_path.get(path, [])

    @cached_property
    def paths(self) -> frozenset[str]:
        """Every path some commit changed (under the name the change left it)."""
        return frozenset(self._by_path)

    def file_churn(self, path: str) -> int:
        """How many commits changed ``path`` (under that name)."""
        return len(self._by_path.get(path, ()))

    def file_last_time(self, path: str) -> int | None:
        """Author time of the newest commit that changed ``path``, if any."""
        changes = self._by_path.get(path)
        return self.commits[changes[0][0]].time if changes else None

    @cached_property
    def newest_time(self) -> int:
        """Author time of the newest commit (0 for an empty history)."""
        return max((c.time for c in self.commits), default=0)

    @cached_property
    def co_change(self) -> dict[str, Counter[str]]:
        """For each file, how many commits changed it together with each other file."""
        out: dict[str, Counter[str]] = {}
        for c in self.commits:
            paths = sorted({f.path for f in c.files})
            if not 2 <= len(paths) <= MAX_COCHANGE_FILES:
                continue
            for p in paths:
                counter = out.setdefault(p, Counter())
                counter.update(q for q in paths if q != p)
        return out

    # ------------------------------------------------------------------ line linkage
    def track(self, path: str, ranges: Sequence[tuple[int, int]]) -> list[list[int]]:
        """Positions of the commits that changed each line range of ``path``, newest first.

        Args:
            path: File path at the newest commit.
            ranges: ``(start, end)`` 1-based inclusive line ranges.
        """
        n = len(ranges)
        hits: list[list[int]] = [[] for _ in range(n)]
        if n == 0:
            return hits
        a = np.fromiter((r[0] for r in ranges), dtype=np.int64, count=n)
        b = np.fromiter((r[1] for r in ranges), dtype=np.int64, count=n)
        alive = np.ones(n, dtype=bool)
        cur, after, seen = path, -1, {path}
        while alive.any():
            nxt: tuple[str, int] | None = None
            for pos, f in self._by_path.get(cur, ()):
                if pos <= after:
                    continue
                touched, a, b, alive = _apply(f, a, b, alive)
                for k in np.flatnonzero(touched).tolist():
                    hits[k].append(pos)
                if f.status in ("R", "C") and f.old_path and f.old_path not in seen:
                    nxt = (f.old_path, pos)
                    break
                if f.status == "A" or not alive.any():
                    alive[:] = False
                    break
            if nxt is None:
                break
            cur, after = nxt
            seen.add(cur)
        return hits

    def link(self, slices: Iterable[Slice]) -> dict[str, list[Commit]]:
        """Commits that changed each code or doc slice's lines, newest first, by slice id."""
        groups: dict[str, list[Slice]] = {}
        for s in slices:
            if s.path and s.start_line is not None and s.end_line is not None:
                groups.setdefault(s.path, []).append(s)
        out: dict[str, list[Commit]] = {}
        for path, group in sorted(groups.items()):
            found = self.track(path, [(s.start_line or 0, s.end_line or 0) for s in group])
            for s, positions in zip(group, found, strict=True):
                out[s.id] = [self.commits[p] for p in positions]
        return out

    def last_commit(self, slice_: Slice) -> Commit | None:
        """The newest commit that changed the slice's lines, if history has one."""
        commits = self.link([slice_]).get(slice_.id, [])
        return commits[0] if commits else None

    def blame(self, root: Path, slice_: Slice, rev: str = "HEAD") -> list[str]:
        """Exact ids of the commits that last touched each line of the slice (``git blame``).

        Slower than :meth:`link` (one git process per slice) but exact across merges;
        meant for the handful of slices being packed. Returns ``[]`` when git cannot answer
        (untracked file, lines beyond the file at ``rev``, no git).
        """
        if not slice_.path or slice_.start_line is None or slice_.end_line is None:
            return []
        try:
            proc = subprocess.run(
                [
                    "git",
                    "-c",  # never run a program the repository's config names
                    "core.fsmonitor=false",
                    "blame",
                    "--porcelain",
                    "-L",
                    f"{slice_.start_line},{slice_.end_line}",
                    rev,
                    "--",
                    slice_.path,
                ],
                cwd=root,
                capture_output=True,
                timeout=_BLAME_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return []
        if proc.returncode != 0:
            return []
        seen: dict[str, int] = {}
        for line in proc.stdout.split(b"\n"):
            head = line.split(b" ", 1)[0]
            if len(head) == 40 and all(ch in b"0123456789abcdef" for ch in head):
                sha = head.decode()
                seen.setdefault(sha, len(seen))
        # Newest first by our history order when known, else git's order.
        return sorted(seen, key=lambda s: (self.position.get(s, len(self.commits)), seen[s]))


def _apply(
    f: FileChange, a: IntArray, b: IntArray, alive: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Which live ranges ``f`` touched, and the ranges mapped to its pre-image."""
    if f.binary:
        return alive.copy(), a, b, np.zeros_like(alive)
    if not f.runs:
        return np.zeros_like(alive), a, b, alive
    r = np.asarray(f.runs, dtype=np.int64).reshape(-1, 4)
    o_s, o_l, n_s, n_l = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    n_e = n_s + n_l - 1  # last new line of a run (n_s - 1 for pure deletions)
    A, B = a[:, None], b[:, None]
    ins = n_l > 0
    # A run with new lines touches a range it overlaps; a pure deletion (after line n_s)
    # touches a range that spans the gap.
    overlap = np.where(ins, (n_s <= B) & (n_e >= A), (n_s >= A) & (n_s < B))
    touched = overlap.any(axis=1) & alive
    shift = o_l - n_l
    before_a = np.where(ins, n_e < A, n_s < A)
    before_b = np.where(ins, n_e < B, n_s < B)
    inside_a = ins & (n_s <= A) & (n_e >= A)
    inside_b = ins & (n_s <= B) & (n_e >= B)
    new_a = a + (before_a * shift).sum(axis=1)
    new_b = b + (before_b * shift).sum(axis=1)
    # An endpoint inside a changed run maps to that run's pre-image edge.
    start_in = np.where(o_l > 0, o_s, o_s + 1)
    end_in = np.where(o_l > 0, o_s + o_l - 1, o_s)
    has_a, has_b = inside_a.any(axis=1), inside_b.any(axis=1)
    new_a = np.where(has_a, (inside_a * start_in).sum(axis=1), new_a)
    new_b = np.where(has_b, (inside_b * end_in).sum(axis=1), new_b)
    still = alive & (new_b >= new_a)
    return touched, np.where(alive, new_a, a), np.where(alive, new_b, b), still


def last_commits(
    history: History, slices: Sequence[Slice], rows: Sequence[int], *, top: int
) -> dict[int, Commit]:
    """The newest commit that changed each of the ``top`` best code rows, by row.

    Args:
        history: The index's history.
        slices: Every slice of the index, by row.
        rows: Candidate rows in rank order.
        top: How many of the best code rows to look up.

    Returns:
        Row -> commit, for the rows history knows a change of.
    """
    code = [r for r in rows if slices[r].kind == "code"][: max(top, 0)]
    if not code:
        return {}
    links = history.link([slices[r] for r in code])
    return {r: found[0] for r in code if (found := links.get(slices[r].id))}


def with_last_commit(slice_: Slice, commit: Commit) -> Slice:
    """``slice_`` annotated with the commit that last changed it (see :data:`LAST_COMMIT`).

    Output formats render the annotation next to the slice's block, so it is priced with
    the block and the budget holds.
    """
    sha, subject, when = LAST_COMMIT
    meta = {**slice_.meta, sha: commit.sha, subject: commit.subject, when: commit.time}
    return slice_.model_copy(update={"meta": meta})


def last_commit_candidates(
    history: History,
    slices: Sequence[Slice],
    rows: Sequence[int],
    scores: Sequence[float],
    commit_rows: Mapping[str, int],
    *,
    top: int,
    share: float = LAST_COMMIT_SHARE,
    last: Mapping[int, Commit] | None = None,
) -> list[tuple[int, float]]:
    """Commits to add to the packer's candidates: the last change of each top code row.

    The commit that last changed each of the ``top`` best code rows is scored at ``share``
    of that row's score.

    Args:
        history: The index's history.
        slices: Every slice of the index, by row.
        rows: Candidate rows in rank order.
        scores: Fused score per row.
        commit_rows: Commit id -> row of its commit slice.
        top: How many of the best code rows get their last commit attached.
        share: Score of an attached commit relative to its code row.
        last: :func:`last_commits` of these rows, when the caller has it already.

    Returns:
        ``(row, score)`` pairs, by row, for commits not already among ``rows``.
    """
    if last is None:
        last = last_commits(history, slices, rows, top=top)
    taken = set(rows)
    out: dict[int, float] = {}
    for r, commit in last.items():
        row = commit_rows.get(commit.sha)
        if row is not None and row not in taken:
            out[row] = max(out.get(row, 0.0), share * float(scores[r]))
    return sorted(out.items())
