"""How fast is git history indexed, re-indexed from cache, and linked to code?

Usage::

    python benchmarks/history_speed.py /path/to/clone [--commits 10000] [--link 50] [--repeat 3]

Prints one JSON line per measurement:

* ``history_cold`` — read ``--commits`` commits with diffs from git into a fresh cache
  (``GitSource.collect``: parse, redact, render, cache, slices);
* ``history_warm`` — the same again from the cache;
* ``history_new_tip`` — a temporary ``--shared`` clone whose HEAD sits ``--new-commits``
  first-parent steps back is indexed, then HEAD moves to the tip: the second read is
  timed, with how many commits it had to read from git;
* ``link_track`` / ``link_blame`` — commits that changed the top ``--link`` code slices for
  a query, by line tracking through hunks and by ``git blame``;
* ``pack_attach`` — ``Index.pack`` with history, with and without ``attach_commits``;
* ``index_build_*`` — ``Index.build`` with history off and on (default ``max_commits``),
  cold and warm (skipped with ``--skip-index``);
* ``past_revision`` — at ``--past-rev``: no commit after it is read, and a commit's subject
  retrieves it (BM25 over commit slices).

Cold and warm runs are repeated ``--repeat`` times; each run is a line, then a ``*_median``
line. Every line carries wall seconds, CPU seconds (this process plus its git children,
split into ``cpu_python_s`` and ``cpu_git_s``) and the 1-minute load average when it
ended: the benchmark machine is shared, so wall time depends on the load and CPU time is
the comparable figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from context_kit import Index
from context_kit.sources import git as git_source
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
    if "cpu_s" in rec and "cpu_python_s" not in rec:
        rec.update(_split)
    rec["load_avg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(rec, sort_keys=True), flush=True)


def emit_median(name: str, runs: list[dict[str, Any]]) -> None:
    keys = ("wall_s", "cpu_s", "cpu_python_s", "cpu_git_s", "load_avg_1m")
    emit(
        name=f"{name}_median",
        runs=len(runs),
        **{k: round(statistics.median(r[k] for r in runs), 3) for k in keys},
        wall_s_range=[min(r["wall_s"] for r in runs), max(r["wall_s"] for r in runs)],
    )


def _run(name: str, fn: Callable[[], Any], **extra: Any) -> tuple[Any, dict[str, Any]]:
    out, wall, cpu = timed(fn)
    rec = {"name": name, "wall_s": wall, "cpu_s": cpu, **_split, **extra}
    rec["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return out, rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", type=Path)
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--link", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--new-commits", type=int, default=5, help="first-parent steps the tip moves")
    ap.add_argument("--query", default="fixture teardown order when a finalizer raises")
    ap.add_argument("--skip-index", action="store_true", help="skip the Index.build runs")
    ap.add_argument("--past-rev", default="HEAD~3000", help="revision for the bound check")
    args = ap.parse_args()
    repo = args.repo.resolve()

    cold_runs, warm_runs = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            src = GitSource(max_commits=args.commits, cache_dir=Path(cache))
            (slices, skipped), rec = _run("history_cold", lambda s=src: s.collect(repo))
            rec.update(
                commits=len(slices),
                files_changed=sum(int(s.meta.get("files") or 0) for s in slices),
                skipped=sorted({s.reason for s in skipped}),
            )
            emit(**rec)
            cold_runs.append(rec)
            for _ in range(args.repeat):
                warm = GitSource(max_commits=args.commits, cache_dir=Path(cache))
                (again, _), rec = _run("history_warm", lambda w=warm: w.collect(repo))
                rec.update(
                    commits=len(again),
                    identical=[s.text for s in again] == [s.text for s in slices],
                )
                emit(**rec)
                warm_runs.append(rec)
            history = warm.history_
    emit_median("history_cold", cold_runs)
    emit_median("history_warm", warm_runs)
    assert history is not None

    new_tip(repo, args.commits, args.new_commits)

    index, wall, cpu = timed(lambda: Index.build(repo, history=False))
    emit(name="index_build_code_only", slices=len(index.slices), wall_s=wall, cpu_s=cpu)
    top = [h.slice for h in index.search(args.query, k=args.link * 4) if h.slice.kind == "code"][
        : args.link
    ]
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
        os.environ["CONTEXT_KIT_CACHE_DIR"] = cache
        idx = None
        for label in ("cold", "warm"):
            idx, wall, cpu = timed(lambda: Index.build(repo, history=True))
            emit(
                name=f"index_build_with_history_{label}",
                slices=len(idx.slices),
                commits=sum(1 for s in idx.slices if s.kind == "commit"),
                wall_s=wall,
                cpu_s=cpu,
            )
        assert idx is not None
        idx.pack(args.query, budget=8000)  # first pack fits lazy parts (graph, links): untimed
        for attach in (0, 10, 0, 10):
            packed, wall, cpu = timed(
                lambda a=attach: idx.pack(args.query, budget=8000, attach_commits=a)
            )
            emit(
                name="pack_attach",
                attach_commits=attach,
                annotated=sum(1 for i in packed.items if i.last_commit),
                tokens=packed.tokens,
                wall_s=wall,
                cpu_s=cpu,
            )


def new_tip(repo: Path, commits: int, steps: int) -> None:
    """Index a clone at ``HEAD~steps`` (first parents), move it to HEAD, index again."""
    read: list[str] = []
    real = git_source.run_log

    def counting(cwd: str, shas: Any, *a: Any, **kw: Any) -> Any:
        read.extend(shas)
        return real(cwd, shas, *a, **kw)

    tip = _git(repo, "rev-parse", "HEAD")
    old = _git(repo, "rev-parse", f"HEAD~{steps}")
    with tempfile.TemporaryDirectory() as tmp:
        clone, cache = Path(tmp) / "clone", Path(tmp) / "cache"
        subprocess.run(
            ["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(clone)], check=True
        )
        _git(clone, "update-ref", "--no-deref", "HEAD", old)
        GitSource(max_commits=commits, cache_dir=cache).collect(clone)
        _git(clone, "update-ref", "--no-deref", "HEAD", tip)
        git_source.run_log = counting  # type: ignore[assignment]
        try:
            (slices, _), rec = _run(
                "history_new_tip",
                lambda: GitSource(max_commits=commits, cache_dir=cache).collect(clone),
            )
        finally:
            git_source.run_log = real  # type: ignore[assignment]
        new = len(_git(clone, "rev-list", f"{old}..{tip}").split())
        emit(
            **rec,
            commits=len(slices),
            first_parent_steps=steps,
            new_commits=new,
            read_from_git=len(read),
        )


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


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
