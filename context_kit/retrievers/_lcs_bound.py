"""A cheap upper bound on the longest common subsequence, to skip hopeless fuzzy pairs.

rapidfuzz's ``fuzz.ratio`` is ``200 * LCS(a, b) / (len(a) + len(b))``. A common subsequence
uses each character no more often than either string holds it, so

    LCS(a, b) <= sum over characters c of min(count_a(c), count_b(c)).

That sum stays an upper bound when characters are merged into classes (the minimum of
two sums is at least the sum of the minimums) and when each class's count is capped at
``LEVELS`` and the excess added back as ``min(excess(a), excess(b))``. With 32 classes and
two levels, a string's capped counts fit one 64-bit word (bit ``2k`` = "class ``k``
occurs", bit ``2k + 1`` = "occurs twice"), and the capped sum for a pair is the popcount
of the two words ANDed: a few vectorised operations over every name, where rapidfuzz
costs a call per pair. Among names of a similar length, the bound rules out all but a
handful for a typical ratio cutoff (88), and rapidfuzz scores only those.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["CharSignatures", "char_classes", "popcount", "signature"]

CLASSES = 32
"""Character classes: a-z, ``_``, digits in four groups, and everything else."""

LEVELS = 2
"""Capped count per class kept in the signature word (``CLASSES * LEVELS`` = 64 bits)."""

_OTHER = CLASSES - 1

# Ratio points a bound may fall short of the cutoff and still be kept: absorbs rounding in
# rapidfuzz's floating-point comparison, so a pair exactly at the cutoff is never lost.
_SLACK = 1e-6


def _class_table() -> npt.NDArray[np.int64]:
    table = np.full(128, _OTHER, dtype=np.int64)
    for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz"):
        table[ord(ch)] = i
        table[ord(ch.upper())] = i
    table[ord("_")] = 26
    for d in range(10):
        table[ord("0") + d] = 27 + d * 4 // 10
    return table


_TABLE = _class_table()
_TABLE_LIST: list[int] = _TABLE.tolist()


def char_classes(text: str) -> list[int]:
    """The class of each character of ``text``."""
    return [_TABLE_LIST[o] if o < 128 else _OTHER for o in map(ord, text)]


def signature(text: str) -> tuple[int, int]:
    """``(word, excess)`` of one string: the plain-Python twin of the vectorised version.

    A probe is one short string, for which a loop beats a dozen array operations.
    """
    counts: dict[int, int] = {}
    for c in char_classes(text):
        counts[c] = counts.get(c, 0) + 1
    word = 0
    excess = 0
    for k, count in counts.items():
        for t in range(min(count, LEVELS)):
            word |= 1 << (k * LEVELS + t)
        excess += max(0, count - LEVELS)
    return word, excess


def _class_counts(strings: Sequence[str], cells: int) -> npt.NDArray[np.int64]:
    """Count of each character class in each string, shape ``(len(strings), CLASSES)``."""
    n = len(strings)
    out = np.zeros((n, CLASSES), dtype=np.int64)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=n)
    start = 0
    while start < n:
        # Chunks of at most ``cells`` padded characters, so one very long string cannot
        # blow the padded array up to (count x longest) cells.
        widest = np.maximum.accumulate(lengths[start:])
        padded = widest * np.arange(1, n - start + 1)
        stop = start + max(1, int(np.searchsorted(padded, cells, side="right")))
        out[start:stop] = _chunk_counts(strings[start:stop], lengths[start:stop])
        start = stop
    return out


def _chunk_counts(strings: Sequence[str], lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    n = len(strings)
    width = int(lengths.max())
    if width == 0:
        return np.zeros((n, CLASSES), dtype=np.int64)
    # A fixed-width unicode array is one UTF-32 code point per cell, zero-padded; the
    # padding is masked by length (a real NUL character is still counted).
    codes = np.asarray(list(strings), dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    classes = np.where(codes < 128, _TABLE[np.minimum(codes, 127)], _OTHER)
    valid = np.arange(width) < lengths[:, None]
    flat = (np.arange(n)[:, None] * CLASSES + classes)[valid]
    return np.bincount(flat, minlength=n * CLASSES).reshape(n, CLASSES)


_CELLS = 1 << 20


def popcount(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Set bits of each 64-bit word."""
    bitwise_count = getattr(np, "bitwise_count", None)  # numpy >= 2.0
    if bitwise_count is None:
        return _popcount_swar(words)
    out: npt.NDArray[np.int64] = bitwise_count(words).astype(np.int64)
    return out


def _popcount_swar(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    # The classic SWAR popcount, for numpy < 2.0 (no bitwise_count).
    m1, m2, m4 = (
        np.uint64(0x5555555555555555),
        np.uint64(0x3333333333333333),
        np.uint64(0x0F0F0F0F0F0F0F0F),
    )
    x = words.astype(np.uint64)
    x = x - ((x >> np.uint64(1)) & m1)
    x = (x & m2) + ((x >> np.uint64(2)) & m2)
    x = (x + (x >> np.uint64(4))) & m4
    out: npt.NDArray[np.int64] = ((x * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(
        np.int64
    )
    return out


class CharSignatures:
    """Signature words of a list of strings, for bounding their LCS with a probe.

    Args:
        strings: The strings (kept by reference: ``strings is signatures.strings`` tells a
            caller whether the signatures still describe its list).
    """

    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = strings
        self.lengths, self.words, self.excess = self._signatures(strings)

    def edited(
        self, strings: Sequence[str], edits: Sequence[tuple[int, str | None]]
    ) -> CharSignatures:
        """The signatures of ``strings``: this list's, with ``edits`` applied in order.

        Each edit is ``(i, None)`` (the string at ``i`` was deleted) or ``(i, s)`` (``s``
        was inserted at ``i``), exactly as they were applied to the list. Equal to
        ``CharSignatures(strings)``, for the cost of the edits rather than of every string.
        """
        lengths, words, excess = self.lengths, self.words, self.excess
        for i, text in edits:
            if text is None:
                lengths, words, excess = (
                    np.delete(lengths, i),
                    np.delete(words, i),
                    np.delete(excess, i),
                )
            else:
                one_len, one_word, one_excess = self._signatures([text])
                lengths = np.insert(lengths, i, one_len)
                words = np.insert(words, i, one_word)
                excess = np.insert(excess, i, one_excess)
        out = CharSignatures.__new__(CharSignatures)
        out.strings, out.lengths, out.words, out.excess = strings, lengths, words, excess
        return out

    @staticmethod
    def _signatures(
        strings: Sequence[str],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        counts = _class_counts(strings, _CELLS)
        levels = np.stack([counts >= t for t in range(1, LEVELS + 1)], axis=2)
        bits = np.packbits(
            levels.reshape(len(strings), CLASSES * LEVELS), axis=1, bitorder="little"
        )
        words = np.ascontiguousarray(bits).view("<u8").reshape(len(strings)).astype(np.uint64)
        excess = np.maximum(counts - LEVELS, 0).sum(axis=1)
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        return lengths, words, excess

    def upper_bounds(self, probe: str, lo: int, hi: int) -> npt.NDArray[np.int64]:
        """An upper bound on ``LCS(probe, strings[i])`` for each ``i`` in ``lo:hi``."""
        word, excess = signature(probe)
        shared = popcount(self.words[lo:hi] & np.uint64(word))
        out: npt.NDArray[np.int64] = shared + np.minimum(self.excess[lo:hi], excess)
        return out

    def may_reach(self, probe: str, lo: int, hi: int, cutoff: float) -> npt.NDArray[np.int64]:
        """Indices ``i`` in ``lo:hi`` whose ratio with ``probe`` may reach ``cutoff`` (0-100).

        Never leaves out a string whose ``fuzz.ratio`` with ``probe`` is at least
        ``cutoff``; the few it keeps below the cutoff are for rapidfuzz to reject.
        """
        bound = self.upper_bounds(probe, lo, hi)
        total = self.lengths[lo:hi] + len(probe)
        keep = 200.0 * bound >= (cutoff - _SLACK) * total
        out: npt.NDArray[np.int64] = np.flatnonzero(keep) + lo
        return out
