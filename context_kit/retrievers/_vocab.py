"""A fitted vocabulary (term -> column) in about a tenth of a dict's memory.

A large tree's BM25 fit has 10^5-10^6 distinct terms. As a ``dict[str, int]`` that is
about 120 bytes a term (the string object, the int, the table): 28 MB on a 57 MB tree,
kept for the life of the index and pickled into the fit cache. Queries look up tens of
terms and an update a file's worth, so nothing needs a hash table's speed. Here the terms
are grouped by their UTF-8 length, each group a sorted fixed-width byte array with the
columns beside it: a term costs its bytes plus four, and a lookup is a binary search in
numpy. Terms that a refit adds go to a small dict until the next fit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Vocabulary"]


class Vocabulary:
    """A read-mostly ``term -> column`` mapping; columns are ``0..len-1``.

    Args:
        terms: The terms in column order (``terms[c]`` has column ``c``); no repeats, no
            NUL character (fixed-width byte arrays pad with NUL).
    """

    __slots__ = ("_added", "_cols", "_keys", "_size")

    def __init__(self, terms: Sequence[str]) -> None:
        encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        self._keys: dict[int, npt.NDArray[np.bytes_]] = {}
        self._cols: dict[int, npt.NDArray[np.int32]] = {}
        order = np.argsort(lengths, kind="stable")
        bounds = np.flatnonzero(np.diff(lengths[order])) + 1
        for group in np.split(order, bounds) if len(order) else []:
            width = int(lengths[group[0]])
            keys = np.array([encoded[i] for i in group.tolist()], dtype=f"S{max(width, 1)}")
            by_key = np.argsort(keys, kind="stable")
            self._keys[width] = keys[by_key]
            self._cols[width] = group[by_key].astype(np.int32)
        self._added: dict[str, int] = {}
        self._size = len(encoded)

    def __len__(self) -> int:
        return self._size

    def get(self, term: str, default: int | None = None) -> int | None:
        """The column of ``term``, or ``default`` when it is not in the vocabulary."""
        found = int(self.columns([term])[0])
        return default if found < 0 else found

    def __getitem__(self, term: str) -> int:
        found = self.get(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def columns(self, terms: Sequence[str], *, add: bool = False) -> npt.NDArray[np.int64]:
        """The column of each of ``terms`` (``-1`` when missing), in one search per length.

        With ``add``, missing terms are added first, in order, so none is ``-1``.
        """
        out = np.full(len(terms), -1, dtype=np.int64)
        encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
        by_width: dict[int, list[int]] = {}
        for i, key in enumerate(encoded):
            by_width.setdefault(len(key), []).append(i)
        for width, rows in by_width.items():
            keys = self._keys.get(width)
            if keys is None:
                continue
            wanted = np.array([encoded[i] for i in rows], dtype=keys.dtype)
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            hit = keys[at] == wanted
            out[np.asarray(rows)[hit]] = self._cols[width][at[hit]]
        for i in np.flatnonzero(out < 0).tolist():
            found = self._added.get(terms[i])
            if found is None and add:
                found = self._added[terms[i]] = self._size
                self._size += 1
            if found is not None:
                out[i] = found
        return out

    def items(self) -> Iterator[tuple[str, int]]:
        """Every ``(term, column)``, grouped by length (fitted terms) then in order added."""
        for width, keys in self._keys.items():
            cols = self._cols[width].tolist()
            yield from zip(
                (k.decode("utf-8", "surrogatepass") for k in keys.tolist()), cols, strict=True
            )
        yield from self._added.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Vocabulary):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} terms)"
