"""Code-aware term extraction shared by the lexical retrievers.

``parseHTTPResponse_v2`` yields the whole identifier *and* its parts
(``parsehttpresponse_v2``, ``parse``, ``http``, ``response``, ``v2``), so a query that says
"parse the HTTP response" and one that quotes the identifier both match.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["STOPWORDS", "identifier_parts", "path_terms", "terms"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "also",
        "get",
        "got",
        "like",
        "use",
        "used",
        "using",
        "want",
        "would",
        "i'm",
        "it's",
        "don't",
        "doesn't",
        "can't",
        "e",
        "g",
        "eg",
        "ie",
        "etc",
    ]
)
"""English words too common to carry meaning in a query or a docstring."""

# Parts shorter than this ("a", "x") match almost everything and rank nothing.
_MIN_PART = 2


@lru_cache(maxsize=200_000)
def identifier_parts(word: str) -> tuple[str, ...]:
    """The lower-cased identifier followed by its snake_case and camelCase parts."""
    whole = word.lower()
    parts: list[str] = [whole]
    for piece in word.split("_"):
        if not piece:
            continue
        if piece.lower() != whole and len(piece) >= _MIN_PART:
            parts.append(piece.lower())
        sub = _CAMEL.findall(piece)
        if len(sub) > 1:
            parts.extend(s.lower() for s in sub if len(s) >= _MIN_PART)
    # Keep order (deterministic) but drop repeats of the whole word.
    seen: set[str] = set()
    out: list[str] = []
    for p in parts:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return tuple(out)


def terms(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """All index terms of ``text`` in order (identifiers expanded into their parts)."""
    out: list[str] = []
    for word in _WORD.findall(text):
        for part in identifier_parts(word):
            if len(part) < _MIN_PART and not part.isdigit():
                continue
            if drop_stopwords and part in STOPWORDS:
                continue
            out.append(part)
    return out


def path_terms(path: str) -> list[str]:
    """Terms of a file path: folders, file stem and extension, identifier-split."""
    return terms(re.sub(r"[/\\.\-]", " ", path), drop_stopwords=False)
