"""The cache stays bounded: fits under a size budget, slice entries of older code retired."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from context_kit import BM25Retriever, Corpus, Slice
from context_kit import _fit_cache as fc


def corpus(word: str) -> Corpus:
    return Corpus(
        [
            Slice(id=f"s{i}", kind="code", path=f"m{i}.py", text=f"def {word}_{i}(): pass")
            for i in range(40)
        ]
    )


def entries(folder: Path) -> dict[str, Path]:
    """Each fit entry by the corpus word it was fitted for (read back from its pickle)."""
    out = {}
    for p in (folder / "fits").glob("*/*.pickle"):
        text = p.read_bytes()
        for word in ("alpha", "beta", "gamma", "delta"):
            if word.encode() in text:
                out[word] = p
    return out


def age(paths: list[Path]) -> None:
    """Give ``paths`` increasing modification times, oldest first, far in the past."""
    for n, p in enumerate(paths):
        os.utime(p, (1_000_000 + n, 1_000_000 + n))


def test_writes_remove_the_least_recently_used_fits_beyond_the_budget(tmp_path, monkeypatch):
    fc.fit_cached(BM25Retriever(), corpus("alpha"), "k-alpha", tmp_path)
    one = entries(tmp_path)["alpha"].stat().st_size
    monkeypatch.setenv(fc.FIT_CACHE_ENV, str(2.5 * one / 1e6))  # room for two entries
    fc.fit_cached(BM25Retriever(), corpus("beta"), "k-beta", tmp_path)
    age([entries(tmp_path)["alpha"], entries(tmp_path)["beta"]])
    # A load is a use: alpha is now the most recent, beta the least.
    loaded = fc.fit_cached(BM25Retriever(), corpus("alpha"), "k-alpha", tmp_path)
    assert loaded.score("alpha_3").argmax() == 3
    fc.fit_cached(BM25Retriever(), corpus("gamma"), "k-gamma", tmp_path)
    assert sorted(entries(tmp_path)) == ["alpha", "gamma"]


def test_the_entry_just_written_stays_even_over_budget(tmp_path, monkeypatch, caplog):
    fc.fit_cached(BM25Retriever(), corpus("alpha"), "k-alpha", tmp_path)
    monkeypatch.setenv(fc.FIT_CACHE_ENV, "0")
    with caplog.at_level(logging.INFO, logger="context_kit"):
        fc.fit_cached(BM25Retriever(), corpus("beta"), "k-beta", tmp_path)
    assert sorted(entries(tmp_path)) == ["beta"]
    assert "least recently used" in caplog.text


def test_prune_counts_what_it_removes_and_ignores_other_files(tmp_path):
    for word in ("alpha", "beta", "gamma"):
        fc.fit_cached(BM25Retriever(), corpus(word), f"k-{word}", tmp_path)
    found = entries(tmp_path)
    age([found["gamma"], found["alpha"], found["beta"]])
    stray = tmp_path / "fits" / "zz" / "notes.txt"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("not a fit")
    sizes = {w: p.stat().st_size for w, p in found.items()}
    freed = fc.prune_fits(tmp_path, sizes["beta"] + sizes["alpha"])
    assert freed == sizes["gamma"]
    assert sorted(entries(tmp_path)) == ["alpha", "beta"] and stray.exists()
    assert fc.prune_fits(tmp_path / "nowhere", 0) == 0  # no fits folder: nothing to do


def test_a_bad_budget_setting_warns_and_keeps_the_default(monkeypatch, caplog):
    monkeypatch.setenv(fc.FIT_CACHE_ENV, "lots")
    with caplog.at_level(logging.WARNING, logger="context_kit"):
        assert fc._budget() == fc.FIT_CACHE_BYTES
    assert fc.FIT_CACHE_ENV in caplog.text
    monkeypatch.setenv(fc.FIT_CACHE_ENV, "1.5")
    assert fc._budget() == 1_500_000


def test_slice_entries_of_older_code_are_retired_least_recently_used_first(tmp_path, caplog):
    from context_kit import Index
    from context_kit.slicing import KEPT_CODE_VERSIONS, SliceCache

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("def f():\n    return 1\n")
    cache = tmp_path / "cache"
    root = cache / "slices"
    # Entries other versions of the library wrote: a shard of the layout before code
    # folders, then three code folders, all last used long ago, the most recent first.
    old = ["ab", "0aaaaaaaaaaaaaaa", "0bbbbbbbbbbbbbbb", "0ccccccccccccccc"]
    for n, name in enumerate(old):
        (root / name / "xy").mkdir(parents=True)
        (root / name / "xy" / "entry.slices").write_bytes(b"old")
        os.utime(root / name, (2_000_000 - n, 2_000_000 - n))
    Index.build(repo, cache_dir=cache, workers=1)
    current = os.path.basename(SliceCache(cache)._slices_dir)
    left = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert left == sorted([current, *old[1:KEPT_CODE_VERSIONS]])  # never the old shard
    assert list((root / current).rglob("*.slices"))  # this build's entries are there
    with caplog.at_level(logging.INFO, logger="context_kit"):
        Index.build(repo, cache_dir=cache, workers=1)
    assert "(0 parsed, 1 cached)" in caplog.text  # the entries are found where written
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == left
    # A retire with nothing older to drop, and one on a cache folder never written.
    assert SliceCache(cache).retire_old_code() == []
    assert SliceCache(tmp_path / "empty").retire_old_code() == []


def test_an_edit_replaces_its_file_entry_instead_of_adding_one(tmp_path):
    from context_kit import Index

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("def f():\n    return 1\n")
    (repo / "b.py").write_text("def g():\n    return 2\n")
    cache = tmp_path / "cache"

    def entries() -> set[Path]:
        return set((cache / "slices").rglob("*.slices"))

    index = Index.build(repo, cache_dir=cache, workers=1)
    first = entries()
    assert len(first) == 2
    (repo / "a.py").write_text("def f():\n    return 10\n")
    assert index.update().changed == ["a.py"]
    second = entries()
    assert len(second) == 2 and len(first & second) == 1  # b.py's entry untouched
    # A new process notices an edit from the last build's manifest, and does the same.
    Index.build(repo, cache_dir=cache, workers=1)  # records a.py as it is now
    (repo / "a.py").write_text("def f():\n    return 100\n")
    os.utime(repo / "a.py", (3_000_000_000, 3_000_000_000))  # not racy: clearly newer
    Index.build(repo, cache_dir=cache, workers=1)
    third = entries()
    assert len(third) == 2 and len(second & third) == 1


def test_an_entry_another_process_removed_counts_as_gone(tmp_path, monkeypatch, caplog):
    for word in ("alpha", "beta", "gamma"):
        fc.fit_cached(BM25Retriever(), corpus(word), f"k-{word}", tmp_path)
    found = entries(tmp_path)
    age([found["alpha"], found["beta"], found["gamma"]])
    sizes = {w: p.stat().st_size for w, p in found.items()}
    real_remove = os.remove

    def raced(path):  # alpha vanishes just before this process removes it
        if path == os.fspath(found["alpha"]):
            real_remove(path)
            raise FileNotFoundError(path)
        real_remove(path)

    monkeypatch.setattr(fc.os, "remove", raced)
    with caplog.at_level(logging.INFO, logger="context_kit"):
        freed = fc.prune_fits(tmp_path, sizes["beta"] + sizes["gamma"])
    # Its bytes left the folder all the same: nothing else goes, nothing is "cannot remove".
    assert freed == 0 and sorted(entries(tmp_path)) == ["beta", "gamma"]
    assert "cannot remove" not in caplog.text


def _slice_entries(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in (folder / "slices").rglob("*.slices")}


def test_slice_entries_beyond_the_budget_go_least_recently_used_first(tmp_path, monkeypatch):
    from context_kit import Index
    from context_kit.slicing import SLICE_CACHE_ENV, SliceCache

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("def f():\n    return 1\n")
    (repo / "b.py").write_text("def g():\n    return 2\n")
    cache = tmp_path / "cache"
    Index.build(repo, cache_dir=cache, workers=1)
    # Entries of files other repositories deleted long ago, in this code's folder and in
    # another version's: the oldest goes first, and only as many as the budget needs.
    current = Path(SliceCache(cache)._slices_dir)
    stale = {
        "oldest.slices": current / "zz" / "oldest.slices",
        "older.slices": cache / "slices" / "0aaaaaaaaaaaaaaa" / "zz" / "older.slices",
        "recent.slices": current / "zy" / "recent.slices",
    }
    for n, p in enumerate(stale.values()):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1_000_000 + n, 1_000_000 + n))
    (repo / "a.py").write_text("def f():\n    return 3\n")  # the next build writes an entry
    live_before = {n for n in _slice_entries(cache) if n not in stale}
    monkeypatch.setenv(SLICE_CACHE_ENV, "0")  # no room: everything but the build's own goes
    Index.build(repo, cache_dir=cache, workers=1)
    left = _slice_entries(cache)
    assert not set(stale) & set(left)
    assert len(left) == 2 and len(set(left) & live_before) == 1  # b's entry, a's new one
    for n, p in enumerate(stale.values()):
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1_000_000 + n, 1_000_000 + n))
    (repo / "a.py").write_text("def f():\n    return 4\n")
    room = sum(left.values()) + 1500  # the new entry has the same size as the one it replaces
    monkeypatch.setenv(SLICE_CACHE_ENV, str(room / 1e6))
    Index.build(repo, cache_dir=cache, workers=1)
    assert sorted(n for n in _slice_entries(cache) if n in stale) == ["recent.slices"]


def test_small_writes_are_counted_before_the_entries_are_listed(tmp_path, monkeypatch):
    from context_kit import Index, slicing

    listed: list[int] = []
    real = slicing.prune_least_recent

    def counting(*args, **kw):
        listed.append(args[2])
        return real(*args, **kw)

    monkeypatch.setattr(slicing, "prune_least_recent", counting)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("def f():\n    return 1\n")
    cache = tmp_path / "cache"
    Index.build(repo, cache_dir=cache, workers=1)
    counter = cache / "slices" / "written"
    first = int(counter.read_bytes())
    assert listed == [] and first == sum(_slice_entries(cache).values())
    (repo / "a.py").write_text("def f():\n    return 22\n")
    Index.build(repo, cache_dir=cache, workers=1)
    assert listed == [] and int(counter.read_bytes()) > first  # still far below 1% of 2 GB
    Index.build(repo, cache_dir=cache, workers=1)  # nothing written: nothing counted
    assert listed == []
    monkeypatch.setenv(slicing.SLICE_CACHE_ENV, str(first / 1e6))  # 1% of it is long reached
    (repo / "a.py").write_text("def f():\n    return 333\n")
    Index.build(repo, cache_dir=cache, workers=1)
    assert listed == [first] and counter.read_bytes() == b"0"
