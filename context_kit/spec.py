"""Spec-driven packing: pack *for* a requirement or a spec section.

``index.pack(spec="REQ-12", budget=...)`` resolves ``spec`` to the document section(s) that
define it, then ranks three groups above everything the query finds:

1. the section itself (``SPEC_SECTION_BOOST``),
2. the code it links to (``SPEC_CODE_BOOST`` times the edge weight) — for a requirement,
   the code named inside that requirement's block or in the section's shared text,
   plus code that cites the requirement id,
3. its parent headings (``SPEC_PARENT_BOOST``), so the reader sees where it sits.

The boosts are additive and larger than any fused score (the default fusion weights sum
to about 2), so these groups go first and the knapsack still decides how each is rendered;
the rest of the budget goes to whatever the query — by default the section's own text —
ranks next.

A spec is resolved, in order, as: a requirement id (``REQ-12``, case-insensitive), a clause
number (``4.1`` or ``§4.1``), a heading path or its tail (``Storage > Compaction``),
``path#heading``, and finally a near-miss heading title (rapidfuzz, ``SPEC_FUZZY_CUTOFF``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from .errors import OptionError
from .links import Links, requirement_spans
from .retrievers.base import Scores
from .retrievers.fusion import FusionResult
from .types import Slice

__all__ = [
    "SPEC_CODE_BOOST",
    "SPEC_FUZZY_CUTOFF",
    "SPEC_PARENT_BOOST",
    "SPEC_SECTION_BOOST",
    "SpecFocus",
]

SPEC_SECTION_BOOST = 4.0
"""Added to the score of the section(s) the spec resolves to."""

SPEC_CODE_BOOST = 3.0
"""Added, times the edge weight, to the code the section links to."""

SPEC_PARENT_BOOST = 2.0
"""Added to the sections holding the parent headings."""

SPEC_FUZZY_CUTOFF = 85.0
"""Minimum rapidfuzz ratio (0-100) for a heading title to stand for a misspelt spec."""

# How many known identifiers an error message lists before "...".
_ERROR_EXAMPLES = 8
_CRUMB = " > "


def _norm(text: str) -> str:
    parts = re.split(r"\s*>\s*", text.strip())
    return _CRUMB.join(" ".join(p.split()).casefold() for p in parts)


@dataclass
class SpecFocus:
    """What a spec resolved to, and the boosts it adds.

    Attributes:
        spec: The spec as given.
        sections: Rows of the sections that define it.
        parents: Rows of the sections holding its parent headings.
        code: Row -> edge weight of the code the sections link to.
        text: The spec's own text (requirement blocks, else the sections), a fallback query.
    """

    spec: str
    sections: list[int]
    parents: list[int] = field(default_factory=list)
    code: dict[int, float] = field(default_factory=dict)
    text: str = ""

    @classmethod
    def resolve(cls, spec: str, slices: Sequence[Slice], links: Links) -> SpecFocus:
        """Find the sections ``spec`` names and the code they link to.

        Raises:
            OptionError: ``spec`` is empty or names no section.
        """
        if not isinstance(spec, str) or not spec.strip():
            raise OptionError("spec must be a requirement id or a heading path", name="spec")
        key = spec.strip()
        rows = links.requirement_rows.get(key.upper(), [])
        requirement = key if rows else None
        if not rows:
            rows = _by_heading(key, slices)
        if not rows:
            known = sorted(links.requirement_rows)
            listed = ", ".join(known[:_ERROR_EXAMPLES])
            listed += " ..." if len(known) > _ERROR_EXAMPLES else ""
            raise OptionError(
                f"spec {spec!r} matches no requirement id or section heading; "
                + (f"known ids: {listed}" if known else "no document defines requirement ids")
                + " (or pass a heading path such as 'Design > Storage')",
                name="spec",
            )
        chosen = set(rows)
        edges = [e for e in links.from_rows(rows) if e.doc in chosen]
        if requirement is not None:
            want = {requirement.upper(), ""}
            edges = [e for e in edges if e.requirement.upper() in want]
        code: dict[int, float] = {}
        for e in edges:
            code[e.code] = max(code.get(e.code, 0.0), e.weight)
        return cls(
            spec=spec,
            sections=rows,
            parents=_parents(rows, slices),
            code=dict(sorted(code.items())),
            text=_spec_text(requirement, rows, slices),
        )

    def scores(self, n_rows: int) -> Scores:
        """The boosts, one float32 per corpus row."""
        part = np.zeros(n_rows, dtype=np.float32)
        for r, w in self.code.items():
            part[r] = max(part[r], SPEC_CODE_BOOST * w)
        for r in self.parents:
            part[r] = max(part[r], SPEC_PARENT_BOOST)
        part[self.sections] = SPEC_SECTION_BOOST
        return part

    def apply(self, fused: FusionResult) -> FusionResult:
        """Fused scores plus a ``"spec"`` part carrying the boosts."""
        part = self.scores(len(fused.scores))
        parts = dict(fused.parts)
        parts["spec"] = part
        return FusionResult(fused.scores + part, parts)


def _by_heading(key: str, slices: Sequence[Slice]) -> list[int]:
    docs = [(i, s) for i, s in enumerate(slices) if s.kind == "doc" and s.symbol_kind == "section"]
    clause = key.lstrip("§").strip()
    rows = [i for i, s in docs if str(s.meta.get("clause", "")) == clause]
    if rows:
        return rows
    path, _, heading = key.partition("#")
    if heading and path:
        pool = [(i, s) for i, s in docs if s.path == path]
        target = heading
    else:
        pool, target = docs, key
    want = _norm(target)
    rows = [
        i
        for i, s in pool
        if _norm(s.name) == want
        or _norm(s.name).endswith(_CRUMB + want)
        or _slug(s.name.rsplit(_CRUMB, 1)[-1]) == target.casefold()
    ]
    if rows or not pool:
        return rows
    titles = sorted({_norm(s.name.rsplit(_CRUMB, 1)[-1]) for _, s in pool})
    best = process.extractOne(
        want.rsplit(_CRUMB, 1)[-1], titles, scorer=fuzz.ratio, score_cutoff=SPEC_FUZZY_CUTOFF
    )
    if best is None:
        return []
    return [i for i, s in pool if _norm(s.name.rsplit(_CRUMB, 1)[-1]) == best[0]]


def _slug(title: str) -> str:
    """A GitHub-style heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.casefold()).replace(" ", "-")


def _parents(rows: Sequence[int], slices: Sequence[Slice]) -> list[int]:
    wanted: set[tuple[str, str]] = set()
    for r in rows:
        s = slices[r]
        crumbs = s.name.split(_CRUMB)
        wanted.update((s.path or "", _CRUMB.join(crumbs[:k])) for k in range(1, len(crumbs)))
    out = [
        i
        for i, s in enumerate(slices)
        if s.kind == "doc"
        and (s.path or "", s.name) in wanted
        and (s.part is None or s.part[0] == 1)
        and i not in rows
    ]
    return out


def _spec_text(requirement: str | None, rows: Sequence[int], slices: Sequence[Slice]) -> str:
    chunks: list[str] = []
    for r in rows:
        s = slices[r]
        lines = s.text.split("\n")
        first = s.start_line or 1
        spans = [
            (a, b)
            for rid, a, b in requirement_spans(s)
            if requirement is not None and rid.upper() == requirement.upper()
        ]
        if spans:
            chunks.extend("\n".join(lines[a - first : b - first + 1]) for a, b in spans)
        else:
            chunks.append(s.text)
    return "\n".join([slices[r].name for r in rows] + chunks)
