"""On-disk cache plumbing: where the cache lives, content keys, atomic writes.

The cache is an optimisation, never a source of truth: every reader must treat a missing,
truncated or unreadable entry as a miss, and every writer writes atomically (a temporary
file in the same folder, then ``os.replace``) so concurrent processes never see half a file.
Entries are content-addressed, so two processes writing the same key write the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

__all__ = ["CACHE_ENV", "atomic_write", "content_key", "default_cache_dir", "read_entry"]

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
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "context_kit"


def content_key(*parts: str | bytes) -> str:
    """A hex key for the given parts (order matters); 32 hex chars of BLAKE2b."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        data = p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically; returns ``False`` (and logs) if it cannot.

    A cache that cannot be written (read-only folder, full disk) degrades to no cache.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True
    except OSError as exc:
        log.warning("context_kit cache: cannot write %s (%s); continuing uncached", path, exc)
        return False


def read_entry(path: Path) -> bytes | None:
    """The bytes of a cache entry, or ``None`` when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except OSError:
        return None
