import json
import subprocess
import sys
from pathlib import Path

import pytest

import context_kit
from context_kit import BudgetError, OptionError, RepositoryError, TokenizerError
from context_kit.cli import main


def test_missing_repository(tmp_path: Path):
    with pytest.raises(RepositoryError) as err:
        context_kit.pack(tmp_path / "nope", "q")
    assert "does not exist" in str(err.value)
    assert err.value.path.endswith("nope")


def test_file_instead_of_directory(tmp_path: Path):
    f = tmp_path / "f.py"
    f.write_text("x = 1\n")
    with pytest.raises(RepositoryError, match="is a file"):
        context_kit.Index.build(f)


@pytest.mark.parametrize("budget", [0, -5, 1.5, "100", True, None])
def test_bad_budgets(sample_repo: Path, budget):
    with pytest.raises(BudgetError, match="positive integer"):
        context_kit.pack(sample_repo, "q", budget=budget)
    index = context_kit.Index.build(sample_repo)
    with pytest.raises(BudgetError):
        index.pack("q", budget=budget)


def test_unknown_tokenizer_and_option(sample_repo: Path):
    with pytest.raises(TokenizerError):
        context_kit.pack(sample_repo, "q", tokenizer="gpt-99")
    with pytest.raises(OptionError, match="unknown option"):
        context_kit.pack(sample_repo, "q", colour="blue")
    with pytest.raises(OptionError, match="unknown format"):
        context_kit.pack(sample_repo, "q", format="yaml")


def test_errors_share_one_base():
    for exc in (BudgetError, OptionError, RepositoryError, TokenizerError):
        assert issubclass(exc, context_kit.ContextKitError)


def test_empty_repository_gives_an_empty_pack(tmp_path: Path):
    packed = context_kit.pack(tmp_path, "anything", budget=100)
    assert packed.text == "" and packed.tokens == 0 and packed.items == []


def test_cli_pack_prints_the_context(sample_repo: Path, capsys):
    code = main(["pack", str(sample_repo), "--query", "greet", "--budget", "400"])
    out = capsys.readouterr()
    assert code == 0
    assert "pkg/greet.py:" in out.out
    assert "/400 tokens" in out.err


def test_cli_json_result_and_errors(sample_repo: Path, capsys):
    assert main(["pack", str(sample_repo), "-q", "greet", "-b", "300", "--json-result"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tokens"] <= 300 and data["items"]
    assert main(["pack", str(sample_repo / "missing"), "-q", "x"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["pack", str(sample_repo), "-q"]) == 2  # --query without its text


def test_cli_search_and_index(sample_repo: Path, capsys):
    assert main(["search", str(sample_repo), "-q", "greet", "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["rank"] == 1
    assert main(["index", str(sample_repo), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["skipped"][0]["reason"] == "binary"


def test_python_dash_m(sample_repo: Path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "context_kit",
            "pack",
            str(sample_repo),
            "-q",
            "add",
            "-b",
            "200",
            "--format",
            "xml",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("<context>")
