"""The ``context-kit`` command line.

Exit codes scripts can rely on:

====  ==================================================================================
0     success
1     a context_kit error: bad path, unknown tokenizer or spec, missing optional extra
      (the message on stderr says what to do)
2     a usage error: unknown command or option, a missing required argument
130   interrupted (Ctrl-C)
====  ==================================================================================

Machine-readable output: ``--json`` on ``index``, ``search``, ``explain``, ``optimise`` and
``pack``.
A progress bar is drawn on stderr only when stderr is a terminal; piped, the CLI is quiet.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from ._progress import ProgressBar, progress_for
from .errors import ContextKitError
from .index import Index

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
"""Success."""
EXIT_ERROR = 1
"""A context_kit error; stderr says what went wrong and what to do."""
EXIT_USAGE = 2
"""A usage error (argparse's convention)."""
EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (the shell's convention: 128 + SIGINT)."""

_EPILOG = """\
examples:
  context-kit pack . -q "how is the token budget enforced?" -b 2000
  context-kit pack . --spec REQ-12 -b 4000 --format xml > context.xml
  context-kit explain . -q "retry on timeout" -b 1000
  context-kit search . -q "tokenizer" -k 5 --json | jq .cite
  context-kit index . --json
  context-kit optimise . -q "retry on timeout" -p gpt-4o -p gpt-4o-mini --cost-weight 20
  context-kit mcp .        # serve pack_context/search/explain to a coding agent (stdio)

exit codes: 0 ok, 1 context_kit error (stderr says what to do), 2 usage error,
130 interrupted. Progress is drawn on stderr only when it is a terminal.
"""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows the defaults that say something."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        # "(default: None)" and "(default: False)" on flags only add noise.
        if action.default in (None, False, True, "", argparse.SUPPRESS):
            return action.help
        return super()._get_help_string(action)


def _build_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("indexing")
    g.add_argument("path", help="repository folder (a git work tree or any folder)")
    g.add_argument(
        "--tokenizer",
        default="cl100k_base",
        metavar="NAME|FILE",
        help="tokenizer name, or a .tiktoken / tokenizer.json file",
    )
    g.add_argument(
        "--include-untracked",
        action="store_true",
        help="in git, also index untracked files that are not ignored",
    )
    g.add_argument(
        "--include-vendored", action="store_true", help="also index vendored and build folders"
    )
    g.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="read git history: commit slices and history ranking (default: off)",
    )
    g.add_argument(
        "--rev",
        default="HEAD",
        metavar="REV",
        help="read history at this revision; nothing later is read",
    )
    g.add_argument(
        "--max-commits",
        type=int,
        default=1000,
        metavar="N",
        help="newest commits to read (0 for all)",
    )
    g.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes that slice files in parallel (default: the usable cores)",
    )
    g.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write the on-disk slice and retriever cache",
    )
    g.add_argument(
        "--no-redact-secrets",
        dest="redact_secrets",
        action="store_false",
        help="pack credentials verbatim (by default .env-style files are skipped and every "
        "credential is replaced by [REDACTED:<rule>])",
    )
    g.add_argument(
        "--docs",
        action="append",
        metavar="GLOB",
        help="files read as documents, gitignore syntax (repeatable; default: *.md, docs/...)",
    )


def _pack_options(p: argparse.ArgumentParser, *, query_required: bool = False) -> None:
    g = p.add_argument_group("packing")
    g.add_argument(
        "--query",
        "-q",
        default="",
        required=query_required,
        metavar="TEXT",
        help="the task, issue or question (none: an overview of the repository)",
    )
    g.add_argument(
        "--spec",
        "-s",
        default=None,
        metavar="ID|HEADING",
        help="pack for a requirement id (REQ-12) or heading path: the section, its parents "
        "and the code it names first",
    )
    g.add_argument("--budget", "-b", type=int, default=8000, metavar="N", help="token budget")
    _copies_option(g)


def _copies_option(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--keep-copies",
        action="store_true",
        help="price every copy of an identical slice in full (by default one copy is, the "
        "others are offered as one-line mentions)",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="context-kit",
        description="Pack a repository's most relevant code, history and docs into an exact "
        "token budget.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"context_kit {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    p.add_argument(
        "--no-progress", action="store_true", help="never draw a progress bar, even on a terminal"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=description, formatter_class=_Formatter)

    pk = command(
        "pack",
        "pack context for a query and print it",
        "Print the packed context (at most --budget tokens) to stdout; a one-line summary "
        "goes to stderr.",
    )
    _build_options(pk)
    _pack_options(pk)
    pk.add_argument(
        "--format",
        "-f",
        choices=["markdown", "xml", "json"],
        default="markdown",
        help="how the packed text is laid out",
    )
    pk.add_argument(
        "--explain",
        action="store_true",
        help="also print why each candidate was kept, trimmed or dropped (to stderr)",
    )
    pk.add_argument(
        "--json",
        "--json-result",
        dest="json",
        action="store_true",
        help="print the whole result (text, items, report) as JSON",
    )

    ex = command(
        "explain",
        "why each candidate was kept, trimmed or dropped",
        "Pack as `pack` would and print the report: every priced candidate, best first, "
        "with its decision, rendering, tokens, score and reason.",
    )
    _build_options(ex)
    _pack_options(ex)
    ex.add_argument("--limit", type=int, default=40, metavar="N", help="rows to show (0 for all)")
    ex.add_argument("--json", action="store_true", help="the report as JSON")

    se = command("search", "show the best-ranked slices for a query", "Rank without packing.")
    _build_options(se)
    se.add_argument(
        "--query",
        "-q",
        default="",
        metavar="TEXT",
        help="the task, issue or question (none: what an overview would show, best first)",
    )
    se.add_argument("-k", type=int, default=20, metavar="N", help="how many results")
    _copies_option(se)
    se.add_argument("--json", action="store_true", help="JSON lines output")

    ix = command(
        "index",
        "index a repository and summarise what was read",
        "Read and slice the repository; print counts by kind and every skipped file.",
    )
    _build_options(ix)
    ix.add_argument("--json", action="store_true", help="JSON output")

    op = command(
        "optimise",
        "choose the budget (and model) on the quality/latency/cost frontier",
        "Weigh budgets for each model profile by the quality of the packs they allow, the "
        "price and the prompt-reading latency; print the Pareto frontier and the chosen "
        "point (see context_kit.optimise).",
    )
    _build_options(op)
    op.add_argument(
        "--query", "-q", required=True, metavar="TEXT", help="the task, issue or question"
    )
    op.add_argument(
        "--profile",
        "-p",
        action="append",
        metavar="NAME",
        help="model profile to weigh (repeatable; default: every shipped profile)",
    )
    op.add_argument("--cost-weight", type=float, default=0.0, help="quality given up per dollar")
    op.add_argument("--latency-weight", type=float, default=0.0, help="quality given up per second")
    op.add_argument("--max-cost", type=float, metavar="USD", help="dollars per request at most")
    op.add_argument("--max-latency", type=float, metavar="S", help="seconds of reading at most")
    op.add_argument("--min-quality", type=float, metavar="Q", help="least quality in [0, 1]")
    op.add_argument(
        "--budgets",
        metavar="N,N,...",
        help="budgets to weigh, comma-separated (default: a grid up to each model's window)",
    )
    op.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also save the frontier as a PNG (needs: pip install 'context_kit[plot]')",
    )
    op.add_argument("--json", action="store_true", help="the plan and frontier as JSON")

    mc = command(
        "mcp",
        "serve context to coding agents over MCP (stdio)",
        "Serve the tools pack_context, search, explain and index_status over the Model "
        "Context Protocol on stdin/stdout. The index is kept warm and refreshed when files "
        "change. Needs the mcp extra: pip install 'context_kit[mcp]' (from a clone: "
        "pip install -e '.[mcp]').",
    )
    _build_options(mc)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (see the module docstring for their meaning).

    Args:
        argv: Arguments without the program name (default ``sys.argv[1:]``).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help/--version (0) and usage errors (2)
        return int(exc.code or 0)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    bar = None if args.no_progress or args.command == "mcp" else progress_for(sys.stderr)
    try:
        return _run(args, bar)
    except ContextKitError as exc:
        _close(bar)
        print(f"context-kit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _close(bar)
        print("context-kit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _close(bar: ProgressBar | None) -> None:
    if bar is not None:
        bar.close()


def _build_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "tokenizer": args.tokenizer,
        "include_untracked": args.include_untracked,
        "include_vendored": args.include_vendored,
        "history": args.history,
        "rev": args.rev,
        "max_commits": args.max_commits or None,
        "docs": args.docs,
        "workers": args.workers,
        # None: the default cache folder (CONTEXT_KIT_CACHE_DIR); False: no cache.
        "cache_dir": None if args.cache else False,
        "redact_secrets": args.redact_secrets,
    }


def _build(args: argparse.Namespace, bar: ProgressBar | None) -> Index:
    try:
        return Index.build(args.path, progress=bar, **_build_kwargs(args))
    finally:
        _close(bar)


def _run(args: argparse.Namespace, bar: ProgressBar | None) -> int:
    if args.command == "mcp":
        from .mcp_server import serve

        serve(args.path, **_build_kwargs(args))
        return EXIT_OK
    index = _build(args, bar)
    if args.command == "pack":
        return _pack(args, index)
    if args.command == "explain":
        return _explain(args, index)
    if args.command == "search":
        return _search(args, index)
    if args.command == "optimise":
        return _optimise(args, index)
    return _index(args, index)


def _optimise(args: argparse.Namespace, index: Index) -> int:
    from .errors import OptionError
    from .optimise import optimise

    budgets = None
    if args.budgets:
        try:
            budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
        except ValueError:
            raise OptionError(
                f"--budgets {args.budgets!r} must be comma-separated integers", name="budgets"
            ) from None
    if args.plot and importlib.util.find_spec("matplotlib") is None:  # fail before the work
        raise OptionError("--plot needs matplotlib: pip install 'context_kit[plot]'", name="plot")
    plan = optimise(
        index,
        args.query,
        profiles=args.profile,
        cost_weight=args.cost_weight,
        latency_weight=args.latency_weight,
        max_cost=args.max_cost,
        max_latency=args.max_latency,
        min_quality=args.min_quality,
        budgets=budgets,
    )
    plotted = plan.plot(args.plot) if args.plot else None
    if args.json:
        data = {
            "query": plan.query,
            "profile": plan.profile.name,
            "budget": plan.budget,
            "quality": plan.quality,
            "cost": plan.cost,
            "latency": plan.latency,
            "objective": plan.objective,
            "frontier": [p.model_dump() for p in plan.frontier],
            "plot": str(plotted) if plotted else None,
            "notes": plan.notes,
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK
    print(
        f"chosen: {plan.profile.name} at {plan.budget} tokens — quality {plan.quality:.3f}, "
        f"${plan.cost:.5f}, {plan.latency:.2f} s\n"
    )
    print(plan.table())
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if plotted:
        print(f"\nfrontier plot: {plotted}", file=sys.stderr)
    return EXIT_OK


def _pack(args: argparse.Namespace, index: Index) -> int:
    packed = index.pack(
        args.query,
        budget=args.budget,
        format=args.format,
        spec=args.spec,
        copies=args.keep_copies,
    )
    if args.json:
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


def _explain(args: argparse.Namespace, index: Index) -> int:
    packed = index.pack(args.query, budget=args.budget, spec=args.spec, copies=args.keep_copies)
    report = packed.report
    if args.json:
        data = {
            "query": packed.query,
            "budget": packed.budget,
            "tokens": packed.tokens,
            "items": len(packed.items),
            **report.model_dump(),
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK
    counts = {d: sum(e.decision == d for e in report.entries) for d in ("included", "trimmed")}
    print(
        f"{len(packed.items)} items in {packed.tokens}/{packed.budget} tokens: "
        f"{counts['included']} full, {counts['trimmed']} trimmed, {len(report.dropped)} "
        f"dropped of {report.considered} candidates ({report.overhead_tokens} tokens of "
        "headers and separators)\n"
    )
    print(report.table(limit=args.limit or None))
    return EXIT_OK


def _search(args: argparse.Namespace, index: Index) -> int:
    for hit in index.search(args.query, k=args.k, copies=args.keep_copies):
        s = hit.slice
        if args.json:
            row = {
                "rank": hit.rank,
                "id": s.id,
                "cite": s.citation,
                "kind": s.kind,
                "path": s.path,
                "start_line": s.start_line,
                "end_line": s.end_line,
                "name": s.name,
                "score": hit.score,
                "scores": hit.scores,
            }
            print(json.dumps(row))
        else:
            print(f"{hit.rank:>3} {hit.score:7.3f}  {s.citation}  {s.name}")
    return EXIT_OK


def _index(args: argparse.Namespace, index: Index) -> int:
    kinds: dict[str, int] = {}
    for s in index.slices:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    summary = {
        "root": str(index.root),
        "slices": len(index.slices),
        "by_kind": dict(sorted(kinds.items())),
        "files": len({s.path for s in index.slices if s.path}),
        "skipped": [sk.model_dump() for sk in index.skipped],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['slices']} slices from {summary['files']} files {summary['by_kind']}")
        for sk in index.skipped:
            print(f"skipped {sk.path}: {sk.reason} ({sk.detail})")
    return EXIT_OK
