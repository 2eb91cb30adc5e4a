"""Git history as a source: commits become slices, cached by commit id.

:class:`GitSource` reads the ``max_commits`` most recent commits reachable from ``rev``
(never anything after it), turns each into a ``kind="commit"`` slice, and leaves a
:class:`~context_kit.history.History` in ``history_`` for retrievers and linking.

Commits are immutable, so each parsed commit is cached on disk under a key made of its id
and the reading options; a second index of the same history runs one ``git rev-list`` and
reads the cache. Anything that makes history unreadable — no git, not a repository, no
commits, a shallow clone's missing past, a message that is not UTF-8 — is reported in the
``skipped`` list with a reason, never raised (an unknown explicit ``rev`` is the one typed
error: it is a caller's mistake, not a property of the repository).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._cache import atomic_write, content_key, default_cache_dir, read_entry, seal, unseal
from ..errors import OptionError
from ..history import History
from ..secrets import RULES_VERSION
from ..types import SkippedFile, Slice
from ._commit_secrets import redacted_rendering
from ._commit_text import commit_text
from ._gitlog import Commit, FileChange, LogOptions, run_log
from .walk import SAFE_GIT_CONFIG, FileText

__all__ = ["HISTORY_PATH", "GitSource"]

log = logging.getLogger("context_kit")

HISTORY_PATH = "<git history>"
"""The ``path`` of repository-wide skip reports from the git source."""

_CACHE_VERSION = "3"
_CACHE_KIND = f"git-commits/{_CACHE_VERSION}"
# Commits read from git between two progress reports (a report per commit would cost more
# than the parsing on a fast machine).
_PROGRESS_EVERY = 50
# A chunk ends after an id starting with this prefix (1 id in 256), or at _CHUNK_MAX ids.
_CHUNK_BOUNDARY = "00"
_CHUNK_MAX = 1024
_PROBE_TIMEOUT_S = 60


def _skip(reason: str, detail: str, path: str = HISTORY_PATH) -> SkippedFile:
    return SkippedFile(path=path, reason=reason, detail=detail)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *SAFE_GIT_CONFIG, *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=_PROBE_TIMEOUT_S,
        check=False,
        env={**_env(), "LC_ALL": "C"},
    )


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "GIT_TERMINAL_PROMPT": "0"}


class GitSource:
    """Commits reachable from ``rev`` as slices.

    Args:
        rev: The revision history is read at; nothing after it is ever read.
        max_commits: Most recent commits to read (``None`` for all).
        max_diff_chars: Hunk text kept per commit slice; the rest is elided.
        log_options: Diff reading options (context lines, renames, per-hunk caps).
        cache_dir: Cache folder (default :func:`~context_kit._cache.default_cache_dir`);
            ``False`` disables the cache.
        redact_secrets: Redact credentials in messages and diffs and drop the hunk text of
            credential files (see :mod:`context_kit.sources._commit_secrets`) before a
            commit is rendered or cached.

    Attributes:
        history_: The commits read by the last :meth:`collect` (``None`` before, or when
            history was skipped).

    >>> import context_kit.sources.git as g
    >>> g.GitSource(max_commits=10).name
    'git'
    """

    name = "git"

    def __init__(
        self,
        *,
        rev: str = "HEAD",
        max_commits: int | None = 1000,
        max_diff_chars: int = 4000,
        log_options: LogOptions | None = None,
        cache_dir: Path | bool | None = None,
        redact_secrets: bool = True,
    ) -> None:
        self.rev = rev
        self.redact_secrets = redact_secrets
        self.max_commits = max_commits
        self.max_diff_chars = max_diff_chars
        self.log_options = log_options
        self.cache_dir = cache_dir
        self.history_: History | None = None

    # ------------------------------------------------------------------ protocol
    def collect(
        self,
        root: Path,
        files: Sequence[FileText] = (),
        *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> tuple[list[Slice], list[SkippedFile]]:
        """Commit slices (newest first) and the reasons anything was skipped.

        ``progress("history", done, total)`` is called as commits are read from git (cached
        commits count as done at once).
        """
        entries, skipped = self._read(root, progress)
        commits = [e.commit for e in entries]
        self.history_ = History(commits) if commits else None
        slices = [_to_slice(e.commit, e.text, e.sections) for e in entries]
        return slices, skipped

    def read(self, root: Path) -> tuple[list[Commit], list[SkippedFile]]:
        """The commits (newest first, without hunk text) and skip reports.

        Raises:
            OptionError: An explicit ``rev`` other than ``HEAD`` that does not resolve.
        """
        entries, skipped = self._read(root)
        return [e.commit for e in entries], skipped

    # ------------------------------------------------------------------ reading
    def _read(
        self, root: Path, progress: Callable[[str, int, int], None] | None = None
    ) -> tuple[list[_Entry], list[SkippedFile]]:
        if shutil.which("git") is None:
            return [], [_skip("no_git", "git is not installed; history was not read")]
        try:
            probe = _git(root, "rev-parse", "--show-prefix", "--is-shallow-repository")
        except (OSError, subprocess.SubprocessError) as exc:
            return [], [_skip("git_error", f"git could not run: {exc!r}")]
        if probe.returncode != 0:
            # git's own words matter here: "dubious ownership" needs a safe.directory entry.
            why = (probe.stderr.strip().splitlines() or ["not a git repository"])[0][:300]
            return [], [_skip("not_a_repository", f"no git history here: {why}")]
        out = probe.stdout.splitlines()
        prefix = out[0].strip() if len(out) > 1 else ""
        shallow = (out[-1].strip() if out else "") == "true"
        head = _git(root, "rev-parse", "--verify", "--quiet", f"{self.rev}^{{commit}}")
        if head.returncode != 0:
            if self.rev != "HEAD":
                raise OptionError(
                    f"revision {self.rev!r} is not a commit of {root}; pass a branch, tag or "
                    "commit id that exists",
                    name="rev",
                )
            return [], [_skip("no_commits", "the repository has no commits yet")]
        sha = head.stdout.strip()
        skipped: list[SkippedFile] = []
        if shallow:
            skipped.append(
                _skip(
                    "shallow_history",
                    "shallow clone: history stops at the clone depth and boundary commits "
                    "show no diff",
                )
            )
        cmd = ["rev-list"]
        if self.max_commits is not None:
            cmd.append(f"--max-count={int(self.max_commits)}")
        cmd += [sha, "--"]
        if prefix:
            cmd.append(".")
        listed = _git(root, *cmd)
        if listed.returncode != 0:
            return [], [*skipped, _skip("git_error", listed.stderr.strip()[:500])]
        shas = listed.stdout.split()
        commits = self._load(
            root, shas, prefix=prefix, shallow=shallow, skipped=skipped, progress=progress
        )
        for e in commits:
            c = e.commit
            if c.note:
                skipped.append(
                    _skip(c.note, "decoded with replacement characters", f"commit:{c.sha}")
                )
        return commits, skipped

    def _cache_root(self) -> Path | None:
        if self.cache_dir is False:
            return None
        if self.cache_dir is None or self.cache_dir is True:
            return default_cache_dir() / "git"
        return Path(self.cache_dir) / "git"

    def _load(
        self,
        root: Path,
        shas: list[str],
        *,
        prefix: str,
        shallow: bool,
        skipped: list[SkippedFile],
        progress: Callable[[str, int, int], None] | None = None,
    ) -> list[_Entry]:
        opts = self.log_options or LogOptions()
        cache = self._cache_root()
        redaction = f"r{RULES_VERSION}" if self.redact_secrets else "r-"
        params = (
            f"{_CACHE_VERSION}:{opts.key()}:d{self.max_diff_chars}:{prefix}:{int(shallow)}:"
            + redaction
        )
        found: dict[str, _Entry] = {}
        chunks = _chunks(shas)
        paths: list[Path] = []
        if cache is not None:
            for chunk in chunks:
                key = content_key("git-chunk", params, *chunk)
                p = cache / key[:2] / f"{key}.json"
                paths.append(p)
                entries = _read_chunk(unseal(read_entry(p), _CACHE_KIND, where=p), chunk)
                if entries is not None:
                    found.update(zip(chunk, entries, strict=True))
        missing = [s for s in shas if s not in found]
        if progress is not None:
            progress("history", len(shas) - len(missing), len(shas))
        if missing:
            try:
                for c in run_log(
                    str(root), missing, opts, show_root=not shallow, relative=bool(prefix)
                ):
                    found[c.sha] = self._entry(c)
                    if progress is not None and len(found) % _PROGRESS_EVERY == 0:
                        progress("history", len(found), len(shas))
            except (OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", b"") or repr(exc)
                if isinstance(detail, bytes):
                    detail = detail.decode("utf-8", "replace")
                skipped.append(_skip("git_error", f"git log failed: {str(detail)[:500]}"))
            if cache is not None:
                # Write back every chunk that was read from git and is now complete.
                missed = set(missing)
                for chunk, p in zip(chunks, paths, strict=True):
                    if not missed.isdisjoint(chunk) and all(s in found for s in chunk):
                        atomic_write(p, seal(_chunk_json([found[s] for s in chunk]), _CACHE_KIND))
        if progress is not None:
            progress("history", len(shas), len(shas))
        return [found[s] for s in shas if s in found]

    def _entry(self, c: Commit) -> _Entry:
        """The cache entry of a commit read from git: redacted, rendered, without hunk text."""
        if not self.redact_secrets:
            text, sections = commit_text(c, max_diff_chars=self.max_diff_chars)
            return _Entry(_light(c), text, sections)
        message, text, sections = redacted_rendering(c, max_diff_chars=self.max_diff_chars)
        return _Entry(_light(c._replace(message=message)), text, sections)


def _to_slice(c: Commit, text: str, sections: dict[str, int]) -> Slice:
    """The slice of one commit (its ``text`` is the full rendering)."""
    meta: dict[str, str | int | float | bool | None] = {
        "author": c.author,
        "email": c.email,
        "time": c.time,
        "files": len(c.files),
        "insertions": sum(f.added for f in c.files),
        "deletions": sum(f.deleted for f in c.files),
        "merge": len(c.parents) > 1,
        **sections,
    }
    return Slice(
        id=f"commit:{c.sha}",
        kind="commit",
        name=c.subject,
        symbol_kind="commit",
        text=text,
        commit=c.sha,
        meta=meta,
    )


# ---------------------------------------------------------------------- cache format
class _Entry:
    """A commit as the cache keeps it: light record, rendered text, section lines."""

    __slots__ = ("commit", "sections", "text")

    def __init__(self, commit: Commit, text: str, sections: dict[str, int]) -> None:
        self.commit = commit
        self.text = text
        self.sections = sections


def _light(c: Commit) -> Commit:
    """``c`` without hunk text (history needs only ranges; the slice text is rendered)."""
    files = tuple(
        FileChange(f.status, f.old_path, f.new_path, f.added, f.deleted, f.binary, (), f.runs)
        for f in c.files
    )
    return Commit(
        c.sha, c.parents, c.author, c.email, c.time, c.commit_time, c.message, files, c.note
    )


def _chunks(shas: list[str]) -> list[list[str]]:
    """Split the id list at content-defined points (ids starting ``00``, or a size cap).

    A chunk's key is the hash of its ids, so a new commit on top, or a different
    ``max_commits`` cutting the tail, invalidates only the first or last chunk.
    """
    out: list[list[str]] = []
    cur: list[str] = []
    for s in shas:
        cur.append(s)
        if s.startswith(_CHUNK_BOUNDARY) or len(cur) >= _CHUNK_MAX:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _chunk_json(entries: list[_Entry]) -> bytes:
    """A chunk on disk: one JSON line of records, then the texts back to back (UTF-8).

    Texts are kept out of the JSON because they are most of the bytes and decoding them
    as one UTF-8 blob is several times faster than parsing them as JSON strings.
    """
    recs = []
    for e in entries:
        c = e.commit
        files = [
            [f.status, f.old_path, f.new_path, f.added, f.deleted, f.binary, f.runs]
            for f in c.files
        ]
        recs.append(
            [
                c.sha,
                c.parents,
                c.author,
                c.email,
                c.time,
                c.commit_time,
                c.message,
                c.note,
                files,
                len(e.text),
                e.sections,
            ]
        )
    head = json.dumps(recs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return head + b"\n" + "".join(e.text for e in entries).encode("utf-8", "surrogatepass")


def _read_chunk(data: bytes | None, shas: list[str]) -> list[_Entry] | None:
    """The cached entries of a chunk, or ``None`` for a miss (absent, corrupt, foreign)."""
    if data is None:
        return None
    try:
        head, _, blob = data.partition(b"\n")
        recs: Any = json.loads(head)
        texts = blob.decode("utf-8", "surrogatepass")
        out = []
        pos = 0
        for r in recs:
            end = pos + int(r[9])
            out.append(
                _Entry(
                    Commit(
                        r[0],
                        tuple(r[1]),
                        r[2],
                        r[3],
                        int(r[4]),
                        int(r[5]),
                        r[6],
                        tuple(
                            FileChange(f[0], f[1], f[2], f[3], f[4], f[5], (), tuple(f[6]))
                            for f in r[8]
                        ),
                        r[7],
                    ),
                    texts[pos:end],
                    r[10],
                )
            )
            pos = end
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None
    if pos != len(texts) or [e.commit.sha for e in out] != shas:
        return None
    return out
