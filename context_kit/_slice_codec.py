"""A file's slices as compact bytes: what a worker sends back and the slice cache keeps.

A warm build reads every file's entry back (10^5 slices on a large repository), so the
decoding is the warm build's main cost. Validating JSON through pydantic spent about a
second there (plus 0.2 s sharing the sets of field names it makes per slice). Here each
slice is a pickled dict of its field values, which the unpickler builds at C speed and
which becomes the model's ``__dict__`` as it is: no validation, because every row was
written from a validated :class:`~context_kit.types.Slice` by this very code (the cache
key stamps it).

Safety: the rows hold only ``str``, ``int``, ``float``, ``bool``, ``None``, tuples and
dicts, so the unpickler refuses every global (no class, no function) and an entry cannot
run code whatever its bytes. Integrity: a header names the format and carries the
payload's length and CRC-32, so a truncated, garbled or foreign entry decodes to ``None``
(a miss), never to wrong slices. A CRC is enough because the threat is accidental damage
(a crash mid-write, a full disk, a stray edit); anyone who can write the cache folder
could as well write a well-formed entry.

A field added to or removed from the models changes the rows: the format name
(:data:`FORMAT`) is in the slice cache's key and must be bumped with such a change; the
decoder's check of each entry's field names turns a forgotten bump into misses rather
than wrong slices.

Memory: unpickling makes a new string for every name it reads. Within a file the encoder
makes repeated names (a symbol referenced by ten functions, the language, the path) one
object first, so the pickle stores each once and the decoded slices share it: 596k
defined and referenced names on a 107k-slice tree become 264k strings (sharing across
files too would make 106k, for 0.2 s more per warm build: not worth it).
"""

from __future__ import annotations

import io
import pickle
import zlib
from collections.abc import Sequence
from typing import Any, TypeVar

from .types import OutlineEntry, Slice

__all__ = ["FORMAT", "decode", "encode"]

FORMAT = "slices-3"
"""Name and version of the entry layout."""

_MAGIC = b"ck-" + FORMAT.encode("ascii")
_FIELDS = tuple(Slice.model_fields)
_OUTLINE_FIELDS = tuple(OutlineEntry.model_fields)
# Fields whose values repeat across a file's slices (see the module's "Memory").
_SHARED = ("kind", "path", "name", "symbol_kind", "language", "parent")
_SHARED_TUPLES = ("defines", "references")

# Decoded models share one record of which fields were set (all of them): pydantic keeps a
# set per instance otherwise, larger than most slices' text (see slicing.share_fields_sets).
# Frozen models never change theirs; ``model_copy`` copies it first.
_ALL_SET = set(_FIELDS)
_ALL_OUTLINE_SET = set(_OUTLINE_FIELDS)
_new = object.__new__
_set = object.__setattr__


def encode(slices: Sequence[Slice]) -> bytes:
    """``slices`` as one entry: a header line, then the pickled list of their field dicts."""
    names: dict[str, str] = {}
    share = names.setdefault
    rows: list[dict[str, Any]] = []
    for s in slices:
        row = {f: s.__dict__[f] for f in _FIELDS}
        for f in _SHARED:
            value = row[f]
            if value is not None:
                row[f] = share(value, value)
        for f in _SHARED_TUPLES:
            row[f] = tuple(map(share, row[f], row[f]))
        if row["outline"]:
            row["outline"] = tuple(
                {f: e.__dict__[f] for f in _OUTLINE_FIELDS} for e in row["outline"]
            )
        rows.append(row)
    payload = pickle.dumps(rows, protocol=5)
    head = b"%s %d %08x\n" % (_MAGIC, len(payload), zlib.crc32(payload))
    return head + payload


def decode(data: bytes, *, check: bool = True) -> list[Slice] | None:
    """The slices of an entry, or ``None`` when it is damaged or of another format.

    ``check=False`` skips the CRC (for bytes that never left this machine's memory, such
    as a worker's reply through a pipe); the header, length and field names are still
    checked.
    """
    head, sep, payload = data.partition(b"\n")
    parts = head.split(b" ")
    if not sep or len(parts) != 3 or parts[0] != _MAGIC or parts[1] != b"%d" % len(payload):
        return None
    if check and parts[2] != b"%08x" % zlib.crc32(payload):
        return None
    try:
        rows = _Rows(io.BytesIO(payload)).load()
        if type(rows) is not list:
            return None
        # One encoder wrote every row of an entry: the first one's names vouch for all
        # (the CRC, or the pipe, vouches for the bytes), the others' counts are checked.
        if rows and rows[0].keys() != _ALL_SET:
            return None
        return [_slice(row) for row in rows]
    except Exception:  # whatever a damaged pickle raises: a miss, never a crash
        return None


class _Rows(pickle.Unpickler):
    """An unpickler that refuses globals: rows are plain values only."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"slice entries hold no globals ({module}.{name})")


def _slice(row: dict[str, Any]) -> Slice:
    if len(row) != len(_FIELDS):
        raise ValueError("a row of another layout")
    outline = row["outline"]
    if outline:
        row["outline"] = tuple(map(_outline_entry, outline))
    return _built(Slice, row, _ALL_SET)


def _outline_entry(row: dict[str, Any]) -> OutlineEntry:
    if row.keys() != _ALL_OUTLINE_SET:
        raise ValueError("an outline row of another layout")
    return _built(OutlineEntry, row, _ALL_OUTLINE_SET)


_M = TypeVar("_M", Slice, OutlineEntry)


def _key_sharing_dict(cls: type[_M], fields: tuple[str, ...]) -> dict[str, Any]:
    """An empty-valued ``__dict__`` of ``cls`` whose keys live in the class's shared table.

    Setting attributes one by one on a bare instance makes CPython give its ``__dict__``
    a table of keys shared by every instance of the class (the values stand alone): 272
    bytes for a slice's 20 fields instead of 464 for an ordinary dict. A copy of such a
    dict shares the keys too, and updating its existing keys keeps it so.
    """
    model = _new(cls)
    for f in fields:
        _set(model, f, None)
    return dict.copy(model.__dict__)


# Slices only: a key-sharing dict's values are sized for the shared table's capacity
# (about 30 keys), so a 4-field outline entry's would be larger (280 bytes) than its own.
_SLICE_DICT = _key_sharing_dict(Slice, _FIELDS)


def _built(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """A model of ``cls`` holding ``values`` as they are, unvalidated.

    pydantic's own ``model_construct`` sets the same four slots, but fills defaults and
    copies the set of field names per instance. A slice's values move into a
    key-sharing dict (see :func:`_key_sharing_dict`): 272 bytes instead of 464.
    """
    model = _new(cls)
    if cls is Slice:
        shared = _SLICE_DICT.copy()
        shared.update(values)
        values = shared
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
