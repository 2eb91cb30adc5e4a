"""Copies (same kind, name and text in two places) are ranked and packed once."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from context_kit import Index
from context_kit.cli import EXIT_OK, main
from context_kit.packing.select import drop_copies
from context_kit.types import Slice

TEXTS = ["def f():\n    return 1\n", "def f():\n    return 2\n", "x = 1\n"]


def _slice(i: int, kind: str, name: str, text: str, path: str) -> Slice:
    if kind == "commit":
        return Slice(id=f"commit:{i}", kind="commit", commit=f"{i:040x}", text=text, name=name)
    return Slice(
        id=f"{kind}:{path}:{i}-{i}", kind=kind, path=path, start_line=i, end_line=i,
        name=name, text=text,
    )  # fmt: skip


@st.composite
def rankings(draw):
    n = draw(st.integers(0, 12))
    slices = [
        _slice(
            i,
            draw(st.sampled_from(["code", "code", "doc", "commit"])),
            draw(st.sampled_from(["f", "g"])),
            draw(st.sampled_from(TEXTS)),
            draw(st.sampled_from(["a.py", "big.h", "c.md"])),
        )
        for i in range(n)
    ]
    ranked = draw(st.permutations(range(n)))
    cut = draw(st.integers(0, n))
    keep = draw(st.lists(st.sampled_from(range(n)), unique=True, max_size=3)) if n else []
    return slices, list(ranked[:cut]), keep


def _same(a: Slice, b: Slice) -> bool:
    return (a.kind, a.name, a.text) == (b.kind, b.name, b.text) and a.kind != "commit"


@given(rankings(), st.booleans())
def test_every_ranked_row_is_kept_or_dropped_for_a_kept_copy(case, sized):
    slices, ranked, keep = case
    sizes = {"a.py": 3, "big.h": 50, "c.md": 7}
    kept, dropped = drop_copies(slices, ranked, keep, sizes.get if sized else None)
    assert len(kept) == len(set(kept))
    assert set(kept) | set(dropped) == set(ranked)
    assert not set(kept) & set(dropped)
    for r, o in dropped.items():
        assert r not in keep  # a pin is never dropped
        assert _same(slices[r], slices[o])
        assert o in kept or o in keep  # it points at what a pack still considers
    candidates = [*kept, *(k for k in keep if k not in kept)]
    for i, a in enumerate(candidates):  # no two copies left, except pins of each other
        for b in candidates[i + 1 :]:
            assert not _same(slices[a], slices[b]) or (a in keep and b in keep)
    # The kept copy takes its set's best rank: the kept order follows those ranks.
    pos = {r: n for n, r in enumerate(ranked)}
    best = [min([pos[k]] + [pos[r] for r, o in dropped.items() if o == k]) for k in kept]
    assert best == sorted(best)
    if sized:  # the copy kept is in the smallest file, unless a pin decided
        for r, o in dropped.items():
            if o not in keep:
                assert sizes[slices[o].path] <= sizes[slices[r].path]  # type: ignore[index]


def test_equal_text_under_two_names_is_not_a_copy():
    slices = [
        _slice(1, "code", "A.f", TEXTS[0], "a.py"),
        _slice(2, "code", "B.f", TEXTS[0], "a.py"),
    ]
    assert drop_copies(slices, [0, 1]) == ([0, 1], {})


def _amalgamation(tmp_path: Path) -> str:
    """A repository whose ``single/all.c`` repeats its two source files; returns a query."""
    (tmp_path / "src").mkdir()
    (tmp_path / "single").mkdir()
    original = (
        "int parse_cbor_tag(const char *buf) {\n"
        "    /* reject an invalid cbor tag before reading the payload */\n"
        "    return buf[0] == 0x18 ? 1 : -1;\n"
        "}\n"
    )
    other = "int other_helper(int x) {\n    return x * 2;\n}\n"
    (tmp_path / "src" / "cbor.c").write_text(original)
    (tmp_path / "src" / "other.c").write_text(other)
    # The amalgamation repeats both files (and is larger than either).
    (tmp_path / "single" / "all.c").write_text("/* amalgamated */\n\n" + original + "\n" + other)
    return "invalid cbor tag parse_cbor_tag"


def test_amalgamated_header_is_packed_once_from_the_original(tmp_path: Path):
    query = _amalgamation(tmp_path)
    index = Index.build(tmp_path, cache_dir=False, history=False)
    packed = index.pack(query, budget=2000)
    rungs = {(it.path, it.name): it.rendering for it in packed.items}
    assert rungs[("src/cbor.c", "parse_cbor_tag")] == "full"
    # The copy says where it is, by its cheapest rung at most (here its signature).
    assert rungs.get(("single/all.c", "parse_cbor_tag"), "mention") in ("mention", "signature")
    assert "return buf[0] == 0x18" in packed.text
    assert packed.text.count("return buf[0] == 0x18") == 1
    assert packed.report.copies["code:single/all.c:3-6"] == "code:src/cbor.c:1-4"
    hits = [(h.slice.path, h.slice.name) for h in index.search(query, k=5)]
    assert hits.count(("src/cbor.c", "parse_cbor_tag")) == 1
    assert ("single/all.c", "parse_cbor_tag") not in hits
    # Asked for, the copies are all there.
    both = index.pack(query, budget=2000, copies=True)
    assert both.text.count("return buf[0] == 0x18") == 2
    assert both.report.copies == {}
    hits = [(h.slice.path, h.slice.name) for h in index.search(query, k=5, copies=True)]
    assert ("single/all.c", "parse_cbor_tag") in hits
    # A pinned copy is the one kept.
    pinned = index.pack(query, budget=2000, pin=["single/all.c:3-6"])
    rungs = {(it.path, it.name): it.rendering for it in pinned.items}
    assert rungs[("single/all.c", "parse_cbor_tag")] == "full"
    assert rungs.get(("src/cbor.c", "parse_cbor_tag"), "mention") in ("mention", "signature")
    assert pinned.text.count("return buf[0] == 0x18") == 1
    assert pinned.report.copies["code:src/cbor.c:1-4"] == "code:single/all.c:3-6"
    line = "copies offered at their cheapest rung only: code:src/cbor.c:1-4 (copy of "
    assert line + "code:single/all.c:3-6)" in pinned.report.table()


def test_a_copy_is_mentioned_at_most_three_times_per_file(tmp_path: Path):
    # Five functions, each in its own file and again in one amalgamation.
    bodies = [
        f"int limiter_step_{n}(int budget) {{\n    return budget - {n}; /* limiter step */\n}}\n"
        for n in range(5)
    ]
    for n, body in enumerate(bodies):
        (tmp_path / f"step{n}.c").write_text(body)
    (tmp_path / "amalgamated.c").write_text("\n".join(bodies))
    index = Index.build(tmp_path, cache_dir=False, history=False)
    packed = index.pack("limiter step budget", budget=4000)
    assert len(packed.report.copies) == 5
    full = [it for it in packed.items if it.rendering == "full"]
    assert sorted(it.path for it in full) == [f"step{n}.c" for n in range(5)]
    copies = [it for it in packed.items if it.path == "amalgamated.c"]
    assert 1 <= len(copies) <= 3
    assert all(it.rendering != "full" for it in copies)


def test_the_cli_keeps_every_copy_when_asked(tmp_path: Path, capsys):
    query = _amalgamation(tmp_path)
    body = "return buf[0] == 0x18"
    counts = []
    for extra in ([], ["--keep-copies"]):
        argv = ["pack", str(tmp_path), "-q", query, "-b", "2000", "--no-cache", *extra]
        assert main(argv) == EXIT_OK
        counts.append(capsys.readouterr().out.count(body))
    assert counts == [1, 2]
    for extra, expected in (([], False), (["--keep-copies"], True)):
        argv = ["search", str(tmp_path), "-q", query, "-k", "5", "--no-cache", *extra]
        assert main(argv) == EXIT_OK
        assert ("single/all.c:3-6" in capsys.readouterr().out) is expected
