"""Which slices a pack must consider beyond the ranked ones: pins and dependencies.

* :func:`resolve_pins` turns the caller's ``pin=[...]`` entries — slice ids, file paths,
  or ``"path:start-end"`` ranges — into slice positions.
* :class:`Needs` finds, for a slice, the slice a reader needs beside it: a method's (or
  nested class's) class header, the first part of a definition that was split into
  parts, or whatever a source declared in ``meta["requires"]`` (a diff's commit header,
  for instance).
* :func:`drop_copies` keeps one of several ranked slices that are copies of each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import OptionError
from ..types import Slice

__all__ = ["Needs", "candidate_rows", "drop_copies", "resolve_pins"]

_RANGE = re.compile(r"^(?P<path>.+):(?P<start>\d+)-(?P<end>\d+)$")


def resolve_pins(slices: Sequence[Slice], pins: Sequence[str]) -> list[int]:
    """Positions of the slices the pins name, in pin order, each once.

    A pin is a slice id, a path (every slice of that file), or ``path:start-end`` (every
    slice of that file whose lines intersect the range).

    Raises:
        OptionError: A pin that names no slice (the message says which).
    """
    if isinstance(pins, str):
        pins = [pins]
    if not pins:  # the usual case: no maps over a whole index (0.1 s on 110k slices)
        return []
    by_id = {s.id: i for i, s in enumerate(slices)}
    by_path: dict[str, list[int]] = {}
    for i, s in enumerate(slices):
        if s.path is not None:
            by_path.setdefault(s.path, []).append(i)
    out: list[int] = []
    seen: set[int] = set()
    for pin in pins:
        if not isinstance(pin, str):
            raise OptionError(f"pin entries must be strings, got {pin!r}", name="pin")
        hits: list[int]
        if pin in by_id:
            hits = [by_id[pin]]
        elif pin in by_path:
            hits = by_path[pin]
        elif (m := _RANGE.match(pin)) and m["path"] in by_path:
            a, b = int(m["start"]), int(m["end"])
            hits = [
                i
                for i in by_path[m["path"]]
                if (slices[i].start_line or 0) <= b and (slices[i].end_line or 0) >= a
            ]
        else:
            hits = []
        if not hits:
            raise OptionError(
                f"pin {pin!r} names no indexed slice; use a slice id, an indexed path, or "
                "'path:start-end'",
                name="pin",
            )
        for i in hits:
            if i not in seen:
                seen.add(i)
                out.append(i)
    return out


class Needs(Mapping[int, int]):
    """Each row's dependency (the row it needs beside it), found when first asked for.

    The first class header (or first part) of that name in the same file; a declared
    ``meta["requires"]`` id, when some slice has it, wins. A pack asks for the
    dependencies of a few hundred candidates; a pass over every slice of a large index to
    answer them cost more than the rest of packing. Here a method's class header or a
    part's first part is looked up among the rows of its own file, and an id declared in
    ``meta["requires"]`` in a map of all ids made only when a slice declares one.

    Args:
        slices: The slices, in row order.
        file_rows: Each path's rows in row order (``Corpus.file_rows``).
    """

    def __init__(
        self, slices: Sequence[Slice], file_rows: Mapping[str, npt.NDArray[np.int64]]
    ) -> None:
        self._slices = slices
        self._file_rows = file_rows
        self._found: dict[int, int | None] = {}
        self._files: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
        self._rows_by_id: dict[str, int] | None = None

    def __getitem__(self, row: int) -> int:
        need = self._found.get(row, -1)
        if need == -1:
            need = self._found[row] = self._need(row)
        if need is None:
            raise KeyError(row)
        return need

    def __iter__(self) -> Iterator[int]:
        return (r for r in range(len(self._slices)) if r in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _need(self, row: int) -> int | None:
        s = self._slices[row]
        declared = s.meta.get("requires")
        need: int | None = None
        if isinstance(declared, str) and declared in self._ids():
            need = self._ids()[declared]
        elif s.path is not None and s.part is not None and s.part[0] > 1:
            need = self._file(s.path)[1].get(s.name)
        elif s.path is not None and s.parent:
            need = self._file(s.path)[0].get(s.parent)
        if need is None or self._slices[need].id == s.id:
            return None
        return need

    def _ids(self) -> dict[str, int]:
        if self._rows_by_id is None:
            rows: dict[str, int] = {}
            for i, s in enumerate(self._slices):
                rows.setdefault(s.id, i)
            self._rows_by_id = rows
        return self._rows_by_id

    def _file(self, path: str) -> tuple[dict[str, int], dict[str, int]]:
        """The path's class headers and first parts by name (the first of each)."""
        found = self._files.get(path)
        if found is None:
            headers: dict[str, int] = {}
            first_parts: dict[str, int] = {}
            rows = self._file_rows.get(path)
            for r in rows.tolist() if rows is not None else ():
                s = self._slices[r]
                if s.symbol_kind == "class" and (s.part is None or s.part[0] == 1):
                    headers.setdefault(s.name, r)
                if s.part is not None and s.part[0] == 1:
                    first_parts.setdefault(s.name, r)
            found = self._files[path] = (headers, first_parts)
        return found


def drop_copies(
    slices: Sequence[Slice],
    ranked: Sequence[int],
    keep: Sequence[int] = (),
    file_size: Callable[[str], int] | None = None,
) -> tuple[list[int], dict[int, int]]:
    """``ranked`` with one row of each set of copies: the others go.

    A copy has the same kind, name and text as another slice: a header that an
    amalgamated ``single_include`` file repeats, a vendored copy of a module, the same
    section in two READMEs. Ranking cannot tell copies apart (the same text scores the
    same), so a pack would otherwise spend its budget on each of them: on nlohmann/json,
    16 of the 36 items of an 8k pack were second copies (3,841 tokens).

    The copy kept takes the best rank of its set. It is a ``keep`` row (a pin) if there
    is one; otherwise, with ``file_size``, the copy in the smallest file: an original
    module rather than the amalgamation that repeats it (which their paths, the only
    thing scoring them apart, rarely decide right); otherwise the best-ranked.

    Only the rows given are compared (a few thousand candidates, not the index), so this
    costs nothing at build time and needs no upkeep on an update.

    Args:
        slices: The index's slices.
        ranked: Rows in rank order.
        keep: Rows that stay whatever ranks above them (pins).
        file_size: Size of a path's file, in any unit (slices, lines...).

    Returns:
        The kept rows in rank order, and each dropped row's kept copy.
    """
    # Equal text under two names (two classes' identical ``__repr__``) is two
    # definitions, not a copy: the name is part of the key.
    members: dict[tuple[str, str, str], list[int]] = {}
    set_of: dict[int, tuple[str, str, str]] = {}  # row -> the key of its set
    for r in (*keep, *ranked):
        s = slices[r]
        if r in set_of or s.kind == "commit":  # a commit is its own id, never a copy
            continue
        key = set_of[r] = (s.kind, s.name, s.text)
        members.setdefault(key, []).append(r)
    pinned = set(keep)
    position = {r: n for n, r in enumerate(ranked)}

    def preference(r: int) -> tuple[bool, int, int]:
        path = slices[r].path
        size = file_size(path) if file_size is not None and path else 0
        return r not in pinned, size, position.get(r, -1)

    winner = {k: min(rows, key=preference) for k, rows in members.items() if len(rows) > 1}
    out: list[int] = []
    emitted: set[int] = set()
    dropped: dict[int, int] = {}
    for r in ranked:
        w = winner.get(set_of.get(r), r)  # type: ignore[arg-type]
        if r in pinned:  # a pin always stays
            w = r
        elif r != w:
            dropped[r] = w
        if w not in emitted and w in position:  # the kept copy takes the set's best rank
            out.append(w)
            emitted.add(w)
    return out, dropped


def candidate_rows(
    ranked: Sequence[int], pinned: Sequence[int], required: Mapping[int, int]
) -> list[int]:
    """Ranked rows, then pinned rows not among them, then every dependency they need.

    Args:
        ranked: Slice positions in rank order.
        pinned: Positions of pinned slices.
        required: Position of the slice each position needs beside it (see
            :class:`Needs`), found per row: a map over every slice would cost more than
            the rest of ranking on a large index.
    """
    rows = list(ranked)
    seen = set(rows)
    for r in pinned:
        if r not in seen:
            seen.add(r)
            rows.append(r)
    k = 0
    while k < len(rows):
        need = required.get(rows[k])
        if need is not None and need not in seen:
            seen.add(need)
            rows.append(need)
        k += 1
    return rows
