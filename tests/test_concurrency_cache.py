"""Concurrency (threads on one Index, processes on one cache) and cache faults."""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import git

import context_kit
import context_kit.sources.git as git_mod
from context_kit._cache import atomic_write, read_entry, seal, unseal
from context_kit.sources.git import GitSource

THREADS = 8


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with code, docs and a few commits."""
    root = tmp_path_factory.mktemp("conc") / "repo"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "-q")
    for i in range(6):
        (root / "pkg" / f"m{i}.py").write_text(
            "".join(
                f"def handler_{i}_{j}(request, budget):\n"
                f"    '''Handle request {j} within the token budget.'''\n"
                f"    return request.tokens[: budget - {j}]\n\n\n"
                for j in range(8)
            )
        )
        (root / "README.md").write_text(f"# Guide\n\nVersion {i}.\n\n## Budget\n\nTokens.\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"Change {i}: handlers and the budget guide")
    return root


def _key(packed: context_kit.PackedContext) -> tuple[str, int, list[object]]:
    return packed.text, packed.tokens, [i.model_dump() for i in packed.items]


def test_threads_packing_one_index_match_sequential_results(repo: Path):
    index = context_kit.Index.build(repo)
    jobs = [
        (q, b, f)
        for q in ["handle the request budget", "guide version", "tokens", "handler_3_4"]
        for b in [16, 200, 1500]
        for f in ["markdown", "xml", "json"]
    ]
    expected = [_key(index.pack(q, budget=b, format=f)) for q, b, f in jobs]
    # Fresh index for the threaded run: lazily built state (links, count caches) is then
    # built under contention too.
    shared = context_kit.Index.build(repo)
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in range(2):
            got = list(pool.map(lambda j: _key(shared.pack(j[0], budget=j[1], format=j[2])), jobs))
            assert got == expected
        hits = list(pool.map(lambda q: shared.search(q, k=5), ["budget"] * THREADS))
    assert all([h.slice.id for h in r] == [h.slice.id for h in hits[0]] for r in hits)


# ---------------------------------------------------------------- processes, one cache
def _collect_history(args: tuple[str, str]) -> list[str]:
    root, cache = args
    slices, _ = GitSource(cache_dir=Path(cache)).collect(Path(root))
    return [s.text for s in slices]


def _hammer(args: tuple[str, int]) -> int:
    """Write and read the same few keys many times; count torn reads (a partial file)."""
    folder, seed = args
    torn = 0
    for n in range(300):
        key = n % 5
        # Different sizes per process, so a torn file could not pass for a whole one.
        payload = (f"entry {key} by {seed} " * (200 + seed * 37)).encode()
        atomic_write(Path(folder) / f"k{key}", seal(payload, "test/1"))
        data = read_entry(Path(folder) / f"k{(key + seed) % 5}")
        if data is not None and unseal(data, "test/1") is None:
            torn += 1
    return torn


def test_processes_sharing_one_cache_folder_never_corrupt_it(repo: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    fresh = _collect_history((str(repo), str(tmp_path / "private")))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        runs = pool.map(_collect_history, [(str(repo), str(cache))] * 2)
        torn = pool.map(_hammer, [(str(tmp_path / "hammer"), s) for s in range(2)])
    assert all(r == fresh for r in runs)
    assert torn == [0, 0]
    entries = list((cache / "git").rglob("*.json"))
    assert entries
    for p in entries:  # every entry is whole and sealed
        assert _whole(p)
    assert not list(cache.rglob("*.tmp"))  # no temporary files left behind
    assert _collect_history((str(repo), str(cache))) == fresh  # and reading it back agrees


# ---------------------------------------------------------------- cache faults
def _whole(p: Path) -> bool:
    """Whether ``p`` is an intact sealed git cache entry: a chunk of commits or a manifest."""
    data = read_entry(p)
    kinds = (git_mod._CACHE_KIND, git_mod._TIP_KIND)
    return any(data.split(b" ", 2)[1] == k.encode() and unseal(data, k) for k in kinds if data)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "git").rglob("*.json"))


def _damage(kind: str, p: Path) -> None:
    data = p.read_bytes()
    if kind == "truncated":
        p.write_bytes(data[: len(data) // 2])
    elif kind == "garbage":
        p.write_bytes(os.urandom(len(data)))
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "older_format":  # what version 2 wrote: the payload without a seal
        p.write_bytes(data.split(b"\n", 1)[1])
    elif kind == "bit_flip":  # one byte of commit text changed, length kept
        i = len(data) - 10
        p.write_bytes(data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :])
    elif kind == "folder":
        p.unlink()
        p.mkdir()


@pytest.mark.parametrize(
    "kind", ["truncated", "garbage", "empty", "older_format", "bit_flip", "folder"]
)
def test_damaged_cache_entries_are_rebuilt_with_a_warning(repo: Path, tmp_path: Path, kind, caplog):
    cache = tmp_path / "cache"
    expected = _collect_history((str(repo), str(tmp_path / "clean")))
    assert _collect_history((str(repo), str(cache))) == expected
    for p in _entries(cache):
        _damage(kind, p)
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        assert _collect_history((str(repo), str(cache))) == expected
    assert "cache" in caplog.text
    if kind != "folder":  # rewritten whole
        assert all(_whole(p) for p in _entries(cache))


def test_unwritable_cache_runs_uncached_with_a_warning(repo: Path, tmp_path: Path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        index = context_kit.Index.build(repo, tokenizer="cl100k_base")
        got = _collect_history((str(repo), str(blocker / "cache")))
    assert got == _collect_history((str(repo), str(tmp_path / "ok")))
    assert "continuing uncached" in caplog.text
    assert index.pack("budget", budget=100).tokens <= 100


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_cache_folder_runs_uncached(repo: Path, tmp_path: Path, caplog):
    cache = tmp_path / "ro"
    (cache / "git").mkdir(parents=True)
    (cache / "git").chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING, logger="context_kit"):
            got = _collect_history((str(repo), str(cache)))
        assert got == _collect_history((str(repo), str(tmp_path / "ok")))
        assert "continuing uncached" in caplog.text
    finally:
        (cache / "git").chmod(0o700)


def test_rewritten_history_never_serves_stale_commits(tmp_path: Path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.py").write_text("def a():\n    return 'first version'\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    cache = tmp_path / "cache"
    before = _collect_history((str(root), str(cache)))
    assert "first version" in before[0]
    (root / "a.py").write_text("def a():\n    return 'amended version'\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--amend", "-m", "first, amended")
    after = _collect_history((str(root), str(cache)))
    assert "amended version" in after[0] and "first version" not in after[0]
    # The work tree is always read fresh: a changed file is never served from history.
    (root / "a.py").write_text("def a():\n    return 'uncommitted edit'\n")
    index = context_kit.Index.build(root)
    code = next(s for s in index.slices if s.path == "a.py")
    assert "uncommitted edit" in code.text


def test_cache_dir_without_home(monkeypatch: pytest.MonkeyPatch):
    from context_kit._cache import default_cache_dir

    monkeypatch.delenv("CONTEXT_KIT_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert default_cache_dir().name.startswith("context_kit")


def test_atomic_write_makes_folders_and_steps_over_leftover_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import itertools

    import context_kit._cache as cache_mod

    # A crashed writer with this pid left the temporaries this process would name next.
    monkeypatch.setattr(cache_mod, "_temporary_names", itertools.count())
    target = tmp_path / "a" / "b" / "entry.json"
    target.parent.mkdir(parents=True)
    for n in range(3):
        (target.parent / f".entry.json.{os.getpid()}.{n}.tmp").write_bytes(b"stale")
    assert atomic_write(target, b"fresh")
    assert target.read_bytes() == b"fresh"
    leftovers = sorted(p.name for p in target.parent.iterdir() if p.name.endswith(".tmp"))
    assert len(leftovers) == 3  # never written into, never removed: not this writer's
    assert all((target.parent / n).read_bytes() == b"stale" for n in leftovers)
    # A missing folder is made on the way.
    deep = tmp_path / "x" / "y" / "z.bin"
    assert atomic_write(str(deep), b"1" * 100_000)
    assert deep.read_bytes() == b"1" * 100_000


def test_atomic_write_with_leaves_nothing_when_the_writer_fails(tmp_path: Path):
    from context_kit._cache import atomic_write_with

    def fail(f: object) -> None:
        raise ValueError("cannot serialise")

    with pytest.raises(ValueError):
        atomic_write_with(tmp_path / "sub" / "entry.pkl", fail)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert atomic_write_with(tmp_path / "sub" / "entry.pkl", lambda f: f.write(b"ok"))
    assert (tmp_path / "sub" / "entry.pkl").read_bytes() == b"ok"
