"""Aggregation of per-(task, system, budget) records into summaries and markdown tables."""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

RECALLS = ("file_recall", "function_recall", "line_recall")
TASK_SETS = ("all", "swe", "commits")
NAMED_SPLITS = ("all", "named", "unnamed")


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _stderr(values: Sequence[float]) -> float | None:
    """Standard error of the mean (sample std / sqrt(n)); None below two values."""
    n = len(values)
    if n < 2:  # a spread needs at least two values
        return None
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return math.sqrt(var / n)


def _share(record: dict[str, Any], key: str) -> float | None:
    """Fraction of a record's gold lines present only as ``key`` (trimmed / absent)."""
    counts = record.get("gold_lines_by_rendering") or {}
    total = sum(counts.values())
    return counts.get(key, 0) / total if total else None


def summarise(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summary records per system x budget x task set x (query names a gold function).

    Means skip ``None`` (e.g. function recall of tasks without gold functions); ``n_*``
    fields say how many values each mean is over.  Errored records count in ``errors``
    and are excluded from the means.
    """
    groups: dict[tuple[str, int, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r.get("type") != "result":
            continue
        named = "named" if r["names_gold_function"] else "unnamed"
        for ts in ("all", r["task_set"]):
            for ns in ("all", named):
                groups[(r["system"], r["budget"], ts, ns, "all")].append(r)
        groups[(r["system"], r["budget"], r["task_set"], "all", r["repo"])].append(r)
    out = []
    for (system, budget, ts, ns, repo), rs in sorted(groups.items()):
        ok = [r for r in rs if not r.get("error")]
        summary: dict[str, Any] = {
            "type": "summary",
            "system": system,
            "budget": budget,
            "task_set": ts,
            "query_names_gold_function": ns,
            "repo": repo,
            "n_tasks": len(rs),
            # Identifies the task sample, so comparisons can flag different task sets.
            "tasks_sha1": hashlib.sha1(
                "\n".join(sorted(r["task_id"] for r in rs)).encode()
            ).hexdigest()[:12],
            "errors": len(rs) - len(ok),
            "over_budget": sum(1 for r in ok if r["over_budget"]),
            "citation_errors": sum(r.get("citation_errors") or 0 for r in ok),
            "token_count_mismatches": sum(1 for r in ok if r.get("token_count_mismatch")),
            "future_commits": sum(r.get("future_commits") or 0 for r in ok),
            "mentions_source_commit": sum(1 for r in ok if r.get("mentions_source_commit")),
            "mean_tokens": _mean(r["tokens"] for r in ok),
            "mean_pack_latency_s": _mean(r["pack_latency_s"] for r in ok),
            "mean_index_latency_s": _mean(r["index_latency_s"] for r in ok),
            "gold_lines_trimmed": _mean(_share(r, "trimmed") for r in ok),
            "gold_lines_absent": _mean(_share(r, "absent") for r in ok),
        }
        for m in RECALLS:
            vals = [r[m] for r in ok if r[m] is not None]
            summary[m] = _mean(vals)
            summary[f"n_{m}"] = len(vals)
            summary[f"{m}_stderr"] = _stderr(vals)
        out.append(summary)
    return out


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def markdown(summaries: Sequence[dict[str, Any]], notes: Sequence[str] = ()) -> str:
    """Markdown report: recall tables with systems side by side, split tables, health."""
    idx = {
        (s["system"], s["budget"], s["task_set"], s["query_names_gold_function"]): s
        for s in summaries
        if s.get("repo", "all") == "all"
    }
    systems = sorted({s["system"] for s in summaries}, key=_system_order)
    budgets = sorted({s["budget"] for s in summaries})
    lines = ["# context_kit retrieval quality", ""]
    lines += [f"> {note}" for note in notes]
    if notes:
        lines.append("")
    lines += [
        "## Headline: recall averaged over all budgets (file / function / line)",
        "",
        "Budgets double, so this is the area under the recall-vs-log(budget) curve.",
        "",
    ]
    head = ["task set", *systems]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ts in TASK_SETS:
        row = [ts]
        for sy in systems:
            cells = [idx.get((sy, b, ts, "all")) for b in budgets]
            if not all(cells):
                row.append("-")
                continue
            means = [_mean(c[m] for c in cells if c) for m in RECALLS]
            row.append(" / ".join(_fmt(v) for v in means))
        if any(c != "-" for c in row[1:]):
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for ts in TASK_SETS:
        present = [idx.get((sy, b, ts, "all")) for sy in systems for b in budgets]
        if not any(present):
            continue
        n = max((p["n_tasks"] for p in present if p), default=0)
        lines += [f"## Task set: {ts} ({n} tasks) -- recall file / function / line", ""]
        head = ["budget"] + [f"{sy} {m}" for sy in systems for m in ("file", "func", "line")]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for b in budgets:
            row = [str(b)]
            for sy in systems:
                s = idx.get((sy, b, ts, "all"))
                row += [_fmt(s[m]) if s else "-" for m in RECALLS]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += [
        "## Function recall split by whether the query names a gold function (all tasks)",
        "",
    ]
    head = ["budget"] + [f"{sy} {ns}" for sy in systems for ns in ("named", "unnamed")]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b in budgets:
        row = [str(b)]
        for sy in systems:
            for ns in ("named", "unnamed"):
                s = idx.get((sy, b, "all", ns))
                row.append(
                    f"{_fmt(s['function_recall'])} (n={s['n_function_recall']})" if s else "-"
                )
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Line recall per repository", ""]
    head = ["repo", "set", "tasks", "system"] + [str(b) for b in budgets]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    per_repo = {
        (s["repo"], s["system"], s["budget"]): s for s in summaries if s.get("repo", "all") != "all"
    }
    for repo in sorted({k[0] for k in per_repo}):
        for sy in systems:
            cells = [per_repo.get((repo, sy, b)) for b in budgets]
            first = next((c for c in cells if c), None)
            if first is None:
                continue
            row = [repo, first["task_set"], str(first["n_tasks"]), sy]
            row += [_fmt(c["line_recall"]) if c else "-" for c in cells]
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Health (all tasks)", ""]
    head = [
        "system",
        "budget",
        "mean tokens",
        "over budget",
        "citation errors",
        "errors",
        "pack s",
        "index s",
        "gold lines only trimmed",
        "gold lines absent",
        "future commits / source commit quoted",
    ]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for sy in systems:
        for b in budgets:
            s = idx.get((sy, b, "all", "all"))
            if not s:
                continue
            lines.append(
                f"| {sy} | {b} | {_fmt(s['mean_tokens'])} | {s['over_budget']} | "
                f"{s['citation_errors']} | {s['errors']} | {_fmt(s['mean_pack_latency_s'])} | "
                f"{_fmt(s['mean_index_latency_s'])} | {_fmt(s.get('gold_lines_trimmed'))} | "
                f"{_fmt(s.get('gold_lines_absent'))} | {s.get('future_commits', '-')} / "
                f"{s.get('mentions_source_commit', '-')} |"
            )
    return "\n".join(lines) + "\n"


def _system_order(name: str) -> tuple[int, str]:
    preferred = ["context_kit", "bm25-chunks", "bm25-files", "aider-repomap", "gold-files"]
    return (preferred.index(name) if name in preferred else len(preferred), name)


def load_summaries(path: Path) -> list[dict[str, Any]]:
    """Summaries of a run's JSON lines: recomputed from its result records (so newer
    summary fields appear), or its stored summary records when it has no results.
    """
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    results = [r for r in records if r.get("type") == "result"]
    return summarise(results) if results else [r for r in records if r.get("type") == "summary"]


def compare_markdown(new: Sequence[dict[str, Any]], old: Sequence[dict[str, Any]]) -> str:
    """Markdown table of recall changes (new - old) per system x budget x task set."""

    def key(s: dict[str, Any]) -> tuple[str, int, str]:
        return (s["system"], s["budget"], s["task_set"])

    def overall(ss: Sequence[dict[str, Any]]) -> dict[tuple[str, int, str], dict[str, Any]]:
        return {
            key(s): s
            for s in ss
            if s.get("repo", "all") == "all" and s["query_names_gold_function"] == "all"
        }

    new_idx, old_idx = overall(new), overall(old)
    lines = [
        "## Change vs previous run (new - old; file / function / line recall)",
        "",
        "Rows marked `*` compare different task samples (e.g. re-mined commit tasks).",
        "",
        "| system | task set | budget | n new/old | file | function | line |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in sorted(new_idx.keys() & old_idx.keys(), key=lambda k: (_system_order(k[0]), k)):
        n, o = new_idx[k], old_idx[k]
        deltas = [
            _fmt_delta(n[m] - o[m]) if n[m] is not None and o[m] is not None else "-"
            for m in RECALLS
        ]
        same = n.get("tasks_sha1") is not None and n.get("tasks_sha1") == o.get("tasks_sha1")
        counts = f"{n['n_tasks']}/{o['n_tasks']}" + ("" if same else " *")
        lines.append(f"| {k[0]} | {k[2]} | {k[1]} | {counts} | " + " | ".join(deltas) + " |")
    return "\n".join(lines) + "\n"


def _fmt_delta(v: float) -> str:
    return f"{v:+.3f}"
