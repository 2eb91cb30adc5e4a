r"""Jupyter notebooks: one slice per cell's source lines, outputs left out.

A notebook is JSON. Read as text windows, most of it was outputs (a base64 image is one
line of tens of kilobytes, a data frame hundreds of lines), and a query about a
notebook's code matched windows that mixed code, JSON keys and output. Here each cell
becomes a slice of exactly the file lines that hold its ``source`` strings:

* code cells are ``kind="code"`` slices in the notebook's language (its kernel's, else
  Python), named after the first function or class they define (``cell 3`` otherwise),
  defining the top-level functions and classes they define;
* markdown and raw cells are ``kind="doc"`` slices, named after their first heading;
* outputs, execution counts and metadata are in no slice.

Slices stay verbatim: their text is the file's lines, still JSON-quoted (``"x = 1\n",``),
so a citation's lines are the file's and nothing is re-encoded. The layout relied on is
the one Jupyter writes (nbformat 4: one string per source line, each on its own line, in a
list after ``"source": [``); each cell's lines are checked against the parsed JSON, and a
notebook laid out any other way (or not valid JSON) falls back to line windows, as a text
file would.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ..types import Slice
from ._lines import LineTable
from .code import DEFAULT_MAX_SLICE_LINES
from .text import DEFAULT_WINDOW_LINES, line_slice, window_slices
from .walk import FileText

__all__ = ["NotebookSource"]

_SOURCE_OPEN = '"source": ['
_DEFINED = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _cell_lines(table: LineTable, cells: list[Any]) -> list[tuple[int, int] | None] | None:
    """Each cell's source as 1-based inclusive file lines (``None``: an empty source).

    ``None`` when some cell's source cannot be found line for line, in order.
    """
    out: list[tuple[int, int] | None] = []
    line = 1
    n = len(table)
    for cell in cells:
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, str):
            source = [source] if source else []
        if not isinstance(source, list) or not all(isinstance(s, str) for s in source):
            return None
        found = None
        while line <= n and found is None:
            text = table.text(line, line).strip()
            line += 1
            if text in ('"source": []', '"source": [],', '"source": ""', '"source": "",'):
                if not source:
                    found = (0, 0)
            elif text == _SOURCE_OPEN and source and _matches(table, line, source):
                found = (line, line + len(source) - 1)
        if found is None:
            return None
        if found == (0, 0):
            out.append(None)
        else:
            out.append(found)
            line = found[1] + 1
    return out


def _matches(table: LineTable, first: int, source: list[str]) -> bool:
    """Whether lines ``first``.. hold ``source``'s strings, one JSON string per line."""
    if first + len(source) - 1 > len(table):
        return False
    for k, want in enumerate(source):
        raw = table.text(first + k, first + k).strip()
        if raw.endswith(","):
            raw = raw[:-1]
        try:
            if json.loads(raw) != want:
                return False
        except ValueError:
            return False
    return True


def _language(nb: dict[str, Any]) -> str:
    meta = nb.get("metadata")
    if isinstance(meta, dict):
        for key, field in (("kernelspec", "language"), ("language_info", "name")):
            value = meta.get(key)
            if isinstance(value, dict) and isinstance(value.get(field), str) and value[field]:
                return str(value[field]).lower()
    return "python"


class NotebookSource:
    """Slices ``.ipynb`` notebooks by cell (see the module's docstring).

    Args:
        window: Lines per window of a notebook that falls back to windows, and of the
            parts of a cell longer than ``DEFAULT_MAX_SLICE_LINES`` (200).
    """

    name = "notebook"
    version = "1"

    def __init__(self, *, window: int = DEFAULT_WINDOW_LINES) -> None:
        self.window = window

    def accepts(self, path: str) -> bool:
        """Accepts ``*.ipynb`` files."""
        return path.lower().endswith(".ipynb")

    def slices(self, file: FileText) -> list[Slice]:
        """One slice per non-empty cell, or line windows for a notebook of another layout."""
        table = LineTable(file.text)
        try:
            nb = json.loads(file.text)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            nb = None
        cells = nb.get("cells") if isinstance(nb, dict) else None
        if not isinstance(cells, list) or (spans := _cell_lines(table, cells)) is None:
            return window_slices(file.path, table, language="ipynb", window=self.window)
        language = _language(nb)
        out: list[Slice] = []
        for number, (cell, span) in enumerate(zip(cells, spans, strict=True), 1):
            if span is None:
                continue
            code = "".join(cell["source"])  # a list of lines, or one string
            if not code.strip():
                continue
            is_code = cell.get("cell_type") == "code"
            if is_code:
                defined = tuple(dict.fromkeys(_DEFINED.findall(code)))
                name = defined[0] if defined else f"cell {number}"
            else:
                defined = ()
                heading = _HEADING.search(code)
                name = heading.group(1) if heading else f"cell {number}"
            out.extend(self._cell(file.path, table, span, name, is_code, language, defined, number))
        return out

    def _cell(
        self,
        path: str,
        table: LineTable,
        span: tuple[int, int],
        name: str,
        is_code: bool,
        language: str,
        defined: tuple[str, ...],
        number: int,
    ) -> list[Slice]:
        a, b = span
        kind: Literal["code", "doc"] = "code" if is_code else "doc"
        # A cell as long as a definition a code file would split is cut into windows.
        pieces = (
            [(a, b)]
            if b - a + 1 <= DEFAULT_MAX_SLICE_LINES
            else [(s, min(s + self.window - 1, b)) for s in range(a, b + 1, self.window)]
        )
        out = []
        for k, (lo, hi) in enumerate(pieces, 1):
            out.append(
                line_slice(
                    kind,
                    path,
                    table,
                    lo,
                    hi,
                    name=name,
                    symbol_kind="cell",
                    language=language if is_code else "markdown",
                    defines=defined if k == 1 else (),
                    part=(k, len(pieces)) if len(pieces) > 1 else None,
                    meta={"cell": str(number)},
                )
            )
        return out
