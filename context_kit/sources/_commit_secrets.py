"""Redact a commit before it is rendered or cached: its message, its hunks, its secret files.

The commit-level twin of the file walk's redaction (see :mod:`context_kit.secrets`). Hunks
of files that exist to hold credentials (``.env``, ``id_rsa``...) keep their ranges — the
history still knows which lines changed — but lose their text, which the rendering then
shows as an elision marker. Every other hunk line, the hunk headers' context text and the
message have their secret values replaced by markers, line for line.
"""

from __future__ import annotations

from ..secrets import is_secret_file, redact
from ._gitlog import Commit, FileChange, Hunk

__all__ = ["scrub_commit"]


def _hunk_header(h: Hunk) -> str:
    """``@@ -a,b +c,d @@`` without the context text git appends (a line of the file)."""
    return f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"


def _scrub_hunk(h: Hunk, path: str, max_hunk_chars: int | None) -> Hunk:
    if max_hunk_chars is not None and len(h.lines) > max_hunk_chars:
        # Too big to ever be rendered (the diff cap drops it whole), so not worth scanning:
        # a 20 MB one-line file would otherwise cost seconds per commit.
        return h._replace(header=redact(h.header).text)
    return h._replace(header=redact(h.header).text, lines=redact(h.lines, path=path).text)


def _scrub_file(f: FileChange, max_hunk_chars: int | None) -> FileChange:
    if is_secret_file(f.old_path or "") or is_secret_file(f.new_path or ""):
        hunks = tuple(
            h._replace(header=_hunk_header(h), lines="", cut=h.lines.count("\n") + h.cut)
            for h in f.hunks
        )
    else:
        hunks = tuple(_scrub_hunk(h, f.path, max_hunk_chars) for h in f.hunks)
    return f._replace(hunks=hunks)


def scrub_commit(c: Commit, *, max_hunk_chars: int | None = None) -> Commit:
    """``c`` with its message and diff redacted (paths, ids, counts and ranges unchanged).

    Args:
        c: The commit as read from git.
        max_hunk_chars: Hunks with more text than this are left unscanned: the renderer's
            diff cap (``max_diff_chars``) drops them whole, and the rendered text gets a
            final scan anyway. ``None`` scans every hunk.

    >>> from context_kit.sources._gitlog import Commit
    >>> scrub_commit(Commit("0" * 40, (), "a", "a@b", 0, 0, "token=ghp_" + "x" * 36, ())).message
    'token=[REDACTED:github-token]'
    """
    return c._replace(
        message=redact(c.message).text,
        files=tuple(_scrub_file(f, max_hunk_chars) for f in c.files),
    )
