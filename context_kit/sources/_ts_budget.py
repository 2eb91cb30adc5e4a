"""Keep tree-sitter queries off trees too deep to query in reasonable time.

Tree-sitter parses in linear time, but running a query over a deeply nested tree, or over
an error node holding a huge run of children, is quadratic (measured: 40,000 minus signs on
one line, 2-3 s; a 1 MB line of them would take the better part of an hour). Such files are
machine-written or hostile, and the references a query finds are only a ranking hint, so a
tree deeper than ``MAX_QUERY_DEPTH``, or with an error node of more than
``MAX_ERROR_CHILDREN`` children, is not queried. (The binding's progress callback could
cancel a query instead, but with tree-sitter 0.26.1 it crashed the interpreter.)
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["DEPTH_CHECK_NODES", "MAX_ERROR_CHILDREN", "MAX_QUERY_DEPTH", "too_deep_to_query"]

log = logging.getLogger("context_kit")

MAX_QUERY_DEPTH = 1000
"""Trees nesting deeper than this are not queried (real code nests a few dozen levels)."""

MAX_ERROR_CHILDREN = 1000
"""Error nodes with more children than this (a run of junk tokens) stop the query too."""

DEPTH_CHECK_NODES = 20_000
"""Trees with fewer nodes are queried without measuring their depth: even fully nested,
they cost well under a second."""


def too_deep_to_query(root: Any) -> bool:
    """Whether ``root``'s tree (when big enough to matter) is too deep or too broken to query."""
    if root.descendant_count < DEPTH_CHECK_NODES:
        return False
    cursor = root.walk()
    depth = 0
    while True:
        node = cursor.node
        if node is not None and node.is_error and node.child_count > MAX_ERROR_CHILDREN:
            log.info("reference query skipped: an error node of %d children", node.child_count)
            return True
        # A subtree of n nodes (itself included) nests fewer than n levels and holds no
        # node of n or more children: when n is within both limits, it cannot fail either
        # check, so it is not walked. Real code is many small subtrees; only the few nodes
        # above large ones are visited (a full walk took 3 s of every 40 s of slicing).
        small = node is not None and node.descendant_count <= min(
            MAX_QUERY_DEPTH - depth, MAX_ERROR_CHILDREN
        )
        if not small and cursor.goto_first_child():
            depth += 1
            if depth > MAX_QUERY_DEPTH:
                log.info("reference query skipped: syntax tree deeper than %d", MAX_QUERY_DEPTH)
                return True
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1
