"""Redact a commit before it is rendered or cached: its message, its hunks, its secret files.

The commit-level twin of the file walk's redaction (see :mod:`context_kit.secrets`). Hunks
of files that exist to hold credentials (``.env``, ``id_rsa``...) keep their ranges — the
history still knows which lines changed — but lose their text, which the rendering then
shows as an elision marker. Every other hunk line, the hunk headers' context text and the
message have their secret values replaced by markers, line for line.

Scanning is the costliest step of reading history, and most of its cost is per call, not
per character: measured on pytest's 10,000 newest commits, scanning each hunk on its own
(90,000 calls) took 7.8 s of CPU against 1.9 s to parse git's output. So
:func:`redacted_rendering` scans a commit in two calls — its message, then its whole
rendering — plus one per configuration file it shows (where bare values are data, see
:func:`~context_kit.secrets.is_config_file`). The rendering shows only the hunks that fit
its diff cap, chosen on their sizes before redaction, so no text is scanned that is then
thrown away, and none is kept that was not scanned.

One scan of the rendering finds what a scan per hunk finds because every rule but one
looks at one line at a time, and lines are the same either way. The exception is a
private key block, which spans lines and may run from one hunk into the next; there a
longer text can hide a block (a span holding an earlier marker is skipped as already
redacted), so a commit showing ``PRIVATE KEY`` anywhere is scanned hunk by hunk.
"""

from __future__ import annotations

from collections.abc import Collection

from ..secrets import is_config_file, is_secret_file, redact
from ._commit_text import choose_hunks, commit_text
from ._gitlog import Commit, FileChange, Hunk

__all__ = ["redacted_rendering", "scrub_commit", "withhold_secret_files"]


_KEY_BLOCK = "PRIVATE KEY"
"""Text of the one rule whose matches span lines (see the module docstring)."""


def _hunk_header(h: Hunk) -> str:
    """``@@ -a,b +c,d @@`` without the context text git appends (a line of the file)."""
    return f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"


def _withheld(h: Hunk) -> Hunk:
    """``h`` with its text (body and header context) left out and counted as cut."""
    return h._replace(header=_hunk_header(h), lines="", cut=h.lines.count("\n") + h.cut)


def _is_secret(f: FileChange) -> bool:
    return is_secret_file(f.old_path or "") or is_secret_file(f.new_path or "")


def withhold_secret_files(c: Commit) -> Commit:
    """``c`` with the hunk text of credential files left out (nothing else is scanned)."""
    secret = [_is_secret(f) for f in c.files]
    if not any(secret):
        return c
    files = tuple(
        f._replace(hunks=tuple(_withheld(h) for h in f.hunks)) if s else f
        for f, s in zip(c.files, secret, strict=True)
    )
    return c._replace(files=files)


def scrub_commit(c: Commit, *, keep: Collection[tuple[int, int]] | None = None) -> Commit:
    """``c`` with its message and hunks redacted (paths, ids, counts and ranges unchanged).

    Scans hunk by hunk; :func:`redacted_rendering` is the fast path for what is rendered.

    Args:
        c: The commit as read from git.
        keep: The hunks to scan, as ``(file index, hunk index)``; every other hunk loses its
            text. ``None`` scans every hunk.

    >>> from context_kit.sources._gitlog import Commit
    >>> scrub_commit(Commit("0" * 40, (), "a", "a@b", 0, 0, "token=ghp_" + "x" * 36, ())).message
    'token=[REDACTED:github-token]'
    """
    c = withhold_secret_files(c)
    files = tuple(
        f
        if _is_secret(f)
        else f._replace(
            hunks=tuple(
                h._replace(header=redact(h.header).text, lines=redact(h.lines, path=f.path).text)
                if keep is None or (fi, hi) in keep
                else _withheld(h)
                for hi, h in enumerate(f.hunks)
            )
        )
        for fi, f in enumerate(c.files)
    )
    return c._replace(message=redact(c.message).text, files=files)


def _scan_config_hunks(f: FileChange, shown: list[int]) -> FileChange:
    """``f`` with its ``shown`` hunks scanned as configuration, in one call."""
    blocks = [f.hunks[hi].header + "\n" + f.hunks[hi].lines for hi in shown]
    lines = redact("".join(blocks), path=f.path).text.split("\n")
    hunks = list(f.hunks)
    pos = 0
    # Redaction keeps every newline, so each block's lines are where they were.
    for hi, block in zip(shown, blocks, strict=True):
        n = block.count("\n")
        header, body = lines[pos], lines[pos + 1 : pos + n]
        hunks[hi] = hunks[hi]._replace(header=header, lines="".join(ln + "\n" for ln in body))
        pos += n
    return f._replace(hunks=tuple(hunks))


def redacted_rendering(c: Commit, *, max_diff_chars: int) -> tuple[str, str, dict[str, int]]:
    """The redacted message, the redacted full rendering and its section lines.

    Args:
        c: The commit as read from git.
        max_diff_chars: The rendering's diff cap (see
            :func:`~context_kit.sources._commit_text.commit_text`); it is applied to the
            hunks' sizes before redaction.

    >>> from context_kit.sources._gitlog import Commit
    >>> msg, text, _ = redacted_rendering(
    ...     Commit("0" * 40, (), "a", "a@b", 0, 0, "token=ghp_" + "x" * 36, ()), max_diff_chars=10
    ... )
    >>> msg, "ghp_" in text
    ('token=[REDACTED:github-token]', False)
    """
    message = redact(c.message).text
    c = withhold_secret_files(c._replace(message=message))
    keep = choose_hunks(c.files, max_diff_chars)
    if any(_KEY_BLOCK in c.files[fi].hunks[hi].lines for fi, hi in keep) or any(
        _KEY_BLOCK in c.files[fi].hunks[hi].header for fi, hi in keep
    ):
        c = scrub_commit(c, keep=keep)
    else:
        files = list(c.files)
        for fi, f in enumerate(files):
            # (A credential file's hunks were withheld above: nothing left to scan.)
            if is_config_file(f.path) and any(h.lines for h in f.hunks):
                shown = [hi for hi in range(len(f.hunks)) if (fi, hi) in keep]
                if shown:
                    files[fi] = _scan_config_hunks(f, shown)
        c = c._replace(files=tuple(files))
    text, sections = commit_text(c, max_diff_chars=max_diff_chars, keep=keep)
    return message, redact(text).text, sections
