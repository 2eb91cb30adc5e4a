"""Renderings of commit slices: full → headers → stat → mention.

* ``full``: header, message, file stat and the diff as indexed (already trimmed to the
  source's cap, with markers where hunks were cut);
* ``headers``: header and message, then per file only the ``---``/``+++`` and ``@@`` lines and
  the changed (``+``/``-``) lines — context lines are left out;
* ``stat``: the ``commit`` line, the subject and the file stat;
* ``mention``: ``<short id>  <subject>``.

Every rung is made of lines of the slice's text (plus elision markers), located by the
section line numbers the git source records in ``meta``.
"""

from __future__ import annotations

from ..types import Rung, Slice
from ._fidelity import FIDELITY
from .code import _strictly_shrinking

__all__ = ["SHORT_SHA", "CommitRenderer"]

SHORT_SHA = 12
"""Characters of the commit id a mention shows."""


def _section(slice_: Slice, key: str) -> int | None:
    v = slice_.meta.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


class CommitRenderer:
    """Ladders for commit slices.

    Args:
        fidelity: Fidelity per rung name (defaults to ``FIDELITY``).
    """

    def __init__(self, *, fidelity: dict[str, float] | None = None) -> None:
        self.fidelity = fidelity or FIDELITY

    def accepts(self, slice_: Slice) -> bool:
        """Commit slices."""
        return slice_.kind == "commit"

    def ladder(self, slice_: Slice) -> list[Rung]:
        """Full commit, changed lines only, subject and stat, one-line mention."""
        f = self.fidelity
        rungs = [Rung(name="full", text=slice_.text, fidelity=f["full"])]
        lines = slice_.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        msg = _section(slice_, "message_line")
        stat = _section(slice_, "stat_line")
        diff = _section(slice_, "diff_line")
        if msg is not None and stat is not None:
            if diff is not None:
                changed = [
                    ln
                    for ln in lines[diff:]
                    if not ln.startswith(" ") and ln != ""  # context lines are dropped
                ]
                text = "\n".join(lines[:stat] + changed) + "\n"
                rungs.append(Rung(name="headers", text=text, fidelity=f["headers"]))
            end = diff - 1 if diff is not None else len(lines)
            stat_text = "\n".join([lines[0], lines[msg], *lines[stat:end]]) + "\n"
            rungs.append(Rung(name="stat", text=stat_text, fidelity=f["stat"]))
        sha = slice_.commit or ""
        rungs.append(
            Rung(name="mention", text=f"{sha[:SHORT_SHA]}  {slice_.name}\n", fidelity=f["mention"])
        )
        return _strictly_shrinking(rungs)
