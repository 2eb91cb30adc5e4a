"""Checks every retriever and tokenizer plug-in must pass."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from ..retrievers.base import Corpus, Retriever
from ..tokens import Tokenizer
from ..types import Slice

__all__ = ["check_retriever", "check_tokenizer", "sample_corpus"]

_QUERIES = (
    "parse the configuration file",
    "TypeError in Greeter.greet when name is None",
    "",
    "😀 日本語 <|endoftext|> ```",
    "x" * 5000,
)


def sample_corpus() -> Corpus:
    """A small corpus of code, doc and commit slices for plug-in tests."""
    texts = [
        (
            "code",
            "pkg/config.py",
            "def parse_config(path):\n    return load(path)\n",
            "parse_config",
        ),
        (
            "code",
            "pkg/greet.py",
            "class Greeter:\n    def greet(self, name):\n        pass\n",
            "Greeter.greet",
        ),
        (
            "doc",
            "docs/guide.md",
            "# Configuration\n\nThe configuration file is TOML.\n",
            "Configuration",
        ),
        ("code", "pkg/empty.py", "\n", "<module>"),
    ]
    slices = [
        Slice(
            id=f"{kind}:{path}:1-{text.count(chr(10))}",
            kind=kind,  # type: ignore[arg-type]
            path=path,
            start_line=1,
            end_line=max(1, text.count("\n")),
            name=name,
            text=text,
            defines=(name, name.rsplit(".", 1)[-1]),
        )
        for kind, path, text, name in texts
    ]
    slices.append(
        Slice(
            id="commit:abc",
            kind="commit",
            name="Fix config parsing",
            commit="a" * 40,
            text="Fix config parsing\n\ndiff --git a/pkg/config.py b/pkg/config.py\n",
        )
    )
    return Corpus(slices)


def check_retriever(factory: Callable[[], Retriever]) -> None:
    """Assert that a retriever follows the plug-in rules.

    Rules: it has a ``name``; ``__init__`` stores its keyword parameters as attributes
    (scikit-learn style) and does no fitting; ``fit`` returns ``self``; ``score`` returns a
    float32 array with one finite, non-negative score per corpus row, for any query
    (empty, huge, odd characters); scoring is deterministic; an empty corpus works.

    Args:
        factory: Builds a fresh, unfitted retriever (a class or a ``lambda``).

    Raises:
        AssertionError: Naming the rule that was broken.
    """
    r = factory()
    assert isinstance(getattr(r, "name", None), str) and r.name, "retriever needs a str name"
    assert isinstance(r, Retriever), "retriever must have name, fit(corpus) and score(query)"
    init = inspect.signature(type(r).__init__)
    for p in init.parameters.values():
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            assert hasattr(r, p.name), f"__init__ must store keyword parameter {p.name!r}"
    fitted_before = [k for k in vars(r) if k.endswith("_") and not k.startswith("_")]
    assert not fitted_before, f"__init__ must not fit (found {fitted_before})"
    corpus = sample_corpus()
    assert r.fit(corpus) is r, "fit(corpus) must return self"
    for q in _QUERIES:
        s = r.score(q)
        assert isinstance(s, np.ndarray), "score must return a numpy array"
        assert s.dtype == np.float32, f"score must be float32, got {s.dtype}"
        assert s.shape == (len(corpus),), f"score shape {s.shape} != ({len(corpus)},)"
        assert np.all(np.isfinite(s)), "scores must be finite"
        assert np.all(s >= 0), "scores must be non-negative"
        assert np.array_equal(s, r.score(q)), "score must be deterministic"
    empty = factory().fit(Corpus([]))
    assert empty.score("anything").shape == (0,), "an empty corpus must give an empty array"


def check_tokenizer(tokenizer: Tokenizer) -> None:
    """Assert that a tokenizer is exact, deterministic and treats special tokens as text.

    Raises:
        AssertionError: Naming the rule that was broken.
    """
    assert isinstance(tokenizer, Tokenizer), "needs name, encode, count and count_many"
    texts = ["", "hello world", "<|endoftext|>", "😀" * 10, "a" * 3000, "def f():\n\treturn 1\r\n"]
    for t in texts:
        n = tokenizer.count(t)
        assert n == len(tokenizer.encode(t)), f"count != len(encode) for {t[:20]!r}"
        assert n == tokenizer.count(t), "count must be deterministic"
    assert tokenizer.count_many(texts) == [tokenizer.count(t) for t in texts], "count_many"
