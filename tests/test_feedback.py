"""Pseudo-relevance feedback: the query widened with its best code hits' own words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import context_kit
from context_kit import BM25Retriever, Corpus, Slice
from context_kit.retrievers.feedback import QueryFeedback


def _slice(i: int, text: str, path: str = "x.py", kind: str = "code") -> Slice:
    return Slice(
        id=f"{kind}:{path}:{i}-{i}", kind=kind, path=path, start_line=i, end_line=i, text=text
    )


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])


@given(st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=8), words, words)
def test_a_weighted_score_of_weight_one_is_the_query_score(docs, a, b):
    # k3 0: each distinct query term once, as the weights below give it.
    corpus = Corpus([_slice(i + 1, " ".join(d)) for i, d in enumerate(docs)])
    bm25 = BM25Retriever(k3=0.0).fit(corpus)
    query = f"{a} {b}"
    ones = {t: 1.0 for t in bm25.query_terms(query)}
    assert np.array_equal(bm25.weighted_score(ones), bm25.score(query))
    doubled = bm25.weighted_score({t: 2.0 for t in ones})
    assert np.allclose(doubled, 2 * bm25.score(query), rtol=1e-6)
    # Words the index never saw count for nothing.
    assert not bm25.weighted_score({"unseenword": 1.0}).any()


def _corpus() -> list[Slice]:
    return [
        _slice(1, "def flushall(): invalidate_keys(); zorblax_reset(); zorblax_reset()"),
        _slice(2, "def zorblax_reset(): table.clear()", path="y.py"),
        _slice(3, "def unrelated(): print(hello)", path="z.py"),
        # A doc section that matches is no source of words: it speaks the language.
        _slice(4, "flushall invalidate quuxly", path="README.md", kind="doc"),
    ]


def test_the_expansion_holds_the_best_hits_words_and_not_the_query_s():
    slices = _corpus()
    bm25 = BM25Retriever().fit(Corpus(slices))
    query = "flushall should invalidate keys"
    scores = bm25.score(query)
    got = QueryFeedback(k=2, terms=5).expansion(bm25, slices, scores, query)
    assert got and max(got.values()) == 1.0
    assert "zorblax" in got
    assert not set(got) & set(bm25.query_terms(query))
    assert "quuxly" not in got
    # The same input, the same words in the same order.
    assert list(got.items()) == list(
        QueryFeedback(k=2, terms=5).expansion(bm25, slices, scores, query).items()
    )
    # Nothing ranked: nothing to read.
    assert QueryFeedback().expansion(bm25, slices, np.zeros(len(slices)), query) == {}


def test_feedback_finds_code_that_shares_the_best_hit_s_words_not_the_query_s(tmp_path: Path):
    (tmp_path / "server.py").write_text(
        "def flushall_command():\n    invalidate_keys()\n    zorblax_reclaim(table)\n"
    )
    (tmp_path / "tracking.py").write_text(
        "def zorblax_reclaim(table):\n    table.zorblax = None\n\n\ndef other():\n    return 1\n"
    )
    index = context_kit.Index.build(tmp_path, cache_dir=False)
    query = "flushall must invalidate keys"

    def found(weights: dict[str, float]) -> set[str]:
        return {h.slice.name for h in index.search(query, k=10, weights=weights)}

    assert "zorblax_reclaim" not in found({"feedback": 0.0, "file_header": 0.0})
    assert "zorblax_reclaim" in found({"feedback": 0.2, "file_header": 0.0})
