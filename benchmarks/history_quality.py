"""Does history help find the code a change needs? A self-supervised check on real history.

Usage::

    git -C CLONE worktree add --detach /tmp/past REV   # the past revision, checked out
    python benchmarks/history_quality.py /tmp/past [--queries 60] [--budget 8000]

Queries are the messages of the first commits made *after* the checked-out revision (so
nothing about them is in the index); the answer is the set of existing source files each of
them modified. For several history fusion weights it prints, as JSON lines, the mean share
of those files found among code items of an 8,000-token pack and of the top-20 search hits,
next to an index without history.

Commit recall asks the question the other way round: are the commits behind the code a
change needs retrievable by its message? The answer for a query is the set of commits
``git blame`` names for the lines the later commit changed (pre-image lines of its hunks in
those files); ``search20_commit_recall`` is the share of queries with one of them among
the top-20 hits, ``pack_commit_recall`` among a pack's commit items, and
``pack_last_commit_recall`` among its commits or the ``last_commit`` its code items name.
``changes`` configurations add the post-fusion step that lifts commits which changed the
best code (:class:`~context_kit.retrievers.history.ChangePropagation`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

from context_kit import Index


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def blamed(root: Path, sha: str, files: set[str]) -> set[str]:
    """Commits ``git blame`` names for the pre-image lines ``sha`` changed in ``files``.

    Blamed at ``sha``'s parent (where those lines are); the caller keeps the commits the
    index can know (those at or before its revision).
    """
    out: set[str] = set()
    for f in sorted(files):
        diff = git(root, "show", "-U0", "--format=", sha, "--", f)
        for m in re.finditer(r"^@@ -(\d+)(?:,(\d+))? ", diff, re.MULTILINE):
            start, count = int(m.group(1)), int(m.group(2) or 1)
            if count == 0:
                continue
            porcelain = git(
                root, "blame", "--porcelain", "-L", f"{start},+{count}", f"{sha}^", "--", f
            )
            out.update(
                line.split(" ", 1)[0]
                for line in porcelain.splitlines()
                if re.match(r"^[0-9a-f]{40} ", line)
            )
    return out


def queries(root: Path, n: int, upto: str) -> list[tuple[str, set[str], set[str]]]:
    head = git(root, "rev-parse", "HEAD").strip()
    later = git(
        root, "rev-list", "--reverse", "--ancestry-path", "--no-merges", f"{head}..{upto}"
    ).split()
    out: list[tuple[str, set[str], set[str]]] = []
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
            out.append((msg, files, blamed(root, sha, files)))
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
    hist = Index.build(args.repo, history=True)
    configs = [("no_history", plain, {}, 0)]
    configs += [(f"history_w{w}", hist, {"history": w}, 10) for w in (0.0, 0.3, 1.0)]
    configs.append(("history_w0.3_no_attach", hist, {"history": 0.3}, 0))
    configs += [
        (f"history_w0.3_changes{c}", hist, {"history": 0.3, "changes": c}, 10)
        for c in (0.3, 0.6, 1.0)
    ]
    known = {c.sha for c in hist.history.commits} if hist.history else set()
    for name, index, weights, attach in configs:
        pack_r, search_r, commit_tokens = [], [], 0
        c_search, c_pack, c_last, asked = 0, 0, 0, 0
        for q, want, gold in qs:
            packed = index.pack(q, budget=args.budget, weights=weights, attach_commits=attach)
            pack_r.append(recall([i.path for i in packed.items if i.kind == "code"], want))
            commit_tokens += sum(i.tokens for i in packed.items if i.kind == "commit")
            hits = index.search(q, k=20, weights=weights)
            search_r.append(recall([h.slice.path for h in hits if h.slice.kind == "code"], want))
            gold = gold & known
            if gold:
                asked += 1
                c_search += any(h.slice.commit in gold for h in hits)
                packed_commits = {i.commit for i in packed.items if i.kind == "commit"}
                c_pack += bool(packed_commits & gold)
                named = packed_commits | {i.last_commit for i in packed.items if i.last_commit}
                c_last += bool(named & gold)
        print(
            json.dumps(
                {
                    "name": name,
                    "queries": len(qs),
                    "pack_file_recall": round(sum(pack_r) / len(qs), 3),
                    "search20_file_recall": round(sum(search_r) / len(qs), 3),
                    "commit_tokens_per_pack": round(commit_tokens / len(qs), 1),
                    "queries_with_blamed_commits": asked,
                    "search20_commit_recall": round(c_search / max(asked, 1), 3),
                    "pack_commit_recall": round(c_pack / max(asked, 1), 3),
                    "pack_last_commit_recall": round(c_last / max(asked, 1), 3),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
