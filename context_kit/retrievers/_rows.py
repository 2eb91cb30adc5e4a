"""Stable document numbers for retrievers that refit in place.

A corpus row is a position in the index's slice list, so one file gaining a slice shifts
every row after it. Rewriting each posting that names a shifted row would make a
one-file refit cost as much as a fit. Instead an incrementally refitted retriever numbers
its documents once, when it first sees them, and keeps one small array from the current
rows to those numbers: a refit renumbers that array and touches only the changed slices'
own postings, and scoring sums per document and then reads the sums out in row order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["RowChange", "renumber"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RowChange:
    """How the rows of a corpus map to document numbers after a change.

    Attributes:
        row_docs: The document number of each new row.
        added_rows: New rows whose slices are new (in row order).
        added_docs: The numbers given to them (consecutive, from the first unused one).
        removed_rows: Old rows whose slices left the corpus (in row order).
        removed_docs: Their document numbers.
    """

    row_docs: IntArray
    added_rows: IntArray
    added_docs: IntArray
    removed_rows: IntArray
    removed_docs: IntArray


def renumber(old_row_docs: IntArray, previous_rows: IntArray, next_doc: int) -> RowChange:
    """Carry document numbers over to a changed corpus.

    Args:
        old_row_docs: The document number of each row of the previous corpus.
        previous_rows: For each row of the new corpus, its row in the previous corpus, or
            ``-1`` when its slice is new. No previous row may appear twice.
        next_doc: The first document number not used yet.

    Returns:
        The new rows' numbers, and which documents were added and removed.

    >>> ch = renumber(np.array([0, 1, 2]), np.array([0, -1, 2]), 3)
    >>> ch.row_docs.tolist(), ch.removed_docs.tolist()
    ([0, 3, 2], [1])
    """
    prev = np.asarray(previous_rows, dtype=np.int64)
    kept = prev >= 0
    row_docs = np.empty(len(prev), dtype=np.int64)
    row_docs[kept] = old_row_docs[prev[kept]]
    added_rows = np.flatnonzero(~kept)
    added_docs = np.arange(next_doc, next_doc + len(added_rows), dtype=np.int64)
    row_docs[added_rows] = added_docs
    gone = np.ones(len(old_row_docs), dtype=bool)
    gone[prev[kept]] = False
    removed_rows = np.flatnonzero(gone)
    return RowChange(row_docs, added_rows, added_docs, removed_rows, old_row_docs[removed_rows])
