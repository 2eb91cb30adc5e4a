"""Work split across worker processes gives exactly what the same work gives in-process.

A BM25 fit over a large corpus splits terms in workers (``Corpus.workers``); the fitted
state must equal a serial fit's array for array, and a pool that cannot start or loses a
worker must still yield every result, in order.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from context_kit import BM25Retriever, Corpus, Slice, _pool
from context_kit.retrievers import bm25 as bm25_module

WORDS = [
    "parse", "parsing", "ParserError", "render_html", "token", "Tokens", "cache_dir",
    "httpClient", "retry", "42", "the", "a", "URLPattern", "x", "__init__", "émigré",
]  # fmt: skip


def corpus(n: int, workers: int) -> Corpus:
    slices = []
    for i in range(n):
        words = [WORDS[(i * 7 + j * j) % len(WORDS)] for j in range(i % 23)]
        path = f"pkg/mod_{i % 9}/{['a.py', 'Tokens.ts', 'README.md'][i % 3]}"
        slices.append(
            Slice(
                id=f"code:{path}:{i}",
                kind="code",
                path=None if i % 11 == 0 else path,
                name="" if i % 5 == 0 else f"Thing{i % 4}.handle_{WORDS[i % len(WORDS)]}",
                text=" ".join(words),
            )
        )
    return Corpus(slices, workers=workers)


FITTED = ("vocabulary_", "doc_ids_", "tf_", "indptr_", "df_", "lengths_", "norm_", "avgdl_")


@pytest.mark.parametrize("forked", [True, False], ids=["fork", "forkserver"])
@pytest.mark.parametrize(
    "params",
    [{}, {"body_weight": 0.7, "name_weight": 2.5, "path_weight": 1.3, "stem": False}],
)
def test_parallel_fit_equals_serial_fit(monkeypatch, caplog, params, forked):
    if forked and not _pool.can_fork():
        pytest.skip("this platform or process cannot fork workers")
    if not forked:  # workers import the library afresh
        monkeypatch.setattr(_pool, "can_fork", lambda: False)
    monkeypatch.setattr(bm25_module, "PARALLEL_FIT_MIN_CHARS", 0)
    monkeypatch.setattr(bm25_module, "_FIT_CHUNK_CHARS", 300)  # many chunks, some tiny
    maps = []
    real = bm25_module.ordered_map

    def spy(fn, items, workers, *, what):
        maps.append(workers)
        return real(fn, items, workers, what=what)

    monkeypatch.setattr(bm25_module, "ordered_map", spy)
    serial = BM25Retriever(**params).fit(corpus(400, workers=1))
    assert not maps  # one worker: the plain loop
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        parallel = BM25Retriever(**params).fit(corpus(400, workers=2))
    assert maps == [2]
    assert "parallel" not in caplog.text  # really in workers, not the in-process fallback
    for name in FITTED:
        a, b = getattr(serial, name), getattr(parallel, name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, name
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            assert a == b, name
    for query in ["parse tokens", "render html cache", "ParserError in Tokens.ts", "émigré 42"]:
        np.testing.assert_array_equal(serial.score(query), parallel.score(query))


UNGUARDED_SCRIPT = """
from context_kit import BM25Retriever, Corpus, Slice
from context_kit.retrievers import bm25

bm25.PARALLEL_FIT_MIN_CHARS = 0
bm25._FIT_CHUNK_CHARS = 50
print("script body ran", flush=True)
docs = [Slice(id=f"s{i}", kind="code", path=f"m{i % 3}.py", text=f"def f{i}(): return {i}")
        for i in range(60)]
print(BM25Retriever().fit(Corpus(docs, workers=2)).score("f7").argmax(), flush=True)
"""


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path):
    # Workers that re-import __main__ (spawn, forkserver) would run an unguarded
    # script's body again in each worker; forking where possible does not.
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(UNGUARDED_SCRIPT), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script body ran", "7"]
    assert "parallel" not in done.stderr


def test_small_corpora_are_fitted_in_process(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small corpus")

    monkeypatch.setattr(_pool, "start_pool", no_pool)
    BM25Retriever().fit(corpus(50, workers=2))  # far below PARALLEL_FIT_MIN_CHARS


def _square(x: int) -> int:
    return x * x


def _die_in_a_worker(job: tuple[int, int]) -> int:
    parent, x = job
    if x == 5 and os.getpid() != parent:
        os._exit(3)  # a worker killed mid-task (out of memory, a signal...)
    return x * x


def test_ordered_map_keeps_input_order():
    assert list(_pool.ordered_map(_square, range(40), 2, what="test")) == [x * x for x in range(40)]
    assert list(_pool.ordered_map(_square, [], 2, what="test")) == []


@pytest.fixture
def started(monkeypatch):
    """Every pool ``_pool`` starts during the test, in order."""
    pools = []
    real = _pool.start_pool

    def spy(workers):
        pools.append(real(workers))
        return pools[-1]

    monkeypatch.setattr(_pool, "start_pool", spy)
    return pools


def test_shared_pools_start_one_pool_for_all_the_work_of_a_block(started):
    with _pool.shared_pools():
        assert list(_pool.ordered_map(_square, range(9), 2, what="a")) == [x * x for x in range(9)]
        assert list(_pool.ordered_map(_square, range(5), 2, what="b")) == [x * x for x in range(5)]
        assert len(started) == 1
        assert list(_pool.ordered_map(_die_in_a_worker, [(os.getpid(), 5)], 2, what="c")) == [25]
        assert list(_pool.ordered_map(_square, [3], 2, what="d")) == [9]
        assert len(started) == 2  # the broken pool was replaced
    with pytest.raises(RuntimeError):  # shut when the block ended
        started[1].submit(_square, 2)
    assert list(_pool.ordered_map(_square, [4], 2, what="e")) == [16]  # no block: its own pool
    assert len(started) == 3
    with pytest.raises(RuntimeError):
        started[2].submit(_square, 2)


def test_retire_shuts_the_shared_pool_and_later_work_starts_another(started):
    _pool.retire()  # outside a block: nothing to shut
    with _pool.shared_pools():
        assert list(_pool.ordered_map(_square, range(4), 2, what="a")) == [0, 1, 4, 9]
        _pool.retire()
        with pytest.raises(RuntimeError):
            started[0].submit(_square, 2)
        assert list(_pool.ordered_map(_square, [5], 2, what="b")) == [25]
        assert len(started) == 2
    with pytest.raises(RuntimeError):
        started[1].submit(_square, 2)


def test_a_parallel_fit_retires_the_shared_pool_and_equals_a_serial_fit(monkeypatch, started):
    # The fit's workers keep their term caches until they exit: a build frees them before
    # assembling the fitted arrays, and the result is the same as a serial fit's.
    monkeypatch.setattr(bm25_module, "PARALLEL_FIT_MIN_CHARS", 0)
    monkeypatch.setattr(bm25_module, "_FIT_CHUNK_CHARS", 300)
    with _pool.shared_pools():
        parallel = BM25Retriever().fit(corpus(200, workers=2))
        assert len(started) == 1
        with pytest.raises(RuntimeError):
            started[0].submit(_square, 2)
    serial = BM25Retriever().fit(corpus(200, workers=1))
    for name in FITTED:
        a, b = getattr(parallel, name), getattr(serial, name)
        if isinstance(a, np.ndarray):
            np.testing.assert_equal(a, b)
        else:
            assert a == b, name


def test_ordered_map_works_without_a_pool(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(_pool, "start_pool", refuse)
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        got = list(_pool.ordered_map(_square, range(10), 2, what="test"))
    assert got == [x * x for x in range(10)]
    assert "parallel test unavailable" in caplog.text


def test_ordered_map_survives_a_dead_worker(caplog):
    jobs = [(os.getpid(), x) for x in range(20)]
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        got = list(_pool.ordered_map(_die_in_a_worker, jobs, 2, what="test"))
    assert got == [x * x for x in range(20)]
    assert "parallel test failed" in caplog.text
