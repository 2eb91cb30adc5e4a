"""Turn a repository's files into slices: cached by content, parallel, incremental.

Three things make indexing fast:

* **A per-file slice cache on disk.** Each file's slices are stored under a key made of
  the source's name, version and options, the file's language and path, and a hash of its
  bytes; a hit skips parsing entirely. Entries are compact rows (see ``_slice_codec``)
  written atomically; a corrupt, truncated or old-format entry is simply a miss.
* **Parallel slicing in worker processes.** tree-sitter does not release the GIL while
  parsing (measured: two threads parse *slower* than one), and most of the remaining work
  is Python, so threads cannot use a second core; processes can. Workers are forked when
  the caller is single-threaded (Linux), else started from a ``forkserver``; they are
  used only when there is enough uncached work to repay their start-up, and any failure
  of the pool falls back to slicing in this process.
* **Incremental refresh.** :func:`refresh` lists the repository again, re-reads only files
  whose size or modification time changed (and files modified too recently to trust the
  timestamp, as git does), re-slices only those whose content hash changed, and drops
  deleted files.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import pickle
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from . import _slice_codec
from ._cache import (
    atomic_write,
    binary_stamp,
    budget_from_env,
    code_stamp,
    content_key,
    prune_least_recent,
    read_entry,
    seal,
    subfolders,
    unseal,
)
from ._pool import acquire, discard, release
from .secrets import RULES_VERSION, redact
from .sources import FileSource, FileText, WalkOptions
from .sources._langpack import _PACK_MODULE
from .sources.languages import LANGUAGES, language_for_path
from .sources.walk import (
    LINGUIST,
    attributes_file,
    covered_by,
    decode_text,
    linguist_attributes,
    linguist_skips,
    read_candidate,
    repository_files,
)
from .types import SkippedFile, Slice

__all__ = [
    "DEFAULT_PARALLEL_MIN_BYTES",
    "MANIFEST_FORMAT",
    "SLICE_CACHE_BYTES",
    "SLICE_CACHE_ENV",
    "FileEntry",
    "RefreshResult",
    "SliceCache",
    "collect",
    "default_workers",
    "refresh",
    "resolve_cache",
    "share_fields_sets",
    "source_fingerprint",
]

log = logging.getLogger("context_kit")

CACHE_FORMAT = _slice_codec.FORMAT
"""Bumped when the cache entry layout changes, so old entries become misses."""

MANIFEST_FORMAT = "manifest-1"
"""Format of the per-repository record of what the last build read (see :func:`refresh`)."""

DEFAULT_PARALLEL_MIN_BYTES = 4_000_000
"""Uncached source bytes below which slicing stays in this process: starting worker
processes (each imports the library and loads grammars) costs about a second, which only
pays off once there are a few megabytes to parse."""

# Files are sent to workers in batches of about this many bytes: big enough that pickling
# overhead per batch is small, small enough that both cores stay busy to the end.
_BATCH_BYTES = 1_000_000
# A file modified less than this long before the previous scan may have changed again
# within the same timestamp tick; its content is re-hashed rather than trusted (git's
# "racy clean" rule).
_RACY_WINDOW_NS = 2_000_000_000

ProgressFn = Callable[[str, int, int], None]


@dataclass
class FileEntry:
    """What the index knows about one listed file.

    Attributes:
        path: Repository-relative path.
        size: Size in bytes when last read or stat'ed.
        mtime_ns: Modification time when last read or stat'ed.
        digest: Content hash of the bytes that were sliced (``None`` when skipped unread).
        slices: The file's slices (empty when skipped).
        skipped: Why the file was not indexed, if it was not.
    """

    path: str
    size: int
    mtime_ns: int
    digest: str | None = None
    slices: list[Slice] = field(default_factory=list)
    skipped: SkippedFile | None = None


@dataclass
class RefreshResult:
    """The outcome of :func:`refresh`.

    Attributes:
        files: Every listed file's entry, by path.
        added: Paths that are new since the previous state.
        changed: Paths whose content changed.
        deleted: Paths that disappeared.
        reread: Paths whose entry was replaced because the file was read again (a
            superset of ``added`` and ``changed``); every other path kept its very entry.
        sliced: How many files were actually parsed (cache misses).
        cache_hits: How many files' slices came from the on-disk cache.
        scanned_at_ns: Wall-clock time the listing started.
    """

    files: dict[str, FileEntry]
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)
    sliced: int = 0
    cache_hits: int = 0
    scanned_at_ns: int = 0


def source_fingerprint(source: FileSource) -> str:
    """Name, version and public options of a source: what its output depends on."""
    opts = sorted(
        (k, repr(v)) for k, v in vars(source).items() if not k.startswith("_") and k != "name"
    )
    return f"{source.name}/{source.version}/{opts!r}"


KEPT_CODE_VERSIONS = 3
"""Slice-entry folders kept per cache folder: the current code's and the most recently used
others' (two installed versions sharing a cache each keep theirs)."""

SLICE_CACHE_BYTES = 2_000_000_000
"""Default size budget of a cache folder's slice entries (every repository indexed with it)."""

SLICE_CACHE_ENV = "CONTEXT_KIT_SLICE_CACHE_MB"
"""Environment variable overriding :data:`SLICE_CACHE_BYTES`, in megabytes."""

# A build lists the entries (to prune them) once the bytes written since the last listing
# reach this share of the budget: listing 10^5 entries costs a few tenths of a second,
# too much for a warm build that re-sliced three edited files.
_PRUNE_SHARE = 0.01


@functools.cache
def _code_folder() -> str:
    return content_key(CACHE_FORMAT, slicing_code_stamp())[:16]


class SliceCache:
    """Slices per file, stored by content key under ``folder``.

    Entries live in one folder per version of the slicing code (``slices/<stamp>/``): an
    upgrade re-slices every file (its keys stamp the code), and the old entries, never read
    again, would otherwise stay beside the new ones (91 MB for a 57 MB tree).
    :meth:`retire_old_code` removes the least recently used folders.

    Args:
        folder: The cache folder (created on first write).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._root = os.path.join(self.folder, "slices")
        self._slices_dir = os.path.join(self._root, _code_folder())

    def retire_old_code(self, keep: int = KEPT_CODE_VERSIONS) -> list[str]:
        """Mark this code's entries as used; remove all but the ``keep`` most recently used.

        Called once per build: one listing of the few folders under ``slices/`` and one
        ``utime``. Folders of the layout before this one (``slices/ab/``, shards of
        entries no version reads any more) are removed too. Returns the names of the
        folders removed.
        """
        with contextlib.suppress(OSError):
            os.utime(self._slices_dir)
        try:
            folders = [e for e in os.scandir(self._root) if e.is_dir(follow_symlinks=False)]
        except OSError:
            return []
        current = os.path.basename(self._slices_dir)
        dated: list[tuple[float, str, str]] = []
        for e in folders:
            with contextlib.suppress(OSError):
                dated.append((e.stat(follow_symlinks=False).st_mtime, e.name, e.path))
        dated.sort(reverse=True)  # most recently used first
        kept = 1  # the current folder, used or about to be
        removed: list[str] = []
        for _, name, path in dated:
            if name == current:
                continue
            if kept < keep and len(name) != 2:  # "ab": a shard of the old layout, unread
                kept += 1
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
        if removed:
            log.info("context_kit cache: removed %d slice folders of older code", len(removed))
        return removed

    def note_written(self, nbytes: int, live: Callable[[], Collection[str]]) -> int:
        """Count a build's new entries; keep the entries under their budget now and then.

        Entries are per file version, so files deleted or rewritten in any repository
        using this folder (the default one is shared) leave theirs behind. Once the
        bytes written since the last look reach a hundredth of the budget
        (:data:`SLICE_CACHE_BYTES`, or ``$CONTEXT_KIT_SLICE_CACHE_MB``), the least
        recently used entries of every code version's folder are removed until they fit;
        ``live`` names the entry files the build uses (never removed). Returns the bytes
        removed.
        """
        budget = budget_from_env(SLICE_CACHE_ENV, SLICE_CACHE_BYTES)
        counter = os.path.join(self._root, "written")
        try:
            total = int(read_entry(counter) or b"0") + nbytes
        except ValueError:  # a damaged counter: count from here
            total = nbytes
        if total < budget * _PRUNE_SHARE:
            atomic_write(counter, b"%d" % total)
            return 0
        atomic_write(counter, b"0")
        shards = [shard for version in subfolders(self._root) for shard in subfolders(version)]
        return prune_least_recent(shards, ".slices", budget, keep=live, what="slice entries")

    def key(
        self, source: FileSource, path: str, digest: str, *, fingerprint: str | None = None
    ) -> str:
        """The entry key for ``path`` with content ``digest`` sliced by ``source``.

        ``fingerprint`` is ``source_fingerprint(source)`` when the caller has it already.
        """
        spec = language_for_path(path)
        lang = spec.name if spec is not None else ""
        fp = source_fingerprint(source) if fingerprint is None else fingerprint
        return content_key(CACHE_FORMAT, slicing_code_stamp(), fp, lang, path, digest)

    def file(self, key: str) -> str:
        """The path of the entry of ``key``."""
        # Plain strings: a warm build looks up one entry per file, and pathlib's objects
        # cost more than the lookup itself.
        return os.path.join(self._slices_dir, key[:2], key + ".slices")

    def get(self, key: str) -> list[Slice] | None:
        """Cached slices, or ``None`` on a miss (missing, unreadable or corrupt entry)."""
        data = read_entry(self.file(key))
        if data is None:
            return None
        slices = _slice_codec.decode(data)
        if slices is None:
            log.warning("context_kit cache: ignoring a damaged entry %s; rebuilding", key)
        return slices

    def discard(self, key: str) -> None:
        """Remove an entry, if it is there."""
        with contextlib.suppress(OSError):
            os.remove(self.file(key))

    def put_encoded(self, key: str, data: bytes) -> None:
        """Store slices already encoded (workers encode once, for both uses)."""
        atomic_write(self.file(key), data)

    def _manifest_file(self, key: str) -> Path:
        return self.folder / "manifests" / f"{key}.json"

    def manifest(self, key: str) -> tuple[int, dict[str, tuple[int, int, str]]] | None:
        """What the last build under ``key`` read: its scan time and each file's stat and digest."""
        payload = unseal(read_entry(self._manifest_file(key)), MANIFEST_FORMAT)
        if payload is None:
            return None
        try:
            data = json.loads(payload)
            files = {p: (int(a), int(b), str(d)) for p, (a, b, d) in data["files"].items()}
            return int(data["scanned_at_ns"]), files
        except (ValueError, KeyError, TypeError):
            return None

    def put_manifest(self, key: str, scanned_at_ns: int, files: dict[str, FileEntry]) -> None:
        """Record the stat and digest of every file that was sliced, for the next build."""
        listed = {
            p: [fe.size, fe.mtime_ns, fe.digest]
            for p, fe in files.items()
            if fe.digest is not None and fe.skipped is None
        }
        payload = json.dumps({"scanned_at_ns": scanned_at_ns, "files": listed}).encode()
        atomic_write(self._manifest_file(key), seal(payload, MANIFEST_FORMAT))


@functools.cache
def slicing_code_stamp() -> str:
    """A digest of the code that turns a file into slices: this library's and the parsers'.

    Sources declare a ``version`` to bump when their output changes; this covers the
    releases (and work trees) where that was forgotten, and grammar wheels or the
    tree-sitter core upgraded in place, so an upgrade never serves slices cut by the old
    code. Every grammar is stamped, not only the one a path's extension names: a ``.h``
    header is parsed as C or C++ by its content (see ``language_for_file``).
    """
    parsers = {spec.module for spec in LANGUAGES.values()} | {"tree_sitter", _PACK_MODULE}
    return content_key(
        code_stamp("slicing.py", "secrets.py", "types.py", "sources/**/*.py", "sources/**/*.scm"),
        *(binary_stamp(module) for module in sorted(parsers)),
    )


def _digest(data: bytes, redact_secrets: bool) -> str:
    # The bytes as read, and whether (and by which rules) their secrets are redacted: a
    # cache hit then needs no redaction, which is the costliest step of reading a file.
    return content_key(data, f"redact-{RULES_VERSION}" if redact_secrets else "verbatim")


def _pick(sources: Sequence[FileSource], path: str) -> FileSource | None:
    return next((s for s in sources if s.accepts(path)), None)


def _slice_file(
    sources: Sequence[FileSource], path: str, data: bytes, redact_secrets: bool
) -> tuple[list[Slice], SkippedFile | None]:
    """Redact and slice one file in this process; a failing source becomes a reported skip."""
    src = _pick(sources, path)
    if src is None:
        return [], SkippedFile(path=path, reason="no_source", detail="no source accepts it")
    text, lossy = decode_text(data)
    if redact_secrets:
        found = redact(text, path=path)
        if found.total:  # sources that read the bytes must not see a secret either
            text = found.text
            data = text.encode("utf-8", "surrogatepass")
    try:
        # Sorted before it is cached or sent back, so a warm build (10^5 slices) need
        # not sort each file's entry again: every entry was written by this code.
        return sorted(src.slices(FileText(path, text, data, lossy)), key=_slice_order), None
    except Exception as exc:  # one bad file must never sink the index
        log.warning("%s: %s failed: %r", path, src.name, exc)
        return [], SkippedFile(path=path, reason="source_error", detail=f"{src.name}: {exc!r}")


# --- worker processes ------------------------------------------------------------------
_WORKER_SETUP = b""
_WORKER_SOURCES: Sequence[FileSource] = ()
_WORKER_CACHE: SliceCache | None = None
_WORKER_REDACT = True

# A batch: the pickled (sources, cache, redact) to slice with, and the files.
# The setup travels with each batch because the pool may be shared (see
# _pool.shared_pools) and its workers started before these sources were chosen; a worker
# unpickles it only when it differs from the last batch's.
_Batch = tuple[bytes, list[tuple[str, bytes, str]]]


def _worker_batch(job: _Batch) -> list[tuple[str, bytes, SkippedFile | None]]:
    """Slice a batch of ``(path, bytes, cache key)``; return serialised slices per file."""
    global _WORKER_SETUP, _WORKER_SOURCES, _WORKER_CACHE, _WORKER_REDACT
    setup, batch = job
    if setup != _WORKER_SETUP:
        _WORKER_SOURCES, _WORKER_CACHE, _WORKER_REDACT = pickle.loads(setup)
        _WORKER_SETUP = setup
    out = []
    for path, data, key in batch:
        slices, skip = _slice_file(_WORKER_SOURCES, path, data, _WORKER_REDACT)
        blob = _slice_codec.encode(slices)
        if skip is None and _WORKER_CACHE is not None and key:
            _WORKER_CACHE.put_encoded(key, blob)
        out.append((path, blob, skip))
    return out


_BatchFuture = Future[list[tuple[str, bytes, SkippedFile | None]]]


class _Slicer:
    """Slices files through the cache, in this process or in a lazily started pool."""

    def __init__(
        self,
        sources: Sequence[FileSource],
        cache: SliceCache | None,
        workers: int,
        parallel_min_bytes: int,
        expected_bytes: int,
    ) -> None:
        self.sources = sources
        self.cache = cache
        self.parallel = workers > 1 and expected_bytes >= parallel_min_bytes
        self.parallel_min_bytes = parallel_min_bytes
        self.failed = False  # the pool failed once: no second try in this refresh
        # Misses held back while too few bytes to start workers for (see ``add``).
        self.held: list[tuple[str, bytes, str]] = []
        self.held_bytes = 0
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.setup = b""
        self.batch: list[tuple[str, bytes, str]] = []
        self.batch_bytes = 0
        self.pending: list[tuple[_BatchFuture, list[tuple[str, bytes, str]]]] = []
        self.done: dict[str, tuple[list[Slice], SkippedFile | None]] = {}
        self.sliced = 0
        self.hits = 0
        self.redact = True  # redact secrets in the text of every file sliced
        self.fingerprints: dict[int, str] = {}  # by id(): the sources outlive this slicer
        self.live: set[str] = set()  # keys of the entries this refresh reads or writes
        self.written = 0  # bytes of the entries it writes

    def _key(self, path: str, digest: str) -> str:
        src = _pick(self.sources, path)
        if not (self.cache and src):
            return ""
        fp = self.fingerprints.get(id(src))
        if fp is None:  # once per source and refresh: its options do not change meanwhile
            fp = self.fingerprints[id(src)] = source_fingerprint(src)
        return self.cache.key(src, path, digest, fingerprint=fp)

    def from_cache(self, path: str, digest: str) -> bool:
        """Take the file's slices from the cache if they are there (no bytes needed)."""
        key = self._key(path, digest)
        if not key or self.cache is None:
            return False
        self.live.add(key)
        cached = self.cache.get(key)
        if cached is None:
            return False
        self.hits += 1
        self.done[path] = (cached, None)
        return True

    def forget(self, path: str, digest: str) -> None:
        """Remove the entry of ``path`` as it was (``digest``): an edit replaced it.

        Entries are per file version, so every edit would otherwise leave one behind for
        good. Another checkout sharing the cache that still has that version re-slices
        the one file.
        """
        key = self._key(path, digest)
        if key and self.cache is not None:
            self.cache.discard(key)

    def add(self, path: str, data: bytes, digest: str) -> None:
        if self.from_cache(path, digest):
            return
        key = self._key(path, digest)
        self.sliced += 1
        if self.parallel:
            self._queue((path, data, key))
            return
        if self.workers < 2 or self.failed:
            self._run_here([(path, data, key)])
            return
        self.held.append((path, data, key))
        self.held_bytes += len(data)
        if self.held_bytes < self.parallel_min_bytes:
            # Few misses so far: kept (not sliced yet) in case enough follow to repay
            # workers; ``finish`` slices what is still held here.
            return
        # More misses than the last build's record promised (an emptied cache, a new
        # release of the slicing code): worth the workers after all.
        self.parallel = True
        held, self.held, self.held_bytes = self.held, [], 0
        for item in held:
            self._queue(item)

    def _queue(self, item: tuple[str, bytes, str]) -> None:
        self.batch.append(item)
        self.batch_bytes += len(item[1])
        if self.batch_bytes >= _BATCH_BYTES:
            self._submit()

    def _submit(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.batch_bytes = self.batch, [], 0
        if self.pool is None and self.parallel:
            self.pool = self._start_pool()
        if self.pool is None:
            self._run_here(batch)
            return
        try:
            fut = self.pool.submit(_worker_batch, (self.setup, batch))
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            self._give_up(exc)
            self._run_here(batch)
            return
        self.pending.append((fut, batch))
        # Bound the bytes in flight so memory stays proportional to the workers, not the repo.
        while len(self.pending) > 2 * self.workers:
            self._collect(*self.pending.pop(0))

    def _start_pool(self) -> ProcessPoolExecutor | None:
        try:
            self.setup = pickle.dumps((tuple(self.sources), self.cache, self.redact))
        except Exception as exc:  # a source holding a lambda, a lock, an open file...
            self._give_up(exc)
            return None
        try:
            return acquire(self.workers)
        except (OSError, ValueError, NotImplementedError) as exc:
            self._give_up(exc)
            return None

    def _give_up(self, exc: BaseException) -> None:
        """Workers failed (no processes allowed, a source that cannot be pickled...)."""
        log.warning("context_kit: parallel slicing unavailable (%r); slicing in-process", exc)
        self.parallel = False
        self.failed = True
        if self.pool is not None:
            discard(self.pool)
            self.pool = None

    def _run_here(self, batch: list[tuple[str, bytes, str]]) -> None:
        for path, data, key in batch:
            slices, skip = _slice_file(self.sources, path, data, self.redact)
            if skip is None and key and self.cache is not None:
                blob = _slice_codec.encode(slices)
                self.cache.put_encoded(key, blob)
                self.written += len(blob)
            share_fields_sets(slices)
            self.done[path] = (slices, skip)

    def _collect(self, fut: _BatchFuture, batch: list[tuple[str, bytes, str]]) -> None:
        try:
            results = fut.result()
        except Exception as exc:  # a dead worker or an unpicklable source: redo it here
            self._give_up(exc)
            self._run_here(batch)
            return
        keyed = {path for path, _, key in batch if key}
        for path, blob, skip in results:
            if skip is None and path in keyed:  # the worker wrote it to the cache
                self.written += len(blob)
            slices = _slice_codec.decode(blob, check=False)
            if slices is None:  # cannot happen short of a bug: slice the file here instead
                log.warning("context_kit: a worker's reply for %s is unreadable", path)
                self._run_here([item for item in batch if item[0] == path])
                continue
            self.done[path] = (slices, skip)

    def finish(self) -> dict[str, tuple[list[Slice], SkippedFile | None]]:
        try:
            self._run_here(self.held)
            self._submit()
            for fut, batch in self.pending:
                self._collect(fut, batch)
        finally:
            if self.pool is not None:
                release(self.pool)
        return self.done


def _stat(full: str) -> tuple[int, int] | None:
    try:
        st = os.stat(full)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def refresh(
    root: Path,
    options: WalkOptions,
    sources: Sequence[FileSource],
    *,
    cache: SliceCache | None = None,
    workers: int = 1,
    parallel_min_bytes: int = DEFAULT_PARALLEL_MIN_BYTES,
    previous: dict[str, FileEntry] | None = None,
    previous_scan_ns: int = 0,
    progress: ProgressFn | None = None,
    only: Sequence[str] | None = None,
) -> RefreshResult:
    """List, read and slice the repository, reusing ``previous`` where nothing changed.

    Args:
        root: Repository root.
        options: File selection options.
        sources: File sources, first accepting one wins.
        cache: On-disk slice cache, or ``None``.
        workers: Worker processes for slicing (1 = in this process).
        parallel_min_bytes: Uncached bytes below which no workers are started.
        previous: File entries from an earlier refresh (``None`` reads everything).
        previous_scan_ns: When the earlier refresh listed the files.
        progress: Called as ``progress("parse", done, total)``.
        only: Look at these repository-relative files and folders only (the caller
            knows nothing else changed); every other entry of ``previous`` is kept
            without a look, and the scan time stays ``previous_scan_ns``: what was not
            looked at is as old as before.

    Returns:
        Every file's entry and what changed.
    """
    previous = previous or {}
    root_real = root.resolve()
    names = repository_files(root, options, under=only)
    top = os.fspath(root)
    # .gitattributes decides which files are generated or vendored (linguist_skips): when
    # one changed, every file's decision is made again, as a build would make it.
    attrs_before = [rel for rel in previous if attributes_file(rel)]
    attrs_now = [rel for rel in names if attributes_file(rel)]
    attributes_changed = _attributes_changed(attrs_now, attrs_before, previous, top, only)
    if only is not None and attributes_changed:
        only = None
        names = repository_files(root, options)
        attrs_now = [rel for rel in names if attributes_file(rel)]
    scanned_at = time.time_ns() if only is None else previous_scan_ns

    def ask(paths: list[str]) -> dict[str, SkippedFile]:
        # git is asked only when some .gitattributes sets a linguist attribute at all
        # (read here, not before: an update that reads no file need not look).
        if not paths or not linguist_attributes(top, {*attrs_before, *attrs_now}):
            return {}
        return linguist_skips(root, paths, options)

    marked = ask(names) if attributes_changed else None
    out = RefreshResult(files={}, scanned_at_ns=scanned_at)
    if only is not None:
        out.files = {rel: fe for rel, fe in previous.items() if not covered_by(rel, only)}
    to_read: list[tuple[str, tuple[int, int] | None]] = []
    for rel in names:
        st = _stat(f"{top}/{rel}")  # a str join: a Path per file costs more than the stat
        old = previous.get(rel)
        if (
            old is not None
            and st is not None
            and (old.size, old.mtime_ns) == st
            and st[1] < previous_scan_ns - _RACY_WINDOW_NS
            and (marked is None or _marked(old) == (rel in marked))
        ):
            out.files[rel] = old
        else:
            to_read.append((rel, st))
    if marked is None:
        marked = ask([rel for rel, _ in to_read])
    # A build (no earlier entries in memory) may trust what the last build recorded: a
    # file whose size and time match, outside the racy window, has the digest recorded
    # then, and its slices come from the cache without reading it (update()'s rule, across
    # processes; git trusts its index the same way).
    manifest_key = _manifest_key(root_real, options, sources)
    known = cache.manifest(manifest_key) if (cache is not None and not previous) else None
    known_scan, known_files = known if known is not None else (0, {})
    expected = sum(st[0] for rel, st in to_read if st is not None and rel not in known_files)
    slicer = _Slicer(sources, cache, max(1, workers), parallel_min_bytes, expected)
    slicer.redact = options.redact_secrets
    reread: dict[str, FileEntry] = {}
    folders: dict[str, bool] = {}  # see read_candidate
    for n, (rel, st) in enumerate(to_read, 1):
        size, mtime = st if st is not None else (0, 0)
        if rel in marked:
            reread[rel] = FileEntry(rel, size, mtime, skipped=marked[rel])
            continue
        hint = known_files.get(rel)
        if (
            hint is not None
            and (hint[0], hint[1]) == st
            and mtime < known_scan - _RACY_WINDOW_NS
            and slicer.from_cache(rel, hint[2])
        ):
            reread[rel] = FileEntry(rel, size, mtime, hint[2])
            if progress is not None:
                progress("read", n, len(to_read))
            continue
        # Read as is: redacting is left to the slicing of cache misses.
        entry = read_candidate(root, root_real, rel, options, redact_text=False, folders=folders)
        if isinstance(entry, SkippedFile):
            reread[rel] = FileEntry(rel, size, mtime, skipped=entry)
            continue
        digest = _digest(entry.data, options.redact_secrets)
        old = previous.get(rel)
        if old is not None and old.digest == digest and old.skipped is None:
            reread[rel] = FileEntry(rel, size, mtime, digest, old.slices)
            continue
        was = old.digest if old is not None else hint[2] if hint is not None else None
        if was is not None and was != digest:
            slicer.forget(rel, was)
        reread[rel] = FileEntry(rel, size, mtime, digest)
        slicer.add(rel, entry.data, digest)
        if progress is not None:
            progress("read", n, len(to_read))
    done = slicer.finish()
    for rel, fe in reread.items():
        if rel in done:
            fe.slices, fe.skipped = done[rel]  # sorted by _slice_file
        out.files[rel] = fe
        old = previous.get(rel)
        if old is None:
            out.added.append(rel)
        elif old.digest != fe.digest or (old.skipped is None) != (fe.skipped is None):
            out.changed.append(rel)
    out.deleted = sorted(set(previous) - set(out.files))
    out.reread = list(reread)
    out.added.sort()
    out.changed.sort()
    out.sliced, out.cache_hits = slicer.sliced, slicer.hits
    if cache is not None and not previous:
        cache.put_manifest(manifest_key, scanned_at, out.files)
        if slicer.written:
            cache.note_written(slicer.written, lambda: {cache.file(k) for k in slicer.live})
    if progress is not None:
        progress("parse", len(to_read), len(to_read))
    return out


def _attributes_changed(
    current: list[str],
    known: list[str],
    previous: dict[str, FileEntry],
    top: str,
    only: Sequence[str] | None,
) -> bool:
    """Whether a ``.gitattributes`` is new, changed or gone since ``previous``.

    ``current`` are the ones listed now, ``known`` those of ``previous``; one listed under
    ``only`` alone is gone only from there. A build (no ``previous``) counts as a change
    when the repository has one.
    """
    for rel in current:
        old = previous.get(rel)
        if old is None or (old.size, old.mtime_ns) != _stat(f"{top}/{rel}"):
            return True
    listed = set(current)
    return any(rel not in listed and (only is None or covered_by(rel, only)) for rel in known)


def _marked(entry: FileEntry) -> bool:
    """Whether ``.gitattributes`` had the file skipped (see ``linguist_skips``)."""
    return entry.skipped is not None and entry.skipped.detail.startswith(LINGUIST)


def _manifest_key(root_real: Path, options: WalkOptions, sources: Sequence[FileSource]) -> str:
    return content_key(
        MANIFEST_FORMAT, os.fspath(root_real), repr(options), *map(source_fingerprint, sources)
    )


# One set per distinct combination of explicitly set fields (a handful in practice); the
# bound only guards against a source that sets fields at random.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_MAX_FIELDS_SETS = 1024


def share_fields_sets(slices: Iterable[Slice]) -> None:
    """Let slices (and their outline entries) share their record of which fields were set.

    pydantic keeps, per instance, the set of field names given at validation: for a slice
    read back from the cache or a worker that is all 20 names, a 2.3 kB set — more than
    a typical slice's text (measured: 190 MB of a 600 MB index of 84k slices). Frozen
    models never change theirs (``model_copy`` copies it first), so one set per distinct
    combination serves them all.
    """
    # Neighbours nearly always set the same fields: comparing with the last shared set is
    # cheaper than looking each one up.
    last: set[str] = set()
    last_entry: set[str] = set()
    for s in slices:
        last = _share_fields_set(s, last)
        for entry in s.outline:
            last_entry = _share_fields_set(entry, last_entry)


def _share_fields_set(model: BaseModel, last: set[str]) -> set[str]:
    own = model.__pydantic_fields_set__
    if own is last:
        return last
    if own == last:
        shared = last
    else:
        key = frozenset(own)
        found = _FIELDS_SETS.get(key)
        if found is None:
            if len(_FIELDS_SETS) >= _MAX_FIELDS_SETS:
                return last
            found = _FIELDS_SETS.setdefault(key, own)
        shared = found
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    return shared


def _slice_order(s: Slice) -> tuple[str, int, str]:
    return (s.path or "", s.start_line or 0, s.id)


def collect(files: Iterable[FileEntry]) -> tuple[list[Slice], list[SkippedFile]]:
    """All slices in (path, line, id) order and all skips in path order.

    Each file's own list is kept sorted (see :func:`_slice_file`), so when every slice carries
    its file's path, walking the files in path order gives the global order without a
    global sort — an update of one file need not re-sort a whole repository.
    """
    entries = sorted(files, key=lambda fe: fe.path)
    slices: list[Slice] = []
    skipped: list[SkippedFile] = []
    for fe in entries:
        slices.extend(fe.slices)
        if fe.skipped is not None:
            skipped.append(fe.skipped)
    if not all(s.path == fe.path for fe in entries for s in fe.slices):
        slices.sort(key=_slice_order)  # a source that names other paths: sort globally
    return slices, skipped


def resolve_cache(cache_dir: str | os.PathLike[str] | bool | None) -> SliceCache | None:
    """``None`` → the default cache folder; ``False`` → no cache; a path → that folder."""
    from ._cache import default_cache_dir

    if cache_dir is False:
        return None
    if cache_dir is None or cache_dir is True:
        return SliceCache(default_cache_dir())
    return SliceCache(Path(cache_dir))


def default_workers() -> int:
    """Worker processes to use by default: the cores this process may run on."""
    with contextlib.suppress(AttributeError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
