"""Renderers offer a ladder of cheaper renderings of one slice; the packer chooses.

A renderer never looks at the budget. Every rung is verbatim text from the slice except
for explicit elision markers (``ELISION``), so trimming never invents content.

Ladders, richest first:

* code definitions: ``full`` → ``elided`` (signature + docstring + marker) →
  ``signature`` → ``mention`` (``path:line  name(signature)``); at pack time, long
  functions near the top also get an ``excerpt`` (:func:`~context_kit.renderers.code.excerpt_rung`)
  between ``full`` and ``elided``: the body lines that match the query (and, when more
  than three match, a ``short_excerpt`` of the best three);
* containers (classes): ``full`` → ``skeleton`` (header + member signatures) →
  ``signature`` → ``mention``;
* document sections: ``full`` → ``lead`` (heading + first paragraph) → ``mention``;
* windows and module code: ``full`` → ``mention`` (a window near the top also gets the
  excerpts, at pack time: its lines that match the query);
* commits: ``full`` (message + trimmed diff) → ``headers`` (changed lines only) →
  ``stat`` (subject + file stat) → ``mention``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..types import Rung, Slice
from .code import CodeRenderer, elision_marker
from .commit import CommitRenderer
from .text import TextRenderer

__all__ = [
    "FIDELITY",
    "CodeRenderer",
    "CommitRenderer",
    "Renderer",
    "TextRenderer",
    "default_ladder",
    "elision_marker",
]

from ._fidelity import FIDELITY


@runtime_checkable
class Renderer(Protocol):
    """Offers renderings of a slice."""

    def accepts(self, slice_: Slice) -> bool:
        """Whether this renderer knows the slice's kind."""
        ...

    def ladder(self, slice_: Slice) -> list[Rung]:
        """Rungs, richest (``full``) first; each shorter than the one before.

        A closing ``mention`` (one line citing the slice) is the exception: formatters
        set it as a list line, not a cited block, so it is offered even where its text
        is longer than the block before it, which it still undercuts once formatted.
        """
        ...


_DEFAULT: tuple[Renderer, ...] = (CodeRenderer(), TextRenderer(), CommitRenderer())


def default_ladder(slice_: Slice, renderers: tuple[Renderer, ...] = _DEFAULT) -> list[Rung]:
    """The ladder from the first renderer that accepts the slice (``full`` at least)."""
    for r in renderers:
        if r.accepts(slice_):
            return r.ladder(slice_)
    return [
        Rung(
            name="full",
            text=slice_.text,
            fidelity=1.0,
            start_line=slice_.start_line,
            end_line=slice_.end_line,
        )
    ]
