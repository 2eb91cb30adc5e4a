"""LinkIndex: section<->code links edited by delta equal build_links on the same corpus."""

import io
import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from context_kit._link_index import LinkIndex
from context_kit.links import Links, build_links
from context_kit.types import Slice

CODE_PATHS = ["src/store.py", "src/io.py", "tests/test_store.py", "lib/Store.py"]
DEFINES = ["Store", "Store.flush", "flush", "compact_segments", "load_config", "User", "user"]
# Ties with compact_segments for the probe compact_segment: the earlier spelling must win.
DEFINES += ["compact_segmentz"]
CODE_TEXT = ["pass", "# implements REQ-1", "check(FR-2) and req-1", "x = 1  # REQ-12"]
DOC_PATHS = ["docs/spec.md", "CHANGELOG.md", "docs/guide.md"]
DOC_LINES = [
    "REQ-1: `compact_segment()` MUST merge.",
    "FR-2 `Store.flush` SHOULD sync src/store.py",
    "Call `load_confg()` and `User` then `user`.",
    "See io.py and `flush` and `compact_segments`.",
    "REQ-12 plain prose without code.",
]


@st.composite
def code_slice(draw, i: int) -> Slice:
    path = draw(st.sampled_from(CODE_PATHS))
    return Slice(
        id=f"code:{path}:{i}",
        kind="code",
        path=path,
        start_line=i,
        end_line=i,
        name=draw(st.sampled_from(["", "Store", "flush"])),
        text=draw(st.sampled_from(CODE_TEXT)) + "\n",
        defines=tuple(draw(st.lists(st.sampled_from(DEFINES), max_size=3))),
    )


@st.composite
def doc_slice(draw, i: int) -> Slice:
    lines = draw(st.lists(st.sampled_from(DOC_LINES), min_size=1, max_size=3))
    first = 10 * i + 1
    spans = [
        f"{line.split(':')[0].split(' ')[0]}:{first + k}-{first + k}"
        for k, line in enumerate(lines)
        if line[:3] in ("REQ", "FR-")
    ]
    meta: dict[str, str | int | float | bool | None] = {}
    if spans and draw(st.booleans()):
        meta = {"requirement_spans": ";".join(spans)}
    path = draw(st.sampled_from(DOC_PATHS))
    return Slice(
        id=f"doc:{path}:{i}",
        kind="doc",
        path=path,
        start_line=first,
        end_line=first + len(lines) - 1,
        name="Spec",
        text="\n".join(lines) + "\n",
        meta=meta,
    )


@st.composite
def corpus_versions(draw):
    """Corpora in turn: slices kept, dropped, added and shuffled (a commit now and then)."""
    counter = itertools.count()

    def fresh(n: int) -> list[Slice]:
        out = []
        for _ in range(n):
            i = next(counter)
            kind = draw(st.sampled_from(["code", "code", "doc", "commit"]))
            if kind == "commit":
                text = draw(st.sampled_from(CODE_TEXT))
                out.append(Slice(id=f"commit:{i}", kind="commit", text=text, commit=f"{i}"))
            else:
                out.append(draw(code_slice(i) if kind == "code" else doc_slice(i)))
        return out

    versions = [fresh(draw(st.integers(0, 10)))]
    for _ in range(draw(st.integers(1, 4))):
        keep = [s for s in versions[-1] if draw(st.booleans())]
        versions.append(draw(st.permutations(keep + fresh(draw(st.integers(0, 5))))))
    return versions


def same(a: Links, b: Links) -> None:
    assert a.edges == b.edges
    assert a.requirement_rows == b.requirement_rows
    assert a.n_rows == b.n_rows


def previous_rows(old: list[Slice], new: list[Slice]) -> np.ndarray:
    rows = {id(s): i for i, s in enumerate(old)}
    return np.asarray([rows.get(id(s), -1) for s in new], dtype=np.int64)


@given(corpus_versions(), st.sampled_from([1, 2]))
def test_a_link_index_edited_by_delta_equals_build_links(versions, workers):
    # Threads split the near-miss comparison: the same edges either way.
    index = LinkIndex(versions[0], workers=workers)
    same(index.links(), build_links(versions[0]))
    for old, new in itertools.pairwise(versions):
        index.update(new, previous_rows(old, new))
        same(index.links(), build_links(new))


@given(corpus_versions())
def test_links_asked_only_at_the_end_are_still_current(versions):
    # Several updates between two calls of links(): the cached parts must keep up.
    index = LinkIndex(versions[0])
    index.links()
    for old, new in itertools.pairwise(versions):
        index.update(new, previous_rows(old, new))
    same(index.links(), build_links(versions[-1]))


class _NoSlices(pickle.Pickler):
    """A pickler that fails on any Slice: a cached index must leave the corpus out."""

    def persistent_id(self, obj: object) -> None:
        assert not isinstance(obj, Slice), "a slice was pickled with the index"


def _detached(index: LinkIndex) -> LinkIndex:
    buf = io.BytesIO()
    _NoSlices(buf, pickle.HIGHEST_PROTOCOL).dump(index)
    out: LinkIndex = pickle.loads(buf.getvalue())
    return out


@given(corpus_versions(), st.data())
def test_a_pickled_index_reattached_follows_the_corpus_as_the_original(versions, data):
    # The fit cache stores a LinkIndex without its slices (see _fit_cache): taken back
    # from the same corpus, it must give, and keep giving through updates, build_links.
    at = data.draw(st.integers(0, len(versions) - 1))
    index = LinkIndex(versions[0])
    index.links()
    for old, new in itertools.pairwise(versions[: at + 1]):
        index.update(new, previous_rows(old, new))
    loaded = _detached(index)
    loaded.reattach(versions[at])
    same(loaded.links(), build_links(versions[at]))
    for old, new in itertools.pairwise(versions[at:]):
        loaded.update(new, previous_rows(old, new))
        same(loaded.links(), build_links(new))


@given(corpus_versions())
def test_a_pickled_index_refuses_other_slices(versions):
    corpus = versions[0]
    index = LinkIndex(corpus)
    others = [
        corpus[1:],  # one fewer
        [*corpus, Slice(id="extra", kind="code", path="x.py", text="pass\n")],
        [s.model_copy(update={"id": s.id + "'"}) for s in corpus],  # same count, other ids
    ]
    if len({s.id for s in corpus}) > 1:
        others.append(corpus[::-1])  # the same slices in another order
    for other in others:
        if other == corpus:
            continue
        with pytest.raises(ValueError):
            _detached(index).reattach(other)
    loaded = _detached(index)
    loaded.reattach(corpus)
    with pytest.raises(ValueError):  # once only
        loaded.reattach(corpus)


def test_the_corpus_links_something():
    """The material above makes exact, near-miss, path and citation edges."""

    def code(path: str, text: str = "pass\n", *defines: str) -> Slice:
        return Slice(
            id=path, kind="code", path=path, start_line=1, end_line=1, text=text, defines=defines
        )

    corpus = [
        Slice(
            id="d",
            kind="doc",
            path="docs/spec.md",
            start_line=1,
            end_line=5,
            text="\n".join(DOC_LINES) + "\n",
            meta={"requirement_spans": "REQ-1:1-1;FR-2:2-2;REQ-12:5-5"},
        ),
        code("src/store.py", "pass\n", "compact_segments"),
        code("lib/flush.py", "pass\n", "Store.flush"),
        code("src/io.py"),
        code("src/config.py", "pass\n", "load_config"),
        code("src/other.py", "x = 1  # REQ-12\n"),
    ]
    links = LinkIndex(corpus).links()
    assert {e.via for e in links.edges} >= {
        "compact_segments",
        "Store.flush",
        "io.py",
        "load_config",
        "REQ-12",
    }
    same(links, build_links(corpus))


@given(
    st.lists(st.text("abcde_", min_size=6, max_size=16), min_size=1, max_size=8),
    st.lists(st.text("abcde_", min_size=1, max_size=16), max_size=30),
    st.lists(st.tuples(st.integers(0, 7), st.text("abcde_", max_size=4), st.integers(0, 3))),
    st.sampled_from([60.0, 75.0, 90.0]),
)
def test_nearest_names_equals_comparing_every_name(probes, others, variants, cutoff):
    # Only names whose length can reach the cutoff are compared: the answer (and which
    # of equally close names wins: the first) is the one every comparison gives. Names
    # made from the probes (a suffix added, characters cut) sit near the length bound.
    from rapidfuzz import fuzz, process

    from context_kit.links import nearest_names

    made = [probes[i % len(probes)] for i, _, _ in variants]
    made = [p[: len(p) - cut] + tail for p, (_, tail, cut) in zip(made, variants, strict=True)]
    names = sorted({n for n in [*others, *made] if n})
    if not names:
        return
    matrix = process.cdist(probes, names, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8)
    want = [(names[int(np.argmax(row))], int(row.max())) if row.any() else None for row in matrix]
    assert nearest_names(probes, names, cutoff) == want
