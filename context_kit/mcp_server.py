"""An MCP tool server: coding agents ask for context over the Model Context Protocol.

``context-kit mcp PATH`` serves these tools over stdio (install with
``pip install 'context_kit[mcp]'``):

- ``pack_context(query, budget, format, spec)`` — the packed context, at most ``budget``
  tokens, every block cited ``path:start-end`` (an empty query: an overview);
- ``search(query, k)`` — the ``k`` best slices with their scores, as JSON;
- ``explain(query, budget, spec, limit)`` — why each candidate was kept, trimmed or dropped;
- ``index_status()`` — what is indexed, what was skipped, how often it was rebuilt.

The index is built once (in the background, as soon as the server starts) and kept warm
between calls; before each call a cheap fingerprint of the work tree is compared and the
index refreshed when files changed (see :mod:`context_kit._warm`). The server writes only
MCP messages to stdout; logs go to stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Iterator
from typing import Any

from ._warm import WarmIndex
from .errors import ContextKitError, OptionError

__all__ = ["MCP_INSTALL_HINT", "build_server", "serve"]

MCP_INSTALL_HINT = "pip install 'context_kit[mcp]' (from a clone: pip install -e '.[mcp]')"
"""The command that installs the optional MCP dependency."""

_SERVER_NAME = "context-kit"
_INSTRUCTIONS = (
    "Repository context for coding tasks. Call pack_context with the task or question and a "
    "token budget to get the most relevant code, docs and commits, cited path:start-end and "
    "never over the budget; with an empty query it returns an overview of the repository "
    "(README, then its most used classes and functions). Use search for a quick ranked "
    "list and explain to see why something was left out."
)


def _server_class() -> Any:
    """The SDK's high-level server class (``MCPServer`` in mcp 2, ``FastMCP`` in mcp 1)."""
    for module, name in (("mcp.server.mcpserver", "MCPServer"), ("mcp.server.fastmcp", "FastMCP")):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):  # noqa: PERF203 (two tries, once per process)
            continue
    raise OptionError(
        f"the MCP server needs the optional 'mcp' package; install it with: {MCP_INSTALL_HINT}",
        name="mcp",
    )


def _tool_error_class() -> type[Exception]:
    """The SDK's "expected failure" exception, whose message the agent gets to read."""
    for module in ("mcp.server.mcpserver.exceptions", "mcp.server.fastmcp.exceptions"):
        try:
            cls = importlib.import_module(module).ToolError
        except (ImportError, AttributeError):
            continue
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
    return RuntimeError


@contextlib.contextmanager
def _agent_errors(tool_error: type[Exception]) -> Iterator[None]:
    """Re-raise a :class:`ContextKitError` as the SDK's tool error.

    The SDK hides the text of unexpected exceptions from the agent; ours say what to do.
    """
    try:
        yield
    except ContextKitError as exc:
        raise tool_error(str(exc)) from exc


def build_server(warm: WarmIndex) -> Any:
    """The MCP server object with context_kit's tools bound to ``warm``.

    Args:
        warm: The warm index every tool call uses.

    Raises:
        OptionError: The ``mcp`` package is not installed (the message says how to).
    """
    server = _server_class()(_SERVER_NAME, instructions=_INSTRUCTIONS)
    tool_error = _tool_error_class()

    def pack_context(
        query: str, budget: int = 8000, format: str = "markdown", spec: str | None = None
    ) -> str:
        """Pack the repository context most relevant to a task into at most `budget` tokens.

        Args:
            query: The task, issue or question, in the user's words; empty for an overview
                of the repository (its README, then the code the rest of it uses most).
            budget: Maximum tokens of the returned text (counted exactly, cl100k_base by
                default).
            format: "markdown", "xml" or "json".
            spec: Optional requirement id (REQ-12) or heading path to pack for.
        """
        with _agent_errors(tool_error):
            return warm.get().pack(query, budget=budget, format=format, spec=spec).text

    def search(query: str, k: int = 20) -> str:
        """The k best-ranked slices (functions, doc sections, commits) for a query, as JSON."""
        with _agent_errors(tool_error):
            hits = warm.get().search(query, k=k)
        return json.dumps(
            [
                {
                    "rank": h.rank,
                    "cite": h.slice.citation,
                    "kind": h.slice.kind,
                    "name": h.slice.name,
                    "score": round(h.score, 6),
                    "scores": h.scores,
                }
                for h in hits
            ],
            indent=1,
        )

    def explain(query: str, budget: int = 8000, spec: str | None = None, limit: int = 40) -> str:
        """Why each candidate slice was kept, trimmed or dropped when packing `query`."""
        with _agent_errors(tool_error):
            packed = warm.get().pack(query, budget=budget, spec=spec)
        return (
            f"{len(packed.items)} items, {packed.tokens}/{packed.budget} tokens\n"
            + packed.report.table(limit=limit)
        )

    def index_status() -> str:
        """What the index holds: slices by kind, files, skipped files, builds and updates."""
        with _agent_errors(tool_error):
            index = warm.get()
        kinds: dict[str, int] = {}
        for s in index.slices:
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        return json.dumps(
            {
                "root": str(index.root),
                "slices": len(index.slices),
                "by_kind": dict(sorted(kinds.items())),
                "files": len({s.path for s in index.slices if s.path}),
                "skipped": len(index.skipped),
                "builds": warm.builds,
                "updates": warm.updates,
            },
            indent=1,
        )

    for tool in (pack_context, search, explain, index_status):
        server.add_tool(tool)
    return server


def serve(repo: str | os.PathLike[str], **build_options: Any) -> None:
    """Serve the tools for ``repo`` over stdio until the client disconnects.

    Args:
        repo: The repository folder.
        **build_options: Any keyword of :meth:`context_kit.Index.build`.

    Raises:
        OptionError: The ``mcp`` package is not installed.
        RepositoryError: ``repo`` is not a folder.
    """
    from .index import _check_repo

    _check_repo(repo)  # fail before the handshake, with a message the user can act on
    warm = WarmIndex(repo, **build_options)
    server = build_server(warm)
    warm.warm_in_background()
    server.run("stdio")
