"""``bm25-chunks``: BM25 over function-sized chunks, a stronger sparse baseline.

Whole-file packing wastes small budgets (most files do not fit 2-4k tokens), so this
baseline ranks smaller units with the same BM25 and packs them verbatim:

* **Units** (per non-test source file, from :mod:`pyspans`): every function or method
  not nested inside another function (decorators included); the remaining lines
  (imports, module constants, class headers and attributes) form gap regions, split
  into windows of at most ``GAP_WINDOW_LINES`` lines.  Files that do not parse (and
  the ``polyglot`` task set's other languages) are split into such windows only.
  Blank-only regions are dropped.
* **Ranking**: BM25 (``systems.BM25``) over ``path + chunk text``; ties by path, line.
* **Packing**: chunks ``"<path>:<start>-<end>\\n<lines>\\n"`` greedily in rank order,
  skipping any that does not fit; items are ``full`` with exact line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .metrics import Pack, PackItem, count_tokens, source_suffixes, split_lines
from .pyspans import definition_spans
from .systems import BM25, SourceFiles, tokenize
from .tasks import Task

# Window for non-function code: about one screen, comparable to a medium function.
GAP_WINDOW_LINES = 60


@dataclass(frozen=True)
class Chunk:
    """A verbatim line range of a file (1-based inclusive)."""

    path: str
    start: int
    end: int
    text: str

    def rendered(self) -> str:
        """Packed form: a ``path:start-end`` header line, then the lines."""
        return f"{self.path}:{self.start}-{self.end}\n{self.text}\n"


def _windows(path: str, lines: list[str], start: int, end: int) -> list[Chunk]:
    out = []
    for s in range(start, end + 1, GAP_WINDOW_LINES):
        e = min(end, s + GAP_WINDOW_LINES - 1)
        body = lines[s - 1 : e]
        if any(ln.strip() for ln in body):
            out.append(Chunk(path, s, e, "\n".join(body)))
    return out


def file_chunks(path: str, text: str) -> list[Chunk]:
    """Split one file into function chunks and windows of the remaining lines."""
    lines = split_lines(text)
    if not lines:
        return []
    spans = definition_spans(text) or []
    funcs = [sp for sp in spans if sp.kind == "function"]
    # Keep functions that are not inside another function (methods of classes stay).
    units = sorted(
        (
            f
            for f in funcs
            if not any(o is not f and o.start <= f.start and f.end <= o.end for o in funcs)
        ),
        key=lambda sp: sp.start,
    )
    chunks: list[Chunk] = []
    cursor = 1
    for u in units:
        if u.start < cursor:  # overlapping decorators etc.: skip defensively
            continue
        chunks += _windows(path, lines, cursor, u.start - 1)
        chunks.append(Chunk(path, u.start, u.end, "\n".join(lines[u.start - 1 : u.end])))
        cursor = u.end + 1
    chunks += _windows(path, lines, cursor, len(lines))
    return chunks


@dataclass
class ChunkState:
    """Per-state data: chunks, their BM25 index, lazily counted tokens, cached rankings."""

    chunks: list[Chunk]
    bm25: BM25
    tokens: dict[int, int] = field(default_factory=dict)
    rankings: dict[str, list[int]] = field(default_factory=dict)

    def chunk_tokens(self, i: int) -> int:
        """cl100k tokens of chunk ``i`` rendered (cached)."""
        if i not in self.tokens:
            self.tokens[i] = count_tokens(self.chunks[i].rendered())
        return self.tokens[i]


class BM25Chunks:
    """BM25 over function-sized chunks packed verbatim in rank order."""

    name = "bm25-chunks"

    def prepare(self, task: Task, checkout: Path) -> ChunkState:
        """Chunk every source file and index the chunks."""
        files = SourceFiles.load(checkout, source_suffixes(task.task_set))
        chunks = [c for p in files.paths for c in file_chunks(p, files.texts[p])]
        return ChunkState(chunks, BM25([tokenize(c.path + "\n" + c.text) for c in chunks]))

    def pack(self, state: ChunkState, task: Task, budget: int) -> Pack:
        """Greedy packing of positive-score chunks in rank order, skipping misfits."""
        if task.query not in state.rankings:
            scores = state.bm25.scores(tokenize(task.query))
            order = sorted(
                (i for i, sc in enumerate(scores) if sc > 0),
                key=lambda i: (-scores[i], state.chunks[i].path, state.chunks[i].start),
            )
            state.rankings[task.query] = order
        chosen: list[int] = []
        used = 0
        for i in state.rankings[task.query]:
            t = state.chunk_tokens(i)
            if used + t <= budget:
                chosen.append(i)
                used += t
        while True:
            text = "".join(state.chunks[i].rendered() for i in chosen)
            if not chosen or count_tokens(text) <= budget:
                break
            chosen.pop()  # defensive: per-chunk counts disagreed with the whole-text count
        items = [
            PackItem(c.path, c.start, c.end, "full", "code", state.chunk_tokens(i))
            for i in chosen
            for c in [state.chunks[i]]
        ]
        return Pack(text=text, items=items, reported_tokens=sum(it.tokens or 0 for it in items))
