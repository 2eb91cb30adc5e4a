"""Ranking latency over a large corpus (goal: <= 30 ms median at 50,000 slices).

Builds a corpus of code slices from real source trees (default: the installed
site-packages' Python files) until it holds ``--slices`` rows, fits the default retrievers
as ``Index.build`` does, and times, per query, what ``Index.pack`` does before it builds
candidates: ``Index._fused`` (every default retriever's scores, fusion, link propagation,
priors, diversity) and the candidate selection (count of positive rows, candidate count
for the budget, top-k, pinned and required rows). That end-to-end time is the ``total``
stage and the number the goal is about.

Each stage is also timed on its own, by replaying ``_fused``'s steps one by one; the
replay's scores are checked against ``_fused``'s for every query, so the breakdown cannot
silently drift from what the index does. Queries are the SWE-bench Lite dev problem
statements (long, realistic issue texts), each run ``--rounds`` times.

Prints JSON lines: one per stage (median, p90, max, share of the total's median; wall
time, plus ``total_cpu``, the thread's CPU time for the total), then a summary with the
ratio of the total's median to the goal and the load average before and after the run
(the machine is shared: compare runs made side by side).

    python benchmarks/retrieval_speed.py --slices 50000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import site
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from context_kit import Index, get_tokenizer
from context_kit.index import (
    _DIVERSITY_DEPTH,
    DEFAULT_DIVERSITY,
    DEFAULT_WEIGHTS,
    _fit_retrievers,
)
from context_kit.packing.select import candidate_rows
from context_kit.retrievers import Corpus
from context_kit.retrievers.base import normalise
from context_kit.retrievers.fusion import FusionResult
from context_kit.sources import CodeSource
from context_kit.sources.walk import FileText, decode_text

GOAL_MS = 30.0
BUDGET = 8000
EVAL = Path(__file__).resolve().parents[2] / "shared/eval-data/swe_bench_lite_dev.jsonl"


def corpus_slices(roots: list[Path], want: int) -> list:
    """The first ``want`` code slices of the Python files under ``roots``, in path order."""
    src = CodeSource()
    out = []
    for root in roots:
        for p in sorted(root.rglob("*.py")):
            try:
                text, _ = decode_text(p.read_bytes())
            except OSError:
                continue
            rel = p.relative_to(root).as_posix()
            out.extend(src.slices(FileText(rel, text, b"", False)))
            if len(out) >= want:
                return out[:want]
    return out


def select(index: Index, scores: np.ndarray) -> list[int]:
    """``Index.pack``'s candidate selection for ``BUDGET`` (no pins)."""
    positive = int(np.count_nonzero(scores > 0))
    ranked = index._candidates_for(scores, BUDGET)[:positive]
    return candidate_rows(ranked, [], index._needs())


def staged(index: Index, query: str, clock: dict[str, float]) -> tuple[FusionResult, list[int]]:
    """``Index._fused`` (default options) and :func:`select`, one timed step at a time."""

    def lap(stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        clock[stage] = clock.get(stage, 0.0) + (time.perf_counter() - t0) * 1000
        return out

    w = dict(DEFAULT_WEIGHTS)
    raw = {}
    for r in index.retrievers:
        if w.get(r.name, 1.0) != 0.0:
            raw[r.name] = lap(r.name, lambda r=r: np.asarray(r.score(query), dtype=np.float32))

    def fuse_parts() -> FusionResult:
        total = np.zeros(len(index.slices), dtype=np.float32)
        parts = {}
        for name, scores in raw.items():
            parts[name] = float(w.get(name, 1.0)) * normalise(scores)
            total += parts[name]
        return FusionResult(total, parts)

    fused = lap("fuse", fuse_parts)
    fused = lap("links", lambda: index.linker.apply(fused, weight=w["links"], query=query))
    lap("prior", lambda: fused.apply_prior(index._prior_weights))
    lap(
        "diversify",
        lambda: fused.diversify(
            index.corpus.file_ids, decay=DEFAULT_DIVERSITY, depth=_DIVERSITY_DEPTH
        ),
    )
    lap(
        "file_header",
        lambda: fused.lift_file_headers(
            index.corpus.file_ids,
            index.corpus.file_header_rows,
            share=float(w.get("file_header", 0.0)),
        ),
    )
    rows = lap("select", lambda: select(index, fused.scores))
    return fused, rows


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile by nearest rank (no interpolation: an observed time)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3, help="times each query is run")
    ap.add_argument("--queries", type=int, default=None, help="first N queries only")
    ap.add_argument("--root", action="append", type=Path, help="source trees (repeatable)")
    ap.add_argument(
        "--cache", type=Path, help="pickle of the slices: read if it exists, else written"
    )
    args = ap.parse_args()
    roots = args.root or [Path(p) for p in site.getsitepackages()]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    source = [str(r) for r in roots]
    if args.cache and args.cache.exists():
        slices = pickle.loads(args.cache.read_bytes())[: args.slices]
        source = [f"{args.cache} (pickled slices)"]
    else:
        slices = corpus_slices(roots, args.slices)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(slices))
    slice_s = time.perf_counter() - t0
    if len(slices) < args.slices:
        sys.exit(f"only {len(slices)} slices under {roots}; add --root with more source")
    queries = ["parse the configuration file and report errors"]
    if EVAL.exists():
        queries = [json.loads(line)["problem_statement"] for line in EVAL.open()]
    queries = queries[: args.queries]
    t0 = time.perf_counter()
    corpus = Corpus(slices)
    index = Index(
        Path("."), slices, [], get_tokenizer("cl100k_base"), _fit_retrievers(None, corpus)
    )
    fit_s = time.perf_counter() - t0
    # First use builds the per-corpus link table and the requirement map: build-time work.
    t0 = time.perf_counter()
    select(index, index._fused(queries[0], None, "weighted")[0].scores)
    warm_s = time.perf_counter() - t0

    # total_cpu is this thread's CPU time for the same work: on a loaded machine the wall
    # time also counts waiting for a core (a preempted query shows up in any stage).
    times: dict[str, list[float]] = {"total": [], "total_cpu": []}
    for _ in range(args.rounds):
        for q in queries:
            c0, t0 = time.thread_time(), time.perf_counter()
            fused, _ = index._fused(q, None, "weighted")
            rows = select(index, fused.scores)
            times["total"].append((time.perf_counter() - t0) * 1000)
            times["total_cpu"].append((time.thread_time() - c0) * 1000)
            clock: dict[str, float] = {}
            replay, replay_rows = staged(index, q, clock)
            if not (np.array_equal(replay.scores, fused.scores) and replay_rows == rows):
                sys.exit("the staged replay no longer matches Index._fused: update staged()")
            for stage, ms in clock.items():
                times.setdefault(stage, []).append(ms)
            times.setdefault("stages_sum", []).append(sum(clock.values()))

    total_median = statistics.median(times["total"])
    first_round = times["total"][: len(queries)]
    for stage, values in times.items():
        med = statistics.median(values)
        print(
            json.dumps(
                {
                    "stage": stage,
                    "median_ms": round(med, 2),
                    "p90_ms": round(percentile(values, 0.9), 2),
                    "max_ms": round(max(values), 2),
                    "share_of_total": round(med / total_median, 3) if total_median else None,
                }
            )
        )
    print(
        json.dumps(
            {
                "bench": "retrieval_speed",
                "slices": len(slices),
                "source": source,
                "files": len(corpus.file_rows),
                "queries": len(queries),
                "runs": len(times["total"]),
                "retrievers": [r.name for r in index.retrievers],
                "slice_s": round(slice_s, 2),
                "fit_s": round(fit_s, 2),
                "first_query_s": round(warm_s, 2),
                "median_ms": round(total_median, 2),
                "p90_ms": round(percentile(times["total"], 0.9), 2),
                # Round one meets each query for the first time (cold per-word caches).
                "first_round_median_ms": round(statistics.median(first_round), 2),
                "first_round_p90_ms": round(percentile(first_round, 0.9), 2),
                "goal_ms": GOAL_MS,
                "ratio_to_goal": round(total_median / GOAL_MS, 3),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
