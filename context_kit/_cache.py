"""On-disk cache plumbing: where the cache lives, content keys, atomic writes.

The cache is an optimisation, never a source of truth: every reader must treat a missing,
truncated or unreadable entry as a miss, and every writer writes atomically (a temporary
file in the same folder, then ``os.replace``) so concurrent processes never see half a file.
Entries are content-addressed, so two processes writing the same key write the same bytes.
Entries are also *sealed* (:func:`seal`): a header names the format and carries a digest
of the payload, so a truncated, garbled or foreign file — or one a different format version
wrote — reads as a miss (with a warning), never as stale or corrupt data.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import itertools
import logging
import os
import tempfile
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "CACHE_ENV",
    "atomic_write",
    "atomic_write_with",
    "binary_stamp",
    "budget_from_env",
    "code_stamp",
    "content_key",
    "default_cache_dir",
    "prune_least_recent",
    "read_entry",
    "seal",
    "subfolders",
    "unseal",
]

log = logging.getLogger("context_kit")

CACHE_ENV = "CONTEXT_KIT_CACHE_DIR"
"""Environment variable that overrides the default cache folder."""


def default_cache_dir() -> Path:
    """The cache folder: ``$CONTEXT_KIT_CACHE_DIR``, else the XDG cache home's ``context_kit``.

    That is ``~/.cache/context_kit`` on most machines. The default lives outside any
    repository so indexing never dirties a work tree.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "context_kit"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry (some containers): a temp folder
        return Path(tempfile.gettempdir()) / f"context_kit-{_uid()}"
    return home / ".cache" / "context_kit"


def budget_from_env(env: str, default: int) -> int:
    """A size budget in bytes: ``$env`` read as megabytes, else ``default``."""
    value = os.environ.get(env)
    if not value:
        return default
    try:
        return max(0, int(float(value) * 1_000_000))
    except ValueError:
        log.warning("context_kit cache: %s=%r is not a number of MB; using the default", env, value)
        return default


def subfolders(folder: str | os.PathLike[str]) -> list[str]:
    """The paths of ``folder``'s subfolders (symlinks not followed); none when unreadable."""
    try:
        return [e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def prune_least_recent(
    folders: Iterable[str],
    suffix: str,
    budget: int,
    *,
    keep: Callable[[], Collection[str]] = frozenset,
    what: str = "entries",
) -> int:
    """Remove the least recently used ``*suffix`` files of ``folders`` until they fit ``budget``.

    Recency is the later of a file's access and modification times: a cache that touches
    what it loads (``os.utime``) gets exact LRU order; one that only reads gets the access
    time, which Linux's default ``relatime`` updates at most once a day (enough to tell a
    live entry from one of a deleted file), and which ``noatime`` mounts leave at the write
    time. ``keep`` is called only when the files exceed the budget and names paths never
    removed (what the caller is using). Files another process removes meanwhile count as
    gone; one that cannot be removed (permissions) is left and logged.

    Returns:
        The bytes removed.
    """
    entries: list[tuple[float, str, int]] = []
    for folder in folders:
        with contextlib.suppress(OSError):
            for e in os.scandir(folder):
                if e.name.endswith(suffix):
                    with contextlib.suppress(OSError):
                        st = e.stat(follow_symlinks=False)
                        entries.append((max(st.st_atime, st.st_mtime), e.path, st.st_size))
    total = sum(size for _, _, size in entries)
    if total <= budget:
        return 0
    kept = keep()
    freed = 0
    for _, path, size in sorted(entries):
        if total <= budget:
            break
        if path in kept:
            continue
        try:
            os.remove(path)
            freed += size
        except FileNotFoundError:
            pass  # another process removed it meanwhile: gone all the same
        except OSError as exc:  # read-only, or a folder permission: leave it
            log.info("context_kit cache: cannot remove %s (%s)", path, exc)
            continue
        total -= size
    if freed:
        log.info("context_kit cache: removed %.1f MB of least recently used %s", freed / 1e6, what)
    return freed


def _uid() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else "user"


def content_key(*parts: str | bytes) -> str:
    """A hex key for the given parts (order matters); 32 hex chars of BLAKE2b."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        data = p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.cache
def code_stamp(*patterns: str) -> str:
    """A digest of the library's version and its files matching ``patterns``.

    Patterns are globs relative to the package folder (``"sources/**/*.py"``). Part of
    the keys of entries those files compute: hand-bumped format versions cover the
    layout of an entry, this covers what computed it, so an upgrade (or an edited work
    tree) never reads entries the old code wrote. Read once per process and patterns.
    """
    from . import __version__

    here = Path(__file__).parent
    files = sorted({f for pattern in patterns for f in here.glob(pattern) if f.is_file()})
    return content_key(__version__, *(_named_bytes(f, here) for f in files))


def _named_bytes(f: Path, root: Path) -> bytes:
    try:
        return f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes()
    except OSError:  # unreadable: its name still counts, the version names the code
        return f.name.encode()


@functools.cache
def binary_stamp(module: str) -> str:
    """Names, sizes and times of a compiled module's binaries; ``""`` if it is not found.

    Found without importing the module. In the slice keys, so a grammar wheel (or the
    tree-sitter core) upgraded in place means files are parsed again.
    """
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ""
    if found is None or not found.origin:
        return ""
    folder = os.path.dirname(found.origin)
    stamps = []
    with contextlib.suppress(OSError):
        for name in sorted(os.listdir(folder)):
            if name.endswith((".so", ".pyd", ".dylib")):
                st = os.stat(os.path.join(folder, name))
                stamps.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(stamps)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically; returns ``False`` (and logs) if it cannot.

    A cache that cannot be written (read-only folder, full disk) degrades to no cache.
    """

    # Plain descriptor writes rather than a file object: a cold index writes one entry
    # per source file (thousands), and a buffered file costs as much as the write.
    def fill(fd: int) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    return _write_atomically(path, fill)


def atomic_write_with(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> bool:
    """Let ``write`` fill ``path`` through a file object, atomically (as :func:`atomic_write`).

    For entries serialised as they are written (a pickle of a large fitted retriever), so
    no second copy of the whole entry is held in memory. An exception ``write`` raises
    leaves no file behind and propagates; a failure to write the file is logged and
    returns ``False``.
    """

    def fill(fd: int) -> None:
        with os.fdopen(fd, "wb", closefd=False) as f:
            write(f)

    return _write_atomically(path, fill)


def _write_atomically(path: str | os.PathLike[str], fill: Callable[[int], object]) -> bool:
    """Let ``fill`` write a temporary file beside ``path``, then move it into place.

    ``mkstemp``'s random names and a ``mkdir`` per call cost as much as writing a small
    entry (see :func:`_open_temporary`). Whatever ``fill`` or the move raises leaves no
    temporary behind; an ``OSError`` is logged and returns ``False``, anything else
    propagates.
    """
    target = os.fspath(path)
    try:
        fd, tmp = _open_temporary(target)
        try:
            try:
                fill(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True
    except OSError as exc:
        log.warning("context_kit cache: cannot write %s (%s); continuing uncached", target, exc)
        return False


_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_TEMPORARY_TRIES = 100
_temporary_names = itertools.count()


def _open_temporary(target: str) -> tuple[int, str]:
    """A new, private file beside ``target`` (its folder created if missing), opened to write.

    Named by process and a counter: unique among live writers, while ``O_EXCL`` makes a
    leftover of a crashed process (same pid, same count) a retry under the next name
    rather than a write into someone else's file.
    """
    folder, name = os.path.split(target)
    made = False
    for _ in range(_TEMPORARY_TRIES):
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{next(_temporary_names)}.tmp")
        try:
            return os.open(tmp, _TEMPORARY_FLAGS, 0o600), tmp
        except FileNotFoundError:
            if made:  # the folder was made and is gone again: give up
                raise
            os.makedirs(folder or ".", exist_ok=True)
            made = True
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def read_entry(path: str | Path) -> bytes | None:
    """The bytes of a cache entry, or ``None`` when it is missing or unreadable."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


_SEAL_MAGIC = b"ck-cache"


def seal(payload: bytes, kind: str) -> bytes:
    """``payload`` behind a header naming its ``kind`` (format and version) and its digest."""
    digest = hashlib.blake2b(payload, digest_size=16).hexdigest()
    return b"%s %s %s\n" % (_SEAL_MAGIC, kind.encode("ascii"), digest.encode("ascii")) + payload


def unseal(data: bytes | None, kind: str, *, where: Path | None = None) -> bytes | None:
    """The payload of a sealed entry, or ``None`` when absent, of another kind, or damaged.

    A present but unusable entry is logged as a warning (``where`` names it): the caller
    rebuilds it, and the next write replaces it.
    """
    if data is None:
        return None
    head, sep, payload = data.partition(b"\n")
    parts = head.split(b" ")
    if (
        sep
        and len(parts) == 3
        and parts[0] == _SEAL_MAGIC
        and parts[1] == kind.encode("ascii")
        and parts[2] == hashlib.blake2b(payload, digest_size=16).hexdigest().encode("ascii")
    ):
        return payload
    log.warning(
        "context_kit cache: ignoring a damaged or outdated entry %s (expected %s); rebuilding",
        where or "(unnamed)",
        kind,
    )
    return None
