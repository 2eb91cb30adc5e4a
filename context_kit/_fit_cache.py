"""Fitted retrievers cached on disk, keyed by the corpus they were fitted on.

Fitting BM25 over a large repository costs seconds (every slice's text is split into
terms); when nothing changed since the last build, the fitted state is loaded instead.
The key covers the retriever's class and parameters (sklearn-style: public attributes not
ending in ``_``) and a digest of the corpus, so any change is a miss. Entries are pickles
in the user's own cache folder; an entry that fails to load is a miss.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

from ._cache import atomic_write_with, content_key, read_entry
from .retrievers import Corpus, Retriever

__all__ = ["fit_cached", "retriever_params"]

log = logging.getLogger("context_kit")

# Bumped when a retriever's fitted state changes shape (fit-2: BM25 base and delta
# segments, 32-bit postings), so older pickles become misses, never half-read states.
_FORMAT = "fit-2"


def retriever_params(retriever: object) -> str:
    """The retriever's constructor parameters as a stable string."""
    params = sorted(
        (k, repr(v))
        for k, v in vars(retriever).items()
        if not k.startswith("_") and not k.endswith("_")
    )
    return repr(params)


def fit_cached(
    retriever: Retriever, corpus: Corpus, corpus_key: str | None, folder: Path | None
) -> Retriever:
    """``retriever.fit(corpus)``, or its fitted state from the cache when the key matches.

    Args:
        retriever: An unfitted (or previously fitted) retriever.
        corpus: The corpus to fit on.
        corpus_key: A digest of the corpus content; ``None`` disables caching.
        folder: The cache folder; ``None`` disables caching.
    """
    if corpus_key is None or folder is None:
        return retriever.fit(corpus)
    cls = type(retriever)
    key = content_key(
        _FORMAT, f"{cls.__module__}.{cls.__qualname__}", retriever_params(retriever), corpus_key
    )
    path = folder / "fits" / key[:2] / f"{key}.pickle"
    data = read_entry(path)
    if data is not None:
        try:
            loaded = pickle.loads(data)
        except Exception:  # a truncated or foreign entry is a miss
            loaded = None
        if type(loaded) is cls:
            vars(retriever).update(vars(loaded))
            return retriever
    fitted = retriever.fit(corpus)
    try:
        # Streamed to the file: a fitted BM25 pickles to tens of MB, and a bytes copy of
        # it would add that to the build's peak memory.
        atomic_write_with(path, lambda f: pickle.dump(fitted, f, pickle.HIGHEST_PROTOCOL))
    except Exception:  # retrievers holding unpicklable state are simply not cached
        log.info("context_kit cache: %s cannot be pickled; not cached", cls.__name__)
    return fitted
