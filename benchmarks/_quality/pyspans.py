"""Enclosing function/method/class spans of lines, computed with Python's ``ast``.

Conventions (used for the mined commit tasks, mirroring the SWE-bench gold file):

* A gold line maps to its **innermost** enclosing ``def`` / ``async def`` / ``class``.
  A line directly in a class body (docstring, attribute) maps to the class itself
  (``kind == "class"``); module-level lines map to nothing.
* Qualified names join the enclosing chain with dots: ``Class.method``,
  ``func.inner``, ``Outer.Inner.method``.
* ``start`` is the first **decorator** line when decorated (a full rendering of a
  function includes its decorators), else the ``def``/``class`` line; ``end`` is
  ``end_lineno``.  Both 1-based inclusive, in the pre-change file.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Span:
    """A named definition span in a file."""

    name: str
    kind: str
    start: int
    end: int


def definition_spans(source: str) -> list[Span] | None:
    """All def/class spans (nested ones too) in ``source``; None when it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes in old code
            tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    spans: list[Span] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _DEF_NODES):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                end = child.end_lineno or child.lineno
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                spans.append(Span(name, kind, start, end))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def enclosing_spans(spans: list[Span], lines: list[int]) -> list[Span]:
    """Innermost span enclosing each line (deduplicated, in file order)."""
    found: dict[Span, None] = {}
    for ln in lines:
        best: Span | None = None
        for sp in spans:
            if sp.start <= ln <= sp.end and (
                best is None or sp.end - sp.start < best.end - best.start
            ):
                best = sp
        if best is not None:
            found[best] = None
    return sorted(found, key=lambda s: (s.start, s.end))
