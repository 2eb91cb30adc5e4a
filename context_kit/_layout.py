"""Where each file's slices sit in an index's slice list, and how an update replaces them.

A build lays slices out as :func:`~context_kit.slicing.collect` does: files in path order,
each file's slices in line order, then the slices no file produced (commits). An update
that changed one file of thousands should not walk every slice to rebuild that list, so
the index keeps a :class:`Layout` and :func:`splice` copies the untouched stretches
between the touched files wholesale.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .retrievers.base import comments_only
from .slicing import FileEntry
from .types import SkippedFile, Slice

__all__ = ["FileRows", "Layout", "Spliced", "splice"]

IntArray = npt.NDArray[np.int64]


@dataclass
class Layout:
    """The file blocks of a slice list.

    Attributes:
        slices: The list described; any other list (or this one resized) is not.
        size: Its length when described.
        paths: The files that have slices, in path order.
        starts: The first row of each of them.
        counts: How many slices each has.
        file_rows: How many rows file slices take (the rest follow them).
        heads: Each file's header row as an offset into its block (``-1``: none), made
            on first use; a splice carries the untouched files' offsets over.
    """

    slices: list[Slice]
    size: int
    paths: list[str]
    starts: IntArray
    counts: IntArray
    file_rows: int
    heads: list[int] | None = None

    @classmethod
    def of(cls, slices: list[Slice], files: dict[str, FileEntry]) -> Layout | None:
        """The layout of ``slices``, or ``None`` when they are not laid out by file."""
        paths = sorted(p for p, fe in files.items() if fe.slices)
        counts = [len(files[p].slices) for p in paths]
        row = 0
        for path, n in zip(paths, counts, strict=True):
            own = files[path].slices
            if any(a is not b for a, b in zip(slices[row : row + n], own, strict=False)):
                return None
            row += n
        if row > len(slices) or any(s.path in files for s in slices[row:] if s.path):
            return None
        return cls._make(slices, paths, counts)

    @classmethod
    def _make(
        cls,
        slices: list[Slice],
        paths: list[str],
        counts: list[int],
        heads: list[int] | None = None,
    ) -> Layout:
        n = np.asarray(counts, dtype=np.int64)
        ends = np.cumsum(n)
        file_rows = int(ends[-1]) if len(n) else 0
        return cls(slices, len(slices), paths, ends - n, n, file_rows, heads)

    def head_offsets(self) -> list[int]:
        """Each file's header row as an offset into its block, ``-1`` for a file without."""
        if self.heads is None:
            slices = self.slices
            self.heads = [
                _head_offset(slices[start : start + n])
                for start, n in zip(self.starts.tolist(), self.counts.tolist(), strict=True)
            ]
        return self.heads

    def describes(self, slices: list[Slice]) -> bool:
        """Whether ``slices`` is still the list this layout was taken of."""
        return slices is self.slices and len(slices) == self.size

    def corpus_views(self) -> dict[str, object] | None:
        """The ``Corpus`` views the file blocks give without a pass over every slice.

        Each row's file number (``file_ids``), each file's rows (``file_rows``) and each
        code file's header row (``file_header_rows``), for :meth:`Corpus.preset`. ``None``
        when a row after the file blocks has a path: that numbering counts it too.
        """
        if any(s.path for s in self.slices[self.file_rows : self.size]):
            return None
        file_ids = np.concatenate(
            [
                np.repeat(np.arange(len(self.paths), dtype=np.int64), self.counts),
                np.full(self.size - self.file_rows, -1, dtype=np.int64),
            ]
        )
        # Offsets, not rows: an update moves every later file's rows, not its offset, so
        # a splice looks again only at the files it touched (a pass over every file's
        # slices was ~8 ms of a ~75 ms one-file update on 5k files).
        offsets = np.asarray(self.head_offsets(), dtype=np.int64)
        has = offsets >= 0
        return {
            "file_ids": file_ids,
            "file_rows": FileRows(self),
            "file_header_rows": self.starts[has] + offsets[has],
        }


def _head_offset(block: Sequence[Slice]) -> int:
    """Where a file's header sits in its block (``-1`` when it has none).

    A file's slices are in line order, so its header is its first module run, unless
    that run holds only comments (see :func:`~context_kit.retrievers.base.comments_only`).
    """
    for k, s in enumerate(block):
        if s.symbol_kind == "module" and s.kind == "code":
            return -1 if comments_only(s) else k
    return -1


@dataclass(frozen=True)
class Spliced:
    """The slice list after an update, and what goes with it.

    Attributes:
        slices: The new list.
        skipped: Every skip, in path order.
        previous: Each new row's row in the old list (``-1`` for new slices).
        layout: The new list's layout.
        views: What its corpus can take from the layout (see :meth:`Layout.corpus_views`).
    """

    slices: list[Slice]
    skipped: list[SkippedFile]
    previous: IntArray
    layout: Layout
    views: dict[str, object] | None = None


class FileRows(Mapping[str, IntArray]):
    """Each file's rows in a laid-out list, as ``Corpus.file_rows`` gives them, made on demand.

    An update hands the corpus every file's rows; making thousands of arrays that the
    refits then never read took most of a splice (5.5k files: ~10 ms).
    """

    def __init__(self, layout: Layout) -> None:
        self._paths = layout.paths  # sorted; a layout's lists are never edited in place
        self._starts: list[int] = layout.starts.tolist()
        self._counts: list[int] = layout.counts.tolist()

    def _find(self, path: object) -> int:
        i = bisect_left(self._paths, path) if isinstance(path, str) else len(self._paths)
        return i if i < len(self._paths) and self._paths[i] == path else -1

    def __getitem__(self, path: str) -> IntArray:
        i = self._find(path)
        if i < 0:
            raise KeyError(path)
        return np.arange(self._starts[i], self._starts[i] + self._counts[i], dtype=np.int64)

    def __contains__(self, path: object) -> bool:
        return self._find(path) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def splice(
    slices: list[Slice],
    layout: Layout,
    skipped: list[SkippedFile],
    files: dict[str, FileEntry],
    touched: Iterable[str],
) -> Spliced | None:
    """The slice list after a refresh, built from the old one in time proportional to the change.

    Files whose entry the refresh kept move as blocks; a file whose entry changed brings
    its new slices, except that a new slice equal in every field to one the file had
    before *is* that old slice (same object, same previous row), so the retrievers refit
    only what really changed. The result equals :func:`~context_kit.slicing.collect` on
    ``files`` followed by the slices no file produced.

    Args:
        slices: The list before the refresh, laid out as ``layout`` says.
        layout: Its layout.
        skipped: The skips before the refresh (file skips and others, such as history's).
        files: The file entries after the refresh.
        touched: Every path whose entry is not the very one it was (read again, added or
            deleted); the others are not looked at.

    Returns:
        The new list and its companions, or ``None`` when a changed file's slices name
        another path, which only a global sort can place.
    """
    touched = sorted(set(touched))
    out: list[Slice] = []
    previous: list[IntArray] = []
    edits: list[tuple[int, bool, str, int]] = []
    cursor = 0
    for path in touched:
        i = bisect_left(layout.paths, path)
        present = i < len(layout.paths) and layout.paths[i] == path
        at = int(layout.starts[i]) if i < len(layout.paths) else layout.file_rows
        out.extend(slices[cursor:at])
        previous.append(np.arange(cursor, at, dtype=np.int64))
        old_block = slices[at : at + int(layout.counts[i])] if present else []
        cursor = at + len(old_block)
        fe = files.get(path)
        new = fe.slices if fe is not None else []
        if any(s.path != path for s in new):
            return None
        previous.append(_reuse(old_block, new, at))
        out.extend(new)
        edits.append((i, present, path, len(new)))
    out.extend(slices[cursor : layout.file_rows])
    previous.append(np.arange(cursor, layout.file_rows, dtype=np.int64))
    rest = slices[layout.file_rows :]
    out.extend(rest)
    previous.append(np.arange(layout.file_rows, layout.file_rows + len(rest), dtype=np.int64))
    paths, counts = list(layout.paths), layout.counts.tolist()
    heads = list(layout.head_offsets())
    for i, present, path, n in reversed(edits):  # last first: earlier indexes stay valid
        head = _head_offset(files[path].slices) if n else -1
        if present and n:
            counts[i], heads[i] = n, head
        elif present:
            del paths[i], counts[i], heads[i]
        elif n:
            paths.insert(i, path)
            counts.insert(i, n)
            heads.insert(i, head)
    new_layout = Layout._make(out, paths, counts, heads)
    gone = set(touched)
    kept = [s for s in skipped if s.path not in gone]
    fresh = [fe.skipped for p in touched if (fe := files.get(p)) and fe.skipped is not None]
    if fresh or len(kept) < len(skipped):
        skipped = sorted([*kept, *fresh], key=lambda s: s.path)
    return Spliced(out, skipped, np.concatenate(previous), new_layout, new_layout.corpus_views())


def _reuse(old: list[Slice], new: list[Slice], at: int) -> IntArray:
    """Previous rows of a changed file's new slices; equal slices become the old objects.

    Appending a function leaves every earlier slice of the file as it was: each then
    keeps its row's identity, and no retriever reads it again.
    """
    rows = np.full(len(new), -1, dtype=np.int64)
    if not old or not new:
        return rows
    by_id = {s.id: (k, s) for k, s in enumerate(old)}
    for j, s in enumerate(new):
        hit = by_id.pop(s.id, None)
        # Field by field (vars): pydantic's == also compares which fields were set
        # explicitly, which differs between a cached slice and a freshly made one.
        if hit is not None and vars(hit[1]) == vars(s):
            new[j] = hit[1]
            rows[j] = at + hit[0]
    return rows
