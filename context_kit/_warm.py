"""Keep an :class:`~context_kit.Index` warm and refresh it when the repository changes.

A long-lived process (the MCP server) packs many queries against one repository while an
agent edits it. :class:`WarmIndex` builds the index once and, before each use, compares a
cheap *fingerprint* of the work tree (HEAD, and the path, size and modification time of
every file git would index) with the one the index was built from. When files changed it
calls :meth:`Index.update` with the paths whose stamps changed (only those are looked at
again, re-read and re-sliced; a changed ``.gitignore`` means a full update); when HEAD moved
(a commit, a checkout) it rebuilds, so history is read again (from the commit cache, so
only new commits cost anything).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .index import Index, Progress
from .sources.walk import (
    SAFE_GIT_CONFIG,
    WalkOptions,
    git_files,
    is_vendored,
    repository_files,
)

__all__ = ["WarmIndex", "fingerprint"]

log = logging.getLogger("context_kit")

_GIT_TIMEOUT_S = 30


def _head(root: Path) -> str:
    """The commit HEAD names, or ``""`` (before the first commit, or git cannot say)."""
    try:
        out = subprocess.run(
            ["git", *SAFE_GIT_CONFIG, "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _walk_files(root: Path, include_vendored: bool) -> list[str]:
    """What an index lists outside git (vendored folders dropped unless indexed).

    The ``.gitignore``-aware walk: ignored files a dev server rewrites every second
    never look like a change.
    """
    names = repository_files(root, WalkOptions(include_vendored=include_vendored))
    return names if include_vendored else [n for n in names if not is_vendored(n, root)]


def fingerprint(
    root: str | os.PathLike[str], *, include_untracked: bool = True, include_vendored: bool = False
) -> str:
    """A digest that changes when any indexable file of ``root`` (or git's HEAD) changes.

    Stats files rather than reading them, so it costs milliseconds on thousands of files.
    A git work tree is listed by git (tracked files, plus untracked files that are not
    ignored when ``include_untracked``); any other folder by walking it as an index does
    (``.gitignore`` files honoured, vendored folders left out unless ``include_vendored``).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.py").write_text("x = 1")
    >>> before = fingerprint(d)
    >>> _ = (d / "a.py").write_text("x = 22")
    >>> fingerprint(d) != before
    True
    """
    head, stamps = _stamps(Path(root), include_untracked, include_vendored)
    h = hashlib.blake2b(head.encode(), digest_size=16)
    for name in sorted(stamps):
        h.update(f"\0{name}\0{stamps[name]}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _stamps(
    base: Path, include_untracked: bool, include_vendored: bool = False
) -> tuple[str, dict[str, str]]:
    """HEAD (``""`` outside git) and each listed file's ``size:mtime`` (or ``missing``)."""
    # The index's own git listing (with its safe git configuration): the files an
    # update would look at, and no others.
    listed = git_files(base, include_untracked)
    if listed is None:
        head, names = "", _walk_files(base, include_vendored)
    else:
        head, names = _head(base), listed
    top = os.fspath(base)
    return head, {name: _stamp(os.path.join(top, name)) for name in names}


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _changed(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """Paths added, removed or restamped between two :func:`_stamps` results."""
    return sorted(n for n in before.keys() | now.keys() if before.get(n) != now.get(n))


class WarmIndex:
    """An index built once and refreshed when the repository's fingerprint changes.

    Thread-safe: callers share one index and wait while it is (re)built.

    Args:
        repo: The repository folder.
        progress: Passed to :meth:`Index.build`.
        **build_options: Any keyword of :meth:`Index.build`.

    Attributes:
        builds: How many times the index was built (1 after the first use; again when HEAD
            moves).
        updates: How many times changed files were folded in with :meth:`Index.update`.
        built_at: ``time.time()`` of the last build or update, or ``None``.
    """

    def __init__(
        self,
        repo: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        **build_options: Any,
    ) -> None:
        self.root = Path(repo)
        self.progress = progress
        self.build_options = build_options
        self.builds = 0
        self.updates = 0
        self.built_at: float | None = None
        self._index: Index | None = None
        self._head: str | None = None
        self._stamps: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self) -> Index:
        """The index, rebuilt first if any file changed since it was built.

        Raises:
            ContextKitError: Whatever :meth:`Index.build` raises (bad path, tokenizer...).
        """
        with self._lock:
            untracked = bool(self.build_options.get("include_untracked", False))
            vendored = bool(self.build_options.get("include_vendored", False))
            head, stamps = _stamps(self.root, untracked, vendored)
            if self._index is None or head != self._head or stamps != self._stamps:
                if self._index is not None:
                    log.info("%s changed; refreshing the index", self.root)
                moved = self._index is not None and head != self._head
                changed = None if moved else _changed(self._stamps, stamps)
                self._index = self.refresh(None if moved else self._index, changed)
                self._head, self._stamps = head, stamps
            return self._index

    def refresh(self, old: Index | None, changed: list[str] | None = None) -> Index:
        """Bring the index up to date: ``old.update()``, or a build when ``old`` is ``None``.

        Args:
            old: The current index, or ``None`` to build from scratch.
            changed: The paths whose stamps changed since ``old`` was refreshed; the
                update then looks at those only (the stamps were just taken: a second
                listing and ``stat`` of every file would tell nothing new). A changed
                ``.gitignore`` changes what is listed anywhere below it, so it means
                a full update.
        """
        if old is None:
            index = Index.build(self.root, progress=self.progress, **self.build_options)
            self.builds += 1
        else:
            if changed is not None and any(
                n.rsplit("/", 1)[-1] in (".gitignore", ".gitmodules") for n in changed
            ):
                changed = None
            old.update(changed, progress=self.progress)
            index = old
            self.updates += 1
        self.built_at = time.time()
        return index

    def warm_in_background(self) -> threading.Thread:
        """Start building now in a daemon thread, so the first request finds it ready."""

        def _warm() -> None:
            try:
                self.get()
            except Exception as exc:  # reported again, to the caller, on first use
                log.warning("warming the index failed: %r", exc)

        t = threading.Thread(target=_warm, name="context-kit-warm", daemon=True)
        t.start()
        return t
