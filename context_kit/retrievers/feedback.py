"""Pseudo-relevance feedback: the query, widened with the words of its best code hits.

An issue says what is wrong in its own words ("the tracking table is not reclaimed on
FLUSHALL"); the code that must change says it in the code's ("trackingInvalidateKeysOnFlush",
"raxFree"). The best hits of the first ranking usually sit where the answer is, and the
words they use that the query does not are the code's words for it. This step reads the
``k`` best code slices of the fused ranking, weighs each of their terms by how much of the
slice it makes up times the slice's share of the best score (a relevance model), keeps the
``terms`` with the highest weight x idf (so ``self`` and ``return`` do not win), and
scores every slice by BM25 over those words, each word's idf scaled by its weight. The
result joins the fusion as part ``"feedback"``.

Measured on the quality benchmark (fresh caches, 2026-11-24, file / function / line
recall averaged over 2k-32k tokens; see ``benchmarks/README.md``): at weight 0.2 the 122
Python tasks went from .933 / .733 / .768 to .935 / .743 / .782 and the 120 polyglot
tasks from .899 / - / .691 to .896 / - / .703 (file recall at 2k fell .797 -> .774: the
expansion favours the best hit's neighbourhood over a second file). Weight 0.3 and 0.5
cost SWE-bench recall; five slices and 15 words did no better than eight and ten, nor did
eight slices from eight different files.

Like :class:`~context_kit.retrievers.graph.GraphPropagation` this is a post-fusion step:
it needs the fused ranking, which no single retriever sees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..types import Slice
from ._terms import terms
from .base import Scores
from .bm25 import BM25Retriever
from .fusion import top_k

__all__ = ["QueryFeedback"]


class QueryFeedback:
    """Expand the query with the distinctive words of its ``k`` best code hits.

    Args:
        k: How many of the best code slices are read for words.
        terms: How many words the expansion keeps.
    """

    name = "feedback"

    def __init__(self, *, k: int = 8, terms: int = 10) -> None:
        self.k = k
        self.terms = terms

    def expansion(
        self,
        bm25: BM25Retriever,
        slices: Sequence[Slice],
        scores: Scores,
        query: str,
    ) -> dict[str, float]:
        """The expansion words and their weights (the best is 1.0), best first.

        Args:
            bm25: The fitted BM25 retriever whose vocabulary and idf are used.
            slices: The index's slices, row for row with ``scores``.
            scores: The first ranking's score per row.
            query: The query (its own terms are not added again).
        """
        asked = set(bm25.query_terms(query))
        # Code only: a changelog or doc section that matches speaks the language.
        rows = [
            r
            for r in top_k(scores, 4 * self.k).tolist()
            if slices[r].kind == "code" and scores[r] > 0
        ][: self.k]
        if not rows:
            return {}
        best = float(scores[rows[0]])
        weight: dict[str, float] = {}
        for r in rows:
            words = terms(slices[r].text, stem=bm25.stem)
            if not words:
                continue
            share = float(scores[r]) / best / len(words)
            for word, count in Counter(words).items():
                if word not in asked:
                    weight[word] = weight.get(word, 0.0) + share * count
        if not weight:
            return {}
        words = list(weight)
        cols = bm25.vocabulary_.columns(words)
        known = np.flatnonzero(cols >= 0)
        if not known.size:
            return {}
        idf = bm25.idf(cols[known])
        value = np.asarray([weight[words[i]] for i in known.tolist()]) * idf
        # Stable: equal values keep the order words were met in, so packs stay identical.
        keep = np.argsort(-value, kind="stable")[: self.terms]
        top = float(value[keep[0]])
        if top <= 0.0:
            return {}
        return {words[int(known[i])]: float(value[i]) / top for i in keep.tolist()}

    def scores(
        self,
        bm25: BM25Retriever,
        slices: Sequence[Slice],
        scores: Scores,
        query: str,
    ) -> Scores:
        """BM25 of every row over :meth:`expansion`'s words (zeros when there are none)."""
        words = self.expansion(bm25, slices, scores, query)
        if not words:
            return np.zeros(len(slices), dtype=np.float32)
        return bm25.weighted_score(words)
