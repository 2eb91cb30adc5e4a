"""Section↔code links kept up to date as slices come and go.

:func:`~context_kit.links.build_links` derives every edge from the whole corpus: a table of
the names and files code defines, each section's mentions matched against it, near misses
found by one batched rapidfuzz comparison, and requirement citations found by one regex
over every slice. On a large repository that costs seconds, so an index that rebuilt it
after each one-file edit would spend seconds on the first query after every update.

:class:`LinkIndex` keeps what those steps compute per slice — the name tables, each
section's mentions, each slice's citations, the closest name to each near-miss probe —
under document numbers that survive renumbering (see ``retrievers/_rows.py``), and edits
it by what changed. :meth:`LinkIndex.links` then assembles the edges from those parts, in
time proportional to the sections and edges, not the corpus. The result equals
``build_links`` on the same slices (tested against it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ._cache import content_key
from .links import (
    _HISTORY_FILE,
    EXACT_LINK_WEIGHT,
    FUZZY_LINK_CUTOFF,
    FUZZY_LINK_WEIGHT,
    HISTORY_LINK_FACTOR,
    MAX_LINK_TARGETS,
    PATH_LINK_WEIGHT,
    REQUIREMENT_LINK_WEIGHT,
    Link,
    Links,
    _Add,
    _damped,
    _LineMentions,
    _mentions_by_line,
    _spelled,
    _Targets,
    citation_pattern,
    cited,
    fuzzy_probe,
    nearest_names,
    requirement_spans,
)
from .retrievers._rows import renumber
from .retrievers._terms import name_tail
from .types import Slice

__all__ = ["LinkIndex"]


def _slice_ids(docs: Sequence[Slice | None]) -> tuple[int, str]:
    """How many document numbers, and a digest of the slice ids under them."""
    return len(docs), content_key("\0".join("" if s is None else s.id for s in docs))


@dataclass(frozen=True)
class _Section:
    """What a document section contributes, computed once per section."""

    spans: list[tuple[str, int, int]]
    scale: float
    mentions: list[tuple[int, list[str], list[str]]]


class _Lookup(NamedTuple):
    """One mentioned name matched exactly against the name tables.

    Attributes:
        keys: The table keys the lookup read (see :attr:`_Names.touched`).
        hit: The rows it links to; ``None`` when none, or more than ``max_targets``.
        weight: The edge weight before the section's scale (0 without a hit).
        probe: What a miss is sought as among near misses (``None``: not sought).
    """

    keys: tuple[str, ...]
    hit: list[int] | None
    weight: float
    probe: str | None


@dataclass(frozen=True)
class _Matched:
    """A section's mentions matched against the name tables, kept until those entries change.

    Attributes:
        adds: The section's exact and path edges, as ``add`` calls in the order a build
            makes them (ties keep the first ``via``): ``(docs, weight, tags, via)``.
        pending: Its unmatched names for the near-miss step: ``(name, tags, scale)``.
        keys: The table keys the matching read (see :attr:`_Names.touched`).
    """

    adds: list[tuple[list[int], float, list[str], str]]
    pending: list[tuple[str, list[str], float]]
    keys: frozenset[str]


class _Names(_Targets):
    """:class:`~context_kit.links._Targets` by document number, editable in place."""

    def __init__(self) -> None:
        super().__init__(())
        # ``names`` is by_name's keys, sorted (near-miss ties go to the first).
        self.born: set[str] = set()  # by_name keys added / removed since last asked
        self.gone: set[str] = set()
        # Every table key whose entry changed since last asked (see table_keys).
        self.touched: set[str] = set()

    @classmethod
    def table_keys(cls, s: Slice) -> set[str]:
        """The table entries entering or removing code slice ``s`` changes.

        ``n:`` + a lower-cased name key, ``p:`` + its lower-cased file name (what a path
        mention is looked up by): what :meth:`LinkIndex._match` records it read.
        """
        keys = {"n:" + key.lower() for d in s.defines for key in cls._keys(d)[1]}
        if s.path:
            keys.add("p:" + s.path.lower().rsplit("/", 1)[-1])
        return keys

    def add(self, doc: int, s: Slice) -> None:
        """Enter a code slice, recording the simple names it brings in (see :meth:`settle`)."""
        self.born.update(
            low for d in s.defines if "." not in d and (low := d.lower()) not in self.by_name
        )
        self.load([(doc, s)])

    def remove(self, doc: int, s: Slice) -> None:
        """Take a code slice out (the inverse of :meth:`add`)."""
        for d in s.defines:
            dotted, keys = self._keys(d)
            lower = self.by_qual if dotted else self.by_name
            for key in keys:
                if _drop(lower, key.lower(), doc) and not dotted:
                    self.gone.add(key.lower())
        if s.path:
            low = s.path.lower()
            if _drop(self.by_path, low, doc):
                base = low.rsplit("/", 1)[-1]
                self.by_base[base].remove(low)
                if not self.by_base[base]:
                    del self.by_base[base]
            self.tests.discard(doc)

    def settle(self) -> tuple[set[str], set[str]]:
        """Bring ``names`` up to date; return the names added and removed since last time."""
        born, gone = self.born - self.gone, self.gone - self.born
        self.born, self.gone = set(), set()
        born = {n for n in born if n in self.by_name}
        gone = {n for n in gone if n not in self.by_name}
        if len(born) + len(gone) > len(self.names) // 8:
            self.names = sorted(self.by_name)
        else:
            for n in gone:
                del self.names[bisect_left(self.names, n)]
            for n in born:
                self.names.insert(bisect_left(self.names, n), n)
        return born, gone


def _drop(table: dict[str, list[int]], key: str, doc: int) -> bool:
    """Remove one ``doc`` from ``table[key]``; drop the key when empty (and say so)."""
    docs = table[key]
    docs.remove(doc)
    if docs:
        return False
    del table[key]
    return True


class LinkIndex:
    """The parts of :func:`~context_kit.links.build_links` for a corpus, editable by delta.

    Args:
        slices: The corpus, in row order.
        fuzzy_cutoff: Minimum rapidfuzz ratio (0-100) for a near-miss name to link.
        max_targets: Names defined in more places than this do not link.
        workers: Threads for the near-miss comparison (rapidfuzz's ``cdist``).
    """

    def __init__(
        self,
        slices: Sequence[Slice],
        *,
        fuzzy_cutoff: float = FUZZY_LINK_CUTOFF,
        max_targets: int = MAX_LINK_TARGETS,
        workers: int = 1,
    ) -> None:
        self.fuzzy_cutoff = fuzzy_cutoff
        self.max_targets = max_targets
        self.workers = workers
        self._slices: list[Slice | None] = []  # by document number; None once removed
        self._names = _Names()
        self._sections: dict[int, _Section] = {}
        self._citations: dict[int, list[str]] = {}  # non-doc slices citing requirement ids
        self._unscanned: set[int] = set()  # non-doc slices not yet searched for citations
        self._cited_ids: tuple[str, ...] = ()  # the ids the citations were searched for
        self._closest: dict[str, tuple[str, int] | None] = {}  # probe -> closest name, ratio
        self._matched: dict[int, _Matched] = {}  # by section document number
        code: list[tuple[int, Slice]] = []
        seen: dict[str, _LineMentions] = {}  # dropped after the build: lines are many
        for s in slices:
            self._enter(s, code, seen)
        self._names.load(code)
        self._names.names = sorted(self._names.by_name)
        self._row_docs = np.arange(len(slices), dtype=np.int64)

    def __getstate__(self) -> dict[str, object]:
        # The slices are the corpus's own (96 MB of pickle on a 65 MB tree): a cached
        # index leaves them out and takes them back from the corpus it is loaded for.
        state = dict(vars(self))
        state["_detached"] = _slice_ids(state.pop("_slices"))
        return state

    def reattach(self, slices: Sequence[Slice]) -> None:
        """Take the corpus's slices back after unpickling.

        Args:
            slices: The corpus, in row order.

        Raises:
            ValueError: ``slices`` are not the ones the index followed when it was pickled.
        """
        ids: tuple[int, str] | None = vars(self).get("_detached")
        if ids is None:
            raise ValueError("the index has its slices already")
        docs: list[Slice | None] = [None] * ids[0]
        if len(slices) != len(self._row_docs):
            raise ValueError(f"{len(slices)} slices, {len(self._row_docs)} rows expected")
        for row, doc in enumerate(self._row_docs.tolist()):
            docs[doc] = slices[row]
        if _slice_ids(docs) != ids:
            raise ValueError("the slices differ from those the index was built on")
        self._slices = docs
        vars(self).pop("_detached")

    def _enter(
        self,
        s: Slice,
        code: list[tuple[int, Slice]] | None = None,
        seen: dict[str, _LineMentions] | None = None,
    ) -> None:
        """Enter a slice; a code slice goes to ``code`` when given, else into the tables.

        ``seen`` caches a document line's mentions by its text (see ``_mentions_by_line``).
        """
        doc = len(self._slices)
        self._slices.append(s)
        if s.kind == "code":
            if code is not None:
                code.append((doc, s))
            else:
                self._names.add(doc, s)
                self._names.touched |= self._names.table_keys(s)
        if s.kind == "doc":
            scale = HISTORY_LINK_FACTOR if _HISTORY_FILE.search(s.path or "") else 1.0
            self._sections[doc] = _Section(requirement_spans(s), scale, _mentions_by_line(s, seen))
        else:
            self._unscanned.add(doc)

    def _leave(self, doc: int) -> None:
        s = self._slices[doc]
        assert s is not None
        if s.kind == "code":
            self._names.remove(doc, s)
            self._names.touched |= self._names.table_keys(s)
        self._sections.pop(doc, None)
        self._matched.pop(doc, None)
        self._citations.pop(doc, None)
        self._unscanned.discard(doc)
        self._slices[doc] = None

    def update(self, slices: Sequence[Slice], previous_rows: npt.NDArray[np.int64]) -> None:
        """Follow the corpus to ``slices``.

        Args:
            slices: The new corpus, in row order.
            previous_rows: For each row of ``slices``, its row in the corpus this index
                followed so far, or ``-1`` when the slice is new.
        """
        change = renumber(self._row_docs, previous_rows, len(self._slices))
        for doc in change.removed_docs.tolist():
            self._leave(doc)
        for row in change.added_rows.tolist():
            self._enter(slices[row])
        self._row_docs = change.row_docs
        born, gone = self._names.settle()
        # A probe whose closest name left is matched again from scratch; one that a new
        # name beats (or ties, spelt earlier) moves to it.
        for probe, hit in list(self._closest.items()):
            if hit is not None and hit[0] in gone:
                del self._closest[probe]
        if born and self._closest:
            probes = list(self._closest)
            found = self._nearest(probes, sorted(born))
            for probe, new in zip(probes, found, strict=True):
                old = self._closest[probe]
                if new is not None and (
                    old is None or new[1] > old[1] or (new[1] == old[1] and new[0] < old[0])
                ):
                    self._closest[probe] = new

    def _nearest(self, probes: list[str], names: list[str]) -> list[tuple[str, int] | None]:
        """Each probe's closest name in ``names`` (sorted) at or above the cutoff, if any."""
        # The first query after a build compares every probe with every name; the rows
        # are independent, so threads split it.
        return nearest_names(probes, names, self.fuzzy_cutoff, self.workers)

    def links(self) -> Links:
        """The edges of the current corpus, as :func:`~context_kit.links.build_links` gives."""
        n = len(self._row_docs)
        row_of = np.full(len(self._slices), -1, dtype=np.int64)
        row_of[self._row_docs] = np.arange(n, dtype=np.int64)
        rows = row_of.item  # a row per document number, without a list of all of them
        names = self._names
        best: dict[tuple[int, int, str], tuple[float, str]] = {}

        def add(
            doc: int, docs: Sequence[int], weight: float, tags: Sequence[str], via: str
        ) -> None:
            for d in docs:
                for tag in tags:
                    key = (doc, d, tag)
                    if key not in best or weight > best[key][0]:
                        best[key] = (weight, via)

        requirement_docs: dict[str, list[int]] = {}
        pending: list[tuple[int, str, list[str], float]] = []
        # An update touches a few table entries; only the sections that read one match
        # their mentions again (a 65 MB tree: ~400 sections, 1.7k mentions, ~10 ms).
        if names.touched:
            touched, names.touched = names.touched, set()
            for i in [i for i, m in self._matched.items() if not m.keys.isdisjoint(touched)]:
                del self._matched[i]
        # Within one call the tables are fixed, so a name mentioned in many sections is
        # looked up once (JetBrains/Exposed: 165k lookups of far fewer names, 1.2 s).
        memo: dict[str, _Lookup] = {}
        for i in sorted(self._sections, key=rows):  # row order, as a build
            sec = self._sections[i]
            for rid, _, _ in sec.spans:
                docs = requirement_docs.setdefault(rid.upper(), [])
                if i not in docs:
                    docs.append(i)
            matched = self._matched.get(i)
            if matched is None:
                matched = self._matched[i] = self._match(sec, memo)
            for hit, weight, tags, via in matched.adds:
                add(i, hit, weight, tags, via)
            pending.extend((i, name, tags, scale) for name, tags, scale in matched.pending)
        self._near_misses(pending, add)
        self._cite(requirement_docs, rows, add)
        edges = [
            Link(doc=rows(d), code=rows(c), weight=round(w, 6), requirement=t, via=v)
            for (d, c, t), (w, v) in sorted(best.items(), key=lambda kv: _by_rows(kv[0], rows))
        ]
        requirement_rows = {r: [rows(d) for d in docs] for r, docs in requirement_docs.items()}
        return Links(edges=edges, requirement_rows=requirement_rows, n_rows=n)

    def _lookup(self, ident: str) -> _Lookup:
        """What matching ``ident`` exactly gives (see :class:`_Lookup`)."""
        # The keys names.exact reads, as _Names records them when they change.
        parts = ident.split(".")
        keys: tuple[str, ...] = ("n:" + parts[-1].lower(),)
        if len(parts) >= 2:
            keys += ("n:" + name_tail(ident).lower(),)
        hit = self._names.exact(ident, self._slices)
        if hit:
            if len(hit) <= self.max_targets:
                return _Lookup(keys, hit, _damped(EXACT_LINK_WEIGHT, hit, self._slices), None)
            return _Lookup(keys, None, 0.0, None)
        return _Lookup(keys, None, 0.0, fuzzy_probe(ident))

    def _match(self, sec: _Section, memo: dict[str, _Lookup]) -> _Matched:
        """``sec``'s mentions matched exactly against the name and file tables."""
        names = self._names
        adds: list[tuple[list[int], float, list[str], str]] = []
        pending: list[tuple[str, list[str], float]] = []
        keys: set[str] = set()
        for line, idents, paths in sec.mentions:
            tags = [rid for rid, a, b in sec.spans if a <= line <= b] or [""]
            for ident in idents:
                found = memo.get(ident)
                if found is None:
                    found = memo[ident] = self._lookup(ident)
                keys.update(found.keys)
                if found.hit is not None:
                    adds.append((found.hit, sec.scale * found.weight, tags, ident))
                elif found.probe is not None:
                    pending.append((found.probe, tags, sec.scale))
            for p in paths:
                keys.add("p:" + p.lower().strip("/").rsplit("/", 1)[-1])
                hit = names.path(p)
                if hit:
                    adds.append((hit, sec.scale * PATH_LINK_WEIGHT, tags, p))
        return _Matched(adds, pending, frozenset(keys))

    def _near_misses(self, pending: list[tuple[int, str, list[str], float]], add: _Add) -> None:
        """Link names that matched nothing exactly to their closest names."""
        names = self._names
        if not pending or not names.names:
            return
        probes = sorted({name for _, name, _, _ in pending})
        new = [p for p in probes if p not in self._closest]
        if new:
            self._closest.update(zip(new, self._nearest(new, names.names), strict=True))
        matches: dict[str, tuple[list[int], float, str]] = {}
        for probe in probes:
            hit = self._closest[probe]
            if hit is None:
                continue
            docs = names.implementation(names.by_name[hit[0]])
            if len(docs) <= self.max_targets:
                weight = _damped(FUZZY_LINK_WEIGHT * hit[1] / 100.0, docs, self._slices)
                matches[probe] = (docs, weight, hit[0])
        for doc, name, tags, scale in pending:
            if name in matches:
                docs, weight, via = matches[name]
                add(doc, docs, scale * weight, tags, via)

    def _cite(
        self, requirement_docs: dict[str, list[int]], rows: Callable[[int], int], add: _Add
    ) -> None:
        """Link slices citing a known requirement id to the sections defining it."""
        ids = tuple(sorted(requirement_docs))
        if ids != self._cited_ids:  # new ids: every slice is searched again
            self._cited_ids = ids
            self._citations = {}
            self._unscanned = {
                d for d, s in enumerate(self._slices) if s is not None and s.kind != "doc"
            }
        if not ids:
            self._unscanned.clear()
            return
        if self._unscanned:
            pattern = citation_pattern(ids)
            for d in self._unscanned:
                s = self._slices[d]
                assert s is not None
                found = cited(pattern, s)
                if found:
                    self._citations[d] = found
            self._unscanned.clear()
        for d in sorted(self._citations, key=rows):
            for rid in self._citations[d]:
                for doc in requirement_docs[rid]:
                    s = self._slices[doc]
                    assert s is not None
                    add(doc, [d], REQUIREMENT_LINK_WEIGHT, [_spelled(s, rid)], rid)


def _by_rows(key: tuple[int, int, str], rows: Callable[[int], int]) -> tuple[int, int, str]:
    return (rows(key[0]), rows(key[1]), key[2])
