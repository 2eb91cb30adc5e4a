"""Hypothesis strategies for slices and corpora (requires ``hypothesis``)."""

from __future__ import annotations

from typing import Literal

from hypothesis import strategies as st

from ..retrievers.base import Corpus
from ..types import Slice

__all__ = ["corpora", "slices"]

_identifier = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)


@st.composite
def slices(draw: st.DrawFn, index: int = 0) -> Slice:
    """A code or doc slice with arbitrary text and a plausible name and path."""
    kind: Literal["code", "doc"] = draw(st.sampled_from(["code", "doc"]))
    name = draw(_identifier)
    text = draw(st.text(max_size=300)) or "x"
    path = f"pkg/{draw(_identifier)}.{'py' if kind == 'code' else 'md'}"
    lines = text.count("\n") + 1
    return Slice(
        id=f"{kind}:{path}:{index}-{index + lines}",
        kind=kind,
        path=path,
        start_line=index + 1,
        end_line=index + lines,
        name=name,
        text=text,
        defines=(name,),
    )


@st.composite
def corpora(draw: st.DrawFn, max_size: int = 20) -> Corpus:
    """A corpus of arbitrary slices."""
    n = draw(st.integers(0, max_size))
    return Corpus([draw(slices(index=i * 1000)) for i in range(n)])
