"""End to end: the SDK's own MCP client talks to ``python -m context_kit mcp`` over stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from context_kit import get_tokenizer
from context_kit.cli import main

mcp = pytest.importorskip("mcp")
anyio = pytest.importorskip("anyio")

from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402


def _text(result) -> str:
    assert not _is_error(result), result
    return "".join(block.text for block in result.content if getattr(block, "text", None))


def _is_error(result) -> bool:
    return bool(getattr(result, "is_error", getattr(result, "isError", False)))


async def _session_calls(repo: Path, errlog) -> dict[str, object]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "context_kit", "mcp", str(repo)],
        env={
            "CONTEXT_KIT_CACHE_DIR": os.environ["CONTEXT_KIT_CACHE_DIR"],
            "PATH": os.environ.get("PATH", ""),
        },
        cwd=str(repo),
    )
    out: dict[str, object] = {}
    async with (
        stdio_client(params, errlog=errlog) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        out["tools"] = sorted(t.name for t in tools.tools)
        out["pack"] = _text(
            await session.call_tool("pack_context", {"query": "greet the user", "budget": 300})
        )
        out["search"] = json.loads(
            _text(await session.call_tool("search", {"query": "tokenize", "k": 3}))
        )
        out["explain"] = _text(await session.call_tool("explain", {"query": "greet", "budget": 60}))
        out["status1"] = json.loads(_text(await session.call_tool("index_status", {})))
        # The agent edits the repository: the next call must see the new function.
        util = repo / "pkg" / "util.py"
        util.write_text(util.read_text() + "\n\ndef frobnicate_widget(w):\n    return w * 3\n")
        out["search2"] = json.loads(
            _text(await session.call_tool("search", {"query": "frobnicate_widget", "k": 1}))
        )
        out["status2"] = json.loads(_text(await session.call_tool("index_status", {})))
        bad = await session.call_tool("pack_context", {"query": "x", "budget": 0})
        out["bad_is_error"] = _is_error(bad)
        out["bad_text"] = "".join(getattr(b, "text", "") for b in bad.content)
    return out


def test_mcp_client_session_over_stdio(sample_repo: Path, tmp_path: Path):
    with open(tmp_path / "server.log", "w+", encoding="utf-8") as errlog:
        out = anyio.run(_session_calls, sample_repo, errlog)
        errlog.seek(0)
        log = errlog.read()
    assert out["tools"] == ["explain", "index_status", "pack_context", "search"], log
    packed = str(out["pack"])
    assert "pkg/greet.py:" in packed
    assert get_tokenizer("cl100k_base").count(packed) <= 300
    hits = out["search"]
    assert isinstance(hits, list) and hits[0]["cite"].startswith("pkg/util.py:")
    assert "decision" in str(out["explain"]) and "dropped" in str(out["explain"])
    assert out["status1"]["builds"] == 1  # warm: four calls, one build
    assert out["search2"][0]["name"] == "frobnicate_widget"
    assert out["status2"]["builds"] == 1 and out["status2"]["updates"] == 1
    assert out["bad_is_error"] and "positive integer" in str(out["bad_text"])


def test_cli_mcp_without_the_sdk_says_how_to_install(
    sample_repo: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    import context_kit.mcp_server as server

    def missing(name: str):
        raise ImportError(name)

    monkeypatch.setattr(server.importlib, "import_module", missing)
    assert main(["mcp", str(sample_repo)]) == 1
    assert "pip install 'context_kit[mcp]'" in capsys.readouterr().err
