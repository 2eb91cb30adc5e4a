"""Excerpts: a long function's query-matching lines packed when its full text does not fit."""

from __future__ import annotations

from pathlib import Path

from context_kit import Index
from context_kit.packing.excerpt import ranked_lines
from context_kit.sources._lines import split_lines


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    steps = "".join(f"    total = total + step_{i}(total, {i})\n" for i in range(60))
    (root / "jobs.py").write_text(
        "def process_batch(total):\n"
        '    """Run every step of a batch."""\n'
        f"{steps[: len(steps) // 2]}"
        "    total = quarantine_poisoned_records(total)\n"
        f"{steps[len(steps) // 2 :]}"
        "    return total\n"
    )
    for n in range(8):  # other code, so that idf means something
        (root / f"mod{n}.py").write_text(
            "".join(f"def helper_{n}_{i}(x):\n    return x + {i}\n\n" for i in range(6))
        )
    return root


def test_a_tight_budget_packs_the_matching_lines_of_a_long_function(tmp_path: Path):
    root = _repo(tmp_path)
    index = Index.build(root, cache_dir=False, workers=1)
    query = "process_batch should quarantine poisoned records"
    packed = index.pack(query, budget=300)
    (item,) = [it for it in packed.items if it.name == "process_batch"]
    assert item.rendering == "excerpt"
    assert "quarantine_poisoned_records(total)" in packed.text
    assert "step_0(" not in packed.text and "step_59(" not in packed.text
    lines = split_lines((root / "jobs.py").read_text())
    target = next(i for i, ln in enumerate(lines, 1) if "quarantine" in ln)
    assert any(a <= target <= b for a, b in item.verbatim_lines)
    for a, b in item.verbatim_lines:  # every line claimed is in the text as it is in the file
        for n in range(a, b + 1):
            assert lines[n - 1] in packed.text

    plain = index.pack(query, budget=300, excerpts=False)
    assert "quarantine_poisoned_records(total)" not in plain.text
    assert all(it.rendering != "excerpt" for it in plain.items)
    # With room for it, the function is packed whole.
    roomy = index.pack(query, budget=4000)
    assert next(it for it in roomy.items if it.name == "process_batch").rendering == "full"


def test_only_lines_with_rare_query_terms_are_picked():
    text = "def f(x):\n    y = x\n    return frobnicate(y)\n    z = y\n"
    weights = {"frobnicate": 4.0, "x": 0.2, "y": 0.3}
    assert ranked_lines(text, 10, weights, stem=False) == [12]
    assert ranked_lines(text, 10, weights, stem=False, after=12) == []
    assert ranked_lines(text, 10, {"x": 0.2}, stem=False) == []
    assert ranked_lines(text, 10, {}) == []
    assert ranked_lines(text, 10, {"frobnicat": 4.0}) == [12]  # stemmed as the index is


def test_a_code_renderer_with_its_own_fidelity_prices_excerpts_by_it(tmp_path: Path):
    from context_kit.renderers import FIDELITY, CodeRenderer, TextRenderer

    root = _repo(tmp_path)
    index = Index.build(root, cache_dir=False, workers=1)
    query = "process_batch should quarantine poisoned records"
    rows = [i for i, s in enumerate(index.slices) if s.name == "process_batch"]
    (rung,) = index._excerpts(query, rows, True)[rows[0]]
    assert rung.fidelity == FIDELITY["excerpt"]
    index.renderers = (CodeRenderer(fidelity={**FIDELITY, "excerpt": 0.2}), TextRenderer())
    (rung,) = index._excerpts(query, rows, True)[rows[0]]
    assert rung.fidelity == 0.2


def test_ranked_lines_come_best_first():
    text = "def f(x):\n    a = frobnicate(x)\n    b = frobnicate(quux(x))\n    c = 1\n"
    weights = {"frobnicate": 4.0, "quux": 3.0}
    assert ranked_lines(text, 10, weights, stem=False) == [12, 11]


def test_a_function_with_many_matches_also_offers_its_best_few(tmp_path: Path):
    from context_kit.renderers import FIDELITY

    root = tmp_path / "repo"
    root.mkdir()
    body = []
    for i in range(12):
        body += [f"    total = step_{i}(total)\n"] * 6
        # One line names every query word; the others name two of them.
        rare = "quarantine_poisoned_records" if i == 7 else "quarantine_records"
        body.append(f"    total = {rare}(total, {i})\n")
    (root / "jobs.py").write_text(
        'def process_batch(total):\n    """Run a batch."""\n' + "".join(body) + "    return total\n"
    )
    for n in range(8):
        (root / f"mod{n}.py").write_text(
            "".join(f"def helper_{n}_{i}(x):\n    return x + {i}\n\n" for i in range(6))
        )
    index = Index.build(root, cache_dir=False, workers=1)
    query = "quarantine poisoned records"
    rows = [i for i, s in enumerate(index.slices) if s.name == "process_batch"]
    long, short = index._excerpts(query, rows, True)[rows[0]]
    assert (long.name, short.name) == ("excerpt", "short_excerpt")
    assert short.fidelity == FIDELITY["short_excerpt"] < long.fidelity
    assert "quarantine_poisoned_records(total, 7)" in short.text
    assert len(short.text) < len(long.text)
    assert sum(b - a + 1 for a, b in short.verbatim_lines()) < sum(
        b - a + 1 for a, b in long.verbatim_lines()
    )
    # Both are offered between the full text and the elided body, longest first.
    from context_kit.packing.excerpt import with_excerpts
    from context_kit.renderers import default_ladder

    ladder = with_excerpts(default_ladder(index.slices[rows[0]], index.renderers), [long, short])
    names = [r.name for r in ladder]
    assert names.index("full") < names.index("excerpt") < names.index("short_excerpt")
    assert names.index("short_excerpt") < names.index("elided")
    packed = index.pack(query, budget=10_000)
    assert next(it for it in packed.items if it.name == "process_batch").rendering == "full"


def test_a_line_window_offers_its_matching_lines(tmp_path: Path):
    root = tmp_path / "repo"
    root.mkdir()
    lines = [f"option_{i} = {i}\n" for i in range(50)]
    lines[30] = "repl_ping_replica_period = 10\n"
    (root / "server.conf").write_text("".join(lines))
    for n in range(8):
        (root / f"mod{n}.py").write_text(
            "".join(f"def helper_{n}_{i}(x):\n    return x + {i}\n\n" for i in range(6))
        )
    index = Index.build(root, cache_dir=False, workers=1)
    rows = [i for i, s in enumerate(index.slices) if s.path == "server.conf"]
    assert [index.slices[r].symbol_kind for r in rows] == ["window"]
    (rung,) = index._excerpts("replica ping period", rows, True)[rows[0]]
    assert rung.name == "excerpt" and rung.verbatim_lines() == [(30, 32)]
    assert "repl_ping_replica_period = 10\n" in rung.text
    assert "... (lines 1-29 elided)" in rung.text and "option_0 " not in rung.text
    for a, b in rung.verbatim_lines():  # every line claimed is the file's own
        for n in range(a, b + 1):
            assert lines[n - 1] in rung.text


def test_a_long_enum_and_a_long_statement_run_offer_their_matching_lines(tmp_path: Path):
    # curl's CURLoption enum: 200-line parts of CURLOPT(...) entries had only full
    # (2,294 tokens) or a mention, where the entry a query names is one line.
    root = tmp_path / "repo"
    root.mkdir()
    entries = [f"  OPT_{i} = {i},\n" for i in range(40)]
    entries[25] = "  OPT_MAXFILESIZE_LARGE = 117,\n"
    table = [f"LIMIT_{i} = {i}\n" for i in range(40)]
    table[12] = "MAX_REDIRECT_HOPS = 30\n"
    (root / "opts.h").write_text("typedef enum {\n" + "".join(entries) + "} Option;\n")
    (root / "limits.py").write_text("".join(table))
    for n in range(8):
        (root / f"mod{n}.py").write_text(
            "".join(f"def helper_{n}_{i}(x):\n    return x + {i}\n\n" for i in range(6))
        )
    index = Index.build(root, cache_dir=False, workers=1)
    for path, query, line, kind in [
        ("opts.h", "maxfilesize large is ignored", "  OPT_MAXFILESIZE_LARGE = 117,\n", "class"),
        ("limits.py", "too many redirect hops", "MAX_REDIRECT_HOPS = 30\n", "module"),
    ]:
        rows = [i for i, s in enumerate(index.slices) if s.path == path]
        assert [index.slices[r].symbol_kind for r in rows] == [kind]
        rungs = index._excerpts(query, rows, True)[rows[0]]
        assert rungs[0].name == "excerpt" and line in rungs[0].text
        assert len(rungs[0].text) < len(index.slices[rows[0]].text) // 3
