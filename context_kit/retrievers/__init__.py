"""Retrievers score every slice for a query; fusion combines them into one ranking."""

from __future__ import annotations

from .base import (
    ENTRY_POINT_GROUP,
    CeilingRetriever,
    Corpus,
    Retriever,
    get_retriever,
    register_retriever,
    registered_retrievers,
)
from .bm25 import BM25Retriever, FileBM25Retriever
from .embedding import EmbeddingRetriever
from .fusion import FusionResult, fuse, top_k
from .fuzzy import FuzzyRetriever
from .history import HistoryRetriever
from .priors import Priors

__all__ = [
    "ENTRY_POINT_GROUP",
    "BM25Retriever",
    "CeilingRetriever",
    "Corpus",
    "EmbeddingRetriever",
    "FileBM25Retriever",
    "FusionResult",
    "FuzzyRetriever",
    "HistoryRetriever",
    "Priors",
    "Retriever",
    "fuse",
    "get_retriever",
    "register_retriever",
    "registered_retrievers",
    "top_k",
]

register_retriever("bm25", BM25Retriever)
register_retriever("fuzzy", FuzzyRetriever)
register_retriever("file", FileBM25Retriever)
register_retriever("history", HistoryRetriever)
register_retriever("embedding", EmbeddingRetriever)
