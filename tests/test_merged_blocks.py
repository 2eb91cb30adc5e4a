"""Packed code of one file that follows on shows as one block under one citation."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from context_kit import Index

FUNCS = 12


def _repo(tmp_path: Path) -> Path:
    body = "\n\n".join(
        f"def parse_token_{i}(text):\n"
        f'    """Parse token number {i} of the text."""\n'
        f"    value = text.split()[{i}]\n"
        f"    return value.strip()\n"
        for i in range(FUNCS)
    )
    (tmp_path / "tokens.py").write_text("import os\n\n\n" + body)
    (tmp_path / "other.py").write_text("def unrelated():\n    return 42\n")
    return tmp_path


def _index(tmp_path: Path) -> Index:
    return Index.build(_repo(tmp_path), workers=1, cache_dir=False)


def test_adjacent_functions_of_a_file_share_one_heading(tmp_path: Path):
    index = _index(tmp_path)
    merged = index.pack("parse token text value", budget=1500)
    apart = index.pack("parse token text value", budget=1500, merge=False)
    headings = [ln for ln in merged.text.splitlines() if ln.startswith("### tokens.py:")]
    items = [it for it in merged.items if it.path == "tokens.py"]
    assert len(items) >= 3 and len(headings) < len(items)
    # Every item still lists its own lines, and each shows up verbatim in the text.
    for it in items:
        assert it.verbatim_lines
    # One block per item without merging; the saved headings bought more material.
    assert len([ln for ln in apart.text.splitlines() if ln.startswith("### ")]) == len(apart.items)
    assert sum(len(it.verbatim_lines) for it in merged.items) >= sum(
        len(it.verbatim_lines) for it in apart.items
    )
    assert merged.tokens <= 1500 and apart.tokens <= 1500


def test_blank_lines_between_merged_items_are_kept_and_code_between_is_elided(tmp_path: Path):
    index = _index(tmp_path)
    text = index.pack("parse token text value", budget=4000).text
    block = re.search(r"### tokens\.py:(\d+)-(\d+)\n```python\n(.*?)```", text, re.S)
    assert block is not None
    first, last, body = int(block.group(1)), int(block.group(2)), block.group(3)
    source = (tmp_path / "tokens.py").read_text().splitlines(keepends=True)
    # The block is the file's lines first..last, except lines replaced by markers.
    shown = [ln for ln in body.splitlines(keepends=True)]
    file_part = source[first - 1 : last]
    markers = [ln for ln in shown if re.fullmatch(r"\s*\.\.\. \(lines \d+-\d+ elided\)\n", ln)]
    assert len(shown) - len(markers) <= len(file_part)
    for ln in shown:
        if ln not in markers:
            assert ln in file_part, ln
    for m in markers:
        lo, hi = map(int, re.findall(r"\d+", m))
        # What a marker stands for is never only blank lines (those are shown as such).
        assert any(source[n - 1].strip() for n in range(lo, hi + 1))


@settings(max_examples=25, deadline=None)
@given(budget=st.integers(60, 3000), merge=st.booleans())
def test_merging_never_breaks_the_budget(tmp_path_factory, budget, merge):
    index = _cached_index(tmp_path_factory)
    packed = index.pack("parse token text", budget=budget, merge=merge)
    assert packed.tokens <= budget
    assert packed.tokens == index.tokenizer.count(packed.text)


_INDEX: list[Index] = []


def _cached_index(factory) -> Index:
    if not _INDEX:
        _INDEX.append(_index(factory.mktemp("merged")))
    return _INDEX[0]
