"""History signals: matching commits, co-changing files, recent and busy code.

Code whose lines were changed by commits that match the query, files that change together
with the files the query names, and recently, often changed code score here.

Reads :class:`~context_kit.history.History` from ``corpus.extras["history"]``; without it
every score is zero, so the retriever is safe to include for folders without git.

Score of a code or doc row, each part in [0, 1] before its weight:

* ``message_weight`` × the best query match (BM25 over commit messages, scaled by the best
  commit) among the commits that changed the row's lines;
* ``cochange_weight`` × the largest share of a named file's commits that also changed the
  row's file (a file is *named* when the query spells its path or a symbol it defines);
* ``prior_weight`` × recency-and-churn of the row's lines — added only to rows with another
  signal here or a query term in their name, so hot code never outranks relevant code on
  heat alone.

Commit rows get ``cochange_weight`` when they changed a named file, plus the gated prior.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ..history import History
from ..types import Slice
from ._terms import terms
from .base import Corpus, Scores
from .bm25 import BM25Retriever
from .fusion import FusionResult
from .fuzzy import query_mentions

__all__ = ["ChangePropagation", "HistoryRetriever"]

_SECONDS_PER_DAY = 86_400.0


class HistoryRetriever:
    """Scores slices by the history of their lines.

    Args:
        message_weight: Weight of "a commit that changed these lines matches the query".
        cochange_weight: Weight of co-change with files the query names.
        prior_weight: Weight of the recency-and-churn prior (gated, see module docs).
        half_life_days: Age at which the recency part of the prior halves.
        recency_share: Share of recency (vs churn) in the prior, in [0, 1].
    """

    name = "history"

    def __init__(
        self,
        *,
        message_weight: float = 1.0,
        cochange_weight: float = 0.5,
        prior_weight: float = 0.2,
        half_life_days: float = 180.0,
        recency_share: float = 0.5,
    ) -> None:
        self.message_weight = message_weight
        self.cochange_weight = cochange_weight
        self.prior_weight = prior_weight
        self.half_life_days = half_life_days
        self.recency_share = recency_share

    def fit(self, corpus: Corpus) -> HistoryRetriever:
        """Link rows to commits, compute the prior, and index commit messages."""
        n = len(corpus)
        self.n_rows_ = n
        history = corpus.extras.get("history")
        self.history_ = history if isinstance(history, History) else None
        self.commit_rows_: dict[int, int] = {}
        if self.history_ is None or len(self.history_) == 0:
            # Every score is zero without history: nothing per row is worth computing.
            self.messages_ = None
            return self
        self.links_: list[list[int]] = [[] for _ in range(n)]
        self.prior_ = np.zeros(n, dtype=np.float32)
        self.paths_ = corpus.paths
        # Per-query work must not walk every row in Python (50k rows cost ~30 ms a loop):
        # rows are looked up by file and by name term instead.
        self.path_ids_: dict[str, int] = {}
        self.row_path_ids_ = np.fromiter(
            (self.path_ids_.setdefault(p, len(self.path_ids_)) for p in self.paths_),
            dtype=np.int64,
            count=n,
        )
        name_rows: dict[str, list[int]] = {}
        for i, s in enumerate(corpus.slices):
            for t in set(terms(s.name)):
                name_rows.setdefault(t, []).append(i)
        self.name_rows_ = {t: np.asarray(r, dtype=np.int64) for t, r in name_rows.items()}
        self.file_commit_rows_: dict[str, list[int]] = {}
        self.defines_: dict[str, set[str]] = {}
        for s in corpus.slices:
            if s.path:
                for d in (*s.defines, s.name):
                    if d:
                        self.defines_.setdefault(d, set()).add(s.path)
        h = self.history_
        groups: dict[str, list[int]] = {}
        for i, s in enumerate(corpus.slices):
            if s.kind == "commit" and s.commit in h.position:
                self.commit_rows_[h.position[s.commit]] = i
            elif s.path and s.start_line is not None and s.end_line is not None:
                groups.setdefault(s.path, []).append(i)
        for pos, row in self.commit_rows_.items():
            for f in h.commits[pos].files:
                self.file_commit_rows_.setdefault(f.path, []).append(row)
        for path, rows in sorted(groups.items()):
            spans = [
                (corpus.slices[r].start_line or 0, corpus.slices[r].end_line or 0) for r in rows
            ]
            for r, found in zip(rows, h.track(path, spans), strict=True):
                self.links_[r] = found
        # Flat (row, commit position) pairs, so scoring is one vectorised max per query.
        self.link_rows_ = np.fromiter(
            (r for r, found in enumerate(self.links_) for _ in found), dtype=np.int64
        )
        self.link_pos_ = np.fromiter((p for found in self.links_ for p in found), dtype=np.int64)
        self.prior_ = self._prior(h, corpus)
        msg_slices = [
            Slice(id=f"m:{c.sha}", kind="commit", text=c.message, commit=c.sha) for c in h.commits
        ]
        self.messages_ = BM25Retriever().fit(Corpus(msg_slices))
        return self

    def refit(
        self, corpus: Corpus, previous_rows: npt.NDArray[np.int64], previous: Corpus
    ) -> HistoryRetriever:
        """Refit after the corpus changed: free without history, else a full fit.

        Args:
            corpus: The new corpus.
            previous_rows: For each row of ``corpus``, its row in ``previous`` or ``-1``.
            previous: The corpus of the previous fit or refit.
        """
        history = corpus.extras.get("history")
        had_none = hasattr(self, "messages_") and self.messages_ is None
        if had_none and not (isinstance(history, History) and len(history)):
            self.n_rows_ = len(corpus)
            return self
        return self.fit(corpus)

    def _prior(self, h: History, corpus: Corpus) -> Scores:
        n = len(corpus)
        churn = np.array([len(x) for x in self.links_], dtype=np.float64)
        newest = [h.commits[x[0]].time if x else 0 for x in self.links_]
        for pos, row in self.commit_rows_.items():
            churn[row] = 1.0
            newest[row] = h.commits[pos].time
        touched = churn > 0
        if not touched.any():
            return np.zeros(n, dtype=np.float32)
        age_days = (h.newest_time - np.asarray(newest, dtype=np.float64)) / _SECONDS_PER_DAY
        recency = np.power(0.5, np.maximum(age_days, 0.0) / max(self.half_life_days, 1e-9))
        busy = np.log1p(churn) / math.log1p(float(churn.max()))
        share = min(max(self.recency_share, 0.0), 1.0)
        prior = np.where(touched, share * recency + (1.0 - share) * busy, 0.0)
        return prior.astype(np.float32)

    @staticmethod
    def _cochange_shares(h: History, named: set[str]) -> dict[str, float]:
        """Other files' strongest co-change share with a named file (changes together / churn)."""
        share: dict[str, float] = {}
        for f in sorted(named):
            churn = h.file_churn(f)
            for g, count in h.co_change.get(f, {}).items():
                if g not in named and churn:
                    share[g] = max(share.get(g, 0.0), count / churn)
        return share

    def _named_files(self, query: str) -> set[str]:
        idents, mentioned = query_mentions(query)
        named: set[str] = set()
        for p in set(self.paths_) | (self.history_.paths if self.history_ else set()):
            if p and any(p == m or p.endswith("/" + m) for m in mentioned):
                named.add(p)
        for ident in idents:
            named.update(self.defines_.get(ident, ()))
            named.update(self.defines_.get(ident.rsplit(".", 1)[-1], ()))
        return named

    def score(self, query: str) -> Scores:
        """One score per row (all zero without history)."""
        out = np.zeros(self.n_rows_, dtype=np.float32)
        h = self.history_
        if h is None or self.messages_ is None:
            return out
        msg = self.messages_.score(query)
        top = float(msg.max()) if msg.size else 0.0
        if top > 0 and self.message_weight:
            best = np.zeros(self.n_rows_, dtype=np.float32)
            np.maximum.at(best, self.link_rows_, (msg / top)[self.link_pos_])
            out += self.message_weight * best
        named = self._named_files(query)
        if named and self.cochange_weight:
            share = self._cochange_shares(h, named)
            by_file = np.zeros(len(self.path_ids_) + 1, dtype=np.float32)
            for g, value in share.items():
                if g in self.path_ids_:
                    by_file[self.path_ids_[g]] = value
            out += np.float32(self.cochange_weight) * by_file[self.row_path_ids_]
            touched = {r for f in named for r in self.file_commit_rows_.get(f, ())}
            if touched:
                out[np.fromiter(sorted(touched), dtype=np.int64)] += self.cochange_weight
        if self.prior_weight:
            gate = out > 0
            for t in set(terms(query)):
                rows = self.name_rows_.get(t)
                if rows is not None:
                    gate[rows] = True
            out += np.where(gate, self.prior_weight * self.prior_, 0.0).astype(np.float32)
        return out


class ChangePropagation:
    """Lifts the commits that changed the query's best code: a post-fusion step.

    A commit whose message and diff share no words with the query can still be the one
    that matters: it changed the function the query is about. Like
    :class:`~context_kit.retrievers.links.LinkPropagation` this propagates the *fused*
    scores (every retriever's evidence) one hop, here from code and doc rows to the commit
    rows that changed their lines, and shows up in score breakdowns as ``"changes"`` with a
    fusion weight of that name.

    A commit row receives ``weight * max over rows it changed (seed * decay ** k) /
    max(seed)``, where ``k`` counts the newer commits that changed the same row (the last
    change counts most) and only rows scoring at least ``seed_fraction`` of the best hit
    seed. Commit rows never seed: a commit that matches the query on its own words needs no
    lift, and commits would otherwise lift each other through shared code.

    Args:
        seed_fraction: Rows scoring below this fraction of the best score do not propagate.
        decay: Edge weight factor per newer change of the same row.
        max_changes: Commits linked per row, newest first.
    """

    name = "changes"

    def __init__(
        self, *, seed_fraction: float = 0.5, decay: float = 0.5, max_changes: int = 3
    ) -> None:
        self.seed_fraction = seed_fraction
        self.decay = decay
        self.max_changes = max_changes

    def fit(self, corpus: Corpus) -> ChangePropagation:
        """Link each code and doc row to the commit rows that last changed its lines."""
        self.n_ = len(corpus)
        history = corpus.extras.get("history")
        rows_of: dict[int, int] = {}
        groups: dict[str, list[int]] = {}
        h = history if isinstance(history, History) else None
        for i, s in enumerate(corpus.slices):
            if s.kind == "commit":
                if h is not None and s.commit in h.position:
                    rows_of[h.position[s.commit]] = i
            elif s.path and s.start_line is not None and s.end_line is not None:
                groups.setdefault(s.path, []).append(i)
        self.commit_rows_ = np.fromiter(sorted(rows_of.values()), dtype=np.int64)
        src: list[int] = []
        dst: list[int] = []
        weights: list[float] = []
        if h is not None and rows_of:
            for path, rows in sorted(groups.items()):
                spans = [
                    (corpus.slices[r].start_line or 0, corpus.slices[r].end_line or 0) for r in rows
                ]
                for r, found in zip(rows, h.track(path, spans), strict=True):
                    linked = [rows_of[p] for p in found if p in rows_of][: self.max_changes]
                    for k, c in enumerate(linked):
                        src.append(r)
                        dst.append(c)
                        weights.append(self.decay**k)
        self.edges_ = (
            np.asarray(src, dtype=np.int64),
            np.asarray(dst, dtype=np.int64),
            np.asarray(weights, dtype=np.float32),
        )
        return self

    def apply(self, fused: FusionResult, *, weight: float, query: str = "") -> FusionResult:
        """Fused scores plus a ``"changes"`` part on the commit rows.

        Args:
            fused: The other retrievers' fused ranking.
            weight: The boost the last commit to change the top hit receives.
            query: Unused (the signature every post-fusion step shares).

        Returns:
            A new result; ``fused`` is left unchanged.
        """
        src, dst, w = self.edges_
        if not len(src):
            return fused
        seed = fused.scores.astype(np.float32, copy=True)
        seed[self.commit_rows_] = 0.0
        ref = float(seed.max()) if seed.size else 0.0
        if ref <= 0.0:
            return fused
        seed[seed < self.seed_fraction * ref] = 0.0
        part = np.zeros(self.n_, dtype=np.float32)
        np.maximum.at(part, dst, seed[src] * w)
        part *= np.float32(weight / ref)
        if not part.any():
            return fused
        parts = dict(fused.parts)
        parts[self.name] = part
        return FusionResult(fused.scores + part, parts)
