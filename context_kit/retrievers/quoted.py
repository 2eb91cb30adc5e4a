"""Source lines a query quotes verbatim: a traceback's frames, a pasted snippet.

An issue that pastes a traceback quotes the very lines that ran (``--> 253 elif
len(arrays) == 0:``, ``    raise ValueError("PVSystem must have at least one Array.")``);
their words are common (``elif``, ``len``, ``raise``), so BM25 weighs them little, yet the
line itself is usually found in one or two slices, and those are where the error
surfaced. This step finds each code-like line of the query in the slices that hold it
(whitespace aside) and scores them: a line found in one slice gives it 1, a line found in
``n`` slices gives each ``1 / n``, and a line found in more than ``max_hits`` slices
(``return None``) nothing. The candidates come from the BM25 postings of the line's two
rarest terms, so nothing is indexed for this step.

Measured on the quality benchmark (fresh caches, 2026-11-24, recall averaged over 2k-32k
tokens, file / function / line): at weight 1.0 the 22 SWE-bench tasks went from .891 /
.743 / .762 to .900 / .762 / .786 (astroid 1978 found at 2k and 4k, pvlib 1854 at 2k;
sqlfluff 1517 lost a sixth of its lines at 2k) and no commit or polyglot task moved. At
0.5: .891 / .762 / .773. Reading the script an issue pastes before its traceback first,
imports included, had cost pvlib 1606 its answer at 2k (the pasted lines are in the
repository's examples): traceback lines now come first and imports count for nothing.
Code spans in prose (``len(self.content)``) were added later: of the 243 tasks, six quote
one that qualifies, and one gold slice moved (requests' ``Response.json`` from rank 8 to
1); no recall figure moved, as its file's other slices had already brought it in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..types import Slice
from ._terms import terms
from .base import Scores
from .bm25 import BM25Retriever

__all__ = ["QuotedLines", "quoted_lines"]

# What a traceback or a console puts before a quoted line: an arrow, a line number,
# a prompt (IPython's ``---> 253``, the REPL's ``>>>`` and ``...``, a ``|`` gutter).
_DECORATION = re.compile(r"^\s*(?:-+>|>>>|\.\.\.|>|\|)?\s*(?:\d+\s*[|:]?\s+)?")
# A Python traceback's frame line; the next line quotes the source that ran.
_FRAME = re.compile(r'^\s*File "[^"]+", line \d+')
_IMPORT = re.compile(r"^(?:from\s+\S+\s+)?import\s")
_CODE_MARK = re.compile(r"[()\[\]{}=;]|\.\w|::|->")
_WORD = re.compile(r"\w+")
_MIN_CHARS = 16
_MIN_WORDS = 3
_MAX_LINES = 40
# Inline code in Markdown prose: ``len(self.content)`` quotes a fragment of a line.
_SPAN = re.compile(r"(`+)([^`\n]+?)\1")


def quoted_lines(query: str) -> list[str]:
    r"""The query's lines that may be quoted source, whitespace collapsed.

        A line counts when, without its traceback decoration, it is at least 16 characters
        and 3 words long and holds a mark of code (a bracket, ``=``, ``;``, ``.name``, ``::``
        or ``->``); imports do not (every module header of the repository holds them). Prose
        that qualifies is harmless: it is found in no slice. The lines a traceback quotes
        (decorated with an arrow or a line number, or under a ``File "...", line N`` frame)
        come first, then the others, at most 40 in all: a long issue pastes whole scripts
        before the traceback that ran them. A Markdown code span in prose (the
        ``len(self.content)`` of "so `len(self.content)` raises") is read by the same
        rules, as a fragment of a line.

    >>> quoted_lines("It fails:\n---> 253         elif len(arrays) == 0:\nThanks!")
    ['elif len(arrays) == 0:']
    """
    framed: dict[str, None] = {}
    other: dict[str, None] = {}
    after_frame = False
    for raw in query.splitlines():
        stripped = _DECORATION.sub("", raw, count=1)
        line = " ".join(stripped.split())
        if _code_like(line):
            decorated = after_frame or len(stripped.strip()) < len(raw.strip())
            (framed if decorated else other).setdefault(line, None)
        after_frame = bool(_FRAME.match(raw))
        for m in _SPAN.finditer(raw):
            span = " ".join(m.group(2).split())
            if _code_like(span):
                other.setdefault(span, None)
    return [*framed, *(line for line in other if line not in framed)][:_MAX_LINES]


def _code_like(line: str) -> bool:
    return (
        len(line) >= _MIN_CHARS
        and len(_WORD.findall(line)) >= _MIN_WORDS
        and _CODE_MARK.search(line) is not None
        and not _IMPORT.match(line)
    )


class QuotedLines:
    """Score the slices holding source lines the query quotes (a post-fusion step).

    Args:
        max_hits: A line found in more slices than this is too common to point anywhere.
        max_candidates: A line whose two rarest terms share more slices than this is
            not looked for (reading that many slices' text would cost more than the line
            can tell).
    """

    name = "quoted"

    def __init__(self, *, max_hits: int = 3, max_candidates: int = 400) -> None:
        self.max_hits = max_hits
        self.max_candidates = max_candidates

    def scores(self, bm25: BM25Retriever, slices: Sequence[Slice], query: str) -> Scores:
        """Each row's score for the quoted lines it holds (zeros when none is found)."""
        out = np.zeros(len(slices), dtype=np.float32)
        normalised: dict[int, str] = {}
        for line in quoted_lines(query):
            words = list(dict.fromkeys(terms(line, stem=bm25.stem)))
            cols = bm25.vocabulary_.columns(words)
            known = np.flatnonzero(cols >= 0)
            if len(known) < len(words) or not words:
                continue  # a word no slice holds: the line is in none
            rarest = known[np.argsort(bm25.df_[cols[known]], kind="stable")[:2]]
            first, *rest = rarest.tolist()
            rows = bm25.term_rows(words[first])
            for i in rest:
                rows = np.intersect1d(rows, bm25.term_rows(words[i]), assume_unique=True)
            if not rows.size or rows.size > self.max_candidates:
                continue
            # The line's longest run without blanks is in a holding slice's raw text:
            # a check in C that spares collapsing the blanks of most candidates.
            chunk = max(line.split(" "), key=len)
            hits = []
            for r in rows.tolist():
                s = slices[r]
                if s.kind != "code" or chunk not in s.text:
                    continue
                text = normalised.get(r)
                if text is None:
                    text = normalised[r] = " ".join(s.text.split())
                if line in text:
                    hits.append(r)
            if 0 < len(hits) <= self.max_hits:
                out[hits] += 1.0 / len(hits)
        np.minimum(out, 1.0, out=out)
        return out
