import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from context_kit import Index, OptionError
from context_kit.retrievers import (
    BM25Retriever,
    Corpus,
    EmbeddingRetriever,
    FileBM25Retriever,
    FuzzyRetriever,
)
from context_kit.retrievers.fusion import diversify
from context_kit.retrievers.graph import GraphPropagation
from context_kit.retrievers.history import HistoryRetriever
from context_kit.testing import check_retriever, check_tokenizer, sample_corpus
from context_kit.tokens import get_tokenizer


def fake_embed(texts):
    """Deterministic bag-of-words hashing embedding: shared words -> similar vectors."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1.0
    return out


@pytest.mark.parametrize(
    "factory",
    [
        BM25Retriever,
        FuzzyRetriever,
        FileBM25Retriever,
        HistoryRetriever,
        lambda: EmbeddingRetriever(fake_embed),
    ],
)
def test_builtin_retrievers_pass_the_conformance_kit(factory):
    check_retriever(factory)


def test_the_kit_catches_a_broken_retriever():
    class Float64:
        name = "bad"

        def fit(self, corpus):
            self.n_ = len(corpus)
            return self

        def score(self, query):
            return np.zeros(self.n_)  # float64: breaks the one-score-shape rule

    with pytest.raises(AssertionError, match="float32"):
        check_retriever(Float64)


def test_tokenizer_kit():
    check_tokenizer(get_tokenizer("cl100k_base"))


def test_embedding_vectors_are_cached_by_content(tmp_path):
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return fake_embed(texts)

    corpus = sample_corpus()
    EmbeddingRetriever(counting, cache_dir=tmp_path).fit(corpus)
    first = sum(calls)
    assert first == len(corpus)
    r = EmbeddingRetriever(counting, cache_dir=tmp_path).fit(corpus)  # fresh memo, disk hit
    assert sum(calls) == first
    s = r.score("configuration file")
    assert int(np.argmax(s)) in (0, 2)


def test_embedding_shape_errors_are_typed():
    with pytest.raises(OptionError, match="one vector per text"):
        EmbeddingRetriever(lambda texts: np.zeros(3)).fit(sample_corpus())


def test_embedding_retriever_in_an_index(tmp_path):
    (tmp_path / "a.py").write_text("def load_settings():\n    return read('settings.toml')\n")
    (tmp_path / "b.py").write_text("def draw_circle(r):\n    return r * r\n")
    index = Index.build(
        tmp_path, retrievers=["bm25", EmbeddingRetriever(fake_embed)], history=False
    )
    hits = index.search("load_settings read settings.toml", weights={"embedding": 1.0})
    assert hits[0].slice.path == "a.py"
    assert "embedding" in hits[0].scores


@given(
    st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=40),
    st.data(),
    st.floats(0.1, 1.0),
)
def test_diversify_damps_repeats_only(scores, data, decay):
    s = np.asarray(scores, dtype=np.float32)
    groups = np.asarray(
        data.draw(st.lists(st.integers(-1, 3), min_size=len(s), max_size=len(s))), dtype=np.int64
    )
    out = diversify(s, groups, decay=decay, depth=len(s))
    assert np.all(out <= s + 1e-6)
    for g in set(groups.tolist()) - {-1}:
        rows = np.flatnonzero(groups == g)
        best = rows[np.lexsort((rows, -s[rows]))][0]
        assert out[best] == s[best]  # the best hit of every file is untouched
    assert np.array_equal(out[groups == -1], s[groups == -1])
    assert np.array_equal(diversify(s, groups, decay=1.0, depth=len(s)), s)


def test_graph_propagation_reaches_the_callee():
    from context_kit import Slice
    from context_kit.retrievers.fusion import FusionResult

    def sl(i, name, refs=()):
        return Slice(
            id=f"code:m.py:{i}-{i}",
            kind="code",
            path="m.py",
            start_line=i,
            end_line=i,
            name=name,
            text=f"def {name}(): pass",
            defines=(name,),
            references=tuple(refs),
        )

    corpus = Corpus([sl(1, "entry", ["helper"]), sl(2, "helper"), sl(3, "unrelated")])
    g = GraphPropagation().fit(corpus)
    seed = np.asarray([1.0, 0.0, 0.0], dtype=np.float32)
    out = g.apply(FusionResult(seed, {"bm25": seed}), weight=0.5)
    assert out.scores[1] > 0 and out.scores[2] == 0
    assert out.breakdown(1) == {"graph": 0.5}


def test_a_long_text_file_s_windows_are_damped_and_code_is_not(tmp_path, monkeypatch):
    import context_kit
    import context_kit.index as index_module

    (tmp_path / "modules.conf").write_text(
        "".join(f"[module {i}]\npath = vendor/grammars/lang{i}\n" for i in range(150))
    )
    (tmp_path / "vendoring.py").write_text(
        "def is_vendored(path):\n    '''Whether a path is vendored.'''\n"
        "    return path.startswith('vendor/')\n\n\n"
        "def vendored_paths(paths):\n    return [p for p in paths if is_vendored(p)]\n"
    )
    index = context_kit.Index.build(tmp_path, cache_dir=False)
    query = "vendored path patterns"

    def ranked() -> dict[str, float]:
        # Without feedback, which reads the damped ranking too (tested below).
        return {h.slice.id: h.score for h in index.search(query, k=50, weights={"feedback": 0})}

    damped, decay = ranked(), index_module.WINDOW_DIVERSITY
    monkeypatch.setattr(index_module, "WINDOW_DIVERSITY", 1.0)
    flat = ranked()
    # Ties (the windows are alike) are ranked in line order.
    windows = sorted(
        (i for i in flat if i.startswith("code:modules.conf")),
        key=lambda i: (-flat[i], int(i.rsplit(":", 1)[1].split("-")[0])),
    )
    assert len(windows) >= 3
    # The n-th best window of the file keeps WINDOW_DIVERSITY ** (n - 1) of its score.
    for n, i in enumerate(windows):
        assert damped[i] == pytest.approx(flat[i] * decay**n, rel=1e-5)
    code = [i for i in flat if i.startswith("code:vendoring.py")]
    assert code and all(damped[i] == pytest.approx(flat[i], rel=1e-6) for i in code)


def test_query_feedback_reads_the_windows_damped(tmp_path, monkeypatch):
    import context_kit
    import context_kit.index as index_module

    (tmp_path / "modules.conf").write_text(
        "".join(f"[module {i}]\npath = vendor/grammars/lang{i}\n" for i in range(150))
    )
    (tmp_path / "vendoring.py").write_text("def is_vendored(path):\n    return 'vendor/' in path\n")
    index = context_kit.Index.build(tmp_path, cache_dir=False)
    seen = []
    real = index_module._FEEDBACK.scores

    def spy(bm25, slices, first, query):
        seen.append(first.copy())
        return real(bm25, slices, first, query)

    monkeypatch.setattr(index_module._FEEDBACK, "scores", spy)
    index.search("vendored path patterns", k=5)
    (first,) = seen
    rows = [i for i, s in enumerate(index.slices) if s.path == "modules.conf"]
    got = sorted((float(first[r]) for r in rows), reverse=True)
    monkeypatch.setattr(index_module, "WINDOW_DIVERSITY", 1.0)
    seen.clear()
    index.search("vendored path patterns", k=5)
    flat = sorted((float(seen[0][r]) for r in rows), reverse=True)
    assert got[0] == pytest.approx(flat[0])
    assert got[1] == pytest.approx(flat[1] * 0.6, rel=1e-5)
