"""Fuzzy symbol and path matching with rapidfuzz.

Queries often *name* the code: an identifier in backticks, ``Class.method``, a dotted
module path, a file name, a stack-trace frame (``File "x/y.py", line 3, in f``). This
retriever pulls those mentions out of the query and matches them against the names slices
define and the paths they live in — exactly first, then fuzzily for near-misses and typos.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ._lcs_bound import CharSignatures
from .base import Corpus, Scores

__all__ = ["FuzzyRetriever", "query_mentions"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# Each alternative may start only where its run of name characters starts (the look-behinds):
# otherwise a long run without a match is rescanned from every character (quadratic: 4 s
# for a 9,000-character word). Matches are the same, since a later start fails alike.
_PATHLIKE = re.compile(
    r"(?<![\w.\-])[\w.\-]+(?:/[\w.\-]+)+|(?<![\w\-])[\w\-]+\.(?:py|pyi|js|ts|tsx|go|rs|java|c|h|cpp|cc|hpp|cs|rb|php|kt|swift|md|rst|toml|cfg|yaml|yml|json)\b"
)
_CAMEL_INNER = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
# An identifier and, captured apart, the "(" right after it. The identifier part matches
# as _IDENT alone would (greedy, and the paren is optional), so one findall gives what a
# finditer plus a look at the next character did, for a fraction of the calls.
_IDENT_CALL = re.compile(f"({_IDENT.pattern})(\\()?")
_TICKED = re.compile(r"`([^`\n]{1,200})`")


def _named_like_code(word: str) -> bool:
    """Whether a word's own spelling says it is code (snake_case, dotted, camelCase, dunder)."""
    return (
        "_" in word.strip("_")
        or "." in word
        or bool(_CAMEL_INNER.search(word))
        or word.startswith("__")
    )


def query_mentions(query: str) -> tuple[list[str], list[str]]:
    """Identifiers and paths the query mentions in a code-like way.

    An identifier counts when its spelling looks like code, when it is called (``f(``)
    or when it appears inside backticks.

    Returns:
        ``(identifiers, paths)``, each de-duplicated in first-seen order.
    """
    ticks: set[str] = set()
    for inner in _TICKED.findall(query):
        ticks.update(_IDENT.findall(inner))
    idents: dict[str, None] = {}
    # Words whose spelling is plain prose: a long issue repeats them many times, and only
    # a call or backticks can still make them count.
    plain: set[str] = set()
    for word, paren in _IDENT_CALL.findall(query):
        if word in idents or len(word) < 3:
            continue
        if paren or word in ticks:
            idents[word] = None
        elif word not in plain:
            if _named_like_code(word):
                idents[word] = None
            else:
                plain.add(word)
    paths: dict[str, None] = {}
    for m in _PATHLIKE.finditer(query):
        paths.setdefault(m.group(0).strip("./"), None)
    return list(idents), list(paths)


class FuzzyRetriever:
    """Scores slices whose names or paths the query mentions.

    Args:
        exact_weight: Score for a slice defining exactly a mentioned name.
        qualified_weight: Score for a slice whose qualified name ends with a mentioned
            dotted name's last two parts (``Class.method``) — the most specific mention.
        path_weight: Score for every slice of a file the query names.
        fuzzy_weight: Multiplier on the similarity (0-1) of near-miss name matches.
        fuzzy_cutoff: Minimum rapidfuzz ratio (0-100) for a near-miss to count.
        max_probes: Most query identifiers matched fuzzily (a long issue quotes dozens;
            the first ones are usually the names it is about).
    """

    name = "fuzzy"

    def __init__(
        self,
        *,
        exact_weight: float = 1.0,
        qualified_weight: float = 1.5,
        path_weight: float = 0.6,
        fuzzy_weight: float = 0.5,
        fuzzy_cutoff: float = 88.0,
        max_probes: int = 16,
    ) -> None:
        self.exact_weight = exact_weight
        self.qualified_weight = qualified_weight
        self.path_weight = path_weight
        self.fuzzy_weight = fuzzy_weight
        self.fuzzy_cutoff = fuzzy_cutoff
        self.max_probes = max_probes

    def fit(self, corpus: Corpus) -> FuzzyRetriever:
        """Index defined names (simple and qualified) and paths."""
        by_name: dict[str, list[int]] = {}
        by_qual: dict[str, list[int]] = {}
        for i, s in enumerate(corpus.slices):
            for d in s.defines:
                if "." in d:
                    by_qual.setdefault(d.lower(), []).append(i)
                else:
                    by_name.setdefault(d.lower(), []).append(i)
        self.by_name_ = by_name
        self.by_qual_ = by_qual
        self.names_ = sorted(by_name)
        self.names_by_len_ = sorted(self.names_, key=lambda x: (len(x), x))
        self.name_lengths_ = [len(x) for x in self.names_by_len_]
        self.file_rows_ = corpus.file_rows
        self.paths_ = sorted(self.file_rows_)
        self._index_paths()
        self.n_ = len(corpus)
        return self

    def _index_paths(self) -> None:
        # Every "/"-suffix of each path (and of its extension-less stem), so a mention such
        # as "models.py", "requests/models.py" or the module path "requests.models" is one
        # dictionary lookup instead of a scan over all files.
        paths: dict[str, list[str]] = {}
        stems: dict[str, list[str]] = {}
        for p in self.paths_:
            low = p.lower()
            stem = low.rsplit(".", 1)[0] if "." in low.rsplit("/", 1)[-1] else low
            parts, stem_parts = low.split("/"), stem.split("/")
            for k in range(len(parts)):
                paths.setdefault("/".join(parts[k:]), []).append(p)
                suffix = "/".join(stem_parts[k:])
                stems.setdefault(suffix, []).append(p)
                if k == 0 or suffix != "/".join(parts[k:]):
                    paths.setdefault(suffix, []).append(p)
        self.path_suffixes_ = {k: sorted(set(v)) for k, v in paths.items()}
        self.stem_suffixes_ = {k: sorted(set(v)) for k, v in stems.items()}

    def refit(self, corpus: Corpus, previous_rows: npt.NDArray[np.int64]) -> FuzzyRetriever:
        """Refit after the corpus changed, renumbering unchanged rows instead of re-reading them.

        Gives the same state as ``fit(corpus)``.

        Args:
            corpus: The new corpus.
            previous_rows: For each row of ``corpus``, that slice's row in the corpus of
                the previous fit, or ``-1`` when the slice is new.
        """
        if not hasattr(self, "n_"):
            return self.fit(corpus)
        prev = np.asarray(previous_rows, dtype=np.int64)
        kept = prev >= 0
        new_of_old = np.full(self.n_, -1, dtype=np.int64)
        new_of_old[prev[kept]] = np.flatnonzero(kept)

        def moved(table: dict[str, list[int]]) -> dict[str, list[int]]:
            # One vectorised gather over every posting, then cheap list slices per key:
            # a per-row Python loop costs seconds on a large repository.
            lens = [len(rows) for rows in table.values()]
            flat = np.fromiter(
                itertools.chain.from_iterable(table.values()), dtype=np.int64, count=sum(lens)
            )
            renumbered: list[int] = new_of_old[flat].tolist()
            out: dict[str, list[int]] = {}
            pos = 0
            for key, n in zip(table, lens, strict=True):
                rows = renumbered[pos : pos + n]
                pos += n
                if -1 in rows:
                    rows = [r for r in rows if r >= 0]
                if rows:
                    # Sorted like a fresh fit's (already so when the corpus is path-ordered).
                    rows.sort()
                    out[key] = rows
            return out

        by_name, by_qual = moved(self.by_name_), moved(self.by_qual_)
        added_by_path: dict[str, list[int]] = {}
        touched: set[tuple[int, str]] = set()
        for i in np.flatnonzero(~kept).tolist():
            s = corpus.slices[i]
            for d in s.defines:
                table, which = (by_qual, 1) if "." in d else (by_name, 0)
                table.setdefault(d.lower(), []).append(i)
                touched.add((which, d.lower()))
            if s.path:
                added_by_path.setdefault(s.path, []).append(i)
        for which, key in touched:
            (by_qual if which else by_name)[key].sort()
        file_rows: dict[str, npt.NDArray[np.int64]] = {}
        for path, rows in self.file_rows_.items():
            moved_rows = new_of_old[rows]
            moved_rows = np.sort(moved_rows[moved_rows >= 0])
            if moved_rows.size:
                file_rows[path] = moved_rows
        for path, extra in added_by_path.items():
            rows_arr = np.asarray(extra, dtype=np.int64)
            if path in file_rows:
                rows_arr = np.sort(np.concatenate([file_rows[path], rows_arr]))
            file_rows[path] = rows_arr
        self.by_name_ = by_name
        self.by_qual_ = by_qual
        self.names_ = sorted(by_name)
        self.names_by_len_ = sorted(self.names_, key=lambda x: (len(x), x))
        self.name_lengths_ = [len(x) for x in self.names_by_len_]
        self.file_rows_ = {p: file_rows[p] for p in sorted(file_rows)}
        self.paths_ = sorted(file_rows)
        self._index_paths()
        self.n_ = len(corpus)
        return self

    def score(self, query: str) -> Scores:
        """Score rows by how directly the query names them."""
        scores = np.zeros(self.n_, dtype=np.float32)
        idents, paths = query_mentions(query)
        fuzzy_probe: list[str] = []
        for ident in idents:
            low = ident.lower()
            parts = low.split(".")
            if len(parts) >= 2:
                qual = ".".join(parts[-2:])
                _raise_to(scores, self.by_qual_.get(qual, ()), self.qualified_weight)
                # A dotted module path may name a file: a.b.c -> a/b/c.py
                self._score_path("/".join(parts), scores, suffix_only=True)
            hit = self.by_name_.get(parts[-1])
            if hit:
                _raise_to(scores, hit, self.exact_weight)
            elif len(parts[-1]) >= 4:
                fuzzy_probe.append(parts[-1])
        for p in paths:
            self._score_path(p, scores, suffix_only=False)
        # A repeated probe still uses up one of the max_probes (the cap counts mentions),
        # but its near names are already scored: every update here is a maximum.
        done: set[str] = set()
        for probe in fuzzy_probe[: self.max_probes]:
            if probe in done:
                continue
            done.add(probe)
            for name, sim in self._near_names(probe):
                _raise_to(scores, self.by_name_[name], self.fuzzy_weight * sim)
        return scores

    def _signatures(self) -> CharSignatures:
        """LCS-bound signatures of ``names_by_len_``, built on first use after a (re)fit."""
        sig: CharSignatures | None = self.__dict__.get("_name_signatures")
        if sig is None or sig.strings is not self.names_by_len_:
            sig = CharSignatures(self.names_by_len_)
            self._name_signatures = sig
        return sig

    def _near_names(self, probe: str) -> list[tuple[str, float]]:
        """Names within ``fuzzy_cutoff`` of ``probe``, with similarity in [0, 1].

        rapidfuzz's ratio is ``200 * LCS / (len(a) + len(b))``, so a pair can only reach
        the cutoff ``c`` when the shorter length is at least ``c / (200 - c)`` of the
        longer: only names in that length band are considered, and of those only the
        ones a character-count bound on the LCS (see ``_lcs_bound``) does not rule out
        are compared.
        """
        if not self.names_by_len_:
            return []
        band = self.fuzzy_cutoff / (200.0 - self.fuzzy_cutoff)
        n = len(probe)
        lo = bisect_left(self.name_lengths_, math.ceil(n * band))
        hi = bisect_right(self.name_lengths_, math.floor(n / band) if band > 0 else 1 << 30)
        if lo >= hi:
            return []
        rows = self._signatures().may_reach(probe, lo, hi, self.fuzzy_cutoff)
        if not rows.size:
            return []
        found = process.extract(
            probe,
            [self.names_by_len_[i] for i in rows.tolist()],
            scorer=fuzz.ratio,
            score_cutoff=self.fuzzy_cutoff,
            limit=None,
        )
        return sorted((name, float(score) / 100.0) for name, score, _ in found)

    def _score_path(self, mention: str, scores: Scores, *, suffix_only: bool) -> None:
        index = self.stem_suffixes_ if suffix_only else self.path_suffixes_
        for p in index.get(mention.lower(), ()):
            rows = self.file_rows_[p]
            scores[rows] = np.maximum(scores[rows], self.path_weight)


def _raise_to(scores: Scores, rows: Sequence[int], value: float) -> None:
    """``scores[i] = max(scores[i], value)`` for every row ``i``, in one vectorised step."""
    if rows:
        idx = np.asarray(rows, dtype=np.int64)
        scores[idx] = np.maximum(scores[idx], np.float32(value))
