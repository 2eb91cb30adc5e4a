"""Overviews (a pack without a query): do they point at the code that changes?

An overview has no query to be right about, so this measures a proxy on the mined commit
tasks of ``quality.py``: each task is a repository state and the files its next commit
changed. A map of a repository that names those files early points a newcomer at code
that is alive, not at dead corners. For each state, over the tasks at it:

* ``overview@K`` - the share of a task's changed files among the first K files of
  ``Index.search("")`` (each file at its best-ranked slice);
* ``largest@K``  - the same for the K files with the most code (a baseline that needs no
  ranking at all);
* ``pack@B``     - the share of a task's changed files that ``Index.pack(budget=B)``
  (no query) shows in any form, a mention included.

Prints one JSON object per (task set, measure) with the mean over tasks, and the median
time of the first overview of a state (built on first use and cached with the index).

Usage::

    python benchmarks/overview_quality.py                  # Python commit tasks, seed 0
    python benchmarks/overview_quality.py --tasks polyglot
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict

from _quality import gitutil
from _quality.tasks import Task
from quality import collect_tasks, locator, parse_args

_TOPS = (10, 25)
_BUDGETS = (4000, 8000)


def main(argv: list[str] | None = None) -> None:
    """Run the measurement (``quality.py``'s task options) and print JSON lines."""
    from context_kit import Index

    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.tasks not in ("commits", "polyglot"):
        raise SystemExit("--tasks commits or --tasks polyglot: overviews are scored on mined tasks")
    notes: list[str] = []
    locate = locator(args)

    tasks = collect_tasks(args, locate, notes)
    by_state: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for t in tasks:
        by_state[(t.repo, t.commit)].append(t)
    found: dict[str, list[float]] = defaultdict(list)
    seconds: list[float] = []
    for (repo, commit), state_tasks in sorted(by_state.items()):
        git_dir = locate(repo)
        if git_dir is None or not gitutil.has_commit(git_dir, commit):
            notes.append(f"{repo} at {commit[:12]} not available")
            continue
        folder = args.work_dir / "checkouts" / repo.replace("/", "+") / commit
        checkout = gitutil.materialise(git_dir, commit, folder)
        index = Index.build(checkout)
        t0 = time.perf_counter()
        hits = index.search("", k=len(index.slices))
        seconds.append(time.perf_counter() - t0)
        ranked = list(dict.fromkeys(h.slice.path for h in hits if h.slice.path))
        code: dict[str, int] = defaultdict(int)
        for s in index.slices:
            if s.kind == "code" and s.path:
                code[s.path] += len(s.text)
        largest = sorted(code, key=lambda p: (-code[p], p))
        shown = {b: {i.path for i in index.pack(budget=b).items} for b in _BUDGETS}
        for task in state_tasks:
            gold = set(task.gold_files)
            for k in _TOPS:
                found[f"overview@{k}"].append(len(gold & set(ranked[:k])) / len(gold))
                found[f"largest@{k}"].append(len(gold & set(largest[:k])) / len(gold))
            for b in _BUDGETS:
                found[f"pack@{b}"].append(len(gold & shown[b]) / len(gold))
    for measure, values in sorted(found.items()):
        row = {"task_set": args.tasks, "seed": args.seed, "measure": measure, "n": len(values)}
        row["file_share"] = round(statistics.mean(values), 3)
        print(json.dumps(row, sort_keys=True), flush=True)
    if seconds:
        row = {"task_set": args.tasks, "measure": "first_overview_ms", "n": len(seconds)}
        row["median"] = round(statistics.median(seconds) * 1000, 1)
        print(json.dumps(row, sort_keys=True), flush=True)
    for note in notes:
        print(json.dumps({"note": note}), flush=True)


if __name__ == "__main__":
    main()
