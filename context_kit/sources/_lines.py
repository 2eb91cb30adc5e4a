r"""Line arithmetic shared by sources and renderers.

Lines are split on ``\\n`` only — never on form feeds or Unicode line separators — so line
numbers agree with git, editors and the ``path:start-end`` citations a reader checks.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate
from operator import methodcaller

__all__ = ["LineTable", "split_lines"]

_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


def split_lines(text: str) -> list[str]:
    r"""Split on ``\\n``, keeping each line's terminator (``\\r\\n`` stays whole)."""
    if not text:
        return []
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


class LineTable:
    """Maps between 1-based line numbers, byte offsets and verbatim line text of one file.

    Args:
        text: The decoded file text.
    """

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        # Byte lengths without a Python-level loop: an ASCII line has as many bytes as
        # characters (most files are ASCII throughout); others are encoded, still in C.
        if text.isascii():
            sizes: Iterable[int] = map(len, self.lines)
        else:
            sizes = map(len, map(_ENCODE, self.lines))
        self._byte_starts = list(accumulate(sizes, initial=0))

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, start: int, end: int) -> str:
        """Lines ``start..end`` (1-based, inclusive) verbatim."""
        return "".join(self.lines[start - 1 : end])

    def byte_start(self, line: int) -> int:
        """Byte offset where 1-based ``line`` starts."""
        return self._byte_starts[line - 1]

    def byte_end(self, line: int) -> int:
        """Byte offset just past 1-based ``line``."""
        return self._byte_starts[line]

    def line_of_byte(self, offset: int) -> int:
        """The 1-based line holding byte ``offset``."""
        return bisect.bisect_right(self._byte_starts, offset) - 1 + 1

    def point_of_byte(self, offset: int) -> tuple[int, int]:
        """tree-sitter's point of byte ``offset``: its 0-based row and byte column."""
        row = bisect.bisect_right(self._byte_starts, offset) - 1
        if row == len(self.lines) and row and not self.lines[-1].endswith("\n"):
            row -= 1  # the end of a last line without a line break is still on that line
        return row, offset - self._byte_starts[row]

    def is_blank(self, line: int) -> bool:
        """Whether 1-based ``line`` holds only whitespace."""
        return not self.lines[line - 1].strip()

    def window_end(self, first: int, max_lines: int) -> int:
        """Where a part of at most ``max_lines`` lines starting at ``first`` should end.

        At the window's last blank line (after ``first``), so whatever the blank lines
        separate stays whole; with none, at the window's last line.
        """
        end = first + max_lines - 1
        return next((n for n in range(end, first, -1) if self.is_blank(n)), end)

    def trim_blank(self, first: int, last: int) -> tuple[int, int]:
        """Lines ``first..last`` without their leading and trailing blank lines.

        The result has ``start > end`` when every line in the range is blank.
        """
        while first <= last and self.is_blank(first):
            first += 1
        while last >= first and self.is_blank(last):
            last -= 1
        return first, last
