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
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from .._pool import ordered_map, retire
from ..types import Slice
from ._rows import renumber
from ._terms import _PARTS, alternate_terms, path_words, terms, word_runs
from ._vocab import Vocabulary
from .base import Corpus, Scores

__all__ = [
    "MERGE_SHARE",
    "PARALLEL_FIT_MIN_CHARS",
    "BM25Retriever",
    "FileBM25Retriever",
    "reference_scores",
]


ALTERNATE_SHARE = 0.5
"""A query term's other spelling (``dir`` for "directory") counts as this many occurrences
of it per occurrence of the term (so about 0.65 of its weight under ``k3`` = 1.2)."""

MERGE_SHARE = 0.125
"""A refitted :class:`BM25Retriever` merges its delta segment into the base once the delta
plus the base's unreachable postings exceed this share of the base: small enough that
scoring rarely reads much dead weight, large enough that merges (a pass over every
posting) stay rare."""


def _idf(n_docs: int, df: npt.NDArray[np.int64] | float) -> npt.NDArray[np.float64]:
    # Lucene's non-negative IDF: a term in every document still scores >= 0.
    dfs = np.asarray(df, dtype=np.float64)
    return np.log1p((n_docs - dfs + 0.5) / (dfs + 0.5))


def _posting_terms(indptr: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The term of each posting of a CSC segment."""
    return np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))


def _indptr(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """CSC column pointers from per-term posting counts."""
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


PARALLEL_FIT_MIN_CHARS = 8_000_000
"""Corpus text below which a fit splits terms in this process even when the corpus allows
workers: starting them and shipping the text costs about half a second, repaid only from
a few megabytes of text on."""

_FIT_CHUNK_CHARS = 1_000_000  # text per chunk of a fit (see _chunks)


@dataclass(frozen=True)
class _Fields:
    """The field weights and term options a document's terms depend on (picklable)."""

    body_weight: float
    name_weight: float
    path_weight: float
    stem: bool


class _LocalIds(dict[str, int]):
    """Key -> a dense id, given in first-lookup order (looked up through ``map``, in C)."""

    def __missing__(self, key: str) -> int:
        new = self[key] = len(self)
        return new


def _stream(
    words: list[str], per_doc: array[int], parts: dict[str, tuple[str, ...]], term_ids: _LocalIds
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each term occurrence of a field's ``words`` (``per_doc`` of them per document): (doc, term).

    Every occurrence is handled in C or numpy; Python runs once per distinct word of
    the chunk (its parts) rather than once per word of every document.
    """
    word_ids = _LocalIds()
    wid = np.fromiter(map(word_ids.__getitem__, words), dtype=np.int64, count=len(words))
    word_parts = [parts[w] for w in word_ids]
    n_parts = np.fromiter(map(len, word_parts), dtype=np.int64, count=len(word_parts))
    flat = list(chain.from_iterable(word_parts))
    part_ids = np.fromiter(map(term_ids.__getitem__, flat), dtype=np.int64, count=len(flat))
    first = np.zeros(len(word_parts) + 1, dtype=np.int64)
    np.cumsum(n_parts, out=first[1:])
    docs = np.repeat(np.arange(len(per_doc), dtype=np.int64), np.frombuffer(per_doc, np.int64))
    reps = n_parts[wid]
    total = int(reps.sum())
    # The k-th part of each occurrence: the word's first part, plus k.
    starts = np.repeat(first[wid], reps)
    run_start = np.repeat(np.cumsum(reps) - reps, reps)
    picks = starts + (np.arange(total, dtype=np.int64) - run_start)
    return np.repeat(docs, reps), part_ids[picks]


# What _postings returns: the terms in id order, each document's number of distinct
# terms, each posting's term id and weighted frequency, and each document's length.
_Postings = tuple[
    list[str],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]


def _postings(f: _Fields, docs: Sequence[tuple[str, str, str | None]]) -> _Postings:
    """The postings of ``docs`` with term ids local to them (BM25F: weighted field counts).

    Returns the terms (in id order: first seen in the bodies, then names, then paths),
    each document's number of distinct terms, each posting's term id and weighted
    frequency (document by document, terms in id order), and each document's length.
    A frequency is ``body_weight * body count + name_weight * name count + path_weight *
    path count``, and a length the same sum over the fields' term totals: both depend on
    the document alone, never on the documents it is fitted with, so a refit's postings
    equal a fit's bit for bit.
    """
    n = len(docs)
    fields: list[tuple[list[str], array[int]]] = [([], array("q")) for _ in range(3)]
    path_cache: dict[str, list[str]] = {}
    for text, name, path in docs:
        for (words, per_doc), found in zip(
            fields,
            (
                word_runs(text),
                word_runs(name) if name else [],
                _path_words(path, path_cache) if path else [],
            ),
            strict=True,
        ):
            words += found
            per_doc.append(len(found))
    term_ids = _LocalIds()
    # The path keeps stopwords ("in", "to" name folders); body and name drop them.
    keep = (True, True, False)
    streams = [
        _stream(words, per_doc, _PARTS[drop, f.stem], term_ids)
        for (words, per_doc), drop in zip(fields, keep, strict=True)
    ]
    n_terms = max(len(term_ids), 1)
    weights = (f.body_weight, f.name_weight, f.path_weight)
    # One key per (document, term, field), so a posting's fields sum in that fixed order.
    keys = np.concatenate([(d * n_terms + t) * 3 + k for k, (d, t) in enumerate(streams)])
    uniq, counts = np.unique(keys, return_counts=True)
    field = uniq % 3
    weighted = counts * np.asarray(weights, dtype=np.float64)[field]
    pair = uniq // 3
    heads = (
        np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(pair) else np.zeros(0, np.int64)
    )
    freqs = np.add.reduceat(weighted, heads) if len(heads) else np.zeros(0, dtype=np.float64)
    doc_of = pair[heads] // n_terms
    totals = [np.bincount(d, minlength=n).astype(np.float64) for d, _ in streams]
    lengths = weights[0] * totals[0] + weights[1] * totals[1] + weights[2] * totals[2]
    return (
        list(term_ids),
        np.bincount(doc_of, minlength=n),
        pair[heads] % n_terms,
        freqs,
        lengths,
    )


def _path_words(path: str, cache: dict[str, list[str]]) -> list[str]:
    found = cache.get(path)
    if found is None:
        found = cache[path] = path_words(path)
    return found


# A chunk of documents' postings, as flat arrays rather than a list of dicts, so that
# moving it between processes is a few memcpys and the parent touches each distinct term
# of a chunk once, not each posting (millions on a large tree):
#   terms:   the chunk's distinct terms in id order, joined by newlines (terms are word
#            characters, never a newline);
#   sizes:   int64, the number of distinct terms of each document;
#   local:   int64, each posting's term as an index into ``terms``;
#   freqs:   float64, each posting's weighted frequency;
#   lengths: float64, each document's length.
# Ids are local to the chunk and the parent maps them in order, so the vocabulary, and
# every array of a fit, is the same whichever process split the terms.
_Chunk = tuple[str, bytes, bytes, bytes, bytes]
# A task: the fields and the documents' (text, name, path). The text travels with the task
# (not read from slices a forked worker inherited) because an index build's workers were
# forked before the slices existed: see _pool.shared_pools.
_Job = tuple[_Fields, list[tuple[str, str, str | None]]]


def _chunk_terms(job: _Job) -> _Chunk:
    """:func:`_postings` of a chunk in a worker, as bytes."""
    terms_l, sizes, local, freqs, lengths = _postings(*job)
    return "\n".join(terms_l), sizes.tobytes(), local.tobytes(), freqs.tobytes(), lengths.tobytes()


def _global(
    vocab: _LocalIds | Vocabulary, terms_l: list[str], local: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32]:
    """Local term ids as ids into ``vocab`` (new terms added in local order)."""
    if isinstance(vocab, Vocabulary):  # a refit's
        return vocab.columns(terms_l, add=True).astype(np.int32)[local]
    # A fit's: lookups and additions all in C.
    to_global = np.fromiter(map(vocab.__getitem__, terms_l), dtype=np.int32, count=len(terms_l))
    return to_global[local]


def _chunk_bounds(slices: Sequence[Slice]) -> tuple[list[tuple[int, int]], int]:
    """Consecutive row ranges of about ``_FIT_CHUNK_CHARS`` of text each, and all the text."""
    bounds: list[tuple[int, int]] = []
    lo = size = total = 0
    for i, s in enumerate(slices):
        size += len(s.text)
        if size >= _FIT_CHUNK_CHARS:
            bounds.append((lo, i + 1))
            lo, total, size = i + 1, total + size, 0
    if lo < len(slices):
        bounds.append((lo, len(slices)))
    return bounds, total + size


_Arrays = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.float64]
]


def _chunks(
    f: _Fields, slices: Sequence[Slice], workers: int, vocab: _LocalIds
) -> Iterator[_Arrays]:
    """Sizes, term ids (into ``vocab``), freqs and lengths of every slice, chunk by chunk.

    Splitting terms is most of a fit's time and runs alone after slicing. For a large
    corpus it runs in worker processes: it then uses every core, and the term caches it
    fills die with the workers instead of staying in the parent (a large repository's
    distinct words fill them to their limits). The parent then maps each chunk's distinct
    terms to ids, not each posting. A smaller corpus is split here, straight into
    ``vocab``. Either way ids are given in first-seen order, so the arrays are the same.
    """
    bounds, chars = _chunk_bounds(slices)
    jobs = ((f, [(s.text, s.name, s.path) for s in slices[lo:hi]]) for lo, hi in bounds)
    if workers <= 1 or chars < PARALLEL_FIT_MIN_CHARS:
        for _, docs in jobs:
            terms_l, sizes, local, freqs, lengths = _postings(f, docs)
            yield sizes, _global(vocab, terms_l, local), freqs.astype(np.float32), lengths
        return
    for terms_s, sizes_b, local_b, freqs_b, lengths_b in ordered_map(
        _chunk_terms, jobs, workers, what="BM25 fit"
    ):
        words = terms_s.split("\n") if terms_s else []
        yield (
            np.frombuffer(sizes_b, dtype=np.int64),
            _global(vocab, words, np.frombuffer(local_b, dtype=np.int64)),
            np.frombuffer(freqs_b, dtype=np.float64).astype(np.float32),
            np.frombuffer(lengths_b, dtype=np.float64),
        )
    # Nothing after the split uses workers, and the parent is about to assemble its
    # largest arrays: free the workers' term caches first (see _pool.retire).
    retire()


class BM25Retriever:
    """Okapi BM25 with BM25F-style field weights and code-aware terms.

    Args:
        k1: Term-frequency saturation: higher lets repeated terms keep adding score.
        b: Length normalisation in [0, 1]: 1 fully penalises long slices, 0 ignores length.
            0.5 rather than the prose default 0.75: a slice's length is mostly how much
            code a function needs, not verbosity, and the full penalty pushed the long
            function that had to change below short ones that merely mention a term
            (quality benchmark, commit tasks at 4k tokens: line recall 0.649 -> 0.671).
        body_weight: Weight of terms from the slice's text.
        name_weight: Weight of terms from the slice's name (symbol or heading path); names
            say what a slice *is*, so a match there counts several body mentions.
        path_weight: Weight of terms from the file path.
        stem: Fold inflections on both sides (:func:`~context_kit.retrievers._terms.light_stem`:
            "parsing" meets ``parse``). An issue describes behaviour in prose while code
            names it in its own form; on the quality benchmark this lifted line recall at 4k
            tokens by about 0.01 on commit tasks and 0.03 on SWE-bench issues.
        k3: Query-term-frequency saturation (Okapi's ``k3``): a term the query repeats
            weighs ``(k3 + 1) * qtf / (k3 + qtf)`` times its idf (1.38x at twice, 1.57x at
            three times with 1.2), since an issue repeats what it is about (``FLUSHALL``,
            ``persist_tree``). 0 counts each distinct term once. Slice scores and file
            scores (:meth:`grouped_scores`) both weigh so. On the quality benchmark 1.2
            raised function / line recall .744 / .783 -> .749 / .786 (Python) and line
            recall .703 -> .709 (polyglot), and in file scores too .754 / .787.
    """

    name = "bm25"

    def __init__(
        self,
        *,
        k1: float = 1.2,
        b: float = 0.5,
        body_weight: float = 1.0,
        name_weight: float = 3.0,
        path_weight: float = 2.0,
        stem: bool = True,
        k3: float = 1.2,
    ) -> None:
        self.k1 = k1
        self.b = b
        self.body_weight = body_weight
        self.name_weight = name_weight
        self.path_weight = path_weight
        self.stem = stem
        self.k3 = k3

    def _fields(self) -> _Fields:
        return _Fields(self.body_weight, self.name_weight, self.path_weight, self.stem)

    def __getstate__(self) -> dict[str, object]:
        # A fit's pickle (the fit cache) leaves out what queries memoised.
        return {k: v for k, v in self.__dict__.items() if k not in ("_groups_memo", "_rows_memo")}

    def _postings_of(self, slices: Sequence[Slice]) -> _Postings:
        """:func:`_postings` of ``slices`` (a refit's joining or leaving documents)."""
        return _postings(self._fields(), [(s.text, s.name, s.path) for s in slices])

    def fit(self, corpus: Corpus) -> BM25Retriever:
        """Build the term-document matrix."""
        # Postings arrive as typed arrays a chunk of documents at a time: a large
        # repository has millions of postings, and per-posting Python ints and floats in
        # lists (or every document's dict kept at once) would cost ~10x the memory.
        # Postings are stored in 32 bits (document numbers, and term frequencies, which are
        # small weighted counts): half the memory of the largest arrays an index holds.
        vocab = _LocalIds()
        cols: list[npt.NDArray[np.int32]] = []
        vals: list[npt.NDArray[np.float32]] = []
        sizes: list[npt.NDArray[np.int64]] = []
        lengths: list[npt.NDArray[np.float64]] = []
        n = len(corpus.slices)
        for size, ids, freq, length in _chunks(
            self._fields(), corpus.slices, corpus.workers, vocab
        ):
            sizes.append(size)
            cols.append(ids)
            vals.append(freq)
            lengths.append(length)
        col_arr = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
        del cols
        tf = np.concatenate(vals) if vals else np.zeros(0, dtype=np.float32)
        del vals
        per_doc = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int32), per_doc)
        order = np.argsort(col_arr, kind="stable")
        self.doc_ids_ = rows[order]
        del rows
        self.tf_ = tf[order]
        del tf, order
        counts = np.bincount(col_arr, minlength=len(vocab))
        del col_arr
        # Compact (see _vocab), and read-only to lookups: a query must never add a term.
        # Made last, when the fit's temporary arrays are gone.
        self.vocabulary_ = Vocabulary(list(vocab))
        del vocab
        self.indptr_ = _indptr(counts)
        self.df_ = counts.astype(np.int64)
        self.lengths_ = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.float64)
        self.row_docs_ = np.arange(n, dtype=np.int64)
        self._reset_delta(n)
        self._set_collection_stats()
        return self

    def _reset_delta(self, base_docs: int) -> None:
        """An empty delta segment over the current vocabulary."""
        self.d_indptr_ = np.zeros(len(self.df_) + 1, dtype=np.int64)
        self.d_doc_ids_ = np.zeros(0, dtype=self.doc_ids_.dtype)
        self.d_tf_ = np.zeros(0, dtype=self.tf_.dtype)
        self.base_docs_ = base_docs
        self.stale_postings_ = 0

    def _set_collection_stats(self) -> None:
        """Document count, mean length and each document's length normaliser."""
        n = len(self.row_docs_)
        self.n_docs_ = n
        # The live lengths in row order: the very array (and so the very mean) of a fit.
        self.avgdl_ = float(self.lengths_[self.row_docs_].mean()) if n else 0.0
        # Precompute the length-normalised denominator part per document.
        self.norm_ = self.k1 * (1.0 - self.b + self.b * self.lengths_ / max(self.avgdl_, 1e-9))

    def refit(
        self, corpus: Corpus, previous_rows: npt.NDArray[np.int64], previous: Corpus
    ) -> BM25Retriever:
        """Refit after the corpus changed, in time proportional to the change.

        Scores equal those of ``fit(corpus)``, bit for bit. Only the slices that left and
        joined the corpus are tokenised: leaving documents' postings stay in the base
        segment, unreachable from any row; joining ones go into a small delta segment;
        document frequencies are adjusted by both. When the delta and the unreachable
        postings together outgrow ``MERGE_SHARE`` of the base, the two segments are merged
        (a pass over every posting, without tokenising anything).

        Args:
            corpus: The new corpus.
            previous_rows: For each row of ``corpus``, that slice's row in ``previous``,
                or ``-1`` when the slice is new.
            previous: The corpus of the previous fit or refit.
        """
        if not hasattr(self, "row_docs_"):
            return self.fit(corpus)
        change = renumber(self.row_docs_, previous_rows, len(self.lengths_))
        vocab = self.vocabulary_
        gone = self._postings_of([previous.slices[r] for r in change.removed_rows.tolist()])
        left = vocab.columns(gone[0])[gone[2]]
        self.stale_postings_ += int(gone[1][change.removed_docs < self.base_docs_].sum())
        new_terms, sizes, local, a_vals, new_lengths = self._postings_of(
            [corpus.slices[r] for r in change.added_rows.tolist()]
        )
        lengths = np.concatenate([self.lengths_, np.zeros(len(change.added_docs))])
        lengths[change.added_docs] = new_lengths
        add_cols = _global(vocab, new_terms, local).astype(np.int64)
        a_docs = np.repeat(change.added_docs.astype(np.int64), sizes)
        n_terms = len(vocab)
        df = np.zeros(n_terms, dtype=np.int64)
        df[: len(self.df_)] = self.df_
        df -= np.bincount(left, minlength=n_terms)
        df += np.bincount(add_cols, minlength=n_terms)
        # The delta keeps its live postings plus the new ones, sorted like the base
        # (by term, then document), so both segments are read the same way.
        d_cols = _posting_terms(self.d_indptr_)
        live = ~np.isin(self.d_doc_ids_, change.removed_docs)
        d_cols = np.concatenate([d_cols[live], add_cols])
        d_docs = np.concatenate([self.d_doc_ids_[live], a_docs])
        d_tf = np.concatenate([self.d_tf_[live], a_vals])
        order = np.lexsort((d_docs, d_cols))
        self.d_doc_ids_ = d_docs[order].astype(self.doc_ids_.dtype, copy=False)
        self.d_tf_ = d_tf[order].astype(self.tf_.dtype, copy=False)
        self.d_indptr_ = _indptr(np.bincount(d_cols, minlength=n_terms))
        if len(self.indptr_) <= n_terms:  # new terms have no base postings
            pad = np.full(n_terms + 1 - len(self.indptr_), self.indptr_[-1], dtype=np.int64)
            self.indptr_ = np.concatenate([self.indptr_, pad])
        self.df_ = df
        self.lengths_ = lengths
        self.row_docs_ = change.row_docs
        extra = self.stale_postings_ + len(self.d_doc_ids_)
        if extra > MERGE_SHARE * len(self.doc_ids_) or len(lengths) > 2 * len(corpus) + 1024:
            self._merge()
        self._set_collection_stats()
        return self

    def _merge(self) -> None:
        """Fold the delta into the base and drop unreachable postings: the state of a fit."""
        n_terms = len(self.df_)
        cols = np.concatenate([_posting_terms(self.indptr_), _posting_terms(self.d_indptr_)])
        rows = self._rows_of_docs()[np.concatenate([self.doc_ids_, self.d_doc_ids_])]
        tfs = np.concatenate([self.tf_, self.d_tf_])
        alive = rows >= 0
        cols, rows, tfs = cols[alive], rows[alive], tfs[alive]
        order = np.lexsort((rows, cols))
        self.doc_ids_ = rows[order].astype(self.doc_ids_.dtype, copy=False)
        self.tf_ = tfs[order]
        self.indptr_ = _indptr(np.bincount(cols, minlength=n_terms))
        self.lengths_ = self.lengths_[self.row_docs_]
        self.row_docs_ = np.arange(len(self.row_docs_), dtype=np.int64)
        self._reset_delta(len(self.row_docs_))

    def query_terms(self, query: str) -> list[str]:
        """The distinct query terms present in the vocabulary, in first-seen order.

        They include the other spellings code uses for a query term (``dir`` for
        "directory", see :func:`~context_kit.retrievers._terms.alternate_terms`).
        """
        return self._query_columns(query)[0]

    def _query_columns(self, query: str) -> tuple[list[str], npt.NDArray[np.int64]]:
        """:meth:`query_terms` and their columns, looked up in one batch."""
        qt, cols, _ = self._query_counts(query)
        return qt, cols

    def _query_counts(
        self, query: str
    ) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """:meth:`_query_columns` and how often the query holds each of those terms.

        An alternate spelling counts :data:`ALTERNATE_SHARE` of its term's occurrences.
        """
        counts: dict[str, float] = dict(Counter(terms(query, stem=self.stem)))
        if self.stem:
            # "directory" also looks for "dir", at a fraction of the term's weight: the
            # spelling the query uses keeps the lead where both occur.
            for term, n in list(counts.items()):
                for alt in alternate_terms(term):
                    if alt not in counts:
                        counts[alt] = ALTERNATE_SHARE * n
        distinct = list(counts)  # first-seen order, as dicts keep it
        cols = self.vocabulary_.columns(distinct)
        present = np.flatnonzero(cols >= 0).tolist()
        qt = [distinct[i] for i in present]
        return qt, cols[present], np.asarray([counts[t] for t in qt], dtype=np.float64)

    def term_weights(self, query: str) -> dict[str, float]:
        """The idf of each distinct query term in the vocabulary (rare terms weigh most).

        An alternate spelling (see :data:`ALTERNATE_SHARE`) weighs what it adds to a
        score: its idf times the ``k3`` weight of its share of an occurrence, relative to
        one occurrence (about 0.65); a term the query repeats weighs its idf, as before.
        """
        qt, cols, qtf = self._query_counts(query)
        if not qt:
            return {}
        # One occurrence weighs 1 under k3; a half occurrence less, a repeat no more here.
        share = np.minimum(self._qtf_weights(qtf), 1.0)
        return dict(zip(qt, (self.idf(cols) * share).tolist(), strict=True))

    def idf(self, cols: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The idf of vocabulary columns ``cols``."""
        return _idf(self.n_docs_, self.df_[cols])

    def term_rows(self, term: str) -> npt.NDArray[np.int64]:
        """The rows whose postings hold index term ``term``, in row order.

        ``term`` is split and stemmed as the index's terms are; a term the vocabulary
        does not hold is in no row. Reads the term's postings only, not every row.
        """
        col = int(self.vocabulary_.columns([term])[0])
        if self.n_docs_ == 0 or col < 0:
            return np.zeros(0, dtype=np.int64)
        rows = self._rows_of_docs()[self._term_postings(col)[0]]
        return np.sort(rows[rows >= 0])

    def _term_postings(self, col: int) -> tuple[npt.NDArray[np.integer], npt.NDArray[np.floating]]:
        """Column ``col``'s postings in both segments (base, then delta): documents, tf."""
        segments = (
            (self.indptr_, self.doc_ids_, self.tf_),
            (self.d_indptr_, self.d_doc_ids_, self.d_tf_),
        )
        docs, tfs = [], []
        for indptr, doc_ids, tf in segments:
            lo, hi = int(indptr[col]), int(indptr[col + 1])
            docs.append(doc_ids[lo:hi])
            tfs.append(tf[lo:hi])
        return np.concatenate(docs), np.concatenate(tfs)

    def _rows_of_docs(self) -> npt.NDArray[np.int64]:
        """Each stored document's row (``-1`` for a document a refit let go), memoised."""
        memo = self.__dict__.get("_rows_memo")
        if memo is None or memo[0] is not self.row_docs_:
            # Every stored document, live or let go, has a length: the ids stay below it.
            rows = np.full(len(self.lengths_), -1, dtype=np.int64)
            rows[self.row_docs_] = np.arange(len(self.row_docs_), dtype=np.int64)
            memo = self._rows_memo = (self.row_docs_, rows)
        return memo[1]

    def weighted_score(self, weights: Mapping[str, float]) -> Scores:
        """BM25 of every slice for a query of index terms, each term's idf times its weight.

        The terms are index terms already (split and stemmed as the index's are): the
        words :class:`~context_kit.retrievers.feedback.QueryFeedback` reads from slices.
        Terms outside the vocabulary count for nothing.
        """
        n = self.n_docs_
        words = list(weights)
        cols = self.vocabulary_.columns(words)
        known = np.flatnonzero(cols >= 0)
        if n == 0 or known.size == 0:
            return np.zeros(n, dtype=np.float32)
        cols = cols[known]
        idf = self.idf(cols) * np.asarray([weights[words[i]] for i in known.tolist()])
        return self._row_scores(cols, idf)

    def score(self, query: str) -> Scores:
        """BM25 score of every slice for ``query`` (repeated query terms weigh more, see k3)."""
        _, cols, qtf = self._query_counts(query)
        if cols.size == 0:
            return np.zeros(self.n_docs_, dtype=np.float32)
        return self._row_scores(cols, self.idf(cols) * self._qtf_weights(qtf))

    def _qtf_weights(self, qtf: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each query term's weight for how often the query holds it (see ``k3``)."""
        if self.k3 <= 0.0:
            return np.ones_like(qtf)
        return (self.k3 + 1.0) * qtf / (self.k3 + qtf)

    def _row_scores(self, cols: npt.NDArray[np.int64], idf: npt.NDArray[np.float64]) -> Scores:
        """Per row, the BM25 sum over terms ``cols`` with these (weighted) idfs."""
        sums = self._document_sums(self.indptr_, self.doc_ids_, self.tf_, cols, idf)
        if self.d_doc_ids_.size:
            # A document lives in one segment only, so adding the other's 0.0 is exact.
            sums += self._document_sums(self.d_indptr_, self.d_doc_ids_, self.d_tf_, cols, idf)
        return sums[self.row_docs_].astype(np.float32)

    def grouped_scores(
        self, query: str, groups: npt.NDArray[np.int64], *, b: float = 0.75
    ) -> Scores:
        """BM25 of groups of rows (files) as documents, each row given its group's score.

        A group's term frequencies and length are the sums of its rows' (their weighted
        field counts), read from the fitted postings: what :class:`FileBM25Retriever` would
        score over whole files, without splitting any text again. A function that shares
        few words with the query may live in the file the query is about.

        Args:
            query: The query text.
            groups: Group number per row (``-1`` for rows in no group).
            b: Length normalisation across groups (files vary in length more than slices).
        """
        n = self.n_docs_
        groups = np.asarray(groups, dtype=np.int64)
        qt, cols, qtf = self._query_counts(query)
        if not qt or n == 0 or not (groups >= 0).any():
            return np.zeros(n, dtype=np.float32)
        group_of_doc, in_group, norm, n_present = self._group_stats(groups, b)
        n_groups = len(norm)
        sums = np.zeros(n_groups, dtype=np.float64)
        for c, weight in zip(cols.tolist(), self._qtf_weights(qtf).tolist(), strict=True):
            docs, tf = self._term_postings(c)
            if not docs.size:
                continue
            g = group_of_doc[docs]
            live = g >= 0  # departed documents (a refit's stale postings) have no group
            tf_g = np.bincount(g[live], weights=tf[live], minlength=n_groups)
            hit = np.flatnonzero(tf_g)
            if not hit.size:
                continue
            idf = float(_idf(n_present, float(hit.size))) * weight
            f = tf_g[hit]
            sums[hit] += idf * f * (self.k1 + 1.0) / (f + norm[hit])
        out = np.zeros(n, dtype=np.float32)
        out[in_group] = sums[groups[in_group]]
        return out

    def _group_stats(
        self, groups: npt.NDArray[np.int64], b: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.float64], int]:
        """Per-group state of :meth:`grouped_scores`, memoised.

        Each stored document's group, the rows in a group, each group's length normaliser
        and how many groups hold any term: per query they cost more than the scoring
        itself, and they change only with a (re)fit or other groups.
        """
        # Keyed by the arrays themselves (a fit or refit replaces row_docs_ and lengths_):
        # holding them keeps their ids from being reused by other arrays.
        key = (groups, self.row_docs_, self.lengths_)
        cached = self.__dict__.get("_groups_memo")
        if (
            cached is not None
            and cached[1] == b
            and all(x is y for x, y in zip(cached[0], key, strict=True))
        ):
            return cached[2]  # type: ignore[no-any-return]
        n_groups = int(groups.max()) + 1
        group_of_doc = np.full(len(self.lengths_), -1, dtype=np.int64)
        group_of_doc[self.row_docs_] = groups
        in_group = groups >= 0
        glen = np.bincount(
            groups[in_group], weights=self.lengths_[self.row_docs_][in_group], minlength=n_groups
        )
        present = glen > 0
        norm = (self.k1 * (1.0 - b + b * glen / max(float(glen[present].mean()), 1e-9))).astype(
            np.float64
        )
        stats = (group_of_doc, in_group, norm, int(present.sum()))
        self._groups_memo = (key, b, stats)
        return stats

    def _document_sums(
        self,
        indptr: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        tfs: npt.NDArray[np.float32],
        cols: npt.NDArray[np.int64],
        idf: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """Per stored document, the BM25 sum over one segment's postings of ``cols``."""
        # Each term's postings are one contiguous run (CSC), so the query's postings are a
        # concatenation of slices: plain copies, no index array over every posting.
        lo, hi = indptr[cols], indptr[cols + 1]
        spans = list(zip(lo.tolist(), hi.tolist(), strict=True))
        ids = np.concatenate([doc_ids[a:b] for a, b in spans])
        if ids.size == 0:
            return np.zeros(len(self.norm_), dtype=np.float64)
        tf = np.concatenate([tfs[a:b] for a, b in spans])
        # idf * tf * (k1 + 1) / (tf + norm), in that order (so each value is bit-identical
        # to the plain expression) but in place: at 400,000 postings a temporary array
        # costs about as much as the arithmetic on it.
        contrib = np.repeat(idf, hi - lo)
        contrib *= tf
        contrib *= self.k1 + 1.0
        denom = self.norm_[ids]
        denom += tf
        contrib /= denom
        sums = np.bincount(ids, weights=contrib, minlength=len(self.norm_))
        return sums.astype(np.float64, copy=False)  # float already: stubs say int


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
        """Index each file (its slices' text joined) as one BM25 document."""
        paths = sorted(corpus.file_rows)
        files = [
            Slice(
                id=p,
                kind="code",
                path=p,
                text="".join(corpus.slices[r].text for r in corpus.file_rows[p].tolist()),
            )
            for p in paths
        ]
        self.bm25_ = BM25Retriever(
            k1=self.k1, b=self.b, name_weight=0.0, path_weight=self.path_weight
        ).fit(Corpus(files))
        row_file = np.full(len(corpus), len(paths), dtype=np.int64)  # past the end: no file
        for fi, p in enumerate(paths):
            row_file[corpus.file_rows[p]] = fi
        self.row_file_ = row_file
        return self

    def score(self, query: str) -> Scores:
        """Each slice's file score (0 for slices without a file)."""
        file_scores = np.append(self.bm25_.score(query), np.float32(0.0))
        out: Scores = file_scores[self.row_file_].astype(np.float32)
        return out


def reference_scores(
    docs: Sequence[Sequence[str]],
    query: Sequence[str],
    *,
    k1: float = 1.2,
    b: float = 0.75,
    k3: float = 0.0,
) -> list[float]:
    """Textbook BM25 (Lucene IDF), one plain loop per document, for testing the fast path.

    Args:
        docs: Each document as a list of terms.
        query: Query terms; with ``k3`` 0 repeated terms count once.
        k1: Saturation parameter.
        b: Length normalisation.
        k3: Query-term-frequency saturation (Okapi's): a term the query holds ``qtf``
            times weighs ``(k3 + 1) * qtf / (k3 + qtf)``.
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
        for q, qtf in Counter(query).items():
            if tf[q] == 0:
                continue
            idf = math.log(1 + (n - df[q] + 0.5) / (df[q] + 0.5))
            if k3 > 0:
                idf *= (k3 + 1) * qtf / (k3 + qtf)
            s += idf * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out
