"""Does history help find the code a change needs? A self-supervised check on real history.

Usage::

    git -C CLONE worktree add --detach /tmp/past REV   # the past revision, checked out
    python benchmarks/history_quality.py /tmp/past [--queries 60] [--budget 8000]

Queries are the messages of the first commits made *after* the checked-out revision (so
nothing about them is in the index); the answer is the set of existing source files each of
them modified. For several history fusion weights it prints, as JSON lines, the mean share
of those files found among code items of an 8,000-token pack and of the top-20 search hits,
next to an index without history.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from context_kit import Index


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def queries(root: Path, n: int, upto: str) -> list[tuple[str, set[str]]]:
    head = git(root, "rev-parse", "HEAD").strip()
    later = git(
        root, "rev-list", "--reverse", "--ancestry-path", "--no-merges", f"{head}..{upto}"
    ).split()
    out: list[tuple[str, set[str]]] = []
    for sha in later:
        msg = git(root, "log", "-1", "--format=%B", sha).strip()
        files = {
            line.split("\t", 1)[1]
            for line in git(root, "show", "--format=", "--name-status", sha).splitlines()
            if line.startswith("M\t")
            and line.endswith(".py")
            and "/test" not in line
            and not line.split("\t", 1)[1].startswith("testing/")
        }
        files = {f for f in files if (root / f).is_file()}
        if files and len(msg) >= 40:
            out.append((msg, files))
        if len(out) >= n:
            break
    return out


def recall(paths: list[str | None], want: set[str]) -> float:
    return len(want & {p for p in paths if p}) / len(want)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", type=Path)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--budget", type=int, default=8000)
    ap.add_argument("--upto", default="refs/remotes/origin/HEAD", help="where later commits end")
    args = ap.parse_args()
    qs = queries(args.repo, args.queries, args.upto)
    plain = Index.build(args.repo, history=False)
    hist = Index.build(args.repo)
    configs = [("no_history", plain, {}, 0)]
    configs += [(f"history_w{w}", hist, {"history": w}, 10) for w in (0.0, 0.3, 0.6, 1.0)]
    configs.append(("history_w0.3_no_attach", hist, {"history": 0.3}, 0))
    for name, index, weights, attach in configs:
        pack_r, search_r, commit_tokens = [], [], 0
        for q, want in qs:
            packed = index.pack(q, budget=args.budget, weights=weights, attach_commits=attach)
            pack_r.append(recall([i.path for i in packed.items if i.kind == "code"], want))
            commit_tokens += sum(i.tokens for i in packed.items if i.kind == "commit")
            hits = index.search(q, k=20, weights=weights)
            search_r.append(recall([h.slice.path for h in hits if h.slice.kind == "code"], want))
        print(
            json.dumps(
                {
                    "name": name,
                    "queries": len(qs),
                    "pack_file_recall": round(sum(pack_r) / len(qs), 3),
                    "search20_file_recall": round(sum(search_r) / len(qs), 3),
                    "commit_tokens_per_pack": round(commit_tokens / len(qs), 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
