"""Query-focused excerpts of large definitions and line windows.

A long function whose fix is two lines deep in its body is the common case the fixed
ladder serves worst: ``full`` may cost a tenth of the budget, and ``elided`` drops exactly
the lines that matter. The ``excerpt`` rung keeps the signature and docstring plus the
body lines that share rare terms with the query (each with a line of context), the rest
elided. Lines are weighted by the BM25 index's idf, so "the", "self" and "return" pick
nothing; a line must carry at least one rare query term.

A line window of a file without structure (a ``.conf``, a Makefile, a script without a
grammar) has no signature and no rung between ``full`` and ``mention``: its excerpt is the
matching lines alone. On the quality benchmark (fresh caches, recall averaged over
2k-32k) that moved polyglot line recall .719 -> .722 (redis.conf at 2k: 215 tokens for
the lines about replication timeouts, where the whole window cost 679) and ``all`` .945 /
.758 / .793 -> .943 / .758 / .793 (one click task lost its file at 8k).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..renderers.code import head_end_line
from ..retrievers._terms import terms
from ..types import Rung, Slice

__all__ = [
    "EXCERPT_CANDIDATES",
    "EXCERPT_MAX_LINES",
    "EXCERPT_MIN_BODY_LINES",
    "EXCERPT_MIN_WEIGHT",
    "EXCERPT_RELATIVE_WEIGHT",
    "SHORT_EXCERPT_LINES",
    "head_end",
    "ranked_lines",
    "wants_excerpt",
    "with_excerpt",
    "with_excerpts",
]

EXCERPT_CANDIDATES = 48
"""Only this many of the best-ranked candidates are offered an excerpt (it costs a pass
over their lines at pack time)."""

EXCERPT_MIN_BODY_LINES = 12
"""Definitions shorter than this are cheap in full; an excerpt would save little."""

EXCERPT_MAX_LINES = 8
"""At most this many matching lines are kept (each with its context)."""

SHORT_EXCERPT_LINES = 3
"""A definition with more matching lines than this is also offered a ``short_excerpt``:
only its best this many, for a budget that cannot afford every match. On the quality
benchmark (fresh caches, recall averaged over 2k-32k, file / function / line) it moved
``all`` from .945 / .758 / .792 to .945 / .758 / .793 and polyglot from .906 / .717 to
.907 / .719 (redis' ``clusterHandleSlaveFailover`` at 2k: the line to change shown in 220
tokens, where the 8-line excerpt cost 381 and the packer had chosen the body elided)."""

EXCERPT_MIN_WEIGHT = 1.5
"""A line's summed query-term idf must reach this: one term found in under ~20% of the
slices, or several commoner ones."""

EXCERPT_RELATIVE_WEIGHT = 0.5
"""A line must also reach this share of the best line's weight, so a few strong matches
are not diluted by many weak ones."""


def ranked_lines(
    text: str,
    first_line: int,
    weights: Mapping[str, float],
    *,
    stem: bool = True,
    after: int = 0,
) -> list[int]:
    """The line numbers of ``text`` (starting at ``first_line``) that match the query, best first.

    A line qualifies when its summed query-term weight reaches :data:`EXCERPT_MIN_WEIGHT`
    and :data:`EXCERPT_RELATIVE_WEIGHT` of the best line's; ties go to the earlier line.

    Args:
        text: The slice's text.
        first_line: The file line of its first line.
        weights: Query term -> weight (the BM25 idf of each query term).
        stem: Split terms as the BM25 index does.
        after: Lines up to this one are not candidates (the signature and docstring,
            which an excerpt shows anyway).
    """
    if not weights:
        return []
    scored: list[tuple[float, int]] = []
    for i, line in enumerate(text.split("\n")):
        if first_line + i <= after or not line.strip():
            continue
        w = sum(weights.get(t, 0.0) for t in set(terms(line, stem=stem)))
        if w >= EXCERPT_MIN_WEIGHT:
            scored.append((w, first_line + i))
    if not scored:
        return []
    floor = EXCERPT_RELATIVE_WEIGHT * max(w for w, _ in scored)
    return [n for _, n in sorted((x for x in scored if x[0] >= floor), key=lambda x: (-x[0], x[1]))]


def with_excerpt(rungs: list[Rung], excerpt: Rung | None) -> list[Rung]:
    """``rungs`` with ``excerpt`` in its place by length, if it is strictly between two."""
    if excerpt is None:
        return rungs
    size = len(excerpt.text)
    at = next((i for i, r in enumerate(rungs) if len(r.text) <= size), len(rungs))
    if at == 0 or (at < len(rungs) and len(rungs[at].text) == size):
        return rungs
    return [*rungs[:at], excerpt, *rungs[at:]]


def head_end(s: Slice) -> int:
    """The last line of ``s``'s signature and docstring (its first line if unknown).

    A later part of a split definition has neither, nor has a line window: every line of
    it is body, so the line before it.
    """
    end = head_end_line(s)
    if end is not None:
        return end
    first = s.start_line or 1  # no signature known: the docstring, if any, is the head
    return max(first, s.doc_end_line or first)


def wants_excerpt(s: Slice) -> bool:
    """Whether ``s`` is a code slice long enough to be offered an excerpt.

    Functions, methods and windows, and also classes and runs of statements: a long one
    is a table more often than not (a 200-line part of curl's ``CURLoption`` enum of
    ``CURLOPT(...)`` entries: 2,294 tokens in full or a mention, where the one entry a
    query names is a line), so it is offered its matching lines too.
    """
    return (
        s.kind == "code"
        and s.symbol_kind in ("function", "method", "window", "module", "class", "class_body")
        and s.start_line is not None
        and s.end_line is not None
        and s.end_line - s.start_line + 1 >= EXCERPT_MIN_BODY_LINES
    )


def with_excerpts(rungs: list[Rung], excerpts: Iterable[Rung]) -> list[Rung]:
    """``rungs`` with each of ``excerpts`` placed as :func:`with_excerpt` places one."""
    for excerpt in excerpts:
        rungs = with_excerpt(rungs, excerpt)
    return rungs
