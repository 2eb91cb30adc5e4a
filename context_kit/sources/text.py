"""Line-window slices for readable files without a grammar, so nothing readable is invisible."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..types import Slice
from ._lines import LineTable
from .walk import FileText

if TYPE_CHECKING:  # code.py imports this module
    from .code import CodeSource

__all__ = ["DEFAULT_WINDOW_LINES", "TextSource", "line_slice", "window_slices"]

DEFAULT_WINDOW_LINES = 60
"""Lines per window: about one screen, small enough to rank and cite precisely."""

# A window may stretch this many lines past its nominal size to end at a blank line,
# so windows tend to break between paragraphs or blocks rather than mid-block.
_WINDOW_SLACK = 15


def line_slice(
    kind: Literal["code", "doc"], path: str, table: LineTable, a: int, b: int, **fields: Any
) -> Slice:
    """The slice of lines ``a``..``b`` (1-based, inclusive) of ``table``.

    Its text is those lines verbatim, with their byte span and the ``kind:path:a-b`` id;
    ``fields`` gives the rest (name, symbol kind, language...).
    """
    return Slice(
        id=f"{kind}:{path}:{a}-{b}",
        kind=kind,
        path=path,
        start_line=a,
        end_line=b,
        start_byte=table.byte_start(a),
        end_byte=table.byte_end(b),
        text=table.text(a, b),
        **fields,
    )


def window_slices(
    path: str,
    table: LineTable,
    *,
    language: str | None,
    window: int = DEFAULT_WINDOW_LINES,
    kind: str = "code",
    first: int = 1,
    last: int | None = None,
) -> list[Slice]:
    """Cut a file (or its lines ``first..last``) into windows of about ``window`` lines.

    Windows prefer to end on a blank line; blank lines at their edges are trimmed.
    """
    n = len(table)
    stop = n if last is None else min(last, n)
    out: list[Slice] = []
    start = max(first, 1)
    while start <= stop:
        end = min(start + window - 1, stop)
        if end < stop:
            for extra in range(_WINDOW_SLACK + 1):
                if end + extra >= stop or table.is_blank(end + extra):
                    end = min(end + extra, stop)
                    break
        a, b = table.trim_blank(start, end)
        if a <= b:
            name = path.rsplit("/", 1)[-1]
            out.append(
                line_slice(
                    "doc" if kind == "doc" else "code",
                    path,
                    table,
                    a,
                    b,
                    name=name if (a, b) == (1, n) else f"{name} lines {a}-{b}",
                    symbol_kind="window",
                    language=language,
                )
            )
        start = end + 1
    return out


class TextSource:
    """The fallback source: any readable text file becomes line windows.

    Args:
        window: Lines per window.
        scripts: Slice a script without a known extension (``bin/deploy`` starting
            ``#!/usr/bin/env ruby``) as code of its interpreter's language.
        code: The source that slices those scripts (default ``CodeSource()``); pass the
            ``CodeSource`` of the same index so its options (``max_slice_lines``) hold for
            scripts too, as ``Index.build`` does.
    """

    name = "text"
    version = "2"

    def __init__(
        self,
        *,
        window: int = DEFAULT_WINDOW_LINES,
        scripts: bool = True,
        code: CodeSource | None = None,
    ) -> None:
        from .code import CodeSource

        self.window = window
        self.scripts = scripts
        self.code = code if code is not None else CodeSource()

    def accepts(self, path: str) -> bool:
        """Accepts every file (it is the last source consulted)."""
        return True

    def slices(self, file: FileText) -> list[Slice]:
        """Windows over the file, or code slices for a script.

        A script is a file whose ``#!`` line names an interpreter with a grammar (see
        :func:`~context_kit.sources.languages.language_for_shebang`); ``scripts=False``
        reads it as windows too.
        """
        if self.scripts and file.text.startswith("#!"):
            from .languages import language_for_shebang

            if language_for_shebang(file.text) is not None:
                return self.code.slices(file)
        dot = file.path.rfind(".")
        ext = file.path[dot + 1 :].lower() if dot > file.path.rfind("/") else None
        return window_slices(file.path, LineTable(file.text), language=ext, window=self.window)
