"""The query path's fast scoring agrees with plain reference implementations.

Latency work (see ``benchmarks/retrieval_speed.py``) must not change a single score: each
shortcut here is checked against the straightforward computation it replaces.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from context_kit import BM25Retriever, Corpus, FuzzyRetriever, Slice
from context_kit.packing.select import Needs, candidate_rows
from context_kit.retrievers import _lcs_bound, fuzzy, top_k
from context_kit.retrievers._lcs_bound import CharSignatures, popcount, signature
from context_kit.retrievers._terms import terms
from context_kit.retrievers.fuzzy import query_mentions

# Few letters, so random names are often near-misses of each other; "é" and "\0" are
# outside the ASCII classes and the padding code point.
name_text = st.text(alphabet="abcde_1XYé\0", min_size=1, max_size=14)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=20))
def test_popcount_counts_set_bits(values):
    words = np.asarray(values, dtype=np.uint64)
    want = [v.bit_count() for v in values]
    assert popcount(words).tolist() == want
    assert _lcs_bound._popcount_swar(words).tolist() == want


@given(st.lists(name_text, min_size=1, max_size=30))
def test_vectorised_signatures_equal_the_plain_one(strings):
    sig = CharSignatures(strings)
    plain = [signature(s) for s in strings]
    assert sig.words.tolist() == [w for w, _ in plain]
    assert sig.excess.tolist() == [e for _, e in plain]
    assert sig.lengths.tolist() == [len(s) for s in strings]


@given(st.lists(name_text, min_size=1, max_size=30), st.integers(1, 64))
def test_class_counts_do_not_depend_on_the_chunk_size(strings, cells):
    want = [[0] * _lcs_bound.CLASSES for _ in strings]
    for row, s in zip(want, strings, strict=True):
        for c in _lcs_bound.char_classes(s):
            row[c] += 1
    assert _lcs_bound._class_counts(strings, cells).tolist() == want


@given(name_text, st.lists(name_text, min_size=1, max_size=30))
def test_upper_bound_is_at_least_the_lcs(probe, names):
    bounds = CharSignatures(names).upper_bounds(probe, 0, len(names))
    for name, bound in zip(names, bounds.tolist(), strict=True):
        assert bound >= LCSseq.similarity(probe, name)


@given(name_text, st.lists(name_text, min_size=1, max_size=30), st.floats(0, 100))
def test_bound_keeps_every_name_rapidfuzz_accepts(probe, names, cutoff):
    kept = set(CharSignatures(names).may_reach(probe, 0, len(names), cutoff).tolist())
    for i, name in enumerate(names):
        if fuzz.ratio(probe, name, score_cutoff=cutoff):
            assert i in kept, (probe, name, fuzz.ratio(probe, name))


def reference_query_mentions(query: str) -> tuple[list[str], list[str]]:
    """query_mentions as a plain scan: every identifier occurrence judged on its own."""
    ident = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

    # Scope paths read as dotted names, character by character.
    def name_char(ch: str) -> bool:
        return ch.isalnum() or ch == "_"

    out, i = [], 0
    while i < len(query):
        after = query[i + 2] if i + 2 < len(query) else " "
        if (
            query.startswith("::", i)
            and i
            and name_char(query[i - 1])
            and ((after.isascii() and after.isalpha()) or after == "_")
        ):
            out.append(".")
            i += 2
            continue
        out.append(query[i])
        i += 1
    query = "".join(out)
    for m in list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*#", query))[::-1]:
        before = query[m.start() - 1] if m.start() else " "
        after = query[m.end()] if m.end() < len(query) else " "
        if (
            m.group(0)[0].isupper()
            and not (name_char(before) or before == "#")
            and after.isascii()
            and (after.islower() or after == "_")
        ):
            query = query[: m.end() - 1] + "." + query[m.end() :]
    ticks = set()
    for m in re.finditer(r"`([^`\n]{1,200})`", query):
        ticks.update(ident.findall(m.group(1)))
    idents: dict[str, None] = {}
    for m in ident.finditer(query):
        word = m.group(0)
        if len(word) < 3:
            continue
        called = query[m.end() : m.end() + 1] == "("
        looks_like_code = (
            "_" in word.strip("_")
            or "." in word
            or re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", word) is not None
            or word.startswith("__")
        )
        if word in ticks or called or looks_like_code:
            idents.setdefault(word, None)
    # Every path-like run, without the quick test for "/" or an extension that skips most
    # lines.
    paths = {m.group(0).strip("./"): None for m in fuzzy._PATHLIKE.finditer(query)}
    return list(idents), list(paths)


_PIECES = ["abc", "abcXy", "ab_c", "__ab", "_ab_", "a.bc", "HTTPx", "x1", "(", "`", " ", "\n"]
_PATH_PIECES = ["a.py", ".md", "py", "-", "src/", "x.test.ts", "json"]
query_pieces = st.sampled_from([*_PIECES, *_PATH_PIECES, "/", ".", "::", "#", "Ab", ":"])
query_chars = st.text(alphabet="abX_.(`/ \n1:#", max_size=3)


@given(st.lists(query_pieces | query_chars, max_size=40).map("".join))
@example("plain words, then plain() and `plain` again; snake_case and a.b and __x")
@example("see `render` and then render; `two words` and words")
@example("tokio::time::timeout and JoinHandle::abort; Relation#find_each, C# and #12")
def test_query_mentions_equal_the_plain_scan(query):
    assert query_mentions(query) == reference_query_mentions(query)


def reference_fuzzy_scores(f: FuzzyRetriever, query: str) -> np.ndarray:
    """FuzzyRetriever.score written plainly: per-row maxima, every name compared."""
    scores = [0.0] * f.n_
    paths_scored = np.zeros(f.n_, dtype=np.float32)
    idents, paths = query_mentions(query)

    def lift(rows, value):
        for i in rows:
            scores[i] = max(scores[i], value)

    def common(name):  # a name many slices define keeps sqrt(specific / n) of its weight
        n = len(f.by_name_[name])
        return min(1.0, (f.specific_definers / n) ** 0.5)

    probes = []
    for ident in idents:
        parts = ident.lower().split(".")
        qualified = False
        if len(parts) >= 2:
            qualified = bool(f.by_qual_.get(".".join(parts[-2:])))
            lift(f.by_qual_.get(".".join(parts[-2:]), ()), f.qualified_weight)
            f._score_path("/".join(parts), paths_scored, suffix_only=True)
        if parts[-1] in f.by_name_:
            owner = ident.split(".")[-2] if len(parts) >= 2 else ""
            foreign = not qualified and owner[:1].isupper() and owner.lower() not in f.by_name_
            weight = f.exact_weight * common(parts[-1])
            lift(f.by_name_[parts[-1]], weight * (f.foreign_owner_weight if foreign else 1.0))
        elif len(parts[-1]) >= 4:
            probes.append(parts[-1])
    for p in paths:
        f._score_path(p, paths_scored, suffix_only=False)
    for probe in probes[: f.max_probes]:
        for name, score, _ in process.extract(
            probe, f.names_, scorer=fuzz.ratio, score_cutoff=f.fuzzy_cutoff, limit=None
        ):
            lift(f.by_name_[name], f.fuzzy_weight * score / 100.0 * common(name))
    return np.maximum(np.asarray(scores, dtype=np.float32), paths_scored)


identifier = st.text(alphabet="abcdeXY_", min_size=1, max_size=12).filter(
    lambda s: not s[0].isdigit()
)


@st.composite
def corpus_and_query(draw):
    names = draw(st.lists(identifier, min_size=1, max_size=25))
    slices = [
        Slice(
            id=f"code:m{i % 4}.py:{i}-{i}",
            kind="code",
            path=f"pkg/m{i % 4}.py",
            start_line=i + 1,
            end_line=i + 1,
            name=name,
            text=f"def {name}(): ...",
            defines=(name, f"C{i % 3}.{name}") if i % 2 else (name,),
        )
        for i, name in enumerate(names)
    ]
    # Mentions: exact names, edited names (near-misses), dotted and repeated ones.
    words = []
    for _ in range(draw(st.integers(1, 25))):
        word = draw(st.sampled_from(names))
        edit = draw(st.integers(0, 3))
        at = draw(st.integers(0, len(word)))
        if edit == 1:
            word = word[:at] + draw(st.sampled_from("abcdeXY_")) + word[at:]
        elif edit == 2 and len(word) > 1:
            word = word[:at] + word[at + 1 :]
        words.append(f"`C{draw(st.integers(0, 2))}.{word}`" if draw(st.booleans()) else word)
    query = " and ".join(f"{w}()" for w in words) + draw(st.sampled_from(["", " in pkg/m1.py"]))
    return slices, query


@given(corpus_and_query(), st.integers(1, 16), st.sampled_from([60.0, 75.0, 88.0, 95.0]))
def test_fuzzy_scores_equal_the_plain_reference(case, max_probes, cutoff):
    slices, query = case
    f = FuzzyRetriever(max_probes=max_probes, fuzzy_cutoff=cutoff).fit(Corpus(slices))
    fast = f.score(query)
    assert fast.dtype == np.float32
    np.testing.assert_array_equal(fast, reference_fuzzy_scores(f, query))


def test_fuzzy_signatures_follow_a_refit():
    def make(names):
        return [
            Slice(id=f"s{i}", kind="code", path="a.py", name=n, text=n, defines=(n,))
            for i, n in enumerate(names)
        ]

    old = make(["compute_total", "render"])
    f = FuzzyRetriever().fit(Corpus(old))
    assert f.score("compute_totl()").any()
    new = make(["render", "parse_header"])
    f.refit(Corpus(new), np.asarray([1, -1], dtype=np.int64), Corpus(old))
    assert not f.score("compute_totl()").any()
    assert f.score("parse_heder()")[1] > 0


@given(
    # Mostly a few distinct values, so ties straddle the k-th row.
    st.lists(st.integers(-1, 3).map(float), max_size=60)
    | st.lists(st.floats(-10, 10, width=32), max_size=60),
    st.integers(-1, 70),
)
@example([0.0] * 10 + [1.0], 3)
def test_top_k_equals_a_full_sort_with_ties_by_row(values, k):
    scores = np.asarray(values, dtype=np.float32)
    want = sorted(range(len(values)), key=lambda r: (-scores[r], r))[: max(k, 0)]
    assert top_k(scores, k).tolist() == want


def reference_bm25_scores(bm25: BM25Retriever, query: str) -> np.ndarray:
    """BM25Retriever.score as a plain loop over the fitted postings, term by term.

    Same operations in the same order on Python floats (IEEE doubles), so the fast path
    must match it bit for bit, not just approximately.
    """
    # Postings sit in a base and a delta segment under document numbers; row_docs_ maps
    # each corpus row to its document (see BM25Retriever.refit).
    out = [0.0] * len(bm25.norm_)
    segments = [
        (bm25.indptr_, bm25.doc_ids_, bm25.tf_),
        (bm25.d_indptr_, bm25.d_doc_ids_, bm25.d_tf_),
    ]
    qtf = Counter(terms(query, stem=bm25.stem))
    for t in bm25.query_terms(query):
        c = bm25.vocabulary_[t]
        df = float(bm25.df_[c])
        idf = float(np.log1p((bm25.n_docs_ - df + 0.5) / (df + 0.5)))
        if bm25.k3 > 0:
            idf *= (bm25.k3 + 1.0) * qtf[t] / (bm25.k3 + qtf[t])
        for indptr, doc_ids, tfs in segments:
            for p in range(int(indptr[c]), int(indptr[c + 1])):
                doc, tf = int(doc_ids[p]), float(tfs[p])
                out[doc] += idf * tf * (bm25.k1 + 1.0) / (tf + float(bm25.norm_[doc]))
    return np.asarray([out[d] for d in bm25.row_docs_.tolist()], dtype=np.float32)


bm25_words = st.sampled_from(
    ["alpha", "beta", "gammaDelta", "gamma_delta", "eps", "the", "x1", "parseHTTP", "http"]
)


@given(
    st.lists(st.lists(bm25_words, min_size=0, max_size=15), min_size=1, max_size=15),
    st.lists(bm25_words, min_size=0, max_size=8),
    st.floats(0.1, 3.0),
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.2, 8.0]),
)
def test_bm25_scores_equal_the_plain_loop_bit_for_bit(docs, query, k1, b, k3):
    corpus = Corpus(
        [
            Slice(
                id=f"s{i}",
                kind="code",
                path=f"pkg/{d[0] if d else 'empty'}.py",
                name=d[-1] if d else "",
                text=" ".join(d),
            )
            for i, d in enumerate(docs)
        ]
    )
    bm25 = BM25Retriever(k1=k1, b=b, k3=k3).fit(corpus)
    text = " ".join(query)
    np.testing.assert_array_equal(bm25.score(text), reference_bm25_scores(bm25, text))


@pytest.mark.parametrize(
    ("pinned", "want"),
    [([], [3, 4, 1, 0]), ([4], [3, 4, 1, 0]), ([0, 5], [3, 4, 0, 5, 1, 2])],
)
def test_candidate_rows_add_pins_then_dependencies_transitively(pinned, want):
    # Row 3 needs row 1, which needs row 0; row 5 needs row 2.
    assert candidate_rows([3, 4], pinned, {3: 1, 1: 0, 5: 2}) == want


@st.composite
def related_slices(draw) -> list[Slice]:
    """Slices naming each other: classes and their methods, parts, declared needs."""
    n = draw(st.integers(0, 25))
    out = []
    for i in range(n):
        path = draw(st.sampled_from(["a.py", "b.py", None]))
        kind = draw(st.sampled_from(["class", "method", "function", "window"]))
        part = draw(st.sampled_from([None, (1, 2), (2, 2), (1, 3), (3, 3)]))
        declared = draw(st.sampled_from([None, "s0", "s3", "missing", f"s{i}"]))
        out.append(
            Slice(
                id=f"s{i}",
                kind="code" if path else "commit",
                path=path,
                start_line=i + 1 if path else None,
                end_line=i + 1 if path else None,
                name=draw(st.sampled_from(["K", "J", "f"])),
                symbol_kind=kind,
                parent=draw(st.sampled_from([None, "K", "J"])),
                part=part,
                text="x\n",
                meta={"requires": declared} if declared else {},
            )
        )
    return out


def requirements(slices: list[Slice]) -> dict[str, str]:
    """The reference for Needs: each slice id's dependency by id, in one pass over all."""
    headers: dict[tuple[str, str], str] = {}
    first_parts: dict[tuple[str, str], str] = {}
    for s in slices:
        if s.path is None:
            continue
        if s.symbol_kind == "class" and (s.part is None or s.part[0] == 1):
            headers.setdefault((s.path, s.name), s.id)
        if s.part is not None and s.part[0] == 1:
            first_parts.setdefault((s.path, s.name), s.id)
    ids = {s.id for s in slices}
    out: dict[str, str] = {}
    for s in slices:
        declared = s.meta.get("requires")
        need: str | None = None
        if isinstance(declared, str) and declared in ids:
            need = declared
        elif s.path is not None and s.part is not None and s.part[0] > 1:
            need = first_parts.get((s.path, s.name))
        elif s.path is not None and s.parent:
            need = headers.get((s.path, s.parent))
        if need is not None and need != s.id:
            out[s.id] = need
    return out


@given(related_slices())
def test_needs_found_lazily_equal_the_whole_index_pass(slices):
    # Needs answers from a file's own rows what requirements() finds in one pass over
    # every slice; packs take dependencies from it.
    want_ids = requirements(slices)
    row_of = {s.id: i for i, s in enumerate(slices)}
    want = {row_of[a]: row_of[b] for a, b in want_ids.items()}
    needs = Needs(slices, Corpus(slices).file_rows)
    assert {r: needs.get(r) for r in range(len(slices))} == {
        r: want.get(r) for r in range(len(slices))
    }
    assert dict(needs) == want  # asked again (memoised), and as a whole
