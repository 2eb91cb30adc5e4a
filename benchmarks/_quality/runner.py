"""Evaluation of one repository state (all its tasks x systems x budgets).

Jobs are grouped by state (repo, commit) so every system indexes a state once and
packs every task/budget from that index.  Jobs are plain dicts so they can cross a
process boundary (``--jobs`` > 1).
"""

from __future__ import annotations

import functools
import subprocess
import traceback
from pathlib import Path
from typing import Any

from . import gitutil
from .chunks import BM25Chunks
from .metrics import (
    Pack,
    citation_problems,
    count_tokens,
    file_recall,
    function_recall,
    gold_line_renderings,
    line_recall,
    query_names_gold_function,
)
from .systems import AiderRepoMap, BM25Files, ContextKit, GoldFiles, System, timed
from .tasks import Task

SYSTEM_NAMES = ("context_kit", "bm25-files", "bm25-chunks", "gold-files", "aider-repomap")
# Abbreviated sha length git prints by default; a pack quoting the future commit would use it.
SHORT_SHA = 7
# Enough examples to debug a citation bug without bloating the jsonl.
MAX_CITATION_DETAILS = 3


def make_systems(
    names: list[str], ck_options: list[str], variants: dict[str, list[str]] | None = None
) -> list[System]:
    """Instantiate the named systems (unknown names raise ``ValueError``).

    Each of ``variants`` (name -> extra ``pack.`` options) is one more context_kit system,
    ``context_kit[name]``, packing from the same index as ``context_kit``.
    """
    out: list[System] = []
    for name in names:
        if name == "context_kit":
            out.append(ContextKit(ck_options))
            for label, extra in (variants or {}).items():
                out.append(ContextKit([*ck_options, *extra], name=f"context_kit[{label}]"))
        elif name == "bm25-files":
            out.append(BM25Files())
        elif name == "bm25-chunks":
            out.append(BM25Chunks())
        elif name == "gold-files":
            out.append(GoldFiles())
        elif name == "aider-repomap":
            out.append(AiderRepoMap())
        else:
            raise ValueError(f"unknown system {name!r}; choose from {SYSTEM_NAMES}")
    return out


def score_pack(task: Task, pack: Pack, budget: int, checkout: Path) -> dict[str, Any]:
    """All per-record metrics of one pack."""
    tokens = count_tokens(pack.text)
    problems = citation_problems(pack, checkout)
    commits = {it.commit for it in pack.items if it.commit}
    source = task.meta.get("source_commit")
    return {
        "file_recall": file_recall(pack.items, task.gold_files),
        "function_recall": function_recall(pack.items, task.gold_functions),
        "line_recall": line_recall(pack.items, task.gold_lines),
        "tokens": tokens,
        "reported_tokens": pack.reported_tokens,
        "token_count_mismatch": (
            pack.reported_tokens is not None and pack.reported_tokens != tokens
        ),
        "over_budget": tokens > budget,
        "citation_errors": len(problems),
        "citation_error_details": problems[:MAX_CITATION_DETAILS],
        "n_items": len(pack.items),
        "n_full_items": sum(1 for it in pack.items if it.rendering == "full"),
        "kinds": sorted({it.kind for it in pack.items}),
        "gold_lines_by_rendering": gold_line_renderings(pack.items, task.gold_lines),
        # Leakage guards: cited commits must be ancestors of HEAD, and a commit task's
        # own (future) commit must not appear in the text.
        "future_commits": sum(1 for c in commits if not is_ancestor(checkout, c)),
        "mentions_source_commit": bool(source) and source[:SHORT_SHA] in pack.text,
    }


@functools.lru_cache(maxsize=4096)
def is_ancestor(checkout: Path, sha: str) -> bool:
    """True when ``sha`` is HEAD or an ancestor of HEAD in ``checkout``."""
    proc = subprocess.run(
        ["git", "-C", str(checkout), "merge-base", "--is-ancestor", sha, "HEAD"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def _base_record(task: Task, system: str, budget: int) -> dict[str, Any]:
    return {
        "type": "result",
        "task_id": task.task_id,
        "task_set": task.task_set,
        "repo": task.repo,
        "commit": task.commit,
        "system": system,
        "budget": budget,
        "names_gold_function": query_names_gold_function(task.query, task.gold_functions),
        "n_gold_files": len(task.gold_files),
        "n_gold_functions": len(task.gold_functions),
        "n_gold_lines": sum(len(v) for v in task.gold_lines.values()),
    }


def _error_record(task: Task, system: str, budget: int, exc: BaseException) -> dict[str, Any]:
    rec = _base_record(task, system, budget)
    rec.update(
        {
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=5),
            "file_recall": None,
            "function_recall": None,
            "line_recall": None,
        }
    )
    return rec


def evaluate_state(job: dict[str, Any]) -> list[dict[str, Any]]:
    """Materialise one state and evaluate its tasks with every system and budget.

    ``job`` keys: ``git_dir``, ``commit``, ``checkout``, ``tasks`` (Task.to_json dicts),
    ``systems`` (names), ``ck_options``, ``budgets`` and optionally ``variants``
    (see :func:`make_systems`; they pack from the index ``context_kit`` built).
    """
    tasks = [Task.from_json(t) for t in job["tasks"]]
    checkout = gitutil.materialise(Path(job["git_dir"]), job["commit"], Path(job["checkout"]))
    records: list[dict[str, Any]] = []
    missing = {t.task_id: [p for p in t.gold_files if not (checkout / p).is_file()] for t in tasks}
    shared: tuple[Any, float] | None = None  # context_kit's index, for its variants
    for system in make_systems(job["systems"], job["ck_options"], job.get("variants")):
        try:
            if isinstance(system, ContextKit) and shared is not None:
                state, index_latency = shared
            else:
                state, index_latency = timed(system.prepare, tasks[0], checkout)
            if isinstance(system, ContextKit):
                shared = state, index_latency
        except Exception as exc:  # a broken system must not stop the benchmark
            records += [
                _error_record(t, system.name, b, exc) for t in tasks for b in job["budgets"]
            ]
            continue
        for task in tasks:
            if isinstance(system, GoldFiles) and task is not tasks[0]:
                state, index_latency = timed(system.prepare, task, checkout)
            for budget in job["budgets"]:
                try:
                    pack, pack_latency = timed(system.pack, state, task, budget)
                    rec = _base_record(task, system.name, budget)
                    rec.update(score_pack(task, pack, budget, checkout))
                    rec["pack_latency_s"] = pack_latency
                    rec["index_latency_s"] = index_latency
                    rec["gold_files_missing"] = missing[task.task_id]
                except Exception as exc:
                    rec = _error_record(task, system.name, budget, exc)
                records.append(rec)
    return records
