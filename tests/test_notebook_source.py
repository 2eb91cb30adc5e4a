"""NotebookSource: a slice per Jupyter cell's source lines, verbatim, outputs left out."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from context_kit import Index
from context_kit.sources import FileText, NotebookSource

_IMAGE = "iVBORw0KGgo" + "A" * 5000  # a base64 PNG output: one very long line


def _notebook(cells: list[dict], language: str | None = "python") -> str:
    """The notebook as Jupyter writes it (nbformat 4: indent 1, sorted keys)."""
    meta = {"kernelspec": {"language": language, "name": "k"}} if language else {}
    nb = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _code(source: list[str], outputs: list[dict] | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "outputs": outputs or [],
        "source": source,
    }


def _markdown(source: list[str]) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _slices(text: str, path: str = "nb/analysis.ipynb"):
    return NotebookSource().slices(FileText(path, text, text.encode(), False))


def _lines(text: str, a: int, b: int) -> str:
    return "".join(text.splitlines(keepends=True)[a - 1 : b])


def test_cells_become_slices_of_their_source_lines_and_outputs_are_left_out():
    outputs = [
        {"data": {"image/png": _IMAGE}, "metadata": {}, "output_type": "display_data"},
        # An output quoting a notebook's own layout must not be read as a cell's source.
        {"name": "stdout", "output_type": "stream", "text": ['"source": [\n', "fit done\n"]},
    ]
    text = _notebook(
        [
            _markdown(["# Fitting the model\n", "\n", "We fit a line."]),
            _code(
                [
                    "import numpy as np\n",
                    "\n",
                    "def fit(x, y):\n",
                    "    return np.polyfit(x, y, 1)",
                ],
                outputs,
            ),
            _code([]),
            _code(["model = fit(xs, ys)"]),
            {"cell_type": "raw", "metadata": {}, "source": ["plain text"]},
        ]
    )
    got = _slices(text)
    assert [(s.kind, s.name, s.language, s.defines) for s in got] == [
        ("doc", "Fitting the model", "markdown", ()),
        ("code", "fit", "python", ("fit",)),
        ("code", "cell 4", "python", ()),
        ("doc", "cell 5", "markdown", ()),
    ]
    for s in got:
        assert s.text == _lines(text, s.start_line, s.end_line)  # verbatim file lines
        assert _IMAGE not in s.text and "fit done" not in s.text
    assert json.loads("[" + got[1].text.rstrip().rstrip(",") + "]") == [
        "import numpy as np\n",
        "\n",
        "def fit(x, y):\n",
        "    return np.polyfit(x, y, 1)",
    ]


def test_the_kernel_names_the_language_of_code_cells():
    text = _notebook([_code(['println("hi")'])], language="julia")
    assert [s.language for s in _slices(text)] == ["julia"]
    assert [s.language for s in _slices(_notebook([_code(["x = 1"])], language=None))] == ["python"]


def test_a_notebook_of_another_layout_or_not_json_becomes_windows():
    one_line = json.dumps({"cells": [_code(["x = 1\n", "y = 2"])], "metadata": {}})
    broken = _notebook([_code(["x = 1"])])[:-20]
    for text in (one_line, broken, "not json at all\n", "[" * 100_000):
        got = _slices(text)
        assert got and all(s.symbol_kind == "window" for s in got)
        assert "".join(s.text for s in got).split() == text.split()


def test_a_long_cell_is_cut_into_parts_that_cite_exact_lines():
    source = [f"v{i} = {i}\n" for i in range(450)]
    text = _notebook([_code(source)])
    got = _slices(text)
    assert [s.part for s in got] == [(k, 8) for k in range(1, 9)]
    assert got[0].start_line + 450 - 1 == got[-1].end_line
    for s in got:
        assert s.text == _lines(text, s.start_line, s.end_line)


_SOURCE_LINE = st.text(
    st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["code", "markdown"]),
            st.lists(_SOURCE_LINE, max_size=6),
        ),
        max_size=6,
    )
)
def test_every_cell_is_recovered_exactly_from_its_slice(cells):
    built = []
    for kind, lines in cells:
        source = [line + "\n" for line in lines[:-1]] + lines[-1:]
        built.append(_code(source) if kind == "code" else _markdown(source))
    text = _notebook(built)
    got = _slices(text)
    want = [
        ("code" if c["cell_type"] == "code" else "doc", "".join(c["source"]))
        for c in built
        if "".join(c["source"]).strip()
    ]
    assert [
        (s.kind, "".join(json.loads("[" + s.text.rstrip().rstrip(",") + "]"))) for s in got
    ] == want
    for s in got:
        assert s.text == _lines(text, s.start_line, s.end_line)


def test_an_index_packs_the_cell_that_answers_the_query(tmp_path: Path):
    text = _notebook(
        [
            _markdown(["## Loading\n", "Read the survey."]),
            _code(
                ["def load_survey(path):\n", "    return pd.read_csv(path)"],
                [{"data": {"image/png": _IMAGE}, "metadata": {}, "output_type": "display_data"}],
            ),
        ]
    )
    (tmp_path / "survey.ipynb").write_text(text)
    index = Index.build(tmp_path, cache_dir=False)
    assert index.search("load_survey", k=1)[0].slice.name == "load_survey"
    packed = index.pack("where is load_survey defined", budget=500)
    assert "def load_survey(path)" in packed.text
    assert _IMAGE[:50] not in packed.text
