"""Code-aware term extraction shared by the lexical retrievers.

``parseHTTPResponse_v2`` yields the whole identifier *and* its parts
(``parsehttpresponse_v2``, ``parse``, ``http``, ``response``, ``v2``), so a query that says
"parse the HTTP response" and one that quotes the identifier both match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain
from sys import intern

__all__ = [
    "STOPWORDS",
    "alternate_terms",
    "expand_words",
    "identifier_parts",
    "light_stem",
    "name_tail",
    "path_terms",
    "path_words",
    "shared_lower",
    "terms",
    "word_runs",
]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_DIGITS = "0123456789"
# Every ASCII byte that is not a word character becomes a space (bytes 128-255 never occur
# in ASCII text).
_RUN_TABLE = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256)
)
_PATH_SEPARATORS = re.compile(r"[/\\.\-]")
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


def shared_lower(word: str) -> str:
    """``word.lower()``, or ``word`` itself when it is lower-case already.

    ``str.lower`` always makes a new string. Name tables keyed by lower-cased names keep
    ~10^5 keys on a large tree, most of them spelt in lower case already: this keys them
    by the slices' own strings rather than by copies.
    """
    low = word.lower()
    return word if low == word else low


def name_tail(name: str) -> str:
    """The last two parts of a dotted name (``a.b.Class.method`` -> ``Class.method``).

    What a qualified mention is matched by, in the fuzzy retriever and the section-code
    links alike: an issue writes ``Class.method`` however deep the class is nested or
    namespaced. A name with one dot or none is its own tail.
    """
    return ".".join(name.rsplit(".", 2)[-2:])


def identifier_parts(word: str) -> tuple[str, ...]:
    """The lower-cased identifier followed by its snake_case and camelCase parts."""
    whole = word.lower()
    parts: list[str] = [whole]
    for piece in word.split("_"):
        if not piece:
            continue
        low = piece.lower()
        if low != whole and len(piece) >= _MIN_PART:
            parts.append(low)
        if piece.isalpha() and (piece.islower() or piece.isupper() or piece.istitle()):
            continue  # no case change inside: one camelCase part, the piece itself
        sub = _CAMEL.findall(piece)
        if len(sub) > 1:
            parts.extend(s.lower() for s in sub if len(s) >= _MIN_PART)
    # Keep order (deterministic) but drop repeats of the whole word.
    return tuple(dict.fromkeys(parts))


_VOWELS = frozenset("aeiouy")
# Plural "s" is not stripped after these: "class", "status", "axis", "alias", "kudos".
_KEEP_S = ("ss", "us", "is", "as", "os")
# "es" is a plural ending (not "e" + "s") after these: "matches", "boxes", "aliases".
_ES_AFTER = ("ches", "shes", "xes", "zes", "ses")
# Doubled final consonants that undoubling would wrongly shorten: "install", "pass", "buzz".
_KEEP_DOUBLE = frozenset("lsz")
# The last letters a stemmed suffix can end with: -s/-es/-ies, -ied/-ed, -ing, -e.
_STEM_LAST = frozenset("sdge")


def light_stem(word: str) -> str:
    """A conservative English suffix stripper, so "parsing", "parsed" and "parses" meet "parse".

    Only the inflections that make a query and the code disagree most often are folded:
    plurals (``-s``, ``-es``, ``-ies``), ``-ing`` and ``-ed`` (with a doubled final
    consonant undone: "mapped" -> "map"), then a final ``-e``, so the verb and its forms
    share one stem. Words of three letters or fewer and anything with a digit or an
    underscore are left alone. Derivational suffixes ("-er", "-ion", "-ize") are kept on
    purpose: "parser" and "parse" name different things in code.

    >>> [light_stem(w) for w in ["parsing", "parsed", "parses", "parse", "parser"]]
    ['pars', 'pars', 'pars', 'pars', 'parser']
    >>> [light_stem(w) for w in ["entries", "matches", "mapped", "class", "alias"]]
    ['entry', 'match', 'map', 'class', 'alias']
    >>> [light_stem(w) for w in ["code", "codes", "coding", "coded"]]
    ['cod', 'cod', 'cod', 'cod']
    """
    w = word
    # Every rule below ends in one of these letters: most words (87% of a large fit's
    # distinct parts keep their form) leave here, before any suffix test.
    if len(w) <= 3 or w[-1] not in _STEM_LAST or not w.isalpha():
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(_ES_AFTER):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and len(stem) >= 3 and _VOWELS.intersection(stem):
            w = stem
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in _KEEP_DOUBLE:
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


# Code abbreviates what prose spells out ("cache_dir" against "the cache directory"). Each
# pair is two stems (as light_stem leaves them) naming one thing in code; a query term
# that is one of them is also looked for as the other (see alternate_terms). Abbreviations
# that mean two things ("temp": temporary or temperature, "res": result or resource) are
# not listed, nor a language's type and keyword names ("str", "int", "fn", "err"): code
# holds them everywhere, so a query saying "string" or "function" would gain nothing but
# noise from them.
_ABBREVIATIONS: dict[str, str] = {
    "directory": "dir",
    "configuration": "config",
    "configur": "config",
    "conf": "config",
    "cfg": "config",
    "initializ": "init",
    "initialis": "init",
    "initialization": "init",
    "initialisation": "init",
    "databas": "db",
    "messag": "msg",
    "req": "request",
    "resp": "respons",
    "attribut": "attr",
    "environment": "env",
    "ctx": "context",
    "temporary": "tmp",
    "pkg": "packag",
    "lib": "library",
    "repo": "repository",
    "src": "sourc",
    "dst": "destination",
    "dest": "destination",
    "idx": "index",
    "prev": "previous",
    "curr": "current",
    "ref": "referenc",
    "impl": "implementation",
    "info": "information",
    "utility": "util",
    "elem": "element",
    "expr": "expression",
    "addr": "address",
    "cmd": "command",
    "conn": "connection",
    "stmt": "statement",
    "seq": "sequenc",
    "img": "imag",
    "alloc": "allocat",
    "allocation": "allocat",
    "exc": "exception",
    "buf": "buffer",
    "arg": "argument",
    "param": "parameter",
    "prop": "property",
    "opt": "option",
    "tok": "token",
    "lang": "languag",
    "decl": "declaration",
    "fmt": "format",
    "ptr": "pointer",
    "mgr": "manager",
    "sep": "separator",
    "delim": "delimiter",
    "doc": "document",
    "documentation": "document",
    "perm": "permission",
}

_ALTERNATES: dict[str, tuple[str, ...]] = {}
for _long, _short in _ABBREVIATIONS.items():
    _ALTERNATES[_long] = (*_ALTERNATES.get(_long, ()), _short)
    _ALTERNATES[_short] = (*_ALTERNATES.get(_short, ()), _long)


def alternate_terms(term: str) -> tuple[str, ...]:
    """The other spellings code uses for a stemmed term (``dir`` for ``directory``), if any.

    >>> alternate_terms("directory"), alternate_terms("config"), alternate_terms("parse")
    (('dir',), ('configuration', 'configur', 'conf', 'cfg'), ())
    """
    return _ALTERNATES.get(term, ())


def terms(text: str, *, drop_stopwords: bool = True, stem: bool = False) -> list[str]:
    """All index terms of ``text`` in order (identifiers expanded into their parts).

    With ``stem``, every term goes through :func:`light_stem`.
    """
    return list(expand_words(_WORD.findall(text), drop_stopwords=drop_stopwords, stem=stem))


def word_runs(text: str) -> list[str]:
    """The runs of word characters (``[A-Za-z0-9_]``) in ``text``, in order.

    These are the words of :func:`terms`, except that a run starting with digits stays
    whole (``0x1f`` rather than ``0`` and ``x1f``); the parts caches behind
    :func:`expand_words` split such a run the same way, so the terms of the runs equal the
    terms of the words. An ASCII text is split by one ``bytes.translate`` and one
    ``str.split``, both in C: about three times faster than the word pattern, and a fit
    splits every slice's text.

    >>> word_runs("x = 0x1f + parse_v2(a.b)")
    ['x', '0x1f', 'parse_v2', 'a', 'b']
    """
    if text.isascii():
        return text.encode("ascii").translate(_RUN_TABLE).decode("ascii").split()
    return _WORD.findall(text)


def expand_words(words: Iterable[str], *, drop_stopwords: bool, stem: bool) -> Iterator[str]:
    """The index terms of ``words``, in order (each word's kept parts, see :func:`terms`).

    Every word goes through C (the cache's lookup, ``chain``); a miss of the cache is
    the only Python call left per word, which is what makes a fit of a large tree fast.
    """
    return chain.from_iterable(map(_PARTS[drop_stopwords, stem].__getitem__, words))


class _PartsCache(dict[str, tuple[str, ...]]):
    """Word -> its kept terms, computed on first lookup; emptied when it reaches its bound.

    A plain dict rather than ``lru_cache``: looked up through ``map`` it costs no Python
    call on a hit, and a large repository's distinct words overflow any fixed bound, so
    starting over now and then costs less than ordering every hit. It is the only cache
    on the way: :func:`identifier_parts` and :func:`light_stem` behind it run once per
    distinct word anyway, and caches of their own held a second copy of a fit's words
    (~30 MB per fitting worker on a 65 MB tree).
    """

    def __init__(self, drop_stopwords: bool, stem: bool) -> None:
        super().__init__()
        self.drop_stopwords = drop_stopwords
        self.stem = stem

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= _MAX_CACHED_WORDS:
            self.clear()
        rest = word.lstrip(_DIGITS) if word[0] in _DIGITS else word
        if rest and len(rest) < len(word):
            # A run of word_runs such as "0x1f": the word pattern reads it as "0" then
            # "x1f", so its terms are theirs, in that order.
            kept = self[word[: len(word) - len(rest)]] + self[rest]
        else:
            # Interned: a part ("pars", "http") recurs in thousands of distinct words, and
            # each split or stem makes a new string, which the cache would otherwise keep
            # once per word (a fitting worker's cache on a 57 MB tree: 28 -> 17 MB of values).
            kept = tuple(map(intern, _kept_parts(word, self.drop_stopwords, self.stem)))
        self[word] = kept
        return kept


# Each fitting worker of a 57 MB tree meets ~150k distinct words, most of them in one chunk
# only; at this bound a worker empties its cache about once, which measured the same CPU
# (4 alternating runs each: 2.95-3.77 s at 400k, 3.02-3.90 s here) for 15-20 MB less at
# the build's peak. The words worth caching (the common ones) refill it at once.
_MAX_CACHED_WORDS = 120_000

_PARTS = {(d, s): _PartsCache(d, s) for d in (False, True) for s in (False, True)}


def _kept_parts(word: str, drop_stopwords: bool, stem: bool) -> tuple[str, ...]:
    if word.isalpha() and (word.islower() or word.isupper() or word.istitle()):
        # Most words: one part, the word itself (no underscore, digit or case change to
        # split at), so the splitting below would find nothing.
        # A lower-case word is its own term: the cache's value then shares the key's
        # string instead of holding a copy (a large tree has ~10^5 distinct words).
        whole = word if word.islower() else word.lower()
        if len(whole) < _MIN_PART or (drop_stopwords and whole in STOPWORDS):
            return ()
        return (light_stem(whole),) if stem else (whole,)
    kept = (
        p
        for p in identifier_parts(word)
        if (len(p) >= _MIN_PART or p.isdigit()) and not (drop_stopwords and p in STOPWORDS)
    )
    if not stem:
        return tuple(kept)
    # Stemming can fold the whole word and a part together ("Codes" -> "code", "codes").
    return tuple(dict.fromkeys(light_stem(p) for p in kept))


def path_words(path: str) -> list[str]:
    """The words of a file path: folders, file stem and extension."""
    return _WORD.findall(_PATH_SEPARATORS.sub(" ", path))


def path_terms(path: str, *, stem: bool = False) -> list[str]:
    """Terms of a file path: folders, file stem and extension, identifier-split."""
    return list(expand_words(path_words(path), drop_stopwords=False, stem=stem))
