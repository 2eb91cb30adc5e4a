"""Spec sections linked to code: spec-driven packing and retrieval in both directions."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import context_kit
from context_kit.cli import main
from context_kit.errors import OptionError
from context_kit.links import MAX_LINK_TARGETS, MAX_PATH_LINK_TARGETS, build_links
from context_kit.retrievers import Corpus
from context_kit.retrievers.fusion import FusionResult
from context_kit.retrievers.links import LinkPropagation
from context_kit.types import Slice

DESIGN = """# Design

The store keeps key-value records in append-only segments on local disk.

## 1. Storage

Records are appended to the newest segment; old segments are immutable.

### 1.1. Compaction

- **REQ-1**: The store MUST merge old segments with `compact_segments()` once more
  than four segments exist.
- **REQ-2**: Every record MUST be checksummed by `checksum_record` before it is written,
  and `Store.verify_record` SHOULD reject records whose checksum differs.

### 1.2. Retention

- REQ-4: Segments older than the retention window MUST be removed by `expire_segmnts`.

## 2. Networking

### REQ-3 Replication

Replicas pull whole segments from their peers; see `src/replica.py`.
"""

STORE = '''"""Segment storage."""
import zlib


def compact_segments(segments):
    """Merge segments into one, newest record wins."""
    merged = {}
    for seg in segments:
        merged.update(seg)
    return [merged]


def checksum_record(record):
    """The CRC-32 of a record."""
    return zlib.crc32(repr(record).encode())


def expire_segments(segments, now, window):
    return [s for s in segments if now - s["created"] < window]


class Store:
    """A key-value store over segment files."""

    def verify_record(self, record, crc):
        """Whether a record still matches its checksum."""
        return checksum_record(record) == crc

    def put(self, key, value):
        self.segments[-1][key] = value
'''

REPLICA = """def pull_segment(peer, name):
    # Implements REQ-3: replicas pull, they never push.
    return peer.get(name)


def push_metrics(peer):
    return peer.send({"ok": True})
"""

NOISE = '''def render_page(title, body):
    """Render an HTML page about records and segments."""
    return f"<h1>{title}</h1>{body}"


def parse_args(argv):
    return list(argv)
'''


@pytest.fixture
def spec_repo(tmp_path: Path) -> Path:
    root = tmp_path / "spec_repo"
    (root / "docs").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "docs" / "design.md").write_text(DESIGN)
    (root / "README.md").write_text("# Store\n\nA tiny key-value store.\n")
    (root / "src" / "store.py").write_text(STORE)
    (root / "src" / "replica.py").write_text(REPLICA)
    (root / "src" / "web.py").write_text(NOISE)
    return root


@pytest.fixture
def index(spec_repo: Path) -> context_kit.Index:
    return context_kit.Index.build(spec_repo)


def by_name(packed, name):
    return next((i for i in packed.items if i.name == name), None)


def test_packing_for_a_requirement_brings_its_text_and_the_functions_it_names(index):
    packed = index.pack(spec="REQ-2", budget=700)
    assert packed.tokens <= 700
    section = by_name(packed, "Design > 1. Storage > 1.1. Compaction")
    assert section is not None and section.rendering == "full"
    assert "checksummed by `checksum_record`" in packed.text
    for fn in ["checksum_record", "Store.verify_record"]:
        item = by_name(packed, fn)
        assert item is not None and item.rendering == "full", fn
        assert "spec" in item.scores
    # Parent headings come along, so the reader sees where the requirement sits.
    assert by_name(packed, "Design > 1. Storage") is not None
    assert by_name(packed, "Design") is not None
    # The requirement's own code outranks code its neighbour REQ-1 names.
    scores = {e.name: e.score for e in packed.report.entries}
    assert scores["checksum_record"] > scores.get("compact_segments", 0.0)
    assert packed.query == "spec:REQ-2"


def test_packing_for_a_function_brings_back_its_requirement(index):
    packed = index.pack("checksum_record returns a different value on Windows", budget=500)
    section = by_name(packed, "Design > 1. Storage > 1.1. Compaction")
    assert section is not None
    assert "links" in section.scores
    assert "REQ-2" in packed.text
    # Propagation is what lifts it: without links the section ranks lower.
    plain = index.pack(
        "checksum_record returns a different value on Windows", budget=500, weights={"links": 0.0}
    )
    plain_scores = {e.name: e.score for e in plain.report.entries}
    assert section.score > plain_scores.get(section.name, 0.0)


def test_code_citing_a_requirement_links_both_ways(index):
    packed = index.pack(spec="REQ-3", budget=600)
    assert by_name(packed, "pull_segment") is not None
    assert "REQ-3 Replication" in packed.text
    back = index.pack("pull_segment times out", budget=400)
    assert any("Replication" in i.name for i in back.items)


def test_a_query_quoting_a_requirement_id_pulls_the_section_and_its_code(index):
    packed = index.pack("implement REQ-1 please", budget=500)
    names = [i.name for i in packed.items]
    assert "Design > 1. Storage > 1.1. Compaction" in names
    assert "compact_segments" in names


def test_fuzzy_links_catch_near_misses(index):
    links = index.linker.links_
    rows = {s.name: i for i, s in enumerate(index.slices)}
    fuzzy = [e for e in links.edges if e.code == rows["expire_segments"]]
    assert fuzzy and fuzzy[0].via == "expire_segments" and fuzzy[0].weight < 1.0
    assert fuzzy[0].requirement == "REQ-4"
    packed = index.pack(spec="REQ-4", budget=500)
    assert by_name(packed, "expire_segments") is not None


@pytest.mark.parametrize(
    "spec",
    ["1.1", "§1.1", "Storage > 1.1. Compaction", "docs/design.md#11-compaction", "1.1. Compacton"],
)
def test_specs_resolve_by_clause_heading_anchor_and_near_miss(index, spec):
    packed = index.pack(spec=spec, budget=700)
    assert by_name(packed, "Design > 1. Storage > 1.1. Compaction") is not None
    assert by_name(packed, "compact_segments") is not None


def test_unknown_spec_is_a_typed_error(index):
    with pytest.raises(OptionError) as err:
        index.pack(spec="REQ-99", budget=500)
    assert "REQ-1" in str(err.value) and err.value.name == "spec"
    with pytest.raises(OptionError):
        index.pack(spec="  ", budget=500)


def test_spec_packing_is_deterministic_and_exact(spec_repo):
    a = context_kit.pack(spec_repo, "", budget=300, spec="REQ-2")
    b = context_kit.pack(spec_repo, "", budget=300, spec="REQ-2")
    assert a.text == b.text and a.items == b.items
    assert a.tokens == context_kit.get_tokenizer("cl100k_base").count(a.text) <= 300
    tiny = context_kit.pack(spec_repo, budget=60, spec="REQ-2")
    assert tiny.tokens <= 60


def test_doc_globs_option(spec_repo):
    index = context_kit.Index.build(spec_repo, docs=["docs/"])
    kinds = {s.path: s.kind for s in index.slices}
    assert kinds["docs/design.md"] == "doc"
    assert kinds["README.md"] == "code"  # not a doc under these globs: plain windows


def test_cli_pack_by_spec(spec_repo, capsys):
    assert main(["pack", str(spec_repo), "--spec", "REQ-2", "--budget", "600"]) == 0
    out = capsys.readouterr().out
    assert "def checksum_record" in out
    # Neither a query nor a spec: an overview, not the spec's section first.
    assert main(["pack", str(spec_repo), "--budget", "600"]) == 0
    assert capsys.readouterr().out != out


def doc(text, spans=""):
    meta = {"requirement_spans": spans} if spans else {}
    n = text.count("\n")
    return Slice(id="d", kind="doc", path="d.md", start_line=1, end_line=n, text=text, meta=meta)


def code(name, path="m.py", text=""):
    return Slice(
        id=f"c:{path}:{name}",
        kind="code",
        path=path,
        start_line=1,
        end_line=2,
        text=text or f"def {name}():\n    pass\n",
        defines=(name,),
    )


def test_links_ignore_names_defined_everywhere_and_damp_ambiguous_ones():
    many = [code("run", path=f"m{i}.py") for i in range(MAX_LINK_TARGETS + 1)]
    two = [code("load", path="a.py"), code("load", path="b.py")]
    links = build_links([doc("Call `run()` and `load()`.\n"), *many, *two])
    assert {e.via for e in links.edges} == {"load"}
    assert all(e.weight == pytest.approx(2**-0.5) for e in links.edges)


def test_a_mention_links_the_name_as_spelt_before_other_cases():
    from context_kit._link_index import LinkIndex

    slices = [
        doc("Make a `User`, pass the `user` fixture, fill a `queue`, call `Store.flush`.\n"),
        code("User", "models.py"),
        code("user", "conftest.py"),
        code("Queue", "queue.py"),
        code("Store.flush", "store.py"),
        code("STORE.flush", "legacy.py"),
    ]
    links = build_links(slices)
    got = sorted((e.via, slices[e.code].path) for e in links.edges)
    assert got == [
        ("Store.flush", "store.py"),
        ("User", "models.py"),
        ("queue", "queue.py"),  # no ``queue`` as spelt: any case links
        ("user", "conftest.py"),
    ]
    assert LinkIndex(slices).links().edges == links.edges


def test_names_a_section_s_example_defines_link_nowhere():
    from context_kit._link_index import LinkIndex

    # click's tutorial defines ``def cli():`` and then says "call ``cli()``": its own
    # example, not the repository's ``examples/.../cli`` functions.
    slices = [
        doc(
            "Write a command:\n\n    @click.command()\n    def cli():\n"
            "        click.echo(name)\n\nThen call `cli()` and read `load_config()`.\n"
        ),
        code("cli", "examples/repo/cli.py"),
        code("load_config", "config.py"),
    ]
    links = build_links(slices)
    assert sorted(e.via for e in links.edges) == ["load_config"]
    assert LinkIndex(slices).links().edges == links.edges


def test_path_mentions_link_every_slice_of_the_file():
    links = build_links(
        [
            doc("See src/util.py for helpers.\n"),
            code("a", "src/util.py"),
            code("b", "src/util.py"),
            code("c", "src/other.py"),
        ]
    )
    assert sorted(e.code for e in links.edges) == [1, 2]


def test_a_path_naming_too_many_slices_links_nowhere_also_after_an_update():
    from context_kit._link_index import LinkIndex

    big = [code(f"f{i}", "src/big.h") for i in range(MAX_PATH_LINK_TARGETS + 1)]
    small = [code("a", "src/small.h"), code("b", "src/small.h")]
    slices = [doc("Include src/big.h and src/small.h.\n"), *big, *small]
    links = build_links(slices)
    assert sorted(e.via for e in links.edges) == ["src/small.h", "src/small.h"]
    # The incremental index agrees, and follows the file across the bound both ways.
    index = LinkIndex(slices)
    assert index.links().edges == links.edges
    shrunk = slices[:-3] + small  # big.h lost its last slice: at the bound, it links
    index.update(shrunk, np.asarray([*range(len(shrunk) - 2), -1, -1]))
    assert index.links().edges == build_links(shrunk).edges
    assert len(index.links().edges) == MAX_PATH_LINK_TARGETS + 2
    index.update(slices, np.asarray([*range(len(shrunk) - 2), -1, -1, -1]))
    assert index.links().edges == links.edges


def test_propagation_flows_both_ways_from_the_best_hits():
    slices = [doc("- REQ-1: `alpha()` must work.\n", "REQ-1:1-1"), code("alpha"), code("beta")]
    corpus = Corpus(slices)
    prop = LinkPropagation().fit(corpus)
    assert corpus.extras["links"] is prop.links_
    hit_doc = FusionResult(np.array([1.0, 0.0, 0.0], dtype=np.float32), {})
    out = prop.apply(hit_doc, weight=0.5)
    assert out.parts["links"].tolist() == [0.0, 0.5, 0.0]
    hit_code = FusionResult(np.array([0.0, 2.0, 0.0], dtype=np.float32), {})
    assert prop.apply(hit_code, weight=0.5).parts["links"].tolist() == [0.5, 0.0, 0.0]
    nothing = FusionResult(np.zeros(3, dtype=np.float32), {})
    assert prop.apply(nothing, weight=0.5) is nothing
    quoted = prop.apply(nothing, weight=0.5, query="do req-1")
    assert quoted.scores.tolist() == [0.5, 0.5, 0.0]


@st.composite
def spec_repos(draw):
    """A design doc whose requirements each name some of the repository's functions."""
    n_funcs = draw(st.integers(2, 6))
    funcs = [
        f"{w}_{i}"
        for i, w in enumerate(
            draw(
                st.lists(
                    st.sampled_from(["load", "store", "merge", "parse", "emit", "scan"]),
                    min_size=n_funcs,
                    max_size=n_funcs,
                )
            )
        )
    ]
    reqs = []
    for k in range(1, draw(st.integers(1, 4)) + 1):
        named = draw(st.lists(st.sampled_from(funcs), min_size=1, max_size=2, unique=True))
        style = draw(st.sampled_from(["item", "heading"]))
        reqs.append((f"REQ-{k}", named, style))
    lines = ["# Design", "", "Overview of the system.", ""]
    for rid, named, style in reqs:
        calls = " and ".join(f"`{f}()`" for f in named)
        if style == "heading":
            lines += [f"## {rid} Behaviour {rid[-1]}", "", f"The system MUST use {calls}.", ""]
        else:
            lines += [f"## Part {rid[-1]}", "", f"- **{rid}**: it MUST call {calls}.", ""]
    files = {"docs/design.md": "\n".join(lines)}
    for i, f in enumerate(funcs):
        files[f"src/m{i % 2}.py"] = files.get(f"src/m{i % 2}.py", "") + (
            f"def {f}(x):\n    y = x + {i}\n    return y\n\n\n"
        )
    return files, reqs


@settings(max_examples=8)
@given(spec_repos())
def test_spec_packing_brings_named_functions_and_functions_bring_their_requirement(repo):
    files, reqs = repo
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        index = context_kit.Index.build(root)
        for rid, named, _ in reqs:
            packed = index.pack(spec=rid, budget=1500)
            assert packed.tokens <= 1500
            docs = [i for i in packed.items if i.kind == "doc" and i.rendering == "full"]
            assert any(rid in i.name or f"**{rid}**" in packed.text for i in docs), rid
            full = {i.name for i in packed.items if i.rendering == "full"}
            assert set(named) <= full, (rid, named, full)
            for f in named:
                back = index.pack(f"{f} returns the wrong value", budget=1500)
                assert rid in back.text, (f, rid)


def test_code_and_commits_citing_a_requirement_link_to_its_section():
    commit = Slice(id="commit:abc", kind="commit", commit="abc", text="Implement req-1 retries\n")
    cites = code("retry", text="def retry():\n    # REQ-1\n    pass\n")
    other = code("other", text="def other():\n    # REQ-10 is different\n    pass\n")
    slices = [doc("- REQ-1: retries MUST back off.\n", "REQ-1:1-1"), cites, other, commit]
    links = build_links(slices)
    assert [(e.code, e.requirement, e.via) for e in links.edges] == [
        (1, "REQ-1", "REQ-1"),
        (3, "REQ-1", "REQ-1"),
    ]
    assert links.requirement_rows == {"REQ-1": [0]}


def test_links_boost_stays_in_rrf_units(index):
    hits = index.search("checksum_record returns a different value", k=5, fusion="rrf")
    assert hits and all(h.score < 1.0 for h in hits)
    assert any("links" in h.scores for h in hits)


def test_links_follow_a_replaced_corpus(index):
    first = index.linker
    assert index.linker is first
    index.corpus = Corpus(index.slices)  # what an incremental update does
    assert index.linker is not first
    assert index.linker.links_.edges == first.links_.edges


def test_links_prefer_the_spelling_and_implementation_over_tests():
    slices = [
        doc("Make `User` and `parse_row()` strict.\n"),
        code("User", "src/models.py"),
        code("user", "tests/conftest.py"),
        code("parse_row", "src/rows.py"),
        code("parse_row", "tests/test_rows.py"),
        code("only_tested", "tests/test_x.py"),
    ]
    links = build_links(slices)
    assert sorted((e.code, e.weight) for e in links.edges) == [(1, 1.0), (3, 1.0)]
    only = build_links([doc("See `only_tested`.\n"), *slices[1:]])
    assert [e.code for e in only.edges] == [5]


def test_all_caps_and_hyphenated_words_link_only_as_spelt():
    # Case-folded edges from a doc audit led to unrelated code: the HTTP verb ``GET`` to
    # every ``get``, ``Content-Length`` to ``Response.content``, ``PAGER`` to ``pager``.
    from context_kit.links import build_links
    from context_kit.types import Slice

    doc = Slice(
        id="d", kind="doc", path="d.md", start_line=1, end_line=3,
        text="Send a `GET` request.\nSet `Content-Length` and `NO_PROXY_HOSTS`.\n"
        "Call `get_config()`, read `MAX_SIZE` and pass `--max-retries`.\n",
    )  # fmt: skip
    defines = [
        ("get",), ("Response.content", "content"), ("no_proxy_hosts",), ("get_config",),
        ("MAX_SIZE",), ("max",),
    ]  # fmt: skip
    code = [
        Slice(id=f"c{i}", kind="code", path=f"c{i}.py", start_line=1, end_line=1, text="x\n",
              defines=d)
        for i, d in enumerate(defines)
    ]  # fmt: skip
    got = sorted((e.code, e.via) for e in build_links([doc, *code]).edges)
    assert got == [(4, "get_config"), (5, "MAX_SIZE")]
