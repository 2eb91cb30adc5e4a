"""How fast is git history indexed, re-indexed from cache, and linked to code?

Usage::

    python benchmarks/history_speed.py /path/to/clone [--commits 10000] [--link 50]

Prints one JSON line per measurement: ``history_cold`` (read N commits with diffs from git
into a fresh cache), ``history_warm`` (the same from the cache), ``link_track`` and
``link_blame`` (commits that changed the top ``--link`` code slices for a query, by line
tracking through hunks and by ``git blame``), and ``index_build`` with history off and on
(default ``max_commits``), cold and warm. Wall time is reported next to CPU time (this
process plus its git children), because the benchmark machine is shared.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from context_kit import Index
from context_kit.sources.git import GitSource


def _cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


_split: dict[str, float] = {}


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; wall and CPU seconds (CPU split into Python and git kept in ``_split``)."""
    t, (s0, k0) = time.perf_counter(), _cpu()
    out = fn()
    s1, k1 = _cpu()
    _split.update(cpu_python_s=round(s1 - s0, 3), cpu_git_s=round(k1 - k0, 3))
    return out, round(time.perf_counter() - t, 3), round(s1 - s0 + k1 - k0, 3)


def emit(**rec: Any) -> None:
    if "cpu_s" in rec:
        rec.update(_split)
    print(json.dumps(rec, sort_keys=True), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", type=Path)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--link", type=int, default=50)
    ap.add_argument("--query", default="fixture teardown order when a finalizer raises")
    ap.add_argument("--skip-index", action="store_true", help="skip the Index.build runs")
    ap.add_argument("--past-rev", default="HEAD~3000", help="revision for the bound check")
    args = ap.parse_args()
    repo = args.repo

    with tempfile.TemporaryDirectory() as cache:
        src = GitSource(max_commits=args.commits, cache_dir=Path(cache))
        (slices, skipped), wall, cpu = timed(lambda: src.collect(repo))
        emit(
            name="history_cold",
            commits=len(slices),
            files_changed=sum(int(s.meta.get("files") or 0) for s in slices),
            wall_s=wall,
            cpu_s=cpu,
            skipped=[s.reason for s in skipped],
        )
        warm = GitSource(max_commits=args.commits, cache_dir=Path(cache))
        (slices2, _), wall, cpu = timed(lambda: warm.collect(repo))
        same = [s.text for s in slices2] == [s.text for s in slices]
        emit(name="history_warm", commits=len(slices2), wall_s=wall, cpu_s=cpu, identical=same)
        history = warm.history_
        assert history is not None

        index, wall, cpu = timed(lambda: Index.build(repo, history=False))
        emit(name="index_build_code_only", slices=len(index.slices), wall_s=wall, cpu_s=cpu)
        top = [
            h.slice for h in index.search(args.query, k=args.link * 4) if h.slice.kind == "code"
        ][: args.link]
        links, wall, cpu = timed(lambda: history.link(top))
        linked = sum(1 for s in top if links.get(s.id))
        emit(
            name="link_track",
            slices=len(top),
            linked=linked,
            commits_per_slice=round(sum(len(v) for v in links.values()) / max(len(top), 1), 2),
            wall_s=wall,
            cpu_s=cpu,
        )
        blamed, wall, cpu = timed(lambda: {s.id: history.blame(repo, s) for s in top})
        # Agreement: the newest commit by tracking is one of the commits blame names.
        agree = sum(
            1 for s in top if links.get(s.id) and links[s.id][0].sha in set(blamed.get(s.id, []))
        )
        emit(
            name="link_blame",
            slices=len(top),
            wall_s=wall,
            cpu_s=cpu,
            track_newest_in_blame=agree,
            tracked=linked,
        )

    check_past_revision(repo, args.past_rev)
    if args.skip_index:
        return
    with tempfile.TemporaryDirectory() as cache:
        import os

        os.environ["CONTEXT_KIT_CACHE_DIR"] = cache
        for label in ("cold", "warm"):
            idx, wall, cpu = timed(lambda: Index.build(repo))
            emit(
                name=f"index_build_with_history_{label}",
                slices=len(idx.slices),
                commits=sum(1 for s in idx.slices if s.kind == "commit"),
                wall_s=wall,
                cpu_s=cpu,
            )


def check_past_revision(repo: Path, rev: str, sample: int = 100) -> None:
    """At a past revision: every commit read is an ancestor of it, and a commit's own
    subject line retrieves it among the commit slices (BM25 over commit texts only)."""
    from context_kit.retrievers import BM25Retriever, Corpus, top_k

    src = GitSource(rev=rev, cache_dir=False)
    slices, _ = src.collect(repo)
    allowed = set(
        subprocess.run(
            ["git", "rev-list", rev], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    after = [s.commit for s in slices if s.commit not in allowed]
    bm25 = BM25Retriever().fit(Corpus(slices))
    step = max(len(slices) // sample, 1)
    probes = [s for s in slices[::step] if len(s.name.split()) >= 3][:sample]
    hits = 0
    for s in probes:
        rows = top_k(bm25.score(s.name), 10).tolist()
        hits += any(slices[r].commit == s.commit for r in rows)
    emit(
        name="past_revision",
        rev=rev,
        commits=len(slices),
        commits_after_rev=len(after),
        subject_recall_at_10=round(hits / max(len(probes), 1), 3),
        probes=len(probes),
    )


if __name__ == "__main__":
    main()
