"""The command line: explain, build flags, exit codes, JSON output, help text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git

from context_kit.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main


def test_explain_prints_every_decision(sample_repo: Path, capsys):
    assert main(["explain", str(sample_repo), "-q", "greet", "-b", "60"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("tokens of headers and separators)")
    assert "decision" in out and "dropped" in out
    assert "pkg/greet.py:" in out


def test_explain_json_is_the_report(sample_repo: Path, capsys):
    assert main(["explain", str(sample_repo), "-q", "greet", "-b", "60", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["tokens"] <= data["budget"] == 60
    assert {e["decision"] for e in data["entries"]} <= {"included", "trimmed", "dropped"}
    assert any(e["decision"] == "dropped" and e["reason"] for e in data["entries"])


def test_pack_json_alias_and_an_overview_without_a_query(sample_repo: Path, capsys):
    assert main(["pack", str(sample_repo), "-q", "greet", "-b", "200", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["tokens"] <= 200
    # No query and no spec: an overview, its README first.
    assert main(["pack", str(sample_repo), "-b", "300", "--json"]) == EXIT_OK
    overview = json.loads(capsys.readouterr().out)
    assert overview["tokens"] <= 300 and overview["items"][0]["path"] == "README.md"
    assert main(["search", str(sample_repo), "-k", "3"]) == EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["explain", str(sample_repo), "-b", "300"]) == EXIT_OK


def test_history_and_untracked_flags(sample_repo: Path, capsys):
    (sample_repo / "draft.py").write_text("def drafted():\n    return 1\n")
    assert main(["index", str(sample_repo), "--json"]) == EXIT_OK
    default = json.loads(capsys.readouterr().out)
    assert "commit" not in default["by_kind"]  # history is opt-in
    assert main(["index", str(sample_repo), "--json", "--history"]) == EXIT_OK
    with_history = json.loads(capsys.readouterr().out)
    assert with_history["by_kind"].get("commit") == 1
    assert main(["index", str(sample_repo), "--json", "--no-history"]) == EXIT_OK
    assert "commit" not in json.loads(capsys.readouterr().out)["by_kind"]
    assert main(["search", str(sample_repo), "-q", "drafted", "--json"]) == EXIT_OK
    assert "draft.py" not in capsys.readouterr().out
    args = ["search", str(sample_repo), "-q", "drafted", "--json", "--include-untracked"]
    assert main(args) == EXIT_OK
    assert json.loads(capsys.readouterr().out.splitlines()[0])["path"] == "draft.py"


def test_rev_reads_history_only_up_to_it(sample_repo: Path, capsys):
    (sample_repo / "pkg" / "util.py").write_text("def later():\n    return 2\n")
    git(sample_repo, "commit", "-qam", "a later change")
    assert main(["index", str(sample_repo), "--json", "--history", "--rev", "HEAD~1"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["by_kind"]["commit"] == 1
    assert main(["index", str(sample_repo), "--history", "--rev", "no-such-rev"]) == EXIT_ERROR
    assert "no-such-rev" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--help"], EXIT_OK),
        (["--version"], EXIT_OK),
        ([], EXIT_USAGE),
        (["frobnicate"], EXIT_USAGE),
        (["pack", ".", "-q"], EXIT_USAGE),  # -q needs its text
        (["pack", ".", "-q", "x", "-b", "many"], EXIT_USAGE),
        (["pack", "/no/such/folder", "-q", "x"], EXIT_ERROR),
        (["pack", ".", "-q", "x", "-b", "0"], EXIT_ERROR),
        (["pack", ".", "-q", "x", "--tokenizer", "gpt-99"], EXIT_ERROR),
    ],
)
def test_exit_codes(argv: list[str], code: int, sample_repo: Path, monkeypatch, capsys):
    monkeypatch.chdir(sample_repo)
    assert main(argv) == code
    if code == EXIT_ERROR:
        assert capsys.readouterr().err.startswith("context-kit: error: ")


def test_interrupt_exits_130(sample_repo: Path, monkeypatch, capsys):
    import context_kit.cli as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.Index, "build", interrupted)
    assert main(["index", str(sample_repo)]) == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


def test_help_reads_well(capsys):
    assert main(["--help"]) == EXIT_OK
    top = capsys.readouterr().out
    for word in ("pack", "explain", "search", "index", "mcp", "examples:", "exit codes:"):
        assert word in top
    assert main(["pack", "--help"]) == EXIT_OK
    sub = capsys.readouterr().out
    assert "--no-history" in sub and "--include-untracked" in sub and "(default: 8000)" in sub


def test_piped_cli_draws_no_progress(sample_repo: Path):
    # stderr is a pipe here, so only the one-line summary may appear on it.
    out = subprocess.run(
        [sys.executable, "-m", "context_kit", "pack", str(sample_repo), "-q", "add", "-b", "99"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    assert out.stderr.startswith("context-kit: ") and out.stderr.count("\n") == 1
    assert "\r" not in out.stderr and "[#" not in out.stderr


def test_progress_bar_on_a_terminal_is_erased_before_output(sample_repo: Path, monkeypatch, capsys):
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["index", str(sample_repo), "--history"]) == EXIT_OK
    drawn = tty.getvalue()
    assert "parse    [" in drawn and "fit      [" in drawn
    assert drawn.endswith("\r\x1b[K")  # erased: the summary on stdout starts on a clean line
    assert capsys.readouterr().out.startswith("14 slices from 3 files")
    quiet = Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["--no-progress", "index", str(sample_repo)]) == EXIT_OK
    assert quiet.getvalue() == ""


def test_mcp_with_a_missing_folder_fails_before_serving(tmp_path: Path, capsys):
    assert main(["mcp", str(tmp_path / "nope")]) == EXIT_ERROR
    assert "does not exist" in capsys.readouterr().err


def test_optimise_prints_the_frontier_and_json(sample_repo: Path, capsys):
    args = ["optimise", str(sample_repo), "-q", "greet", "-p", "gpt-4o-mini"]
    assert main([*args, "--budgets", "100,300,900"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("chosen: gpt-4o-mini at ") and "quality" in out
    assert main([*args, "--budgets", "100,300,900", "--json"]) == EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    assert plan["profile"] == "gpt-4o-mini" and plan["budget"] in (100, 300, 900)
    assert plan["frontier"] and all(p["budget"] in (100, 300, 900) for p in plan["frontier"])
    assert main([*args, "--budgets", "100,lots"]) == EXIT_ERROR
    assert main([*args, "-p", "no-such-model"]) == EXIT_ERROR


def test_optimise_plot_without_the_plot_extra_says_how_to_install(
    sample_repo: Path, tmp_path: Path, monkeypatch, capsys
):
    import context_kit.cli as cli

    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None)
    argv = ["optimise", str(sample_repo), "-q", "greet", "--plot", str(tmp_path / "f.png")]
    assert main(argv) == EXIT_ERROR
    assert "pip install 'context_kit[plot]'" in capsys.readouterr().err


def test_optimise_plot_writes_a_png(sample_repo: Path, tmp_path: Path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "frontier.png"
    argv = ["optimise", str(sample_repo), "-q", "greet", "--budgets", "100,300", "--plot", str(png)]
    assert main(argv) == EXIT_OK
    assert png.read_bytes().startswith(b"\x89PNG")
    assert str(png) in capsys.readouterr().err


def test_workers_and_no_cache_flags(sample_repo: Path, capsys):
    argv = ["index", str(sample_repo), "--json", "--history", "--workers", "1", "--no-cache"]
    assert main(argv) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["slices"] == 14
