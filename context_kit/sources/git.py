"""Git history as a source: commits become slices, cached by commit id.

:class:`GitSource` reads the ``max_commits`` most recent commits reachable from ``rev``
(never anything after it), turns each into a ``kind="commit"`` slice, and leaves a
:class:`~context_kit.history.History` in ``history_`` for retrievers and linking.

Commits are immutable, so parsed commits are cached on disk in chunks keyed by their ids
and the reading options, and a small manifest keyed by the tip's id names the chunks of
that tip's history: a second read of the same tip costs two ``git rev-parse`` calls and
one read per chunk (no ``rev-list``, no ``log``). When the tip moves, ``rev-list`` lists
the new history; chunks whose ids did not change are reused, and the commits of chunks
that did are taken from the last tip's chunks, so only new commits are read from git.
Anything that makes history unreadable — no git, not a repository, no
commits, a shallow clone's missing past, a message that is not UTF-8 — is reported in the
``skipped`` list with a reason, never raised (an unknown explicit ``rev`` is the one typed
error: it is a caller's mistake, not a property of the repository).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np

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

_CACHE_VERSION = "4"
_CACHE_KIND = f"git-commits/{_CACHE_VERSION}"
_TIP_KIND = f"git-tip/{_CACHE_VERSION}"
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
        params = self._params(prefix, shallow)
        cache = self._cache_root()
        tip = last = None
        # The commits reachable from a commit id never change, so a warm read of the same
        # tip skips rev-list: a small manifest names its chunks. Not for shallow clones,
        # whose history grows under the same tip when they are deepened.
        if cache is not None and not shallow:
            tip = _entry_path(cache, content_key("git-tip", params, sha, str(self.max_commits)))
            entries = self._read_manifest(cache, tip, params)
            if entries is not None:
                if progress is not None:
                    progress("history", len(entries), len(entries))
                return entries, skipped + _notes(entries)
            # The manifest of the last tip read here: when the tip moves, the chunks at
            # either end of the list change (new commits on top, old ones off the end of
            # max_commits), but their commits are still in the last tip's chunks.
            last = _entry_path(
                cache,
                content_key(
                    "git-last", params, str(root.resolve()), self.rev, str(self.max_commits)
                ),
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
        commits, keys = self._load(
            root,
            shas,
            params=params,
            relative=bool(prefix),
            shallow=shallow,
            skipped=skipped,
            progress=progress,
            previous=last,
        )
        if tip is not None and last is not None and len(commits) == len(shas):
            manifest = seal(json.dumps(keys).encode(), _TIP_KIND)
            atomic_write(tip, manifest)
            atomic_write(last, manifest)
        return commits, skipped + _notes(commits)

    def _params(self, prefix: str, shallow: bool) -> str:
        """Everything besides commit ids that changes what is cached."""
        opts = self.log_options or LogOptions()
        redaction = f"r{RULES_VERSION}" if self.redact_secrets else "r-"
        return (
            f"{_CACHE_VERSION}:{opts.key()}:d{self.max_diff_chars}:{prefix}:{int(shallow)}:"
            + redaction
        )

    def _read_manifest(
        self, cache: Path, path: Path, params: str, *, partial: Collection[str] | None = None
    ) -> list[_Entry] | None:
        """The entries of the chunks a manifest names, in order.

        ``None`` unless the manifest and every chunk are intact; with ``partial`` (chunk
        keys already read), those chunks and any damaged one are skipped instead.
        """
        data = unseal(read_entry(path), _TIP_KIND, where=path)
        if data is None:
            return None
        try:
            keys = json.loads(data)
        except ValueError:
            return None
        if not isinstance(keys, list):
            return None
        out: list[_Entry] = []
        for key in keys:
            if not isinstance(key, str) or len(key) != 32:
                return None
            if partial is not None and key in partial:
                continue
            p = _entry_path(cache, key)
            entries = _read_chunk(unseal(read_entry(p), _CACHE_KIND, where=p), None)
            # A chunk is only what its key says if its ids hash to that key.
            if entries is None or key != content_key(
                "git-chunk", params, *(e.commit.sha for e in entries)
            ):
                if partial is not None:
                    continue
                return None
            out.extend(entries)
        return out

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
        params: str,
        relative: bool,
        shallow: bool,
        skipped: list[SkippedFile],
        progress: Callable[[str, int, int], None] | None = None,
        previous: Path | None = None,
    ) -> tuple[list[_Entry], list[str]]:
        """The entries of ``shas`` (cached chunks, the rest from git) and the chunk keys.

        ``previous`` is a manifest whose chunks may hold commits the chunks of ``shas``
        do not (those of the last tip read).
        """
        opts = self.log_options or LogOptions()
        cache = self._cache_root()
        found: dict[str, _Entry] = {}
        chunks = _chunks(shas)
        keys = [content_key("git-chunk", params, *chunk) for chunk in chunks]
        paths: list[Path] = []
        if cache is not None:
            for chunk, key in zip(chunks, keys, strict=True):
                p = _entry_path(cache, key)
                paths.append(p)
                entries = _read_chunk(unseal(read_entry(p), _CACHE_KIND, where=p), chunk)
                if entries is not None:
                    found.update(zip(chunk, entries, strict=True))
        cached = set(found)
        missing = [s for s in shas if s not in found]
        if missing and previous is not None and cache is not None:
            wanted = set(missing)
            for e in self._read_manifest(cache, previous, params, partial=set(keys)) or ():
                if e.commit.sha in wanted:
                    found[e.commit.sha] = e
            missing = [s for s in shas if s not in found]
        if progress is not None:
            progress("history", len(shas) - len(missing), len(shas))
        if missing:
            try:
                for c in run_log(
                    str(root), missing, opts, show_root=not shallow, relative=relative
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
            # Write every chunk that was not on disk and is now complete.
            for chunk, p in zip(chunks, paths, strict=True):
                if not all(s in cached for s in chunk) and all(s in found for s in chunk):
                    atomic_write(p, seal(_chunk_bytes([found[s] for s in chunk]), _CACHE_KIND))
        if progress is not None:
            progress("history", len(shas), len(shas))
        return [found[s] for s in shas if s in found], keys

    def _entry(self, c: Commit) -> _Entry:
        """The cache entry of a commit read from git: redacted, rendered, without hunk text."""
        if not self.redact_secrets:
            text, sections = commit_text(c, max_diff_chars=self.max_diff_chars)
            return _Entry(_light(c), text, sections)
        message, text, sections = redacted_rendering(c, max_diff_chars=self.max_diff_chars)
        return _Entry(_light(c._replace(message=message)), text, sections)


def _entry_path(cache: Path, key: str) -> Path:
    return cache / key[:2] / f"{key}.json"


def _notes(entries: list[_Entry]) -> list[SkippedFile]:
    """A skip report for each commit something was lost reading (invalid UTF-8...)."""
    return [
        _skip(e.commit.note, "decoded with replacement characters", f"commit:{e.commit.sha}")
        for e in entries
        if e.commit.note
    ]


def _to_slice(c: Commit, text: str, sections: dict[str, int]) -> Slice:
    """The slice of one commit (its ``text`` is the full rendering)."""
    # (One loop, and the subject cut without copying the body: this runs 10,000 times on
    # every warm read.)
    insertions = deletions = 0
    for f in c.files:
        insertions += f.added
        deletions += f.deleted
    end = c.message.find("\n")
    subject = (c.message if end < 0 else c.message[:end]).strip()
    meta: dict[str, str | int | float | bool | None] = {
        "author": c.author,
        "email": c.email,
        "time": c.time,
        "files": len(c.files),
        "insertions": insertions,
        "deletions": deletions,
        "merge": len(c.parents) > 1,
        **sections,
    }
    # Every field is built here from typed values, so validation would only re-check them;
    # copying a validated template is the cheapest unvalidated construction pydantic offers
    # (measured: 10 us a slice against 17 validated and 44 for model_construct).
    return _COMMIT_TEMPLATE.model_copy(
        update={
            "id": f"commit:{c.sha}",
            "name": subject,
            "text": text,
            "commit": c.sha,
            "meta": meta,
        }
    )


_COMMIT_TEMPLATE = Slice(id="commit:", kind="commit", symbol_kind="commit", text="")


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


def _chunk_bytes(entries: list[_Entry]) -> bytes:
    """A chunk on disk: one JSON line of records, the runs, then the strings (UTF-8).

    Built for the warm read, whose cost is decoding: the line ranges (most of the numbers)
    are one little-endian ``int32`` array, and messages and texts (most of the bytes) are
    one UTF-8 string cut by lengths, which decode far faster than as JSON numbers and
    strings. A record is ``[sha, parents, author, email, time, commit_time, note,
    message length, text length, message_line, stat_line, diff_line, files]``, ``files``
    flattened as ``status, old, new, added, deleted, binary, run count`` per file.
    """
    recs = []
    runs: list[int] = []
    strings: list[str] = []
    for e in entries:
        c = e.commit
        files: list[object] = []
        for f in c.files:
            files += [f.status, f.old_path, f.new_path, f.added, f.deleted, int(f.binary)]
            files.append(len(f.runs))
            runs += f.runs
        sec = e.sections
        recs.append(
            [
                c.sha,
                " ".join(c.parents),
                c.author,
                c.email,
                c.time,
                c.commit_time,
                c.note,
                len(c.message),
                len(e.text),
                sec.get("message_line", -1),
                sec.get("stat_line", -1),
                sec.get("diff_line", -1),
                files,
            ]
        )
        strings += (c.message, e.text)
    head = json.dumps([len(runs), recs], ensure_ascii=False, separators=(",", ":"))
    return (
        head.encode("utf-8")
        + b"\n"
        + np.asarray(runs, dtype="<i4").tobytes()
        + "".join(strings).encode("utf-8", "surrogatepass")
    )


def _read_chunk(data: bytes | None, shas: list[str] | None) -> list[_Entry] | None:
    """The cached entries of a chunk, or ``None`` for a miss (absent, corrupt, foreign).

    ``shas`` is the ids the chunk must hold, in order (``None`` when the caller checks).
    """
    if data is None:
        return None
    try:
        end = data.index(b"\n")
        n_runs, recs = json.loads(data[:end])
        runs_end = end + 1 + 4 * int(n_runs)
        runs = np.frombuffer(data[end + 1 : runs_end], dtype="<i4").tolist()
        strings = data[runs_end:].decode("utf-8", "surrogatepass")
        out = []
        pos = rpos = 0
        for r in recs:
            flat = r[12]
            files = []
            for k in range(0, len(flat), 7):
                n = flat[k + 6]
                files.append(
                    FileChange(
                        flat[k],
                        flat[k + 1],
                        flat[k + 2],
                        flat[k + 3],
                        flat[k + 4],
                        bool(flat[k + 5]),
                        (),
                        tuple(runs[rpos : rpos + n]),
                    )
                )
                rpos += n
            msg_end = pos + r[7]
            text_end = msg_end + r[8]
            commit = Commit(
                r[0],
                tuple(r[1].split()),
                r[2],
                r[3],
                r[4],
                r[5],
                strings[pos:msg_end],
                tuple(files),
                r[6],
            )
            sections = {"message_line": r[9], "stat_line": r[10], "diff_line": r[11]}
            out.append(_Entry(commit, strings[msg_end:text_end], sections))
            pos = text_end
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        return None
    if pos != len(strings) or rpos != len(runs):
        return None
    if shas is not None and [e.commit.sha for e in out] != shas:
        return None
    return out
