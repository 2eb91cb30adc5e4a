"""Slice cache, parallel slicing and Index.update()."""

import itertools
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from conftest import SAMPLE_PY, git
from hypothesis import given
from hypothesis import strategies as st

from context_kit import BM25Retriever, Corpus, FuzzyRetriever, Index, Slice, _pool
from context_kit.retrievers import bm25 as bm25_module
from context_kit.retrievers._lcs_bound import CharSignatures
from context_kit.slicing import SliceCache, refresh
from context_kit.sources import CodeSource, DocsSource, TextSource, WalkOptions


class CountingCode(CodeSource):
    """A code source that counts how many files it parsed (in this process)."""

    def __init__(self) -> None:
        super().__init__()
        self._calls = 0

    def slices(self, file):
        self._calls += 1
        return super().slices(file)


def make_repo(root: Path, n: int = 6) -> Path:
    (root / "pkg").mkdir(parents=True)
    for i in range(n):
        (root / "pkg" / f"m{i}.py").write_text(
            f"def func_{i}(a):\n    return a + {i}\n\n\nclass K{i}:\n    def m(self):\n"
            f"        return {i}\n"
        )
    (root / "pkg" / "greet.py").write_text(SAMPLE_PY)
    (root / "README.md").write_text("# Title\n\nSome words.\n")
    return root


def age(root: Path, seconds: float = 10.0) -> None:
    """Backdate every file so its timestamp is trusted (outside git's racy window)."""
    past = time.time() - seconds
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (past, past))


def build(root: Path, cache: Path | bool, src: CodeSource | None = None) -> Index:
    sources = (src or CodeSource(), DocsSource(), TextSource())
    return Index.build(root, cache_dir=cache, sources=sources, workers=1)


def test_second_build_reads_slices_from_the_cache(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    first_src, second_src = CountingCode(), CountingCode()
    first = build(root, tmp_path / "cache", first_src)
    second = build(root, tmp_path / "cache", second_src)
    assert first_src._calls == 7
    assert second_src._calls == 0
    assert [s.model_dump() for s in first.slices] == [s.model_dump() for s in second.slices]
    # The cache lives where it was told to, never inside the repository.
    assert list((tmp_path / "cache" / "slices").rglob("*.slices"))
    assert not any(p.name.endswith((".json", ".slices")) for p in root.rglob("*"))


def test_no_cache_means_no_files(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    build(root, False)
    assert not (tmp_path / "cache").exists()


def test_corrupt_and_truncated_entries_are_misses(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    good = build(root, tmp_path / "cache")
    cache = tmp_path / "cache"
    entries = sorted([*cache.rglob("*.slices"), *cache.rglob("*.json")])
    for n, p in enumerate(entries):
        p.write_bytes(b"{not json" if n % 2 else p.read_bytes()[:10])
    for p in (tmp_path / "cache").rglob("*.pickle"):
        p.write_bytes(b"garbage")
    src = CountingCode()
    again = build(root, tmp_path / "cache", src)
    assert src._calls == 7
    assert [s.id for s in again.slices] == [s.id for s in good.slices]
    assert again.search("func_3")[0].slice.name == "func_3"


def test_cache_key_depends_on_source_options(tmp_path: Path):
    cache = SliceCache(tmp_path)
    assert cache.key(CodeSource(), "a.py", "d") != cache.key(
        CodeSource(max_slice_lines=10), "a.py", "d"
    )
    assert cache.key(CodeSource(), "a.py", "d") != cache.key(CodeSource(), "b.py", "d")
    assert cache.key(CodeSource(), "a.py", "d") != cache.key(CodeSource(), "a.py", "e")


def test_update_reslices_only_what_changed(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    age(root)
    src = CountingCode()
    index = build(root, tmp_path / "cache", src)
    assert src._calls == 7
    assert index.update().changed == []
    assert src._calls == 7

    (root / "pkg" / "m1.py").write_text("def renamed_function(a):\n    return a\n")
    (root / "pkg" / "new.py").write_text("def brand_new(x):\n    return x\n")
    (root / "pkg" / "m2.py").unlink()
    up = index.update()
    assert up.changed == ["pkg/m1.py"]
    assert up.added == ["pkg/new.py"]
    assert up.deleted == ["pkg/m2.py"]
    assert up.sliced == 2
    assert src._calls == 9
    names = {s.name for s in index.slices}
    assert {"renamed_function", "brand_new"} <= names
    assert "func_1" not in names and "func_2" not in names
    assert index.search("brand_new")[0].slice.name == "brand_new"
    packed = index.pack("renamed_function", budget=300)
    assert packed.tokens <= 300
    assert any(i.path == "pkg/m1.py" for i in packed.items)

    # The updated index equals a fresh build of the same tree.
    fresh = build(root, False)
    assert [s.model_dump() for s in fresh.slices] == [s.model_dump() for s in index.slices]


def test_touching_without_changing_content_reparses_nothing(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    age(root)
    src = CountingCode()
    index = build(root, tmp_path / "cache", src)
    (root / "pkg" / "m0.py").touch()
    up = index.update()
    assert (up.changed, up.added, up.deleted, up.sliced) == ([], [], [], 0)
    assert src._calls == 7


def test_update_in_git_sees_new_untracked_files_only_when_asked(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
    index = Index.build(root, cache_dir=False, include_untracked=True, workers=1)
    (root / "pkg" / "extra.py").write_text("def extra():\n    return 1\n")
    assert index.update().added == ["pkg/extra.py"]
    tracked_only = Index.build(root, cache_dir=False, workers=1)
    assert not any(s.path == "pkg/extra.py" for s in tracked_only.slices)


def test_parallel_workers_give_the_same_slices(tmp_path: Path):
    root = make_repo(tmp_path / "repo", n=30)
    sources = (CodeSource(), DocsSource(), TextSource())
    serial = refresh(root, WalkOptions(), sources, workers=1)
    parallel = refresh(
        root,
        WalkOptions(),
        sources,
        workers=2,
        parallel_min_bytes=0,
        cache=SliceCache(tmp_path / "cache"),
    )
    assert parallel.sliced == serial.sliced == 32
    for path, fe in serial.files.items():
        assert [s.model_dump() for s in fe.slices] == [
            s.model_dump() for s in parallel.files[path].slices
        ]
    # Workers wrote the cache: a third run parses nothing.
    warm = refresh(root, WalkOptions(), sources, workers=1, cache=SliceCache(tmp_path / "cache"))
    assert (warm.sliced, warm.cache_hits) == (0, 32)


def test_work_in_one_block_shares_one_pool_whose_workers_follow_each_setup(tmp_path: Path):
    root = make_repo(tmp_path / "repo", n=30)
    started = []
    real = _pool.start_pool

    def spy(workers):
        started.append(workers)
        return real(workers)

    with mock.patch.object(_pool, "start_pool", spy), _pool.shared_pools():
        wide = refresh(root, WalkOptions(), (CodeSource(),), workers=2, parallel_min_bytes=0)
        # The same workers, told to split functions longer than 2 lines.
        narrow = refresh(
            root,
            WalkOptions(),
            (CodeSource(max_slice_lines=2),),
            workers=2,
            parallel_min_bytes=0,
        )
        corpus = Corpus([s for fe in narrow.files.values() for s in fe.slices], workers=2)
        with mock.patch.object(bm25_module, "PARALLEL_FIT_MIN_CHARS", 0):
            parallel = BM25Retriever().fit(corpus)
    assert started == [2]
    count = [sum(len(fe.slices) for fe in r.files.values()) for r in (wide, narrow)]
    assert count[0] < count[1]
    for got, source in ((wide, CodeSource()), (narrow, CodeSource(max_slice_lines=2))):
        expected = refresh(root, WalkOptions(), (source,), workers=1)
        assert got.sliced == expected.sliced
        for path, fe in expected.files.items():
            assert [s.model_dump() for s in got.files[path].slices] == [
                s.model_dump() for s in fe.slices
            ]
    serial = BM25Retriever().fit(Corpus(corpus.slices, workers=1))
    np.testing.assert_array_equal(serial.tf_, parallel.tf_)


words = st.lists(st.sampled_from(["alpha", "beta", "gammaRay", "delta_x", "eps", "zeta"]))


@st.composite
def slices(draw, n: int, first: int = 0):
    def make(i: int) -> Slice:
        return Slice(
            id=f"code:f{i % 4}.py:{i}-{i}",
            kind="code",
            path=f"f{i % 4}.py",
            start_line=i + 1,
            end_line=i + 1,
            name=draw(st.sampled_from(["", "alpha", "Beta.eps"])),
            text=" ".join(draw(words)) + "\n",
            defines=tuple(
                draw(st.lists(st.sampled_from(["alpha", "Beta.eps", "gammaRay", "Zeta"])))
            ),
        )

    return [make(i) for i in range(first, first + n)]


@st.composite
def edit_sequences(draw):
    """A corpus, then a few versions of it: slices kept, dropped, added, reordered."""
    versions = [draw(slices(draw(st.integers(0, 12))))]
    fresh = 100
    for _ in range(draw(st.integers(1, 4))):
        keep = [s for s in versions[-1] if draw(st.booleans())]
        added = draw(slices(draw(st.integers(0, 5)), fresh))
        fresh += 10
        versions.append(draw(st.permutations(keep + added)))
    return versions


def previous_rows(old: list[Slice], new: list[Slice]) -> np.ndarray:
    rows = {id(s): i for i, s in enumerate(old)}
    return np.asarray([rows.get(id(s), -1) for s in new], dtype=np.int64)


def refit_through(versions, make, merge_share: float):
    """Fit on the first version, refit through the others; yield (refitted, fresh) each."""
    with mock.patch.object(bm25_module, "MERGE_SHARE", merge_share):
        fitted = make().fit(Corpus(versions[0]))
        for old, new in itertools.pairwise(versions):
            fitted = fitted.refit(Corpus(new), previous_rows(old, new), Corpus(old))
            yield fitted, make().fit(Corpus(new))


QUERIES = ["alpha", "beta gammaRay", "delta_x eps zeta alpha", "gamma ray", "nothing here"]


@given(edit_sequences(), st.sampled_from([0.0, 0.125, 1e9]))
def test_bm25_refits_score_exactly_like_fresh_fits(versions, merge_share):
    # merge_share 0 merges on every refit, 1e9 never: both layouts must score alike.
    for refitted, fresh in refit_through(versions, BM25Retriever, merge_share):
        for query in QUERIES:
            np.testing.assert_array_equal(refitted.score(query), fresh.score(query))
        assert refitted.n_docs_ == fresh.n_docs_
        assert refitted.avgdl_ == fresh.avgdl_


@given(edit_sequences(), st.sampled_from([0.0, 1e9]))
def test_bm25_file_scores_after_refits_equal_fresh_fits(versions, merge_share):
    # Departed slices' postings stay in a refit's segments: they must count for no file.
    for refitted, fresh in refit_through(versions, BM25Retriever, merge_share):
        groups = np.arange(refitted.n_docs_, dtype=np.int64) % 3 - (refitted.n_docs_ > 4)
        for query in QUERIES:
            np.testing.assert_allclose(
                refitted.grouped_scores(query, groups), fresh.grouped_scores(query, groups)
            )


def row_view(r: FuzzyRetriever) -> tuple[dict, dict, dict]:
    """The fuzzy tables with document numbers turned back into rows, sorted."""
    row_of = {int(d): i for i, d in enumerate(r.row_docs_)}

    def rows(docs) -> list[int]:
        return sorted(row_of[int(d)] for d in docs)

    return (
        {k: rows(v) for k, v in r.by_name_.items()},
        {k: rows(v) for k, v in r.by_qual_.items()},
        {p: rows(v) for p, v in r.file_rows_.items()},
    )


@given(edit_sequences())
def test_fuzzy_refits_equal_fresh_fits(versions):
    fuzzy_queries = [*QUERIES, "Beta.eps f1.py", "`gammaRai` in f2", "zetaa() and f3.py"]
    for refitted, fresh in refit_through(versions, FuzzyRetriever, 0.125):
        kept = refitted.__dict__.get("_name_signatures")
        if kept is not None and kept.strings is refitted.names_by_len_:  # edited, not rebuilt
            again = CharSignatures(refitted.names_by_len_)
            for part in ("lengths", "words", "excess"):
                np.testing.assert_array_equal(getattr(kept, part), getattr(again, part))
        assert row_view(refitted) == row_view(fresh)
        assert (refitted.names_, refitted.paths_, refitted.n_) == (
            fresh.names_,
            fresh.paths_,
            fresh.n_,
        )
        assert refitted.names_by_len_ == fresh.names_by_len_
        assert refitted.name_lengths_ == fresh.name_lengths_
        assert refitted.path_suffixes_ == fresh.path_suffixes_
        assert refitted.stem_suffixes_ == fresh.stem_suffixes_
        for query in fuzzy_queries:  # (scoring builds the signatures the next refit edits)
            np.testing.assert_array_equal(refitted.score(query), fresh.score(query))


def _no_full_fit(self, corpus):
    raise AssertionError("an update fitted BM25 from scratch")


def _record_tokenised(monkeypatch) -> list[Slice]:
    """Every slice BM25 tokenises from now on; a full fit fails the test."""
    seen: list[Slice] = []
    original = BM25Retriever._postings_of

    def spy(self, slices):
        seen.extend(slices)
        return original(self, slices)

    monkeypatch.setattr(BM25Retriever, "_postings_of", spy)
    monkeypatch.setattr(BM25Retriever, "fit", _no_full_fit)
    return seen


def test_index_update_refits_bm25_incrementally(tmp_path: Path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    age(root)
    index = build(root, False)
    tokenised = _record_tokenised(monkeypatch)
    (root / "pkg" / "m3.py").write_text("def only_this_changed():\n    return 3\n")
    index.update()
    assert {s.path for s in tokenised} == {"pkg/m3.py"}
    assert index.search("only_this_changed")[0].slice.path == "pkg/m3.py"


class DiesInWorkers(CodeSource):
    """Kills any worker process that runs it; works in the parent."""

    def __init__(self, parent_pid: int) -> None:
        super().__init__()
        self.parent_pid = parent_pid

    def __getstate__(self):
        return {"max_slice_lines": self.max_slice_lines, "parent_pid": self.parent_pid}

    def __setstate__(self, state):
        super().__setstate__(state)
        self.parent_pid = state["parent_pid"]

    def slices(self, file):
        if os.getpid() != self.parent_pid:
            os._exit(3)
        return super().slices(file)


def test_a_broken_worker_pool_falls_back_to_slicing_in_process(tmp_path: Path, caplog):
    root = make_repo(tmp_path / "repo", n=12)
    sources = (DiesInWorkers(os.getpid()), DocsSource(), TextSource())
    got = refresh(root, WalkOptions(), sources, workers=2, parallel_min_bytes=0)
    assert "parallel slicing unavailable" in caplog.text
    expected = refresh(root, WalkOptions(), (CodeSource(), DocsSource(), TextSource()))
    assert got.sliced == expected.sliced == 14
    for path, fe in expected.files.items():
        assert [s.id for s in got.files[path].slices] == [s.id for s in fe.slices]


def test_update_keeps_slices_that_no_file_produced(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    age(root)
    index = build(root, False)
    commit = Slice(id="commit:abc", kind="commit", name="Fix greeting", text="Fix greeting\n")
    index.slices = [commit, *index.slices]
    index.corpus = Corpus(index.slices)
    index.retrievers = [r.fit(index.corpus) for r in index.retrievers]
    (root / "pkg" / "m4.py").write_text("def changed_again():\n    return 4\n")
    index.update()
    assert index.slices[0] is commit
    assert "changed_again" in {s.name for s in index.slices}
    # The carried row is still scored by the incrementally refitted retrievers.
    assert "commit:abc" in {h.slice.id for h in index.search("Fix greeting", k=50)}


NAMES = ["load_config", "parse_header", "render", "Greeter", "count_tokens", "flush"]
BODIES = ["return a + 1", "return load_config(a)", "raise ValueError(a)", "return render(a)"]


@st.composite
def source_files(draw):
    """A small module: a few functions (maybe a class) with names from a short list."""
    parts = []
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4)):
        body = draw(st.sampled_from(BODIES))
        if name[0].isupper():
            parts.append(f"class {name}:\n    def run(self, a):\n        {body}\n")
        else:
            parts.append(f"def {name}(a):\n    {body}\n")
    # A header of comments alone is no file header (see comments_only), one with code is.
    head = draw(st.sampled_from(["", "# Licensed under MIT.\n\n", "import os\n\n"]))
    return head + "\n\n".join(parts)


@st.composite
def tree_edits(draw):
    """A starting tree, then edits: files changed, added and deleted."""
    paths = [f"pkg/m{i}.py" for i in range(5)] + ["tests/test_m.py", "docs/guide.md"]
    # Tests and docs start out present: their priors differ from code's, and kept rows
    # must carry them over.
    start = {p: draw(source_files()) for p in [*paths[:3], "tests/test_m.py"]}
    start["docs/guide.md"] = "# Guide\n\nRender with `render()`.\n"
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        step: dict[str, str | None] = {}
        for p in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
            if p.endswith(".md"):
                step[p] = draw(st.sampled_from([None, "# Guide\n\nCall `load_config()`.\n"]))
            else:
                step[p] = draw(st.one_of(st.none(), source_files()))
        steps.append(step)
    return start, steps


def write_tree(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def computed_views_equal(index: Index) -> None:
    """The views a build or update preset from its layout equal those of a pass over the slices."""
    plain = Corpus(index.slices)
    np.testing.assert_array_equal(index.corpus.file_ids, plain.file_ids)
    np.testing.assert_array_equal(index.corpus.file_header_rows, plain.file_header_rows)
    assert list(index.corpus.file_rows) == list(plain.file_rows)
    for path, rows in plain.file_rows.items():
        np.testing.assert_array_equal(index.corpus.file_rows[path], rows)


def same_results(updated: Index, fresh: Index) -> None:
    computed_views_equal(updated)
    computed_views_equal(fresh)
    assert [s.id for s in updated.slices] == [s.id for s in fresh.slices]
    assert [s.path for s in updated.skipped] == [s.path for s in fresh.skipped]
    np.testing.assert_array_equal(updated.corpus.file_ids, fresh.corpus.file_ids)
    up_rows, fresh_rows = updated.corpus.file_rows, fresh.corpus.file_rows
    assert list(up_rows) == list(fresh_rows)
    assert len(up_rows) == len(fresh_rows) and "no/such/file.py" not in up_rows
    for path, rows in fresh_rows.items():
        np.testing.assert_array_equal(up_rows[path], rows)
    np.testing.assert_array_equal(updated.corpus.file_header_rows, fresh.corpus.file_header_rows)
    for query in ["load_config", "render the Greeter", "parse_header flush tokens", "guide render"]:
        got = [(h.slice.id, h.score, h.scores) for h in updated.search(query, k=10)]
        assert got == [(h.slice.id, h.score, h.scores) for h in fresh.search(query, k=10)]
    assert (
        updated.pack("load_config", budget=200).text == fresh.pack("load_config", budget=200).text
    )


def replay(start: dict[str, str], steps: list, named: list | None = None) -> None:
    """Edit a tree step by step; after each, update (naming ``named[i]``) = a fresh build."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        write_tree(root, start)
        index = Index.build(root, cache_dir=False, workers=1)
        for i, step in enumerate(steps):
            write_tree(root, step)
            index.update(None if named is None else named[i])
            same_results(index, Index.build(root, cache_dir=False, workers=1))


@given(tree_edits())
def test_an_updated_index_searches_and_packs_like_a_fresh_build(case):
    start, steps = case
    replay(start, steps)


def test_update_keeps_commit_slices_where_a_build_puts_them(tmp_path: Path):
    root = make_repo(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Add the greeting")
    (root / "pkg" / "m1.py").write_text("def func_1(a):\n    return a - 1\n")
    git(root, "commit", "-qam", "Subtract in func_1")
    index = Index.build(root, cache_dir=False, workers=1, history=True)
    assert [s.kind for s in index.slices][-2:] == ["commit", "commit"]
    (root / "pkg" / "m3.py").write_text("def func_3(a):\n    return load(a)\n")
    (root / "pkg" / "extra.py").write_text("def extra():\n    return 1\n")
    git(root, "add", "pkg/extra.py")
    index.update()
    same_results(index, Index.build(root, cache_dir=False, workers=1, history=True))


def test_appending_a_function_refits_only_the_new_slice(tmp_path: Path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    age(root)
    index = build(root, False)
    index.search("warm the links up")
    before = {s.id: s for s in index.slices}
    tokenised = _record_tokenised(monkeypatch)
    with (root / "pkg" / "m1.py").open("a") as f:
        f.write("\n\ndef appended_later(a):\n    return a\n")
    index.update()
    monkeypatch.undo()  # the fresh build below fits from scratch, as it should
    # The file's earlier slices are unchanged in every field: the very same objects, not
    # tokenised again (neither to remove nor to add them).
    assert [s.name for s in tokenised] == ["appended_later"]
    kept = [s for s in index.slices if s.path == "pkg/m1.py" and s.name != "appended_later"]
    assert kept and all(before[s.id] is s for s in kept)
    same_results(index, build(root, False))


def test_slices_share_their_record_of_set_fields(tmp_path: Path):
    root = make_repo(tmp_path / "repo", n=20)
    build(root, tmp_path / "cache")
    index = build(root, tmp_path / "cache")  # every slice read back from the cache
    sets = {id(s.__pydantic_fields_set__) for s in index.slices}
    combinations = {frozenset(s.__pydantic_fields_set__) for s in index.slices}
    outline_sets = {id(o.__pydantic_fields_set__) for s in index.slices for o in s.outline}
    # One shared set per combination of set fields (slices read back from the cache all
    # have every field set).
    assert len(sets) == len(combinations) < len(index.slices) // 4
    assert len(outline_sets) == 1
    first = index.slices[0]
    shared = set(first.__pydantic_fields_set__)
    copy = first.model_copy(update={"name": "renamed"})
    # A copy gets its own record; the shared one is never edited in place.
    assert copy.name == "renamed" and first.__pydantic_fields_set__ == shared
    assert Slice.model_validate_json(first.model_dump_json()) == first


class Unpicklable(BM25Retriever):
    """A retriever whose fitted state cannot be pickled (it holds a lock)."""

    def fit(self, corpus):
        super().fit(corpus)
        self.lock_ = threading.Lock()
        return self


def test_fitted_retrievers_are_cached_and_unpicklable_ones_leave_no_file(tmp_path: Path):
    from context_kit._fit_cache import fit_cached

    corpus = Corpus(build(make_repo(tmp_path / "repo"), False).slices)
    folder = tmp_path / "cache"
    first = fit_cached(BM25Retriever(), corpus, "key", folder)
    stored = list((folder / "fits").rglob("*.pickle"))
    assert len(stored) == 1
    again = fit_cached(BM25Retriever(), corpus, "key", folder)
    np.testing.assert_array_equal(again.score("greet"), first.score("greet"))
    assert again.score("greet").any()
    odd = fit_cached(Unpicklable(), corpus, "key", folder)
    assert odd.score("greet").any()
    # Neither a second entry nor a half-written temporary file.
    assert sorted((folder / "fits").rglob("*")) == sorted(
        p for p in (folder / "fits").rglob("*") if p.is_dir() or p in stored
    )


def test_a_build_trusts_what_the_last_build_read(tmp_path: Path, monkeypatch):
    from context_kit import slicing

    root = make_repo(tmp_path / "repo")
    age(root)
    cache = tmp_path / "cache"
    first = build(root, cache)
    reads: list[str] = []
    real = slicing.read_candidate

    def counting(root_, root_real, rel, options, **kw):
        reads.append(rel)
        return real(root_, root_real, rel, options, **kw)

    monkeypatch.setattr(slicing, "read_candidate", counting)
    second = build(root, cache)
    assert reads == []  # sizes and times match the record: slices straight from the cache
    assert [s.model_dump() for s in second.slices] == [s.model_dump() for s in first.slices]
    (root / "pkg" / "m2.py").write_text("def changed_since(a):\n    return a * 2\n")
    third = build(root, cache)
    assert reads == ["pkg/m2.py"]  # a file written since (and so inside the racy window)
    assert "changed_since" in {s.name for s in third.slices}
    assert "func_2" not in {s.name for s in third.slices}
    # A record written by a build with other options is not used.
    reads.clear()
    Index.build(root, cache_dir=cache, workers=1, max_file_bytes=10_000)
    assert len(reads) == len(list(root.rglob("*.*")))


def same_links(a, b) -> bool:
    return (a.edges, a.requirement_rows, a.n_rows) == (b.edges, b.requirement_rows, b.n_rows)


def test_section_code_links_come_from_the_cache_and_follow_edits(tmp_path: Path, monkeypatch):
    # The links fitted at the first query are cached like the retrievers' fits: a new
    # build of the same files loads them (no LinkIndex is built), a changed file does not.
    from context_kit import _link_index
    from context_kit.links import build_links

    root = make_repo(tmp_path / "repo")
    (root / "README.md").write_text("# Title\n\nCall `func_1` and `K2.m`, see m3.py.\n")
    cache = tmp_path / "cache"
    first = build(root, cache)
    assert first.linker.links_.edges  # fitted here, and stored
    built: list[int] = []
    real_init = _link_index.LinkIndex.__init__

    def counting(self, slices, **kw):
        built.append(len(slices))
        real_init(self, slices, **kw)

    monkeypatch.setattr(_link_index.LinkIndex, "__init__", counting)
    second = build(root, cache)
    assert same_links(second.linker.links_, first.linker.links_) and built == []
    # The loaded index still follows an update by delta, to build_links' edges.
    (root / "pkg" / "m5.py").write_text("def renamed(a):\n    return a\n")
    (root / "README.md").write_text("# Title\n\nCall `renamed` and `K2.m`.\n")
    second.update()
    assert same_links(second.linker.links_, build_links(second.slices)) and built == []
    # A build of the edited files finds no entry for them: fitted afresh, and right.
    third = build(root, cache)
    assert same_links(third.linker.links_, build_links(third.slices))
    assert built == [len(third.slices)]
    assert {e.via for e in third.linker.links_.edges} >= {"renamed", "K2.m"}


class CutDifferently(CodeSource):
    """The same source (name, version, options) cutting files otherwise: another release."""

    def __init__(self, drop_last: bool) -> None:
        super().__init__()
        self._drop_last = drop_last

    def slices(self, file):
        out = super().slices(file)
        return out[:-1] if self._drop_last and len(out) > 1 else out


def test_fits_made_on_another_cut_of_the_same_files_are_not_reused(tmp_path: Path):
    # The files' digests and the source's fingerprint are the same in both builds, the
    # slices are not (the slice entries were lost and the files cut again): fits and
    # post-fusion steps stored for the first corpus must not serve the second.
    import shutil

    root = make_repo(tmp_path / "repo")
    cache = tmp_path / "cache"
    first = build(root, cache, CutDifferently(drop_last=True))
    first.search("func_1 K2")  # stores the links and the graph too
    shutil.rmtree(cache / "slices")
    second = build(root, cache, CutDifferently(drop_last=False))
    fresh = build(root, False, CutDifferently(drop_last=False))
    assert len(second.slices) > len(first.slices)
    hits = second.search("func_1 K2", k=5)
    assert [(h.slice.id, h.score) for h in hits] == [
        (h.slice.id, h.score) for h in fresh.search("func_1 K2", k=5)
    ]


def _parses_under_stamps(
    root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, stamps: list[tuple[Any, Any]]
) -> list[int]:
    """Files parsed by one build per ``(code stamp, binary_stamp)`` pair, in order.

    ``code stamp`` ``None`` keeps the real one. The stamps are cached per process, so the
    cache is cleared around every build and after the last (later tests see real ones).
    """
    from context_kit import slicing

    counts = []
    try:
        for code, binary in stamps:
            if code is not None:
                monkeypatch.setattr(slicing, "code_stamp", lambda *globs, code=code: code)
            monkeypatch.setattr(slicing, "binary_stamp", binary)
            slicing.slicing_code_stamp.cache_clear()
            src = CountingCode()
            build(root, cache, src)
            counts.append(src._calls)
    finally:
        monkeypatch.undo()
        slicing.slicing_code_stamp.cache_clear()
    return counts


def test_slices_cut_by_other_code_or_another_grammar_build_are_not_reused(
    tmp_path: Path, monkeypatch
):
    # A source's version is bumped by hand; the code and the grammar binaries that cut
    # the slices are stamped too, so an upgrade that forgot the bump still re-cuts.
    stamps = [
        (code, lambda module, grammar=grammar: grammar)
        for code, grammar in [("a", "g1"), ("a", "g1"), ("b", "g1"), ("b", "g2")]
    ]
    counts = _parses_under_stamps(
        make_repo(tmp_path / "repo"), tmp_path / "cache", monkeypatch, stamps
    )
    assert counts == [7, 0, 7, 7]


def test_a_cpp_header_named_dot_h_is_cut_again_when_the_cpp_grammar_changes(
    tmp_path: Path, monkeypatch
):
    # The extension names C; the content made it C++ (language_for_file): the C++
    # grammar's binaries are in its key too.
    root = tmp_path / "repo"
    root.mkdir()
    (root / "lib.h").write_text("namespace lib {\nint twice(int x) { return 2 * x; }\n}\n")
    stamps = [
        (None, lambda module, cpp=cpp: cpp if module == "tree_sitter_cpp" else "same")
        for cpp in ["v1", "v1", "v2"]
    ]
    assert _parses_under_stamps(root, tmp_path / "cache", monkeypatch, stamps) == [1, 0, 1]


def test_the_stamps_read_the_installed_code_and_grammars():
    from context_kit import slicing
    from context_kit._cache import binary_stamp, code_stamp

    assert ".so" in binary_stamp("tree_sitter_python")
    assert binary_stamp("no_such_module_here") == ""
    assert code_stamp("sources/*.py") != code_stamp("sources/code.py") != code_stamp()
    assert code_stamp("sources/**/*.scm") == code_stamp.__wrapped__("sources/**/*.scm")
    assert slicing.slicing_code_stamp() == slicing.slicing_code_stamp()


@st.composite
def named_tree_edits(draw):
    """tree_edits over a tree with .gitignore rules, plus how each step names its paths."""
    start, steps = draw(tree_edits())
    # A file re-included below an excluded folder stays out (git never looks inside).
    start[".gitignore"] = "build/\n!build/keep.py\n*.log\n"
    start["pkg/.gitignore"] = "skip_*.py\n"
    extra = ["build/keep.py", "notes.log", "pkg/skip_me.py", "pkg/sub/deep.py", "node_modules/x.js"]
    named = []
    for step in steps:
        for p in draw(st.lists(st.sampled_from(extra), max_size=2, unique=True)):
            step[p] = draw(st.one_of(st.none(), st.just("def extra(a):\n    return a\n")))
        # Name each path itself, or its folder, or the root; sometimes one more path.
        names = {
            draw(st.sampled_from([p, p.rsplit("/", 1)[0] if "/" in p else p, "."])) for p in step
        }
        names |= set(draw(st.lists(st.sampled_from(["pkg/m4.py", "docs", "gone.py"]), max_size=1)))
        named.append(sorted(names))
    return start, steps, named


@given(named_tree_edits())
def test_an_update_of_named_paths_equals_a_fresh_build(case):
    # update(paths) looks only where it is told; told everything that changed, it must
    # agree with a fresh build, .gitignore rules and vendored folders included.
    start, steps, named = case
    replay(start, steps, named)


def test_named_paths_in_git_follow_what_git_lists(tmp_path: Path):
    # Told what changed, an update reports what a full update reports: git's list rules
    # (an untracked file is not indexed until added; a deleted file is still listed
    # until the deletion is staged).
    root = make_repo(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    named, full = build(root, False), build(root, False)

    def both(paths) -> tuple[list[str], list[str], list[str]]:
        a, b = named.update(paths), full.update()
        assert (a.added, a.changed, a.deleted) == (b.added, b.changed, b.deleted)
        same_results(named, full)
        return a.added, a.changed, a.deleted

    (root / "pkg" / "m1.py").write_text("def renamed_one(a):\n    return a\n")
    (root / "pkg" / "new.py").write_text("def brand_new(a):\n    return a\n")  # untracked
    (root / "pkg" / "m2.py").unlink()
    assert both(["pkg/m1.py", "pkg/new.py", root / "pkg" / "m2.py"])[1][0] == "pkg/m1.py"
    git(root, "add", "-A", "pkg")
    assert both("pkg") == (["pkg/new.py"], [], ["pkg/m2.py"])
    same_results(named, build(root, False))
    # Not told, not seen; the next full update catches up.
    (root / "pkg" / "m3.py").write_text("def quiet(a):\n    return a\n")
    assert named.update(["pkg/m1.py"]).changed == []
    assert named.update().changed == ["pkg/m3.py"]


def test_named_paths_outside_the_repository_are_refused(tmp_path: Path):
    from context_kit import OptionError

    root = make_repo(tmp_path / "repo")
    index = build(root, False)
    for bad in ["../elsewhere.py", tmp_path / "other.py", "pkg/../../x.py"]:
        with pytest.raises(OptionError, match="not inside the repository"):
            index.update([bad])
    with pytest.raises(OptionError, match="strings or paths"):
        index.update([3])  # type: ignore[list-item]
    assert index.update([]).changed == [] and index.update(root).changed == []


def test_misses_the_record_did_not_foresee_still_use_workers(tmp_path: Path):
    # The last build's record says every file's slices are cached, but the entries are
    # gone (a new release stamps different keys; a cleaned cache): that is a cold build
    # in all but name, and it must not run on one core.
    from context_kit import slicing

    root = make_repo(tmp_path / "repo", n=20)
    age(root)
    cache = SliceCache(tmp_path / "cache")
    sources = (CodeSource(), DocsSource(), TextSource())
    first = refresh(root, WalkOptions(), sources, cache=cache, workers=1)
    total = sum(fe.size for fe in first.files.values())
    (tmp_path / "cache" / "slices").rename(tmp_path / "lost")
    started = []
    real = slicing.acquire

    def spy(workers):
        started.append(workers)
        return real(workers)

    with mock.patch.object(slicing, "acquire", spy):
        again = refresh(
            root, WalkOptions(), sources, cache=cache, workers=2, parallel_min_bytes=total // 3
        )
    assert started == [2]
    assert again.sliced == len(first.files) and again.cache_hits == 0
    for path, fe in first.files.items():
        assert [s.model_dump() for s in again.files[path].slices] == [
            s.model_dump() for s in fe.slices
        ]
    # Under the threshold, nothing starts (what the record foresaw or not).
    (tmp_path / "cache" / "slices").rename(tmp_path / "lost2")
    started.clear()
    with mock.patch.object(slicing, "acquire", spy):
        small = refresh(
            root, WalkOptions(), sources, cache=cache, workers=2, parallel_min_bytes=total + 1
        )
    assert started == [] and small.sliced == len(first.files)


class RenamingCode(CodeSource):
    """A code source whose slices define one more name: other slicing code, same ids."""

    def __init__(self, extra: str) -> None:
        super().__init__()
        self._extra = extra  # private: not part of the source's fingerprint

    def slices(self, file):
        return [
            s.model_copy(update={"defines": (*s.defines, f"{self._extra}_{i}")})
            for i, s in enumerate(super().slices(file))
        ]


def test_a_fit_is_not_served_to_slices_cut_by_other_slicing_code(tmp_path: Path, monkeypatch):
    # Same files, ids and source version: only the slicing code changed (its stamp), and
    # with it what slices define. A fuzzy fit of the old names must not be reused.
    from context_kit import index as index_module
    from context_kit import slicing

    root = make_repo(tmp_path / "repo")
    cache = tmp_path / "cache"
    found = {}
    for stamp, extra in [("a", "oldname"), ("b", "newname")]:
        for module in (slicing, index_module):  # the slice cache re-cuts; the fit must follow
            monkeypatch.setattr(module, "slicing_code_stamp", lambda stamp=stamp: stamp)
        ix = Index.build(
            root,
            cache_dir=cache,
            sources=(RenamingCode(extra), DocsSource(), TextSource()),
            workers=1,
            retrievers=["fuzzy"],
        )
        hits = ix.search(f"where is `{extra}_0` defined", k=3)
        found[extra] = [h.slice.defines[-1] for h in hits]
    assert found["oldname"] and all(d.startswith("oldname") for d in found["oldname"])
    assert found["newname"] and all(d.startswith("newname") for d in found["newname"])
