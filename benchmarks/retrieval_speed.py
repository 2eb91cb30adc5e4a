"""Scoring + fusion latency over a large corpus (goal: <= 30 ms median at 50,000 slices).

Builds a corpus from real source trees (default: this repository's package and the
installed site-packages' Python files), repeats it up to ``--slices`` rows, fits the
default retrievers, and times ``Index.search``-equivalent work per query: every
retriever's scores, fusion, priors, diversity and top-k. Queries are the SWE-bench Lite
dev problem statements (long, realistic) when available. Prints JSON lines.

    python benchmarks/retrieval_speed.py --slices 50000
"""

from __future__ import annotations

import argparse
import json
import site
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from context_kit import Index
from context_kit.retrievers import Corpus, top_k
from context_kit.sources import CodeSource
from context_kit.sources.walk import FileText, decode_text

GOAL_MS = 30.0
EVAL = Path(__file__).resolve().parents[2] / "shared/eval-data/swe_bench_lite_dev.jsonl"


def corpus_slices(roots: list[Path], want: int) -> list:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--root", action="append", type=Path, help="source trees (repeatable)")
    args = ap.parse_args()
    roots = args.root or [Path(p) for p in site.getsitepackages()]
    t0 = time.perf_counter()
    slices = corpus_slices(roots, args.slices)
    build_s = time.perf_counter() - t0
    queries = []
    if EVAL.exists():
        queries = [json.loads(line)["problem_statement"] for line in EVAL.open()]
    queries = (queries or ["parse the configuration file and report errors"]) * 4
    queries = queries[: args.queries]
    t0 = time.perf_counter()
    index = Index(Path("."), slices, [], _tok(), _fit(Corpus(slices)))
    fit_s = time.perf_counter() - t0
    times = []
    for q in queries:
        t = time.perf_counter()
        fused, _ = index._fused(q, None, "weighted")
        top_k(fused.scores, 100)
        times.append((time.perf_counter() - t) * 1000)
    med = statistics.median(times)
    print(
        json.dumps(
            {
                "bench": "retrieval_speed",
                "slices": len(slices),
                "queries": len(queries),
                "slice_s": round(build_s, 2),
                "fit_s": round(fit_s, 2),
                "median_ms": round(med, 2),
                "p90_ms": round(sorted(times)[int(0.9 * len(times))], 2),
                "goal_ms": GOAL_MS,
                "ratio_to_goal": round(med / GOAL_MS, 3),
            }
        )
    )


def _tok():
    from context_kit import get_tokenizer

    return get_tokenizer("cl100k_base")


def _fit(corpus: Corpus) -> list:
    from context_kit.index import _fit_retrievers

    return _fit_retrievers(None, corpus)


if __name__ == "__main__":
    main()
