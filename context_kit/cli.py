"""The ``context-kit`` command line.

Exit codes scripts can rely on: 0 success, 1 a context_kit error (the message says what to
do), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from . import __version__
from .errors import ContextKitError
from .index import Index

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="context-kit",
        description="Pack a repository's most relevant code and docs into an exact token budget.",
    )
    p.add_argument("--version", action="version", version=f"context_kit {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    pk = sub.add_parser("pack", help="pack context for a query and print it")
    pk.add_argument("path", help="repository folder")
    pk.add_argument("--query", "-q", default="", help="the task, issue or question")
    pk.add_argument(
        "--spec",
        "-s",
        default=None,
        help="pack for a requirement id (REQ-12) or heading path: the section, its parents "
        "and the code it names first",
    )
    pk.add_argument("--budget", "-b", type=int, default=8000, help="token budget (default 8000)")
    pk.add_argument("--format", "-f", choices=["markdown", "xml", "json"], default="markdown")
    pk.add_argument(
        "--tokenizer",
        default="cl100k_base",
        help="tokenizer name or .tiktoken / tokenizer.json path",
    )
    pk.add_argument(
        "--explain",
        action="store_true",
        help="print why each candidate was kept, trimmed or dropped (to stderr)",
    )
    pk.add_argument(
        "--json-result",
        action="store_true",
        help="print the whole result (text, items, report) as JSON",
    )

    se = sub.add_parser("search", help="show the best-ranked slices for a query")
    se.add_argument("path", help="repository folder")
    se.add_argument("--query", "-q", required=True)
    se.add_argument("-k", type=int, default=20, help="how many results (default 20)")
    se.add_argument("--json", action="store_true", help="JSON lines output")

    ix = sub.add_parser("index", help="index a repository and summarise what was read")
    ix.add_argument("path", help="repository folder")
    ix.add_argument("--json", action="store_true", help="JSON output")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except ContextKitError as exc:
        print(f"context-kit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.command == "pack":
        if not args.query and args.spec is None:
            print("context-kit: error: pack needs --query or --spec", file=sys.stderr)
            return EXIT_USAGE
        index = Index.build(args.path, tokenizer=args.tokenizer)
        packed = index.pack(args.query, budget=args.budget, format=args.format, spec=args.spec)
        if args.json_result:
            print(packed.model_dump_json(indent=2))
        else:
            sys.stdout.write(packed.text)
        if args.explain:
            print(packed.report.table(), file=sys.stderr)
        print(
            f"context-kit: {len(packed.items)} items, {packed.tokens}/{packed.budget} tokens "
            f"({packed.tokenizer})",
            file=sys.stderr,
        )
        return EXIT_OK
    if args.command == "search":
        index = Index.build(args.path)
        for hit in index.search(args.query, k=args.k):
            s = hit.slice
            if args.json:
                print(
                    json.dumps(
                        {
                            "rank": hit.rank,
                            "id": s.id,
                            "path": s.path,
                            "start_line": s.start_line,
                            "end_line": s.end_line,
                            "name": s.name,
                            "score": hit.score,
                            "scores": hit.scores,
                        }
                    )
                )
            else:
                print(f"{hit.rank:>3} {hit.score:7.3f}  {s.citation}  {s.name}")
        return EXIT_OK
    # index
    index = Index.build(args.path)
    kinds: dict[str, int] = {}
    for s in index.slices:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    summary = {
        "root": str(index.root),
        "slices": len(index.slices),
        "by_kind": kinds,
        "files": len({s.path for s in index.slices if s.path}),
        "skipped": [sk.model_dump() for sk in index.skipped],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['slices']} slices from {summary['files']} files {kinds}")
        for sk in index.skipped:
            print(f"skipped {sk.path}: {sk.reason} ({sk.detail})")
    return EXIT_OK
