"""The slice cache's entry format: exact round trips, and damage read as a miss."""

from __future__ import annotations

import pickle
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context_kit import _slice_codec as codec
from context_kit.types import OutlineEntry, Slice

# Text as files hold it: any code point, lone surrogates too (undecodable bytes are kept
# as surrogate escapes), CRLF and NUL.
odd = st.sampled_from(["\udcff", "\r", "\n", "\0"])
texts = st.text(st.characters(blacklist_categories=()) | odd)
lines = st.none() | st.integers(1, 10**6)
names = st.text(max_size=20)
meta_values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts


@st.composite
def a_slice(draw) -> Slice:
    outline = draw(
        st.lists(
            st.builds(
                OutlineEntry,
                line=st.integers(1, 99),
                end_line=st.integers(1, 99),
                text=texts,
                name=names,
            ),
            max_size=3,
        )
    )
    return Slice(
        id=draw(names),
        kind=draw(st.sampled_from(["code", "commit", "doc"])),
        path=draw(st.none() | names),
        start_line=draw(lines),
        end_line=draw(lines),
        start_byte=draw(lines),
        end_byte=draw(lines),
        name=draw(names),
        symbol_kind=draw(st.sampled_from(["function", "window", "class"])),
        language=draw(st.none() | st.sampled_from(["python", "c"])),
        text=draw(texts),
        signature_end_line=draw(lines),
        doc_end_line=draw(lines),
        outline=tuple(outline),
        defines=tuple(draw(st.lists(names, max_size=3))),
        references=tuple(draw(st.lists(names, max_size=3))),
        parent=draw(st.none() | names),
        part=draw(st.none() | st.tuples(st.integers(1, 9), st.integers(1, 9))),
        commit=draw(st.none() | names),
        meta=draw(st.dictionaries(names, meta_values, max_size=3)),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(a_slice(), max_size=6))
def test_entries_decode_to_equal_slices(slices):
    got = codec.decode(codec.encode(slices))
    assert got == slices
    assert [s.model_dump() for s in got] == [s.model_dump() for s in slices]
    # Decoded slices are whole models: they dump, validate back and copy.
    for s in got:
        assert Slice.model_validate(s.model_dump()) == s
        assert s.model_copy(update={"name": "x"}).name == "x"
        assert all(type(e) is OutlineEntry for e in s.outline)
        # Each holds its own values (the dicts share a table of keys, never values).
        assert list(vars(s)) == list(Slice.model_fields)
    if len(got) >= 2:
        assert got[1].model_copy(update={"text": "changed"}).text == "changed"
        assert got == slices and vars(got[0]) is not vars(got[1])


@settings(max_examples=200, deadline=None)
@given(st.lists(a_slice(), min_size=1, max_size=3), st.data())
def test_any_damage_is_a_miss(slices, data):
    entry = codec.encode(slices)
    kind = data.draw(st.sampled_from(["truncate", "flip", "extend"]))
    if kind == "truncate":
        damaged = entry[: data.draw(st.integers(0, len(entry) - 1))]
    elif kind == "flip":
        i = data.draw(st.integers(0, len(entry) - 1))
        damaged = entry[:i] + bytes([entry[i] ^ data.draw(st.integers(1, 255))]) + entry[i + 1 :]
    else:
        damaged = entry + data.draw(st.binary(min_size=1, max_size=8))
    assert codec.decode(damaged) is None


class _Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


def _sealed(payload: bytes) -> bytes:
    return b"ck-%s %d %08x\n" % (codec.FORMAT.encode(), len(payload), zlib.crc32(payload)) + payload


def test_entries_never_name_a_global(capsys):
    # A well-sealed entry whose pickle calls a function (what a tampered cache could
    # hold) is refused before anything runs.
    assert codec.decode(_sealed(pickle.dumps([_Boom()]))) is None
    assert codec.decode(_sealed(pickle.dumps([Slice(id="a", kind="code", text="x")]))) is None
    assert "must never run" not in capsys.readouterr().out


_ROW = Slice(id="a", kind="code", text="x").__dict__


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps([{k: v for k, v in _ROW.items() if k != "meta"}]),  # a field removed
        pickle.dumps([{**_ROW, "added": 1}]),  # a field added
        pickle.dumps([_ROW, {**_ROW, "added": 1}]),  # a later row of another layout
        pickle.dumps([{**_ROW, "outline": ({"line": 1},)}]),  # an outline entry's
        pickle.dumps([tuple(_ROW.values())]),  # rows as another version wrote them
        pickle.dumps({"not": "a list"}),
        pickle.dumps(None),
    ],
)
def test_rows_of_another_layout_are_misses(payload):
    assert codec.decode(_sealed(payload)) is None


def test_other_formats_and_worker_replies():
    entry = codec.encode([Slice(id="a", kind="code", text="x")])
    assert codec.decode(entry.replace(codec.FORMAT.encode(), b"slices-2", 1)) is None
    assert codec.decode(b"[]") is None and codec.decode(b"") is None
    # Unchecked decoding (a worker's reply) still rejects a wrong length.
    assert codec.decode(entry, check=False) == [Slice(id="a", kind="code", text="x")]
    assert codec.decode(entry[:-1], check=False) is None
