"""The pruned depth check answers exactly as a walk over every node would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from context_kit.sources import _ts_budget
from context_kit.sources.languages import load_language

tree_sitter = pytest.importorskip("tree_sitter")


def full_walk(root: Any, max_depth: int, max_children: int) -> bool:
    """The check without pruning: every node visited."""
    cursor = root.walk()
    depth = 0
    while True:
        node = cursor.node
        if node is not None and node.is_error and node.child_count > max_children:
            return True
        if cursor.goto_first_child():
            depth += 1
            if depth > max_depth:
                return True
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1


pieces = st.sampled_from(
    [
        "(",
        ")",
        "[",
        "]",
        "-",
        "1",
        "x",
        " + ",
        ", ",
        "\n",
        "def f():\n    ",
        "if x:\n    ",
        "@",
        "$",
    ]
)


@given(st.lists(pieces, max_size=300), st.integers(3, 40), st.integers(2, 30))
def test_pruned_check_equals_a_full_walk(parts, max_depth, max_children):
    lang = load_language("python")
    assert lang is not None
    root = tree_sitter.Parser(lang).parse(("x = " + "".join(parts)).encode()).root_node
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_ts_budget, "DEPTH_CHECK_NODES", 0)
        mp.setattr(_ts_budget, "MAX_QUERY_DEPTH", max_depth)
        mp.setattr(_ts_budget, "MAX_ERROR_CHILDREN", max_children)
        assert _ts_budget.too_deep_to_query(root) == full_walk(root, max_depth, max_children)


def test_deep_and_broken_trees_are_still_caught():
    lang = load_language("python")
    parse = tree_sitter.Parser(lang).parse
    assert _ts_budget.too_deep_to_query(parse(b"x = " + b"-" * 30_000 + b"1\n").root_node)
    parens = b"x = " + b"(" * 8_000 + b"1" + b")" * 8_000  # over DEPTH_CHECK_NODES nodes
    assert _ts_budget.too_deep_to_query(parse(parens).root_node)
    flat = b"".join(b"def f%d(a):\n    return a + %d\n" % (i, i) for i in range(3_000))
    assert not _ts_budget.too_deep_to_query(parse(flat).root_node)
