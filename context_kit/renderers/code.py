"""Renderings of code slices: full → elided → signature → mention."""

from __future__ import annotations

from ..types import Rung, Slice
from ._fidelity import FIDELITY

__all__ = ["CodeRenderer", "elision_marker", "mention_line"]

_CLOSERS = frozenset({"}", "};", "end", "})", "});", "]", ")", "esac", "fi", "done"})
"""Lines that only close a block; kept after an elision so brackets still balance."""

# A mention quotes at most this many characters of the signature line.
_MENTION_CHARS = 160


def elision_marker(indent: str, first: int, last: int) -> str:
    """The one line of text a rung may add: where lines were left out."""
    return f"{indent}... (lines {first}-{last} elided)\n"


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def mention_line(slice_: Slice) -> str:
    """``path:line  name: first signature line`` — the cheapest rung, verbatim bits only."""
    first = next((ln.strip() for ln in slice_.text.splitlines() if ln.strip()), "")
    head = f"{slice_.path}:{slice_.start_line}  {slice_.name}"
    return f"{head}: {first[:_MENTION_CHARS]}\n" if first else f"{head}\n"


class CodeRenderer:
    """Ladders for code slices.

    Args:
        fidelity: Fidelity per rung name (defaults to ``FIDELITY``).
    """

    def __init__(self, *, fidelity: dict[str, float] | None = None) -> None:
        self.fidelity = fidelity or FIDELITY

    def accepts(self, slice_: Slice) -> bool:
        """Code slices."""
        return slice_.kind == "code"

    def ladder(self, slice_: Slice) -> list[Rung]:
        """Full text, then cheaper rungs where the slice has a signature to keep."""
        a, b = slice_.start_line, slice_.end_line
        f = self.fidelity
        rungs = [Rung(name="full", text=slice_.text, fidelity=f["full"], start_line=a, end_line=b)]
        if a is None or b is None:
            return rungs
        lines = slice_.text.splitlines(keepends=True)
        if slice_.signature_end_line is not None and slice_.symbol_kind in (
            "function",
            "method",
            "class",
        ):
            sig_end = slice_.signature_end_line
            head_end = max(sig_end, slice_.doc_end_line or sig_end)
            if head_end < b:
                body = lines[head_end - a + 1 :]
                indent = _indent_of(next((ln for ln in body if ln.strip()), ""))
                tail = lines[-1] if lines[-1].strip() in _CLOSERS else ""
                cut_end = b - 1 if tail else b
                if head_end < cut_end:
                    text = "".join(lines[: head_end - a + 1])
                    if not text.endswith("\n"):
                        text += "\n"
                    text += elision_marker(indent, head_end + 1, cut_end) + tail
                    rungs.append(
                        Rung(
                            name="elided", text=text, fidelity=f["elided"], start_line=a, end_line=b
                        )
                    )
            if sig_end < b:
                text = "".join(lines[: sig_end - a + 1])
                rungs.append(
                    Rung(
                        name="signature",
                        text=text,
                        fidelity=f["signature"],
                        start_line=a,
                        end_line=sig_end,
                    )
                )
        rungs.append(
            Rung(
                name="mention",
                text=mention_line(slice_),
                fidelity=f["mention"],
                start_line=a,
                end_line=a,
            )
        )
        return _strictly_shrinking(rungs)


def _strictly_shrinking(rungs: list[Rung]) -> list[Rung]:
    """Drop rungs that are not shorter than the rung before them (they add nothing)."""
    out = [rungs[0]]
    for r in rungs[1:]:
        if len(r.text) < len(out[-1].text):
            out.append(r)
    return out
