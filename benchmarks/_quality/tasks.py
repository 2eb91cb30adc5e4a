"""Task sources: SWE-bench Lite dev (jsonl) and retrieval tasks mined from git history.

A :class:`Task` is a query plus the repository state it is asked against and the gold
locations (files, pre-image lines, enclosing functions) in that state.  Only the query
(SWE-bench: ``problem_statement``; commits: the commit message) reaches the systems.

Commit-task mining (see :func:`mine_commit_tasks`), per repository:

1. Candidates: non-merge commits reachable from the mirror's HEAD whose message
   (subject + body, trailers such as ``Signed-off-by`` removed) has at least
   ``MIN_QUERY_WORDS`` words and whose subject is not a chore (version bump, release,
   typo, formatting, lint, changelog, revert ...: ``CHORE_RE``).
2. The commit must modify (status ``M``) 1..``MAX_GOLD_FILES`` library source files
   (:func:`is_library_source`) and add none; tests/docs may change too but are not gold.
3. Gold lines = pre-image lines from ``git diff -U0 --no-renames parent commit``:
   ``-a,b`` with b > 0 gives lines a..a+b-1; a pure insertion (b == 0) gives its anchor
   line a (the line it follows; this mirrors the SWE-bench gold file's ``after_line``).
   At least one hunk must remove/modify lines and at most ``MAX_GOLD_LINES`` lines change.
4. Gold functions = innermost enclosing def/class of each gold line in the parent's file
   (:mod:`pyspans`; Python files only).  State = the parent commit.
5. Sampling is deterministic: candidates in ``git log`` order are shuffled with
   ``random.Random(f"{seed}:{repo}")`` and taken in order until N pass steps 3-4.
   Results are cached as jsonl keyed by repo, mirror HEAD, N, seed and ``MINER_VERSION``.

The ``polyglot`` task set is mined by the same rules from repositories in other
languages: source is any file context_kit parses (``metrics.POLYGLOT_SUFFIXES``), tests
are recognised by each language's conventions, vendored folders (``deps/``,
``vendor/``, ``third_party/``...) hold no gold, and tasks have no gold functions
(function recall is ``None``: :mod:`pyspans` reads Python only).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import gitutil
from .metrics import PYTHON_SUFFIXES, GoldFunction, is_source_path, source_suffixes
from .pyspans import definition_spans, enclosing_spans

# Bump when the mining rules change so stale caches are not reused.
MINER_VERSION = 4
# Shorter messages ("Fix bug", "Update foo.py") do not describe the change well enough.
MIN_QUERY_WORDS = 8
# 1-3 files: the brief's definition of a focused change; more is a sweeping refactor.
MAX_GOLD_FILES = 3
# Changes touching more pre-image lines are refactors a message cannot pinpoint.
MAX_GOLD_LINES = 150
# Chore commits whose message is not a retrieval query (checked on the subject line).
CHORE_RE = re.compile(
    r"\b(bump|bumped|release|releasing|version|typo|typos|spelling|format|formatting|"
    r"reformat|black|isort|ruff|flake8|lint|linting|pre-commit|pre-commit-ci|changelog|"
    r"changes\.rst|revert|whitespace|copyright|docstring|docstrings|prettier|pyupgrade|"
    r"mypy|typing|type hints|annotation|annotations)\b",
    re.IGNORECASE,
)
# Git trailers that carry no query content: "Signed-off-by: ...", "Co-authored-by: ...".
_TRAILER_RE = re.compile(r"^([A-Za-z-]+-by|Change-Id): .*$", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_']*")
_URL_RE = re.compile(r"https?://\S+")
# Directories whose .py files are not library source (examples, docs tooling, CI).
NON_LIBRARY_DIRS = frozenset(
    {"docs", "doc", "examples", "example", "benchmarks", "scripts", "tools", "ci", ".github", "bin"}
)
NON_LIBRARY_FILES = frozenset({"setup.py", "noxfile.py", "tasks.py", "conftest.py"})
# Vendored code in other languages' repositories: context_kit leaves it out by default,
# and a change to it is an upgrade of someone else's code, not a task about this one.
VENDORED_DIRS = frozenset(
    {"deps", "vendor", "third_party", "thirdparty", "external", "node_modules"}
)
# Build scripts written in the languages themselves (SwiftPM manifests, Gradle's Kotlin
# scripts, bundler and task-runner configs) and minified bundles (context_kit skips them).
_NOT_LIBRARY_RE = re.compile(
    r"^Package(@[\w.-]+)?\.swift$|\.gradle\.kts$|\.config\.[cm]?[jt]s$|^[Gg]runtfile\.js$"
    r"|^[Gg]ulpfile\.js$|\.min\.[cm]?js$"
)
_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


@dataclass
class Task:
    """One retrieval task: a query against a repository state with gold locations."""

    task_id: str
    task_set: str  # "swe", "commits" or "polyglot"
    repo: str  # owner/name
    commit: str  # repository state (HEAD of the checkout)
    query: str
    gold_files: list[str]
    gold_lines: dict[str, list[int]]
    gold_functions: list[GoldFunction] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable dict (inverse of :meth:`from_json`)."""
        d = asdict(self)
        d["gold_functions"] = [asdict(f) for f in self.gold_functions]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Task:
        """Rebuild a task written by :meth:`to_json`."""
        d = dict(d)
        d["gold_functions"] = [GoldFunction(**f) for f in d.get("gold_functions", [])]
        return cls(**d)


def is_library_source(path: str, suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> bool:
    """Non-test source file outside docs/examples/scripts and not a build/CI script.

    ``suffixes`` says what source is (Python's by default); with any other, vendored
    folders are not library source either.
    """
    if not is_source_path(path, suffixes):
        return False
    parts = path.split("/")
    if parts[-1] in NON_LIBRARY_FILES:
        return False
    if suffixes == PYTHON_SUFFIXES:
        return not any(p in NON_LIBRARY_DIRS for p in parts[:-1])
    if _NOT_LIBRARY_RE.search(parts[-1]):
        return False
    skipped = NON_LIBRARY_DIRS | VENDORED_DIRS | {"website"}
    return not any(p.lower() in skipped for p in parts[:-1])


# --------------------------------------------------------------------------- SWE-bench


def load_swe_tasks(data_path: Path, gold_path: Path) -> list[Task]:
    """Join the SWE-bench Lite jsonl with its gold jsonl (by ``instance_id``).

    Only ``problem_statement`` becomes the query; patch/test_patch/hints are ignored.
    """
    gold = {}
    with gold_path.open() as fh:
        for line in fh:
            if line.strip():
                g = json.loads(line)
                gold[g["instance_id"]] = g
    tasks = []
    with data_path.open() as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            g = gold.get(row["instance_id"])
            if g is None:
                continue
            funcs = [
                GoldFunction(
                    gf["path"], fn["name"], fn["start"], fn["end"], fn.get("kind", "function")
                )
                for gf in g["gold_files"]
                for fn in gf.get("functions") or []
            ]
            tasks.append(
                Task(
                    task_id=row["instance_id"],
                    task_set="swe",
                    repo=row["repo"],
                    commit=row["base_commit"],
                    query=row["problem_statement"],
                    gold_files=[gf["path"] for gf in g["gold_files"]],
                    gold_lines={gf["path"]: list(gf["gold_lines"]) for gf in g["gold_files"]},
                    gold_functions=funcs,
                    meta={"added_files": g.get("added_files", [])},
                )
            )
    return tasks


# --------------------------------------------------------------------------- commit mining


def clean_message(message: str) -> str:
    """Commit message without trailers (``Co-authored-by: ...``) and surrounding blanks."""
    lines = message.strip().splitlines()
    kept = lines[:1] + [ln for ln in lines[1:] if not _TRAILER_RE.match(ln.strip())]
    return "\n".join(kept).strip()


def is_query_message(message: str) -> bool:
    """A non-trivial message: enough words and a subject that is not a chore."""
    if not message:
        return False
    subject = message.splitlines()[0]
    if CHORE_RE.search(subject) or subject.lower().startswith("merge "):
        return False
    return len(_WORD_RE.findall(_URL_RE.sub(" ", message))) >= MIN_QUERY_WORDS


@dataclass
class _Candidate:
    sha: str
    parent: str
    message: str
    files: list[str]


def _log_candidates(
    git_dir: Path, head: str, suffixes: tuple[str, ...] = PYTHON_SUFFIXES
) -> list[_Candidate]:
    """Non-merge commits from ``head`` passing the message and file filters (log order)."""
    out = gitutil.git(
        git_dir,
        "log",
        "--no-merges",
        "--no-renames",
        "--name-status",
        "--format=%x1e%H%x1f%P%x1f%B%x1d",
        head,
    )
    cands = []
    for rec in out.split("\x1e"):
        if not rec.strip():
            continue
        header, _, status = rec.partition("\x1d")
        sha, parents, body = header.split("\x1f", 2)
        parent_list = parents.split()
        if len(parent_list) != 1:
            continue
        message = clean_message(body)
        if not is_query_message(message):
            continue
        src: list[str] = []
        ok = True
        for line in status.strip().splitlines():
            st, _, path = line.partition("\t")
            if path.startswith('"') or not is_library_source(path, suffixes):
                continue
            if st != "M":
                ok = False
                break
            src.append(path)
        if ok and 1 <= len(src) <= MAX_GOLD_FILES:
            cands.append(_Candidate(sha, parent_list[0], message, src))
    return cands


def parse_preimage_lines(diff: str) -> tuple[dict[str, list[int]], bool]:
    """Pre-image gold lines per file from a ``-U0`` diff; also whether any line was removed."""
    lines_by_file: dict[str, list[int]] = {}
    removed_any = False
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("--- "):
            # git ends the name with a tab when it holds a space ("a/Parsable Types/X.swift").
            current = line[6:].rstrip("\t") if line.startswith("--- a/") else None
        elif line.startswith("@@") and current is not None:
            m = _HUNK_RE.match(line)
            if not m:
                continue
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            bucket = lines_by_file.setdefault(current, [])
            if count > 0:
                removed_any = True
                bucket.extend(range(start, start + count))
            elif start > 0:
                bucket.append(start)
    return {p: sorted(set(v)) for p, v in lines_by_file.items() if v}, removed_any


def _task_from_candidate(
    git_dir: Path, repo: str, cand: _Candidate, task_set: str = "commits"
) -> Task | None:
    diff = gitutil.git(
        git_dir,
        "diff",
        "-U0",
        "--no-renames",
        "--no-color",
        cand.parent,
        cand.sha,
        "--",
        *cand.files,
    )
    gold_lines, removed_any = parse_preimage_lines(diff)
    if not removed_any or not gold_lines:
        return None
    if sum(len(v) for v in gold_lines.values()) > MAX_GOLD_LINES:
        return None
    funcs: list[GoldFunction] = []
    for path, lines in gold_lines.items():
        if not path.endswith(".py"):
            continue  # pyspans reads Python only: no gold functions for other files
        spans = definition_spans(gitutil.show_file(git_dir, cand.parent, path))
        if spans is None:
            return None  # unparsable pre-image (e.g. Python 2 code): gold functions unknown
        funcs += [
            GoldFunction(path, s.name, s.start, s.end, s.kind)
            for s in enclosing_spans(spans, lines)
        ]
    return Task(
        task_id=f"{repo.replace('/', '__')}-{cand.sha[:12]}",
        task_set=task_set,
        repo=repo,
        commit=cand.parent,
        query=cand.message,
        gold_files=sorted(gold_lines),
        gold_lines=gold_lines,
        gold_functions=funcs,
        meta={"source_commit": cand.sha},
    )


def mine_commit_tasks(
    git_dir: Path, repo: str, n: int, seed: int, head: str = "HEAD", task_set: str = "commits"
) -> list[Task]:
    """Deterministically sample up to ``n`` commit tasks from ``git_dir`` (see module doc).

    ``task_set`` is ``"commits"`` (Python source) or ``"polyglot"`` (every parsed language).
    """
    cands = _log_candidates(git_dir, head, source_suffixes(task_set))
    random.Random(f"{seed}:{repo}").shuffle(cands)
    tasks: list[Task] = []
    for cand in cands:
        if len(tasks) >= n:
            break
        task = _task_from_candidate(git_dir, repo, cand, task_set)
        if task is not None:
            tasks.append(task)
    return tasks


def cached_commit_tasks(
    git_dir: Path, repo: str, n: int, seed: int, cache_dir: Path, task_set: str = "commits"
) -> list[Task]:
    """:func:`mine_commit_tasks` with a jsonl cache keyed by set, repo, HEAD, n, seed, version."""
    head = gitutil.git(git_dir, "rev-parse", "HEAD").strip()
    name = f"{task_set}-{repo.replace('/', '+')}-{head[:12]}-n{n}-s{seed}-v{MINER_VERSION}.jsonl"
    path = cache_dir / name
    if path.exists():
        with path.open() as fh:
            return [Task.from_json(json.loads(line)) for line in fh if line.strip()]
    tasks = mine_commit_tasks(git_dir, repo, n, seed, head, task_set)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as fh:
        for t in tasks:
            fh.write(json.dumps(t.to_json()) + "\n")
    tmp.rename(path)
    return tasks
