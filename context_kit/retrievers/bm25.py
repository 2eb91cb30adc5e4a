"""BM25 over code-aware terms, with weighted fields, as a sparse numpy matrix.

Each slice is a document with three fields — its file path, its name (qualified symbol or
heading path) and its text — combined BM25F-style: a term's frequency is the weighted sum
of its per-field frequencies, and so is the document length. Scoring touches only the
posting lists of the query's terms (a CSC matrix: one contiguous slice per term).

:func:`reference_scores` is the textbook formula, written plainly, that the fast path is
tested against.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._terms import path_terms, term_counts, terms
from .base import Corpus, Scores

__all__ = ["BM25Retriever", "FileBM25Retriever", "reference_scores"]


def _idf(n_docs: int, df: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
    # Lucene's non-negative IDF: a term in every document still scores >= 0.
    return np.log1p((n_docs - np.asarray(df) + 0.5) / (np.asarray(df) + 0.5))


class BM25Retriever:
    """Okapi BM25 with BM25F-style field weights and code-aware terms.

    Args:
        k1: Term-frequency saturation: higher lets repeated terms keep adding score.
        b: Length normalisation in [0, 1]: 1 fully penalises long slices, 0 ignores length.
        body_weight: Weight of terms from the slice's text.
        name_weight: Weight of terms from the slice's name (symbol or heading path); names
            say what a slice *is*, so a match there counts several body mentions.
        path_weight: Weight of terms from the file path.
    """

    name = "bm25"

    def __init__(
        self,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        body_weight: float = 1.0,
        name_weight: float = 3.0,
        path_weight: float = 2.0,
    ) -> None:
        self.k1 = k1
        self.b = b
        self.body_weight = body_weight
        self.name_weight = name_weight
        self.path_weight = path_weight

    def _doc_terms(self, corpus: Corpus) -> list[dict[str, float]]:
        path_cache: dict[str, dict[str, float]] = {}
        docs: list[dict[str, float]] = []
        for s in corpus.slices:
            tf: defaultdict[str, float] = defaultdict(float)
            for t, n in term_counts(s.text).items():
                tf[t] += self.body_weight * n
            for t, n in term_counts(s.name).items():
                tf[t] += self.name_weight * n
            if s.path:
                if s.path not in path_cache:
                    pc: defaultdict[str, float] = defaultdict(float)
                    for t in path_terms(s.path):
                        pc[t] += self.path_weight
                    path_cache[s.path] = dict(pc)
                for t, w in path_cache[s.path].items():
                    tf[t] += w
            docs.append(tf)
        return docs

    def fit(self, corpus: Corpus) -> BM25Retriever:
        """Build the term-document matrix."""
        self.index_ = _SparseBM25.build(self._doc_terms(corpus), k1=self.k1, b=self.b)
        return self

    def query_terms(self, query: str) -> list[str]:
        """The distinct query terms present in the vocabulary, in first-seen order."""
        return self.index_.query_terms(query)

    def score(self, query: str) -> Scores:
        """BM25 score of every slice for ``query`` (each distinct query term counted once)."""
        return self.index_.score(query)


class FileBM25Retriever:
    """BM25 over whole files; every slice gets its file's score.

    A function whose own text shares few words with the query may still live in the file
    the query is about. Scoring files as documents recovers that context signal, which
    slice-level BM25 alone cannot see.

    Args:
        k1: Term-frequency saturation.
        b: Length normalisation (files vary in length far more than slices).
        path_weight: Weight of the file path's terms.
    """

    name = "file"

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, path_weight: float = 2.0) -> None:
        self.k1 = k1
        self.b = b
        self.path_weight = path_weight

    def fit(self, corpus: Corpus) -> FileBM25Retriever:
        """Aggregate slice terms per file and build a file-level BM25 index."""
        paths = sorted(corpus.file_rows)
        docs: list[dict[str, float]] = []
        for p in paths:
            tf: defaultdict[str, float] = defaultdict(float)
            for row in corpus.file_rows[p].tolist():
                for t, n in term_counts(corpus.slices[row].text).items():
                    tf[t] += n
            for t in path_terms(p):
                tf[t] += self.path_weight
            docs.append(tf)
        self.index_ = _SparseBM25.build(docs, k1=self.k1, b=self.b)
        row_file = np.full(len(corpus), -1, dtype=np.int64)
        for fi, p in enumerate(paths):
            row_file[corpus.file_rows[p]] = fi
        self.row_file_ = row_file
        return self

    def score(self, query: str) -> Scores:
        """Each slice's file score (0 for slices without a file)."""
        file_scores = np.append(self.index_.score(query), np.float32(0.0))
        return file_scores[self.row_file_]


class _SparseBM25:
    """Term-major (CSC) BM25 matrix over weighted term-frequency documents."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        doc_ids: npt.NDArray[np.int64],
        tf: npt.NDArray[np.float64],
        indptr: npt.NDArray[np.int64],
        idf: npt.NDArray[np.float64],
        norm: npt.NDArray[np.float64],
        k1: float,
    ) -> None:
        self.vocabulary = vocabulary
        self.doc_ids = doc_ids
        self.tf = tf
        self.indptr = indptr
        self.idf = idf
        self.norm = norm
        self.k1 = k1

    @classmethod
    def build(cls, docs: list[dict[str, float]], *, k1: float, b: float) -> _SparseBM25:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lengths = np.zeros(len(docs), dtype=np.float64)
        for i, tf in enumerate(docs):
            lengths[i] = sum(tf.values())
            cols.extend(vocab.setdefault(term, len(vocab)) for term in tf)
            rows.extend([i] * len(tf))
            vals.extend(tf.values())
        col_arr = np.asarray(cols, dtype=np.int64)
        order = np.argsort(col_arr, kind="stable")
        counts = np.bincount(col_arr, minlength=len(vocab))
        avgdl = float(lengths.mean()) if len(docs) else 0.0
        return cls(
            vocabulary=vocab,
            doc_ids=np.asarray(rows, dtype=np.int64)[order],
            tf=np.asarray(vals, dtype=np.float64)[order],
            indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            idf=_idf(len(docs), counts.astype(np.float64)),
            # The length-normalised part of the denominator, once per document.
            norm=k1 * (1.0 - b + b * lengths / max(avgdl, 1e-9)),
            k1=k1,
        )

    def query_terms(self, query: str) -> list[str]:
        seen: dict[str, None] = {}
        for t in terms(query):
            if t in self.vocabulary:
                seen.setdefault(t, None)
        return list(seen)

    def score(self, query: str) -> Scores:
        n = len(self.norm)
        cols = np.asarray([self.vocabulary[t] for t in self.query_terms(query)], dtype=np.int64)
        if cols.size == 0:
            return np.zeros(n, dtype=np.float32)
        # Gather every posting of every query term in one shot (no per-term Python loop):
        # positions lo..hi-1 of each term, concatenated.
        lo, hi = self.indptr[cols], self.indptr[cols + 1]
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(n, dtype=np.float32)
        offsets = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        pos = offsets + np.arange(total)
        ids = self.doc_ids[pos]
        tf = self.tf[pos]
        idf = np.repeat(self.idf[cols], lengths)
        contrib = idf * tf * (self.k1 + 1.0) / (tf + self.norm[ids])
        return np.bincount(ids, weights=contrib, minlength=n).astype(np.float32)


def reference_scores(
    docs: Sequence[Sequence[str]], query: Sequence[str], *, k1: float = 1.2, b: float = 0.75
) -> list[float]:
    """Textbook BM25 (Lucene IDF), one plain loop per document, for testing the fast path.

    Args:
        docs: Each document as a list of terms.
        query: Query terms; repeated terms count once.
        k1: Saturation parameter.
        b: Length normalisation.
    """
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n if n else 0.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    out = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for q in dict.fromkeys(query):
            if tf[q] == 0:
                continue
            idf = math.log(1 + (n - df[q] + 0.5) / (df[q] + 0.5))
            s += idf * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out
