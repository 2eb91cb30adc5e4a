"""Code-aware term extraction shared by the lexical retrievers.

``parseHTTPResponse_v2`` yields the whole identifier *and* its parts
(``parsehttpresponse_v2``, ``parse``, ``http``, ``response``, ``v2``), so a query that says
"parse the HTTP response" and one that quotes the identifier both match.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["STOPWORDS", "identifier_parts", "path_terms", "term_counts", "terms"]

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
        out.extend(_kept_parts(word, drop_stopwords))
    return out


def term_counts(text: str, *, drop_stopwords: bool = True) -> dict[str, int]:
    """How often each index term occurs in ``text`` (same terms as :func:`terms`).

    Counts words first and expands each distinct word once: a slice repeats its identifiers
    many times, so this does a fraction of the work of expanding every occurrence.
    """
    words: dict[str, int] = {}
    for word in _WORD.findall(text):
        words[word] = words.get(word, 0) + 1
    out: dict[str, int] = {}
    for word, n in words.items():
        for part in _kept_parts(word, drop_stopwords):
            out[part] = out.get(part, 0) + n
    return out


@lru_cache(maxsize=200_000)
def _kept_parts(word: str, drop_stopwords: bool) -> tuple[str, ...]:
    return tuple(
        p
        for p in identifier_parts(word)
        if (len(p) >= _MIN_PART or p.isdigit()) and not (drop_stopwords and p in STOPWORDS)
    )


def path_terms(path: str) -> list[str]:
    """Terms of a file path: folders, file stem and extension, identifier-split."""
    return terms(re.sub(r"[/\\.\-]", " ", path), drop_stopwords=False)
