"""A conformance kit for plug-ins: run it in your own tests.

>>> from context_kit.retrievers import BM25Retriever
>>> from context_kit.testing import check_retriever
>>> check_retriever(BM25Retriever)

``check_retriever`` raises ``AssertionError`` naming the first rule a retriever breaks.
Hypothesis strategies for slices and corpora live in :mod:`context_kit.testing.strategies`
(they need the ``hypothesis`` package).
"""

from __future__ import annotations

from .conformance import check_retriever, check_tokenizer, sample_corpus

__all__ = ["check_retriever", "check_tokenizer", "sample_corpus"]
