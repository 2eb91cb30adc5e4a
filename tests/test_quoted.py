"""Source lines a query quotes (a traceback's frames) point at the slices holding them."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from context_kit import BM25Retriever, Corpus, Slice
from context_kit.retrievers.quoted import QuotedLines, quoted_lines


def _slice(i: int, text: str, path: str = "x.py", kind: str = "code") -> Slice:
    return Slice(
        id=f"{kind}:{path}:{i}-{i}", kind=kind, path=path, start_line=i, end_line=i, text=text
    )


TRACEBACK = """PVSystem with one Array fails

TypeError                                 Traceback (most recent call last)
----> 5 pv = pvlib.pvsystem.PVSystem(arrays=array)

~/pvlib/pvsystem.py in __init__(self, arrays)
    251                 array_losses_parameters,
--> 253         elif len(arrays) == 0:
    254             raise ValueError("needs at least one Array")

TypeError: object of type 'Array' has no len()
>>> value = data[field.attribute or name]
"""


def test_quoted_lines_are_read_without_their_traceback_decoration():
    got = quoted_lines(TRACEBACK)
    assert "elif len(arrays) == 0:" in got
    assert 'raise ValueError("needs at least one Array")' in got
    assert "value = data[field.attribute or name]" in got
    assert "pv = pvlib.pvsystem.PVSystem(arrays=array)" in got
    # Prose, short fragments and a trailing comma-only line are not candidates.
    assert "PVSystem with one Array fails" not in got
    assert "array_losses_parameters," not in got


def test_a_traceback_s_lines_come_before_a_pasted_script_s_and_imports_are_skipped():
    query = (
        "My script:\n\nfrom pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS\n"
        + "".join(f"result_{i} = compute(data, option={i})\n" for i in range(45))
        + 'Traceback (most recent call last):\n  File "tools.py", line 343, in golden\n'
        "    raise Exception(f'Iterations exceeded {x}')\n"
    )
    got = quoted_lines(query)
    assert got[0] == "raise Exception(f'Iterations exceeded {x}')"
    assert len(got) == 40 and got[1] == "result_0 = compute(data, option=0)"
    assert not any(line.startswith(("from ", "import ")) for line in got)


def test_inline_code_in_prose_is_read_as_a_fragment():
    query = "``self.content`` may be None, so ``len(self.content)`` raises; see `a.b`."
    got = quoted_lines(query)
    assert got[-1] == "len(self.content)"
    # Spans too short to point anywhere are not candidates on their own.
    assert "self.content" not in got and "a.b" not in got


def _corpus() -> list[Slice]:
    return [
        _slice(
            1,
            "def __init__(self, arrays):\n    if arrays is None:\n        pass\n"
            "    elif   len(arrays) == 0:\n        raise ValueError(\n"
            '            "needs at least one Array")\n',
            path="pvlib/pvsystem.py",
        ),
        _slice(2, "def size(arrays):\n    return len(arrays) + 0\n", path="pvlib/tools.py"),
        # The line in a doc section: prose about code is not where the error ran.
        _slice(3, "Write `elif len(arrays) == 0:` to check.", path="README.md", kind="doc"),
    ] + [
        # The same common line in many slices points nowhere.
        _slice(10 + i, f"def f{i}(x):\n    return len(x) == 0\n", path=f"m{i}.py")
        for i in range(6)
    ]


def test_the_slice_holding_a_quoted_line_is_scored_and_common_lines_are_not():
    slices = _corpus()
    bm25 = BM25Retriever().fit(Corpus(slices))
    got = QuotedLines().scores(bm25, slices, TRACEBACK + "\nreturn len(x) == 0\n")
    # Whitespace inside the quoted line does not matter; the doc section is not code.
    assert got[0] == 1.0
    assert not got[1:].any()
    assert got.dtype == np.float32 and got.shape == (len(slices),)
    # A line in two slices gives each half.
    copied = [*slices[:2], _slice(5, slices[0].text, path="pvlib/copy.py")]
    twice = QuotedLines().scores(
        BM25Retriever().fit(Corpus(copied)), copied, "elif len(arrays) == 0:"
    )
    assert twice.tolist() == [0.5, 0.0, 0.5]


def test_a_fragment_quoted_inline_scores_the_slice_holding_it():
    slices = _corpus()
    bm25 = BM25Retriever().fit(Corpus(slices))
    got = QuotedLines().scores(bm25, slices, "Why does `return len(arrays) + 0` overflow?")
    assert got[1] == 1.0 and got.sum() == 1.0


@given(st.text(max_size=300))
def test_any_query_gives_scores_in_range_and_the_same_twice(query):
    slices = _corpus()
    bm25 = BM25Retriever().fit(Corpus(slices))
    step = QuotedLines()
    got = step.scores(bm25, slices, query)
    assert ((got >= 0) & (got <= 1)).all()
    assert np.array_equal(got, step.scores(bm25, slices, query))


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta"])


@given(
    st.lists(st.lists(words, min_size=1, max_size=6), min_size=2, max_size=8),
    st.lists(words, min_size=1, max_size=6),
)
def test_term_rows_are_the_rows_holding_the_term_after_a_fit_and_a_refit(docs, joining):
    # Sixty slices of other words after the drawn ones keep a refit's delta small enough
    # not to be merged at once (a merge renumbers every document to its row).
    docs = [*docs, *(["filler", f"word{i}"] for i in range(60))]
    slices = [_slice(i + 1, " ".join(d), path=f"f{i}.py") for i, d in enumerate(docs)]
    bm25 = BM25Retriever().fit(Corpus(slices))

    def expected(rows: list[list[str]], word: str) -> list[int]:
        return [i for i, d in enumerate(rows) if word in d]

    for w in ("alpha", "beta", "gamma", "delta", "eps", "zeta"):
        assert bm25.term_rows(w).tolist() == expected(docs, w)
    # The first slice leaves, a new one joins at the end: rows renumber, postings follow.
    after = [*slices[1:], _slice(99, " ".join(joining), path="new.py")]
    previous_rows = np.asarray([*range(1, len(slices)), -1], dtype=np.int64)
    bm25.refit(Corpus(after), previous_rows, Corpus(slices))
    for w in ("alpha", "beta", "gamma", "delta", "eps", "zeta"):
        assert bm25.term_rows(w).tolist() == expected([*docs[1:], joining], w)
    assert bm25.term_rows("unseen").size == 0
