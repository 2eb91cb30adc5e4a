"""Dense retrieval with the caller's own embedding function.

No model is bundled and nothing is downloaded: the caller passes ``embed(texts) -> array``
(a sentence-transformers model, an API client, anything). Vectors are cached by the
content hash of the embedded text — in memory, and on disk when a cache folder is given —
so re-fitting an index after a small change embeds only the slices that changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .._cache import atomic_write, content_key, read_entry
from ..errors import OptionError
from .base import Corpus, Scores

__all__ = ["EmbedFn", "EmbeddingRetriever"]

EmbedFn = Callable[[Sequence[str]], "npt.ArrayLike"]
"""``embed(texts)`` returns one vector per text (shape ``(len(texts), dim)``)."""

_CACHE_FORMAT = "embedding-v1"


class EmbeddingRetriever:
    """Cosine similarity between the query's embedding and each slice's.

    Args:
        embed: The caller's embedding function.
        model: A name for the embedding model; part of the cache key, so vectors of two
            models never mix.
        batch_size: Texts per ``embed`` call.
        max_chars: Slice text is cut to this many characters before embedding (most
            models truncate anyway; cutting first keeps requests small).
        cache_dir: Folder for on-disk vectors (``None``: memory only).
    """

    name = "embedding"

    def __init__(
        self,
        embed: EmbedFn,
        *,
        model: str = "user",
        batch_size: int = 64,
        max_chars: int = 4000,
        cache_dir: str | Path | None = None,
    ) -> None:
        self.embed = embed
        self.model = model
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.cache_dir = cache_dir
        self._memo: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def _text(self, corpus: Corpus, row: int) -> str:
        s = corpus.slices[row]
        head = f"{s.path or ''} {s.name}\n"
        return (head + s.text)[: self.max_chars]

    def _path(self, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return Path(self.cache_dir) / "embeddings" / key[:2] / f"{key}.npy"

    def _load(self, key: str) -> npt.NDArray[np.float32] | None:
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        path = self._path(key)
        if path is None:
            return None
        raw = read_entry(path)
        if raw is None:
            return None
        vec = np.frombuffer(raw, dtype=np.float32)
        return vec if vec.size else None

    def _vectors(self, texts: list[str]) -> npt.NDArray[np.float32]:
        keys = [content_key(_CACHE_FORMAT, self.model, t) for t in texts]
        out: list[npt.NDArray[np.float32] | None] = [self._load(k) for k in keys]
        todo = [i for i, v in enumerate(out) if v is None]
        for lo in range(0, len(todo), self.batch_size):
            batch = todo[lo : lo + self.batch_size]
            got = np.asarray(self.embed([texts[i] for i in batch]), dtype=np.float32)
            if got.ndim != 2 or got.shape[0] != len(batch):
                raise OptionError(
                    f"embed() returned shape {got.shape} for {len(batch)} texts; it must "
                    "return one vector per text, shape (n_texts, dim)",
                    name="embed",
                )
            for i, vec in zip(batch, got, strict=True):
                vec = np.ascontiguousarray(vec)
                out[i] = vec
                with self._lock:
                    self._memo[keys[i]] = vec
                path = self._path(keys[i])
                if path is not None:
                    atomic_write(path, vec.tobytes())
        dims = {v.shape[0] for v in out if v is not None}
        if len(dims) > 1:
            raise OptionError(
                f"embedding dimensions differ across texts: {sorted(dims)}; cached vectors "
                "of another model? give each model its own model= name",
                name="embed",
            )
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([v for v in out if v is not None])

    @staticmethod
    def _unit(m: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        norms = np.linalg.norm(m, axis=-1, keepdims=True)
        unit: npt.NDArray[np.float32] = (m / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def fit(self, corpus: Corpus) -> EmbeddingRetriever:
        """Embed every slice (cached vectors are reused)."""
        texts = [self._text(corpus, i) for i in range(len(corpus))]
        self.matrix_ = self._unit(self._vectors(texts))
        self.n_ = len(corpus)
        return self

    def score(self, query: str) -> Scores:
        """Cosine similarity of each slice to the query, negatives clipped to 0."""
        if self.n_ == 0:
            return np.zeros(0, dtype=np.float32)
        q = self._unit(self._vectors([query[: self.max_chars]]))[0]
        if q.shape[0] != self.matrix_.shape[1]:
            raise OptionError("the query embedding has another dimension", name="embed")
        out: Scores = np.clip(self.matrix_ @ q, 0.0, None).astype(np.float32)
        return out
