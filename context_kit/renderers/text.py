"""Renderings of document sections and commits: full → lead → mention."""

from __future__ import annotations

from ..types import Rung, Slice
from ._fidelity import FIDELITY
from .code import _strictly_shrinking, elision_marker

__all__ = ["TextRenderer"]


class TextRenderer:
    """Ladders for document sections (and any non-code slice).

    Args:
        fidelity: Fidelity per rung name (defaults to ``FIDELITY``).
    """

    def __init__(self, *, fidelity: dict[str, float] | None = None) -> None:
        self.fidelity = fidelity or FIDELITY

    def accepts(self, slice_: Slice) -> bool:
        """Document slices."""
        return slice_.kind == "doc"

    def ladder(self, slice_: Slice) -> list[Rung]:
        """Full section, its heading and first paragraph, its heading path."""
        a, b = slice_.start_line, slice_.end_line
        f = self.fidelity
        rungs = [Rung(name="full", text=slice_.text, fidelity=f["full"], start_line=a, end_line=b)]
        lines = slice_.text.splitlines(keepends=True)
        if a is not None and b is not None and len(lines) > 1:
            # Heading (if any) plus the first non-blank paragraph after it.
            i = 0
            seen_text = False
            while i < len(lines):
                blank = not lines[i].strip()
                if blank and seen_text and i > 1:
                    break
                seen_text = seen_text or not blank
                i += 1
            if i < len(lines):
                text = "".join(lines[:i])
                if not text.endswith("\n"):
                    text += "\n"
                text += elision_marker("", a + i, b)
                rungs.append(
                    Rung(name="lead", text=text, fidelity=f["lead"], start_line=a, end_line=b)
                )
        crumb = slice_.name or (slice_.path or "")
        rungs.append(
            Rung(
                name="mention",
                text=f"{slice_.path}:{a}  {crumb}\n",
                fidelity=f["mention"],
                start_line=a,
                end_line=a,
            )
        )
        return _strictly_shrinking(rungs)
