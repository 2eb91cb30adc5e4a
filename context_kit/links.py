r"""Section↔code edges: which code a document section names, and which code cites a spec.

A spec section names the code that implements it — ``compact_segments()`` in backticks, a
``Store.flush`` qualified name, a ``src/store.py`` path — and code sometimes cites the
requirement it implements (``# REQ-12``). :func:`build_links` turns both into weighted
edges between document rows and code rows of a corpus:

* a mentioned name is matched **exactly** against the names code slices define (qualified
  ``Class.method`` first, then the simple name), then **fuzzily** with rapidfuzz for near
  misses (``compact_segment`` for ``compact_segments``) above ``fuzzy_cutoff``;
* a mentioned path links to every code slice of that file, more weakly (to none when the
  path names more than ``MAX_PATH_LINK_TARGETS`` slices: a flat lift ranks none of them);
* a name defined both in tests and elsewhere links only to the definitions outside tests;
* a name many slices define links weakly to each (``weight / n ** ambiguity_exponent``),
  and one defined in more than ``max_targets`` places links to none — ``__init__`` in a
  design note says nothing about *which* ``__init__``;
* a requirement identifier in a code slice (or a commit message) links it to the sections
  defining it;
* edges from release notes (CHANGELOG, HISTORY, NEWS...) weigh ``HISTORY_LINK_FACTOR`` as
  much: a changelog entry records what once changed, it does not govern the code.

Each edge carries the requirement it belongs to (``""`` when the mention sits outside any
requirement block), so packing for ``REQ-12`` pulls the code REQ-12 names, not the code its
neighbour in the same section names.

>>> from context_kit.types import Slice
>>> doc = Slice(id="d", kind="doc", path="d.md", start_line=1, end_line=1,
...             text="- REQ-1: `load_config()` MUST validate.\n",
...             meta={"requirements": "REQ-1", "requirement_spans": "REQ-1:1-1"})
>>> code = Slice(id="c", kind="code", path="c.py", start_line=1, end_line=2,
...              text="def load_config():\n    pass\n", defines=("load_config",))
>>> links = build_links([doc, code])
>>> [(e.doc, e.code, e.requirement, e.via) for e in links.edges]
[(0, 1, 'REQ-1', 'load_config')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from .retrievers._terms import name_tail
from .retrievers._terms import shared_lower as _lower
from .retrievers.fuzzy import query_mentions
from .types import Slice

__all__ = [
    "AMBIGUITY_EXPONENT",
    "EXACT_LINK_WEIGHT",
    "FUZZY_LINK_CUTOFF",
    "FUZZY_LINK_WEIGHT",
    "HISTORY_LINK_FACTOR",
    "MAX_LINK_TARGETS",
    "MAX_PATH_LINK_TARGETS",
    "PATH_LINK_WEIGHT",
    "REQUIREMENT_LINK_WEIGHT",
    "Link",
    "Links",
    "build_links",
    "citation_pattern",
    "cited",
    "fuzzy_probe",
    "nearest_names",
    "requirement_spans",
]

EXACT_LINK_WEIGHT = 1.0
"""Weight of an edge from a section to code defining a name it mentions exactly."""

REQUIREMENT_LINK_WEIGHT = 1.0
"""Weight of an edge from code that cites a requirement id to the section defining it."""

PATH_LINK_WEIGHT = 0.5
"""Weight of an edge from a section to each code slice of a file it names: the file is
named, but not which part of it matters."""

FUZZY_LINK_WEIGHT = 0.6
"""Multiplier on the similarity (0-1) of a near-miss name match."""

FUZZY_LINK_CUTOFF = 90.0
"""Minimum rapidfuzz ratio (0-100) for a near-miss name to link; high, because a wrong
edge pulls unrelated code into every pack that touches the section."""

FUZZY_MIN_CHARS = 6
"""Shorter names are matched exactly only: one typo away from ``load`` is ``road``."""

AMBIGUITY_EXPONENT = 0.5
"""An edge to one of ``n`` slices defining the mentioned name weighs ``1 / n**exponent``."""

MAX_LINK_TARGETS = 12
"""A name defined in more places than this links nowhere (``__init__``, ``run``)."""

MAX_PATH_LINK_TARGETS = 200
"""A path naming more slices than this links nowhere. A lift spread evenly over a file's
every slice ranks none of them above the others; for a large file it only lifts the file
above the rest, at an edge per slice: nlohmann/json's docs, each example including
``nlohmann/json.hpp``, made 150k of its 170k edges that way (its single header has
2,400 slices), and its first pack took 2.8 s."""


_Add = Callable[[int, Sequence[int], float, Sequence[str], str], None]
"""Adds edges: ``(doc row, code rows, weight, requirement tags, via)``."""


HISTORY_LINK_FACTOR = 0.25
"""Multiplier on edges from release-note files, which mention much and govern nothing."""

# Test code rarely *implements* what a document describes: when a name is defined both in
# tests and elsewhere, only the definitions outside tests are linked.
_TEST_FILE = re.compile(
    r"(?:^|/)(?:tests?|testing)/|(?:^|/)test_[^/]*$|_tests?\.[a-z]+$|(?:^|/)conftest\.py$"
)

_HISTORY_FILE = re.compile(
    r"(?:^|/)(?:changelog|changes|history|news|release[-_]?notes|releases)(?:\.[a-z]+)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    """One section↔code edge.

    Attributes:
        doc: Corpus row of the document section.
        code: Corpus row of the code slice (or commit citing a requirement).
        weight: Strength in (0, 1].
        requirement: The requirement id whose block the mention sits in, or ``""``.
        via: The name, path or requirement id that made the edge (for a near miss, the
            code name it matched).
    """

    doc: int
    code: int
    weight: float
    requirement: str
    via: str


@dataclass
class Links:
    """All edges of a corpus, with array views for fast score propagation.

    Attributes:
        edges: Every edge, sorted by (doc, code, requirement).
        requirement_rows: Requirement id (upper-case) -> rows of sections defining it.
        n_rows: Corpus size.
    """

    edges: list[Link]
    requirement_rows: dict[str, list[int]]
    n_rows: int
    _arrays: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]] | None = (
        field(default=None, repr=False)
    )

    def arrays(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """``(doc_rows, code_rows, weights)``, one entry per distinct (doc, code) pair."""
        if self._arrays is None:
            best: dict[tuple[int, int], float] = {}
            for e in self.edges:
                key = (e.doc, e.code)
                best[key] = max(best.get(key, 0.0), e.weight)
            keys = sorted(best)
            self._arrays = (
                np.asarray([k[0] for k in keys], dtype=np.int64),
                np.asarray([k[1] for k in keys], dtype=np.int64),
                np.asarray([best[k] for k in keys], dtype=np.float32),
            )
        return self._arrays

    def from_rows(self, rows: Sequence[int]) -> list[Link]:
        """Every edge touching one of ``rows`` (as section or as code)."""
        keep = set(rows)
        return [e for e in self.edges if e.doc in keep or e.code in keep]


def requirement_spans(slice_: Slice) -> list[tuple[str, int, int]]:
    """``(id, first, last)`` file lines of each requirement block the docs source recorded."""
    raw = slice_.meta.get("requirement_spans")
    out: list[tuple[str, int, int]] = []
    if not isinstance(raw, str):
        return out
    for item in raw.split(";"):
        rid, _, span = item.rpartition(":")
        first, _, last = span.partition("-")
        if rid and first.isdigit() and last.isdigit():
            out.append((rid, int(first), int(last)))
    return out


class _Targets:
    """Names and files of the corpus's code slices."""

    def __init__(self, slices: Sequence[Slice]) -> None:
        # Names lower-cased. ``User`` should find class ``User`` before the ``user``
        # fixture, but a lower-case mention of a CamelCase name still links: ``exact``
        # keeps the rows defining the name as spelt when there are any. (Tables by
        # spelling too were ~17 MB and a third of a first query's table building on a
        # 57 MB tree, for the ~2k lookups the mentions make.)
        self.by_name: dict[str, list[int]] = {}
        self.by_qual: dict[str, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        self.by_base: dict[str, list[str]] = {}  # file name -> paths, to resolve mentions fast
        self.tests: set[int] = set()
        self._test_paths: dict[str, bool] = {}
        self.load((i, s) for i, s in enumerate(slices) if s.kind == "code")
        self.names = sorted(self.by_name)

    def _is_test(self, path: str) -> bool:
        hit = self._test_paths.get(path)
        if hit is None:  # one search per file, not per slice
            hit = self._test_paths[path] = bool(_TEST_FILE.search(path))
        return hit

    def load(self, code: Iterable[tuple[int, Slice]]) -> None:
        """Enter code slices, each under its row (or document number), into the tables.

        A first query builds these tables for every code slice of the corpus, so this
        is written for that: consecutive slices of one file look their file up once.
        """
        last_path: str | None = None
        rows: list[int] = []
        is_test = False
        by_name, by_qual = self.by_name, self.by_qual
        for doc, s in code:
            for d in s.defines:
                if "." in d:
                    for key in self._keys(d)[1]:
                        by_qual.setdefault(_lower(key), []).append(doc)
                else:
                    by_name.setdefault(_lower(d), []).append(doc)
            path = s.path
            if path:
                if path != last_path:
                    last_path, low = path, path.lower()
                    found = self.by_path.get(low)
                    if found is None:
                        self.by_base.setdefault(low.rsplit("/", 1)[-1], []).append(low)
                        found = self.by_path[low] = []
                    rows, is_test = found, self._is_test(path)
                rows.append(doc)
                if is_test:
                    self.tests.add(doc)

    @staticmethod
    def _keys(d: str) -> tuple[bool, list[str]]:
        """Whether ``d`` is dotted, and the keys it is found under (``a.b.c``: also ``b.c``)."""
        if "." not in d:
            return False, [d]
        tail = name_tail(d)
        if tail == d:
            return True, [d]
        return True, [d, tail] if d < tail else [tail, d]

    def implementation(self, rows: Sequence[int]) -> list[int]:
        """``rows`` without test code, unless only tests define the name."""
        kept = sorted({r for r in rows if r not in self.tests})
        return kept or sorted(set(rows))

    def exact(self, mention: str, slices: Sequence[Slice | None]) -> list[int]:
        """The rows defining the name ``mention`` ends in (spelt alike when any do).

        Args:
            mention: A mentioned name, plain or dotted (``Queue.push``).
            slices: The rows' slices (``None`` for a row no longer present).
        """
        parts = mention.split(".")
        # An all-caps mention matches only as spelt: ``GET`` is the HTTP verb, not
        # ``Queue.get``; ``PAGER`` an environment variable, not ``pager`` (doc audit:
        # such case-folded edges led to unrelated code).
        strict = parts[-1].isupper()
        if len(parts) >= 2:
            tail = name_tail(mention)
            hit = self.by_qual.get(tail.lower())
            if hit:
                spelt = _spelt(hit, tail, slices, True)
                if spelt or not strict:
                    return self.implementation(spelt or hit)
        hit = self.by_name.get(parts[-1].lower(), [])
        spelt = _spelt(hit, parts[-1], slices, False)
        if strict and not spelt:
            return []
        return self.implementation(spelt or hit)

    def path(self, mention: str) -> list[int]:
        """The code rows of the files a path mention names (none past MAX_PATH_LINK_TARGETS)."""
        low = mention.lower().strip("/")
        rows: list[int] = []
        for p in self.by_base.get(low.rsplit("/", 1)[-1], ()):
            if p == low or p.endswith("/" + low):
                rows.extend(self.by_path[p])
        return rows if len(rows) <= MAX_PATH_LINK_TARGETS else []


def _spelt(rows: list[int], key: str, slices: Sequence[Slice | None], dotted: bool) -> list[int]:
    """The rows among ``rows`` (found by ``key`` lower-cased) that define ``key`` as spelt."""
    out: list[int] = []
    for r in rows:
        s = slices[r]
        if s is None:
            continue
        if dotted:
            if any(key in _Targets._keys(d)[1] for d in s.defines if "." in d):
                out.append(r)
        elif key in s.defines:
            out.append(r)
    return out


def _damped(weight: float, rows: Sequence[int], slices: Sequence[Slice | None]) -> float:
    places = len({(s.path, s.name) for s in map(slices.__getitem__, rows) if s is not None})
    spread: float = max(places, 1) ** AMBIGUITY_EXPONENT
    return weight / spread


# A line can mention code only if it has one of these: a code span, a snake_case or dotted
# name, a call, a path or a camelCase hump. Most prose lines have none and are skipped
# without running the (slower) mention extractor.
_MAY_NAME_CODE = re.compile(r"[`_(/]|\w\.[A-Za-z_]|[a-z][A-Z]")


# A word joined by hyphens (``Content-Length``, ``--max-retries``) names no identifier
# (``Content``, ``max``), unless the piece also stands alone on the line. A match starts
# only where a run of word characters and dots starts (the look-behind): otherwise a run
# without a hyphen is rescanned from each of its characters, quadratic in its length
# (FastAPI's docs: 2.8 s of a 7 s link build). Matches are the same: a later start in
# the run fails alike, and a match ends where its run does.
_HYPHENATED = re.compile(r"(?<![\w.])[\w.]+(?:-[\w.]+)+")


# A line of example code that defines a name (``def cli():`` in a tutorial, ``class
# MyApp(App):``, ``function handler(req) {``): the example's own name, not the library's.
_DEFINES_HERE = re.compile(
    r"^[ \t]*(?:(?:export|pub|public|private|static|async|suspend)[ \t]+)*"
    r"(?:def|class|function|func|fn|fun|struct|interface)[ \t]+(\w+)"
)


def _mentions_by_line(
    s: Slice, seen: dict[str, _LineMentions] | None = None
) -> list[tuple[int, list[str], list[str]]]:
    """``(line, identifiers, paths)`` for each line of a section that mentions code.

    Args:
        s: A document section.
        seen: Each line's mentions by its text, shared by the sections of one build:
            documentation repeats lines (translations keep every example, generated API
            pages repeat their navigation: JetBrains/Exposed has 20 identical 691 KB
            pages), and this scan was most of a first query's link build.
    """
    out = []
    first = s.start_line or 1
    lines = s.text.split("\n")
    # Names the section's examples define are the examples' own, wherever the prose
    # mentions them again ("now call ``cli()``").
    own = {m.group(1) for line in lines if (m := _DEFINES_HERE.match(line)) is not None}
    for n, line in enumerate(lines):
        if _MAY_NAME_CODE.search(line):
            found = None if seen is None else seen.get(line)
            if found is None:
                found = _line_mentions(line)
                if seen is not None:
                    seen[line] = found
            idents = list(found[0])
            if idents and own:
                idents = [i for i in idents if i not in own]
            if idents or found[1]:
                out.append((first + n, idents, list(found[1])))
    return out


_LineMentions = tuple[tuple[str, ...], tuple[str, ...]]


def _line_mentions(line: str) -> _LineMentions:
    """A line's mentioned identifiers (pieces of hyphenated words dropped) and paths."""
    idents, paths = query_mentions(line)
    if idents and "-" in line:
        idents = _outside_hyphenated(idents, line)
    return tuple(idents), tuple(paths)


def fuzzy_probe(name: str) -> str | None:
    """What a mentioned name that matched nothing exactly is sought as among near misses.

    None for a short name (one typo from ``load`` is ``road``) or an all-caps one (an
    environment variable or a constant, matched only as spelt).
    """
    tail = name.rsplit(".", 1)[-1]
    if len(tail) < FUZZY_MIN_CHARS or tail.isupper():
        return None
    return tail.lower()


def _outside_hyphenated(idents: list[str], line: str) -> list[str]:
    pieces = {p for w in _HYPHENATED.findall(line) for p in re.split(r"[-.]", w) if p}
    return [i for i in idents if i not in pieces or stands_alone(i, line)]


def stands_alone(name: str, line: str) -> bool:
    r"""Whether ``name`` occurs in ``line`` with neither a word character nor ``-`` beside it.

    The test ``re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", line)`` makes, without
    compiling a pattern per name: a documentation tree mentions tens of thousands of
    distinct names, more than ``re`` keeps compiled (FastAPI's docs: 19,380 lines checked
    in 0.30 s rather than 0.40 s). ``\w`` is ``str.isalnum()`` or ``_``, as in ``re``.
    """
    at = line.find(name)
    while at >= 0:
        end = at + len(name)
        before = line[at - 1] if at else " "
        after = line[end] if end < len(line) else " "
        if not _joins(before) and not _joins(after):
            return True
        at = line.find(name, at + 1)
    return False


def _joins(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def build_links(
    slices: Sequence[Slice],
    *,
    fuzzy_cutoff: float = FUZZY_LINK_CUTOFF,
    max_targets: int = MAX_LINK_TARGETS,
) -> Links:
    """Edges between the document sections and the code slices of ``slices``.

    Args:
        slices: The corpus, in row order.
        fuzzy_cutoff: Minimum rapidfuzz ratio (0-100) for a near-miss name to link.
        max_targets: Names defined in more places than this do not link.

    Returns:
        The edges, deterministic for a given corpus.
    """
    targets = _Targets(slices)
    best: dict[tuple[int, int, str], tuple[float, str]] = {}

    def add(doc: int, rows: Sequence[int], weight: float, tags: Sequence[str], via: str) -> None:
        for r in rows:
            for tag in tags:
                key = (doc, r, tag)
                if key not in best or weight > best[key][0]:
                    best[key] = (weight, via)

    requirement_rows: dict[str, list[int]] = {}
    # Fuzzy probes: (doc row, name, requirement tags, weight scale).
    pending: list[tuple[int, str, list[str], float]] = []
    for i, s in enumerate(slices):
        if s.kind != "doc":
            continue
        spans = requirement_spans(s)
        scale = HISTORY_LINK_FACTOR if _HISTORY_FILE.search(s.path or "") else 1.0
        for rid, _, _ in spans:
            rows = requirement_rows.setdefault(rid.upper(), [])
            if i not in rows:
                rows.append(i)
        for line, idents, paths in _mentions_by_line(s):
            tags = [rid for rid, a, b in spans if a <= line <= b] or [""]
            for ident in idents:
                rows = targets.exact(ident, slices)
                if rows:
                    if len(rows) <= max_targets:
                        weight = scale * _damped(EXACT_LINK_WEIGHT, rows, slices)
                        add(i, rows, weight, tags, ident)
                elif (probe := fuzzy_probe(ident)) is not None:
                    pending.append((i, probe, tags, scale))
            for p in paths:
                rows = targets.path(p)
                if rows:
                    add(i, rows, scale * PATH_LINK_WEIGHT, tags, p)
    _fuzzy_links(pending, targets, slices, fuzzy_cutoff, max_targets, add)
    _requirement_citations(slices, requirement_rows, add)
    edges = [
        Link(doc=d, code=c, weight=round(w, 6), requirement=t, via=v)
        for (d, c, t), (w, v) in sorted(best.items())
    ]
    return Links(edges=edges, requirement_rows=requirement_rows, n_rows=len(slices))


def _fuzzy_links(
    pending: list[tuple[int, str, list[str], float]],
    targets: _Targets,
    slices: Sequence[Slice],
    cutoff: float,
    max_targets: int,
    add: _Add,
) -> None:
    """Link names that matched nothing exactly to near-miss names (one batched cdist)."""
    if not pending or not targets.names:
        return
    probes = sorted({name for _, name, _, _ in pending})
    matches: dict[str, tuple[list[int], float, str]] = {}
    for probe, hit in zip(probes, nearest_names(probes, targets.names, cutoff), strict=True):
        if hit is None:
            continue
        rows = targets.implementation(targets.by_name[hit[0]])
        if len(rows) <= max_targets:
            weight = _damped(FUZZY_LINK_WEIGHT * hit[1] / 100.0, rows, slices)
            matches[probe] = (rows, weight, hit[0])
    for doc, name, tags, scale in pending:
        if name in matches:
            rows, weight, via = matches[name]
            add(doc, rows, scale * weight, tags, via)


def _requirement_citations(
    slices: Sequence[Slice], requirement_rows: dict[str, list[int]], add: _Add
) -> None:
    """Link code (and commits) citing a known requirement id to the sections defining it."""
    if not requirement_rows:
        return
    pattern = citation_pattern(requirement_rows)
    for i, s in enumerate(slices):
        if s.kind == "doc":
            continue
        for rid in cited(pattern, s):
            for doc in requirement_rows[rid]:
                add(doc, [i], REQUIREMENT_LINK_WEIGHT, [_spelled(slices[doc], rid)], rid)


def citation_pattern(ids: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of the (upper-case) requirement ``ids`` cited in upper-cased text."""
    alts = sorted(ids, key=lambda r: (-len(r), r))  # longest first: REQ-12 before REQ-1
    return re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, alts)) + r")(?![\w-]|\.\d)")


def cited(pattern: re.Pattern[str], s: Slice) -> list[str]:
    """The requirement ids ``s`` cites, each once, in order of first citation."""
    return list(dict.fromkeys(m.group(1) for m in pattern.finditer(s.text.upper())))


def _spelled(doc: Slice, upper: str) -> str:
    """The requirement id as the section spells it (ids are matched case-insensitively)."""
    for rid, _, _ in requirement_spans(doc):
        if rid.upper() == upper:
            return rid
    return upper


def nearest_names(
    probes: Sequence[str], names: Sequence[str], cutoff: float, workers: int = 1
) -> list[tuple[str, int] | None]:
    """Each probe's closest name by ``fuzz.ratio``, with its score, if it reaches ``cutoff``.

    Ties go to the name first in ``names`` (sorted by the callers). Two strings of lengths
    ``a`` and ``b`` score at most ``200 * min(a, b) / (a + b)``, so each probe is compared
    only with the names whose length lets them reach the cutoff: on a 57 MB tree (442
    probes, 56k names) that halves a first query's near-miss search (0.46 -> 0.20 CPU-s).

    Args:
        probes: The names to match.
        names: The candidates, in tie-breaking order.
        cutoff: Minimum ratio (0-100).
        workers: Threads for rapidfuzz's ``cdist`` (the rows are independent).
    """
    by_length: dict[int, list[int]] = {}
    for i, name in enumerate(names):
        by_length.setdefault(len(name), []).append(i)
    groups: dict[int, list[int]] = {}
    for k, probe in enumerate(probes):
        groups.setdefault(len(probe), []).append(k)
    out: list[tuple[str, int] | None] = [None] * len(probes)
    for length, members in groups.items():
        # In names order, so argmax's first maximum is the tie-break it always was.
        cols = sorted(
            i
            for n, idx in by_length.items()
            if 200 * min(length, n) >= cutoff * (length + n)
            for i in idx
        )
        if not cols:
            continue
        band = [names[i] for i in cols]
        matrix = process.cdist(
            [probes[k] for k in members],
            band,
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            dtype=np.uint8,
            workers=workers,
        )
        for k, row in zip(members, matrix, strict=True):
            if row.any():
                col = int(np.argmax(row))
                out[k] = (band[col], int(row[col]))
    return out
