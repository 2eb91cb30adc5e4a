"""Fitted retrievers cached on disk, keyed by the corpus they were fitted on.

Fitting BM25 over a large repository costs seconds (every slice's text is split into
terms); when nothing changed since the last build, the fitted state is loaded instead.
The key covers the retriever's class and parameters (sklearn-style: public attributes not
ending in ``_``) and a digest of the corpus, so any change is a miss. Entries are pickles
in the user's own cache folder; an entry that fails to load is a miss.

Post-fusion steps (the symbol graph, section<->code links) are cached the same way. A
fitted state that refers to the corpus's slices leaves them out of its pickle and takes
them back after loading through a ``_reattach(corpus)`` method, which raises (a miss)
when the corpus is not the one it was fitted on.

Every edited corpus has a new key, and a fit of a large tree pickles to tens of MB (41 MB
for BM25 on a 57 MB tree), so an agent that edits and restarts would fill the disk. The
``fits`` folder is therefore kept under a size budget (:data:`FIT_CACHE_BYTES`, or
``$CONTEXT_KIT_FIT_CACHE_MB``), least recently used entries removed first, ccache-style: a
load touches its entry, a write removes the oldest until the folder fits again.
"""

from __future__ import annotations

import logging
import os
import pickle
from contextlib import suppress
from pathlib import Path
from typing import Protocol, TypeVar, cast

from ._cache import (
    atomic_write_with,
    budget_from_env,
    code_stamp,
    content_key,
    prune_least_recent,
    read_entry,
    subfolders,
)
from .retrievers import Corpus

__all__ = ["FIT_CACHE_BYTES", "FIT_CACHE_ENV", "fit_cached", "prune_fits", "retriever_params"]

log = logging.getLogger("context_kit")

FIT_CACHE_BYTES = 2_000_000_000
"""Default size budget of a cache folder's fitted states (the slice entries are apart)."""

FIT_CACHE_ENV = "CONTEXT_KIT_FIT_CACHE_MB"
"""Environment variable overriding :data:`FIT_CACHE_BYTES`, in megabytes."""

# Bumped when a retriever's fitted state changes shape (fit-2: BM25 base and delta
# segments, 32-bit postings), so older pickles become misses, never half-read states.
_FORMAT = "fit-2"


class _Fits(Protocol):
    def fit(self, corpus: Corpus, /) -> object: ...


_F = TypeVar("_F", bound=_Fits)


def retriever_params(retriever: object) -> str:
    """The retriever's constructor parameters as a stable string."""
    params = sorted(
        (k, repr(v))
        for k, v in vars(retriever).items()
        if not k.startswith("_") and not k.endswith("_")
    )
    return repr(params)


def fit_cached(retriever: _F, corpus: Corpus, corpus_key: str | None, folder: Path | None) -> _F:
    """``retriever.fit(corpus)``, or its fitted state from the cache when the key matches.

    Args:
        retriever: An unfitted (or previously fitted) retriever.
        corpus: The corpus to fit on.
        corpus_key: A digest of the corpus content; ``None`` disables caching.
        folder: The cache folder; ``None`` disables caching.
    """
    if corpus_key is None or folder is None:
        return cast(_F, retriever.fit(corpus))  # fit returns self (the estimator rule)
    cls = type(retriever)
    key = content_key(
        _FORMAT,
        # The code that fits (term splitting, stemming, link rules): a fit pickled by
        # another release would load fine and score by the old rules.
        code_stamp("retrievers/**/*.py", "links.py", "_link_index.py"),
        f"{cls.__module__}.{cls.__qualname__}",
        retriever_params(retriever),
        corpus_key,
    )
    path = folder / "fits" / key[:2] / f"{key}.pickle"
    data = read_entry(path)
    if data is not None:
        try:
            loaded = pickle.loads(data)
        except Exception:  # a truncated or foreign entry is a miss
            loaded = None
        if type(loaded) is cls and _reattached(loaded, corpus, path):
            vars(retriever).update(vars(loaded))
            with suppress(OSError):  # recently used: the last to be pruned
                os.utime(path)
            return retriever
    fitted = cast(_F, retriever.fit(corpus))
    try:
        # Streamed to the file: a fitted BM25 pickles to tens of MB, and a bytes copy of
        # it would add that to the build's peak memory.
        written = atomic_write_with(path, lambda f: pickle.dump(fitted, f, pickle.HIGHEST_PROTOCOL))
    except Exception:  # retrievers holding unpicklable state are simply not cached
        log.info("context_kit cache: %s cannot be pickled; not cached", cls.__name__)
        written = False
    if written:
        prune_fits(folder, _budget(), keep=path)
    return fitted


def _budget() -> int:
    return budget_from_env(FIT_CACHE_ENV, FIT_CACHE_BYTES)


def prune_fits(folder: Path, budget: int, *, keep: Path | None = None) -> int:
    """Remove the least recently used fitted states until ``folder/fits`` holds ``budget`` bytes.

    Recency is the later of the file's access and modification times, and a load
    refreshes both (see :func:`~context_kit._cache.prune_least_recent`). ``keep`` (the
    entry just written) is never removed, even when it alone exceeds the budget. Entries
    another process removes meanwhile are skipped; a reader that loses its entry sees a
    miss.

    Returns:
        The bytes removed.
    """
    shards = subfolders(folder / "fits")
    kept = frozenset([os.fspath(keep)] if keep is not None else [])
    return prune_least_recent(shards, ".pickle", budget, keep=lambda: kept, what="fits")


def _reattached(loaded: object, corpus: Corpus, path: Path) -> bool:
    """Give a loaded state its corpus back, if it asks for it; ``False`` when it refuses."""
    reattach = getattr(loaded, "_reattach", None)
    if reattach is None:
        return True
    try:
        reattach(corpus)
    except ValueError as exc:  # fitted on other slices (a colliding key, a stale entry)
        log.info("context_kit cache: %s does not fit this corpus (%s); refitting", path, exc)
        return False
    return True
