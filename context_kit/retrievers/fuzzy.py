"""Fuzzy symbol and path matching with rapidfuzz.

Queries often *name* the code: an identifier in backticks, ``Class.method``, a dotted
module path, a file name, a stack-trace frame (``File "x/y.py", line 3, in f``). This
retriever pulls those mentions out of the query and matches them against the names slices
define and the paths they live in — exactly first, then fuzzily for near-misses and typos.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ._lcs_bound import CharSignatures
from ._rows import renumber
from ._terms import name_tail
from ._terms import shared_lower as _lower
from .base import Corpus, Scores

__all__ = ["FuzzyRetriever", "query_mentions"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# Each alternative may start only where its run of name characters starts (the look-behinds):
# otherwise a long run without a match is rescanned from every character (quadratic: 4 s
# for a 9,000-character word). Matches are the same, since a later start fails alike.
# A bare file name may hold dots before its extension (``context.blade.php``,
# ``api.test.ts``, ``index.d.ts``): the name is taken whole, not from its last dot.
_EXTENSIONS = (
    "py|pyi|js|jsx|mjs|cjs|ts|tsx|vue|go|rs|java|kt|kts|scala|swift|c|h|cc|cpp|cxx|hh|hpp|hxx"
    "|cs|rb|php|lua|dart|sh|sql|html|css|scss|md|rst|txt|toml|cfg|ini|yaml|yml|json"
)
_PATHLIKE = re.compile(
    r"(?<![\w.\-])[\w.\-]+(?:/[\w.\-]+)+"
    rf"|(?<![\w.\-])[\w\-]+(?:\.[\w\-]+)*\.(?:{_EXTENSIONS})\b"
)
# What any _PATHLIKE match holds: a "/" or an extension after a dot. Most lines of prose
# have neither, and this scan is cheap where _PATHLIKE's look-behinds are not (a first
# query reads every distinct documentation line: FastAPI's and tldr's 205,543 took 1.66 s
# in _PATHLIKE alone, 0.80 s behind this test).
_PATH_HINT = re.compile(rf"\.(?:{_EXTENSIONS})\b")
_CAMEL_INNER = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
# An identifier and, captured apart, the "(" right after it. The identifier part matches
# as _IDENT alone would (greedy, and the paren is optional), so one findall gives what a
# finditer plus a look at the next character did, for a fraction of the calls.
_IDENT_CALL = re.compile(f"({_IDENT.pattern})(\\()?")
_TICKED = re.compile(r"`([^`\n]{1,200})`")
# ``a::b`` between two names; ``Class#method`` after a capitalised name (not ``C#``, not an
# issue number ``#123``, not a colour ``#fff``).
_SCOPE = re.compile(r"(?<=\w)::(?=[A-Za-z_])")
_RUBY_METHOD = re.compile(r"(?<![\w#])([A-Z]\w*)#(?=[a-z_]\w*)")


# A refit renumbers from scratch (a fit) once the document numbers of departed slices
# outnumber the live ones by this many: scoring allocates one float per number.
_SPARE_DOCS = 1024


def _by_length(name: str) -> tuple[int, str]:
    return (len(name), name)


def _filed(name: str) -> tuple[bool, str]:
    """Whether a defined name goes in the qualified table, and its key there.

    A mention is matched by its last two parts (``Class.method``), so a name nested deeper
    (``Outer.Inner.go``, ``fmt.detail.buffer.push_back``) is filed under them too: keyed by
    its whole spelling, ``Inner.go`` never found it. Keys are lower-cased.
    """
    if "." in name:
        return True, _lower(name_tail(name))
    return False, _lower(name)


def _path_keys(path: str) -> tuple[list[str], list[str]]:
    """The keys ``path`` is found under in the path and the stem suffix indexes."""
    low = path.lower()
    stem = low.rsplit(".", 1)[0] if "." in low.rsplit("/", 1)[-1] else low
    parts, stem_parts = low.split("/"), stem.split("/")
    path_keys: list[str] = []
    stem_keys: list[str] = []
    for k in range(len(parts)):
        path_keys.append("/".join(parts[k:]))
        suffix = "/".join(stem_parts[k:])
        stem_keys.append(suffix)
        if k == 0 or suffix != "/".join(parts[k:]):
            path_keys.append(suffix)
    return path_keys, stem_keys


def _named_like_code(word: str) -> bool:
    """Whether a word's own spelling says it is code (snake_case, dotted, camelCase, dunder)."""
    known = _CODE_LIKE.get(word)
    if known is None:
        if len(_CODE_LIKE) >= _CODE_LIKE_MAX:
            _CODE_LIKE.clear()
        known = _CODE_LIKE[word] = (
            "_" in word.strip("_")
            or "." in word
            or bool(_CAMEL_INNER.search(word))
            or word.startswith("__")
        )
    return known


# Each word's verdict: documentation repeats its words (1.6 million words in 205,543 lines
# of FastAPI's and tldr's docs, 96,363 distinct). Cleared when full, as a bound on memory.
_CODE_LIKE: dict[str, bool] = {}
_CODE_LIKE_MAX = 200_000


def query_mentions(query: str) -> tuple[list[str], list[str]]:
    """Identifiers and paths the query mentions in a code-like way.

    An identifier counts when its spelling looks like code, when it is called (``f(``)
    or when it appears inside backticks.

    A scope path names the same thing as a dotted one: ``tokio::time::timeout`` (Rust,
    C++, PHP, Ruby) is read as ``tokio.time.timeout``, and Ruby's and JavaScript's
    documentation spelling ``Relation#find_each`` as ``Relation.find_each``.

    Returns:
        ``(identifiers, paths)``, each de-duplicated in first-seen order.
    """
    if "::" in query or "#" in query:
        query = _RUBY_METHOD.sub(r"\1.", _SCOPE.sub(".", query))
    ticks: set[str] = set()
    if "`" in query:
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
    if "/" in query or _PATH_HINT.search(query):
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
        specific_definers: A name defined by more slices than this is common (``get``,
            ``execute``, ``__init__``): a match of a name ``n`` slices define keeps
            ``sqrt(specific_definers / n)`` of its weight, since it says little about which
            of them is meant (an IDF for names).
        foreign_owner_weight: The share kept by the name match of a mention
            ``Owner.name`` whose owner is a class name (capitalised) defined nowhere in
            the repository (``ExecutorService.submit``): it names another library's
            method, and a same-named one here is at best a guess.
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
        specific_definers: int = 4,
        foreign_owner_weight: float = 0.5,
    ) -> None:
        self.exact_weight = exact_weight
        self.qualified_weight = qualified_weight
        self.path_weight = path_weight
        self.fuzzy_weight = fuzzy_weight
        self.fuzzy_cutoff = fuzzy_cutoff
        self.max_probes = max_probes
        self.specific_definers = specific_definers
        self.foreign_owner_weight = foreign_owner_weight

    def fit(self, corpus: Corpus) -> FuzzyRetriever:
        """Index defined names (simple and qualified) and paths."""
        by_name: dict[str, list[int]] = {}
        by_qual: dict[str, list[int]] = {}
        for i, s in enumerate(corpus.slices):
            for d in s.defines:
                qualified, key = _filed(d)
                (by_qual if qualified else by_name).setdefault(key, []).append(i)
        self.by_name_ = by_name
        self.by_qual_ = by_qual
        self.names_ = sorted(by_name)
        self.names_by_len_ = sorted(self.names_, key=_by_length)
        self.name_lengths_ = [len(x) for x in self.names_by_len_]
        # A copy: refit edits this dict, and the corpus's own view must not change.
        self.file_rows_ = dict(corpus.file_rows)
        self.paths_ = sorted(self.file_rows_)
        self._index_paths()
        self.n_ = len(corpus)
        self.row_docs_ = np.arange(self.n_, dtype=np.int64)
        self.n_docs_ = self.n_
        return self

    def _index_paths(self) -> None:
        # Every "/"-suffix of each path (and of its extension-less stem), so a mention such
        # as "models.py", "requests/models.py" or the module path "requests.models" is one
        # dictionary lookup instead of a scan over all files.
        paths: dict[str, list[str]] = {}
        stems: dict[str, list[str]] = {}
        for p in self.paths_:
            path_keys, stem_keys = _path_keys(p)
            for key in path_keys:
                paths.setdefault(key, []).append(p)
            for key in stem_keys:
                stems.setdefault(key, []).append(p)
        self.path_suffixes_ = {k: sorted(set(v)) for k, v in paths.items()}
        self.stem_suffixes_ = {k: sorted(set(v)) for k, v in stems.items()}

    def refit(
        self, corpus: Corpus, previous_rows: npt.NDArray[np.int64], previous: Corpus
    ) -> FuzzyRetriever:
        """Refit after the corpus changed, in time proportional to the change.

        Scores equal those of ``fit(corpus)``. Rows are stored under document numbers
        that survive renumbering (see ``_rows``), so only the names and paths of the
        slices that left or joined the corpus are touched.

        Args:
            corpus: The new corpus.
            previous_rows: For each row of ``corpus``, that slice's row in ``previous``,
                or ``-1`` when the slice is new.
            previous: The corpus of the previous fit or refit.
        """
        if not hasattr(self, "row_docs_"):
            return self.fit(corpus)
        change = renumber(self.row_docs_, previous_rows, self.n_docs_)
        if self.n_docs_ + len(change.added_docs) > 2 * len(corpus) + _SPARE_DOCS:
            return self.fit(corpus)  # mostly numbers of departed slices: start afresh
        gone: set[str] = set()
        born: set[str] = set()
        files: dict[str, tuple[list[int], list[int]]] = {}
        for r, doc in zip(change.removed_rows.tolist(), change.removed_docs.tolist(), strict=True):
            s = previous.slices[r]
            for d in s.defines:
                qualified, key = _filed(d)
                table = self.by_qual_ if qualified else self.by_name_
                docs = table[key]
                docs.remove(doc)
                if not docs:
                    del table[key]
                    if table is self.by_name_:
                        gone.add(key)
            if s.path:
                files.setdefault(s.path, ([], []))[0].append(doc)
        for row, doc in zip(change.added_rows.tolist(), change.added_docs.tolist(), strict=True):
            s = corpus.slices[row]
            for d in s.defines:
                qualified, key = _filed(d)
                table = self.by_qual_ if qualified else self.by_name_
                if key in table:
                    table[key].append(doc)  # numbers only grow: the list stays sorted
                else:
                    table[key] = [doc]
                    if table is self.by_name_:
                        born.add(key)
            if s.path:
                files.setdefault(s.path, ([], []))[1].append(doc)
        self._rename(gone - born, born - gone)
        self._refile(files)
        self.n_ = len(corpus)
        self.row_docs_ = change.row_docs
        self.n_docs_ += len(change.added_docs)
        return self

    def _rename(self, gone: set[str], born: set[str]) -> None:
        """Drop and add names in the sorted name lists (new lists, never edited in place)."""
        if not (gone or born):
            return
        names = list(self.names_)
        by_len = list(self.names_by_len_)
        lengths = list(self.name_lengths_)
        edits: list[tuple[int, str | None]] = []  # as applied to by_len, for the signatures
        for key in sorted(gone):
            del names[bisect_left(names, key)]
            at = bisect_left(by_len, _by_length(key), key=_by_length)
            del by_len[at], lengths[at]
            edits.append((at, None))
        for key in sorted(born):
            names.insert(bisect_left(names, key), key)
            at = bisect_left(by_len, _by_length(key), key=_by_length)
            by_len.insert(at, key)
            lengths.insert(at, len(key))
            edits.append((at, key))
        sig: CharSignatures | None = self.__dict__.get("_name_signatures")
        if sig is not None and sig.strings is self.names_by_len_:
            # Kept current here: rebuilding them for every name costs the first query
            # after an update a few hundred milliseconds on a large repository.
            self._name_signatures = sig.edited(by_len, edits)
        self.names_, self.names_by_len_, self.name_lengths_ = names, by_len, lengths

    def _refile(self, files: dict[str, tuple[list[int], list[int]]]) -> None:
        """Move departed and joining documents in and out of their files' rows."""
        for path, (left, joined) in files.items():
            docs = self.file_rows_.get(path, np.zeros(0, dtype=np.int64))
            if left:
                docs = docs[~np.isin(docs, left)]
            if joined:
                docs = np.concatenate([docs, np.asarray(joined, dtype=np.int64)])
            if docs.size and path in self.file_rows_:
                self.file_rows_[path] = docs
                continue
            if docs.size:  # a new file
                self.file_rows_[path] = docs
                self.paths_.insert(bisect_left(self.paths_, path), path)
                change = 1
            elif path in self.file_rows_:  # a file with no slices left
                del self.file_rows_[path]
                del self.paths_[bisect_left(self.paths_, path)]
                change = -1
            else:
                continue
            path_keys, stem_keys = _path_keys(path)
            for index, keys in ((self.path_suffixes_, path_keys), (self.stem_suffixes_, stem_keys)):
                for key in set(keys):
                    if change > 0:
                        found = index.setdefault(key, [])
                        found.insert(bisect_left(found, path), path)
                    else:
                        index[key].remove(path)
                        if not index[key]:
                            del index[key]

    def score(self, query: str) -> Scores:
        """Score rows by how directly the query names them."""
        return self.score_with_ceiling(query)[0]

    def score_with_ceiling(self, query: str) -> tuple[Scores, float]:
        """:meth:`score`, and the best score the query's matches would have had undiscounted.

        A common name's match (see ``specific_definers``) and a foreign owner's
        (``foreign_owner_weight``) score below their kind's weight. Weighted fusion
        divides by this ceiling rather than by the best score, so a query whose only
        matches are such weak ones does not count them as full matches.
        """
        # Scored per document number (see refit), then read out in row order.
        scores = np.zeros(self.n_docs_, dtype=np.float32)
        ceiling = 0.0
        idents, paths = query_mentions(query)
        fuzzy_probe: list[str] = []
        for ident in idents:
            low = ident.lower()
            parts = low.split(".")
            qualified = False
            if len(parts) >= 2:
                found = self.by_qual_.get(name_tail(low), ())
                if found:
                    qualified = True
                    ceiling = max(ceiling, self.qualified_weight)
                    _raise_to(scores, found, self.qualified_weight)
                # A dotted module path may name a file: a.b.c -> a/b/c.py
                if self._score_path("/".join(parts), scores, suffix_only=True):
                    ceiling = max(ceiling, self.path_weight)
            hit = self.by_name_.get(parts[-1])
            if hit:
                ceiling = max(ceiling, self.exact_weight)
                weight = self.exact_weight * self._specificity(len(hit))
                if not qualified and self._foreign_owner(ident):
                    weight *= self.foreign_owner_weight
                _raise_to(scores, hit, weight)
            elif len(parts[-1]) >= 4:
                fuzzy_probe.append(parts[-1])
        for p in paths:
            if self._score_path(p, scores, suffix_only=False):
                ceiling = max(ceiling, self.path_weight)
        # A repeated probe still uses up one of the max_probes (the cap counts mentions),
        # but its near names are already scored: every update here is a maximum.
        done: set[str] = set()
        for probe in fuzzy_probe[: self.max_probes]:
            if probe in done:
                continue
            done.add(probe)
            for name, sim in self._near_names(probe):
                hit = self.by_name_[name]
                ceiling = max(ceiling, self.fuzzy_weight * sim)
                _raise_to(scores, hit, self.fuzzy_weight * sim * self._specificity(len(hit)))
        out: Scores = scores[self.row_docs_]
        return out, ceiling

    def _specificity(self, n_definers: int) -> float:
        """The share of its weight a match of a name ``n_definers`` slices define keeps."""
        if n_definers <= self.specific_definers:
            return 1.0
        return math.sqrt(self.specific_definers / n_definers)

    def _foreign_owner(self, ident: str) -> bool:
        """Whether ``ident`` (``Owner.name``) names a class this repository does not define.

        Capitalised: a lower-case owner is usually a variable or a module alias
        (``self.run``, ``client.get``), whose class may well be defined here.
        """
        dotted = ident.split(".")
        if len(dotted) < 2:
            return False
        owner = dotted[-2]
        return owner[:1].isupper() and _lower(owner) not in self.by_name_

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

    def _score_path(self, mention: str, scores: Scores, *, suffix_only: bool) -> bool:
        """Raise every row of the files ``mention`` names to ``path_weight``; whether any."""
        index = self.stem_suffixes_ if suffix_only else self.path_suffixes_
        found = index.get(mention.lower(), ())
        for p in found:
            rows = self.file_rows_[p]
            scores[rows] = np.maximum(scores[rows], self.path_weight)
        return bool(found)


def _raise_to(scores: Scores, rows: Sequence[int], value: float) -> None:
    """``scores[i] = max(scores[i], value)`` for every row ``i``, in one vectorised step."""
    if rows:
        idx = np.asarray(rows, dtype=np.int64)
        scores[idx] = np.maximum(scores[idx], np.float32(value))
