"""Building an index pauses the garbage collector and leaves it as it found it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from context_kit import Index, index


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_build_restores_the_collector_and_freezes_nothing(tmp_path: Path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "m.py").write_text("def f():\n    return 1\n")
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the cyclic collector can free
    ref = weakref.ref(a)
    monkeypatch.setattr(index, "_PROMOTE_AFTER", 0)  # age what the build allocated
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            Index.build(root, cache_dir=False, workers=1)
            assert gc.isenabled() is enabled
            assert gc.get_freeze_count() == 0
        finally:
            gc.enable()
    del a, b
    gc.collect()
    assert ref() is None
