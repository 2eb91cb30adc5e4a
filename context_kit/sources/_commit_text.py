"""The full text of a commit slice: header, message, file stat, and a trimmed diff.

Layout (``meta`` records where each section starts, so renderers never re-parse)::

    commit <sha>                  line 0
    Author: <name> <<email>>
    Date:   <ISO 8601, UTC>
                                  (blank)
        <subject>                 message_line: message lines, indented four spaces
        <body...>
                                  (blank)
     <path> | <status> +a -d      stat_line: one line per file, then a summary line
     N files changed, a insertions(+), d deletions(-)
                                  (blank)
    --- a/<old>                   diff_line: per file, ``---``/``+++``, then hunks
    +++ b/<new>
    @@ -a,b +c,d @@ context
     context / -old / +new lines

Every line is verbatim from git except elision markers (:func:`commit_marker`). When the
diff exceeds the size cap, hunks are kept by a static relevance order — source files
before tests, tests before documents, generated and lock files last; smaller hunks first —
and emitted in file order; dropped hunks and files leave a marker.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime, timezone

from ._gitlog import Commit, FileChange, Hunk

__all__ = ["MARKER_RE", "choose_hunks", "commit_marker", "commit_text"]

MARKER_RE = re.compile(r"^\.\.\. \(\d+ [a-z' ]+ elided\)$")
"""Matches an elision marker line (and nothing git writes: diff lines start with a
space, ``+``, ``-``, ``@``, or a known header word)."""

# Rank of a file's hunks when the diff is over its cap; lower is kept first.
_RANK_SOURCE, _RANK_TEST, _RANK_TEXT, _RANK_NOISE = 0, 1, 2, 3
_NOISE = re.compile(
    r"(^|/)(package-lock\.json|yarn\.lock|poetry\.lock|Cargo\.lock|uv\.lock|.*\.min\.(js|css)"
    r"|.*\.(svg|csv|json|lock|snap|pb|pyc))$"
)
_TEXT = re.compile(r"\.(md|rst|txt|adoc|cfg|ini|toml|ya?ml)$|(^|/)(CHANGELOG|AUTHORS|NEWS)")
_TEST = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*$|_test\.[a-z]+$")


def commit_marker(count: int, what: str) -> str:
    """The one kind of line a commit rendering may add: ``... (3 hunks elided)``."""
    return f"... ({count} {what} elided)"


def _file_rank(path: str) -> int:
    if _NOISE.search(path):
        return _RANK_NOISE
    if _TEST.search(path):
        return _RANK_TEST
    if _TEXT.search(path):
        return _RANK_TEXT
    return _RANK_SOURCE


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stat_line(f: FileChange) -> str:
    shown = f.path if f.status not in ("R", "C") else f"{f.old_path} => {f.new_path}"
    word = {"A": "added", "D": "deleted", "R": "renamed", "C": "copied"}.get(f.status, "modified")
    if f.binary:
        return f" {shown} | {word} binary"
    return f" {shown} | {word} +{f.added} -{f.deleted}"


def _hunk_block(h: Hunk) -> str:
    text = h.header + "\n" + h.lines
    if h.cut:
        text += commit_marker(h.cut, "lines") + "\n"
    return text


def commit_text(
    c: Commit,
    *,
    max_diff_chars: int = 4000,
    max_stat_files: int = 40,
    keep: Collection[tuple[int, int]] | None = None,
) -> tuple[str, dict[str, int]]:
    """The full rendering of ``c`` and the line index of each section.

    Args:
        c: The commit.
        max_diff_chars: Characters of hunk text kept (headers and markers excluded).
        max_stat_files: Files listed in the stat before a marker stands for the rest.
        keep: The hunks to show as ``(file index, hunk index)``, when the caller chose
            them already (:func:`choose_hunks` before redaction changed their sizes);
            ``None`` chooses them here within ``max_diff_chars``.

    Returns:
        ``(text, sections)`` with ``sections`` holding ``message_line``, ``stat_line`` and
        ``diff_line`` (``-1`` when the commit has no diff).
    """
    out = [f"commit {c.sha}"]
    if len(c.parents) > 1:
        out.append("Merge: " + " ".join(p[:12] for p in c.parents))
    out += [f"Author: {c.author} <{c.email}>", f"Date:   {_iso(c.time)}", ""]
    message_line = len(out)
    out += [("    " + ln).rstrip() for ln in c.message.split("\n")]
    out.append("")
    stat_line = len(out)
    files = c.files
    out += [_stat_line(f) for f in files[:max_stat_files]]
    if len(files) > max_stat_files:
        out.append(commit_marker(len(files) - max_stat_files, "more files"))
    added = sum(f.added for f in files)
    deleted = sum(f.deleted for f in files)
    out.append(f" {len(files)} files changed, {added} insertions(+), {deleted} deletions(-)")
    diff_line = -1
    blocks = _trimmed_diff(files, choose_hunks(files, max_diff_chars) if keep is None else keep)
    if blocks:
        out.append("")
        diff_line = len(out)
        out.append(blocks.rstrip("\n"))
    sections = {"message_line": message_line, "stat_line": stat_line, "diff_line": diff_line}
    return "\n".join(out) + "\n", sections


def choose_hunks(files: Sequence[FileChange], max_chars: int) -> frozenset[tuple[int, int]]:
    """The hunks a rendering shows, as ``(file index, hunk index)``.

    Hunks are taken by (file rank, size, position) while their text fits in ``max_chars``;
    the rendering then emits them in file order.
    """
    order = []
    for fi, f in enumerate(files):
        if f.hunks:
            rank = _file_rank(f.path)
            order += [(rank, len(h.lines), fi, hi) for hi, h in enumerate(f.hunks)]
    order.sort()
    keep: set[tuple[int, int]] = set()
    used = 0
    for _, size, fi, hi in order:
        if used + size <= max_chars:
            keep.add((fi, hi))
            used += size
    return frozenset(keep)


def _trimmed_diff(files: tuple[FileChange, ...], keep: Collection[tuple[int, int]]) -> str:
    parts: list[str] = []
    dropped_files = 0
    for fi, f in enumerate(files):
        kept = [h for hi, h in enumerate(f.hunks) if (fi, hi) in keep]
        if f.hunks and not kept:
            dropped_files += 1
            continue
        old = f"a/{f.old_path}" if f.old_path is not None else "/dev/null"
        new = f"b/{f.new_path}" if f.new_path is not None else "/dev/null"
        parts.append(f"--- {old}\n+++ {new}\n")
        if f.binary:
            parts.append(f"Binary files {old} and {new} differ\n")
        parts.extend(_hunk_block(h) for h in kept)
        if len(kept) < len(f.hunks):
            parts.append(commit_marker(len(f.hunks) - len(kept), "hunks") + "\n")
    if dropped_files:
        parts.append(commit_marker(dropped_files, "files' diffs") + "\n")
    return "".join(parts)
