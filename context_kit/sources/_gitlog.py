"""Read commits from the git command line: one streaming ``git log`` and a small parser.

Why the command line and not a binding (pygit2/libgit2): git's own diff machinery is the
fastest diff producer available (libgit2 recomputes every diff in-process and its rename
detection is slower), git is present wherever a repository is, and it adds no compiled
dependency. We call it without a shell, with explicit formats (``--no-color --no-ext-diff
--no-textconv``, fixed ``core.quotepath``), and parse its output as a stream so memory stays
bounded by one commit.

Each record starts with ``_START`` (a NUL can never appear in a commit message, and git
prints a file whose first 8000 bytes hold a NUL as binary, so the marker cannot collide with
message or diff text in practice).
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Commit", "FileChange", "Hunk", "LogOptions", "parse_log", "run_log"]

# Commit, FileChange and Hunk are named tuples rather than frozen dataclasses: immutable
# all the same, and several times cheaper to build when 10,000 commits come back from the
# cache.

_START = b"\x00\x00ck-commit\x1e"
_FIELD = "\x1f"
_END_MSG = b"\x00\x00ck-diff\x1e"
# The fields of the header, in order; %B is the raw message (subject + body).
_FORMAT = (
    _START.decode().replace("\x00", "%x00").replace("\x1e", "%x1e")
    + _FIELD.join(["%H", "%P", "%an", "%ae", "%at", "%ct", "%e", "%B"]).replace("\x1f", "%x1f")
    + _END_MSG.decode().replace("\x00", "%x00").replace("\x1e", "%x1e")
)

_READ_CHUNK = 1 << 20
_MAX_STDERR = 4096


class Hunk(NamedTuple):
    r"""One hunk of a file's diff.

    Attributes:
        old_start: First pre-image line of the hunk (git's ``-a,b``).
        old_len: Pre-image lines the hunk spans.
        new_start: First post-image line.
        new_len: Post-image lines the hunk spans.
        header: The full ``@@ ... @@ context`` line.
        lines: The hunk body (`` ``/``+``/``-``/``\\`` lines, newline-terminated); may be
            shortened by ``LogOptions.max_hunk_lines`` (``cut`` says by how many lines).
        runs: Exact changed runs ``(old_start, old_len, new_start, new_len)``: each maximal
            block of ``-``/``+`` lines. A zero length means a pure insertion or deletion and
            its start is then the line *before* the change, as in git's hunk headers.
        cut: Body lines left out of ``lines``.
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    header: str
    lines: str
    runs: tuple[tuple[int, int, int, int], ...]
    cut: int = 0


class FileChange(NamedTuple):
    """What one commit did to one file.

    Attributes:
        status: ``A`` added, ``D`` deleted, ``M`` modified, ``R`` renamed, ``C`` copied.
        old_path: Path before (``None`` when added).
        new_path: Path after (``None`` when deleted).
        added: Lines added.
        deleted: Lines deleted.
        binary: Whether git reported the file as binary.
        hunks: The hunks, in file order (empty when read back from the cache, which keeps
            only the rendered text and ``runs``).
        runs: Every hunk's exact changed runs in file order (see :attr:`Hunk.runs`),
            flattened: ``(old_start, old_len, new_start, new_len, old_start, ...)``, which
            is far cheaper to store and load than a tuple per run.
    """

    status: str
    old_path: str | None
    new_path: str | None
    added: int
    deleted: int
    binary: bool
    hunks: tuple[Hunk, ...]
    runs: tuple[int, ...] = ()

    @property
    def path(self) -> str:
        """The path after the change, or before it for deletions."""
        return self.new_path or self.old_path or ""


class Commit(NamedTuple):
    """One commit with its message and diff against its first parent.

    Attributes:
        sha: Full commit id.
        parents: Parent ids (empty for a root or shallow boundary, 2+ for merges).
        author: Author name.
        email: Author e-mail.
        time: Author time, Unix seconds.
        commit_time: Committer time, Unix seconds.
        message: Full message (subject, blank line, body).
        files: Changed files (empty for merges: their diff is their parents').
        note: Why something was lost reading it (``invalid-utf8``...), else ``""``.
    """

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    time: int
    commit_time: int
    message: str
    files: tuple[FileChange, ...]
    note: str = ""

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        """The message after the subject line, stripped."""
        parts = self.message.split("\n", 1)
        return parts[1].strip("\n") if len(parts) > 1 else ""


@dataclass(frozen=True)
class LogOptions:
    """How commits are read (every option changes the cache key).

    Attributes:
        context_lines: Context lines around each change (``git log -U``).
        renames: Detect renames (``-M``).
        max_hunk_lines: Keep at most this many body lines per hunk.
        max_file_lines: Keep hunk text for at most this many body lines per file; later
            hunks keep their ranges but not their text.
    """

    context_lines: int = 3
    renames: bool = True
    max_hunk_lines: int = 80
    max_file_lines: int = 400

    def key(self) -> str:
        """A string that identifies the options in cache keys."""
        return (
            f"U{self.context_lines}:M{int(self.renames)}:"
            f"h{self.max_hunk_lines}:f{self.max_file_lines}"
        )


def log_command(opts: LogOptions, *, show_root: bool = True, relative: bool = False) -> list[str]:
    """The ``git log`` argv that reads commit ids from stdin (``--no-walk --stdin``)."""
    cmd = [
        "git",
        # A repository's config may name programs git would run (core.fsmonitor).
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.quotepath=false",
        "-c",
        f"log.showRoot={'true' if show_root else 'false'}",
        "-c",
        "diff.noprefix=false",
        "-c",
        "diff.mnemonicPrefix=false",
        # Settings a user's config could set that would change what we parse.
        "-c",
        "log.showSignature=false",
        "-c",
        "diff.relative=false",
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--encoding=UTF-8",
        f"--format={_FORMAT}",
        "-p",
        f"-U{opts.context_lines}",
        "--ignore-submodules=none",
    ]
    cmd.append("-M" if opts.renames else "--no-renames")
    if relative:
        cmd.append("--relative")
    return cmd


def run_log(
    cwd: str, shas: Sequence[str], opts: LogOptions, *, show_root: bool = True, relative: bool
) -> Iterator[Commit]:
    """Stream the commits ``shas`` (in that order) with their diffs.

    Raises:
        OSError: git cannot be started.
        subprocess.CalledProcessError: git failed.
    """
    # stderr goes to a file: a pipe nobody reads while stdout streams could fill and stall git.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            log_command(opts, show_root=show_root, relative=relative),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_git_env(),
        )
        assert proc.stdin is not None and proc.stdout is not None
        # git reads every id from stdin before it prints anything, so one write then close
        # cannot deadlock against the stdout pipe.
        proc.stdin.write("".join(s + "\n" for s in shas).encode())
        proc.stdin.close()
        try:
            yield from parse_log(_chunks(proc.stdout), opts)
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise subprocess.CalledProcessError(code, "git log", stderr=errors.read(_MAX_STDERR))


def _git_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    # Never prompt, never page, never read a user's diff drivers or locale-specific output.
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "LANG": "C"})
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def _chunks(stream: object) -> Iterator[bytes]:
    # Whole 1 MB reads: git and the parser mostly take turns (git fills the pipe while the
    # parser waits). Letting git run ahead — a reader thread, or read1 on a 1 MB pipe —
    # was measured on the 2-core benchmark machine (pytest, 10,000 commits, load 3-5) and
    # was no faster: 11-17 s wall against 9-16 s, with more CPU spent by both processes.
    read = stream.read  # type: ignore[attr-defined]
    while True:
        data = read(_READ_CHUNK)
        if not data:
            return
        yield data


def parse_log(chunks: Iterable[bytes], opts: LogOptions) -> Iterator[Commit]:
    """Parse the byte stream of :func:`log_command` into commits."""
    # Pieces of the current record; joined only once its end is seen, so a huge diff
    # costs linear time, not one re-scan per chunk.
    pieces: list[bytes] = []
    tail = b""
    for data in chunks:
        data = tail + data
        parts = data.split(_START)
        # Keep a marker-sized tail back in case a marker straddles two chunks.
        last = parts.pop()
        keep = len(_START) - 1
        tail = last[-keep:] if len(last) > keep else last
        last_head = last[: len(last) - len(tail)]
        for rec in parts:
            pieces.append(rec)
            whole = b"".join(pieces)
            pieces = []
            if whole:
                yield _parse_record(whole, opts)
        pieces.append(last_head)
    pieces.append(tail)
    whole = b"".join(pieces)
    if whole:
        yield _parse_record(whole, opts)


def _decode(data: bytes) -> tuple[str, bool]:
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), False


def _parse_record(rec: bytes, opts: LogOptions) -> Commit:
    head, _, diff = rec.partition(_END_MSG)
    fields = head.split(_FIELD.encode(), 7)
    fields += [b""] * (8 - len(fields))
    sha, parents, author, email, atime, ctime, _enc, message = fields
    msg, ok = _decode(message)
    note = "" if ok else "invalid-utf8"
    files: tuple[FileChange, ...] = ()
    if diff.strip():
        text, ok_diff = _decode(diff)
        if not ok_diff:
            note = note or "invalid-utf8-diff"
        files = tuple(_parse_diff(text, opts))
    return Commit(
        sha=sha.decode("ascii", "replace"),
        parents=tuple(parents.decode("ascii", "replace").split()),
        author=_decode(author)[0],
        email=_decode(email)[0],
        time=int(atime or 0),
        commit_time=int(ctime or 0),
        message=msg.replace("\r\n", "\n").rstrip("\n"),
        files=files,
        note=note,
    )


def _unquote(path: str) -> str:
    r"""Undo git's C-style quoting of a path (``"a\\tb"``); plain paths pass through."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    raw = path[1:-1].encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    simple = {ord("n"): 10, ord("t"): 9, ord('"'): 34, ord("\\"): 92, ord("a"): 7, ord("b"): 8}
    simple.update({ord("f"): 12, ord("r"): 13, ord("v"): 11})
    while i < len(raw):
        c = raw[i]
        if c == 92 and i + 1 < len(raw):
            n = raw[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            if 48 <= n <= 55 and i + 3 < len(raw) + 1:
                out.append(int(raw[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
        out.append(c)
        i += 1
    return out.decode("utf-8", "replace")


def _strip_prefix(path: str) -> str | None:
    path = _unquote(path.split("\t", 1)[0])
    if path == "/dev/null":
        return None
    return path[2:] if path[:2] in ("a/", "b/") else path


def _git_header_paths(line: str) -> tuple[str, str]:
    """Old and new path from ``diff --git a/X b/Y`` (X == Y unless a rename says otherwise)."""
    rest = line[len("diff --git ") :]
    if rest.startswith('"'):
        end = rest.find('" ', 1)
        while end > 0 and rest[end - 1] == "\\":
            end = rest.find('" ', end + 1)
        a, b = rest[: end + 1], rest[end + 2 :]
        return _strip_prefix(a) or "", _strip_prefix(b) or ""
    # Unquoted and unrenamed: "a/P b/P", so P is half of what remains.
    half = (len(rest) - 1) // 2
    return rest[2:half], rest[half + 3 :]


class _FileBuilder:
    __slots__ = ("added", "binary", "budget", "deleted", "hunks", "new", "old", "status")

    def __init__(self, line: str, max_file_lines: int) -> None:
        self.old, self.new = _git_header_paths(line)
        self.status = "M"
        self.added = self.deleted = 0
        self.binary = False
        self.hunks: list[Hunk] = []
        self.budget = max_file_lines

    def finish(self) -> FileChange:
        old: str | None = self.old
        new: str | None = self.new
        if self.status == "A":
            old = None
        elif self.status == "D":
            new = None
        runs = tuple(itertools.chain.from_iterable(r for h in self.hunks for r in h.runs))
        return FileChange(
            self.status, old, new, self.added, self.deleted, self.binary, tuple(self.hunks), runs
        )


def _parse_diff(text: str, opts: LogOptions) -> Iterator[FileChange]:
    lines = text.split("\n")
    n = len(lines)
    i = 0
    cur: _FileBuilder | None = None
    while i < n:
        line = lines[i]
        if line.startswith("diff --git "):
            if cur is not None:
                yield cur.finish()
            cur = _FileBuilder(line, opts.max_file_lines)
            i += 1
            continue
        if cur is None:
            i += 1
            continue
        if line.startswith("@@ "):
            i = _parse_hunk(lines, i, cur, opts)
            continue
        if line.startswith("new file mode"):
            cur.status = "A"
        elif line.startswith("deleted file mode"):
            cur.status = "D"
        elif line.startswith("rename from "):
            cur.status, cur.old = "R", _unquote(line[12:])
        elif line.startswith("rename to "):
            cur.new = _unquote(line[10:])
        elif line.startswith("copy from "):
            cur.status, cur.old = "C", _unquote(line[10:])
        elif line.startswith("copy to "):
            cur.new = _unquote(line[8:])
        elif line.startswith("--- "):
            p = _strip_prefix(line[4:])
            if p is not None:
                cur.old = p
        elif line.startswith("+++ "):
            p = _strip_prefix(line[4:])
            if p is not None:
                cur.new = p
        elif line.startswith(("Binary files ", "GIT binary patch")):
            cur.binary = True
        i += 1
    if cur is not None:
        yield cur.finish()


def _ints(spec: str) -> tuple[int, int]:
    a, _, b = spec.partition(",")
    return int(a), (int(b) if b else 1)


def _parse_hunk(lines: list[str], i: int, cur: _FileBuilder, opts: LogOptions) -> int:
    header = lines[i]
    try:
        spec = header[3 : header.index(" @@", 3)]
        old_spec, new_spec = spec.split(" ")
        old_start, old_len = _ints(old_spec[1:])
        new_start, new_len = _ints(new_spec[1:])
    except ValueError:  # a malformed header: skip the line, keep going
        return i + 1
    i += 1
    start = i
    n = len(lines)
    o, nn = old_start, new_start
    runs: list[tuple[int, int, int, int]] = []
    run_o = run_n = -1
    ro = rn = 0
    left_old, left_new = old_len, new_len
    while i < n and (left_old > 0 or left_new > 0 or lines[i][:1] == "\\"):
        c = lines[i][:1]
        if c == "-":
            if run_o < 0:
                run_o, run_n = o, nn
            ro += 1
            o += 1
            left_old -= 1
        elif c == "+":
            if run_o < 0:
                run_o, run_n = o, nn
            rn += 1
            nn += 1
            left_new -= 1
        elif c == "\\":
            pass
        else:  # context (" " or an empty line git wrote for an empty context line)
            if run_o >= 0:
                runs.append((run_o if ro else run_o - 1, ro, run_n if rn else run_n - 1, rn))
                run_o, ro, rn = -1, 0, 0
            o += 1
            nn += 1
            left_old -= 1
            left_new -= 1
        i += 1
    if run_o >= 0:
        runs.append((run_o if ro else run_o - 1, ro, run_n if rn else run_n - 1, rn))
    cur.added += sum(r[3] for r in runs)
    cur.deleted += sum(r[1] for r in runs)
    body = lines[start:i]
    keep = min(len(body), opts.max_hunk_lines, max(cur.budget, 0))
    cur.budget -= keep
    text = "\n".join(body[:keep]) + "\n" if keep else ""
    cur.hunks.append(
        Hunk(old_start, old_len, new_start, new_len, header, text, tuple(runs), len(body) - keep)
    )
    return i
