"""Fast tests of the retrieval quality benchmark (no network, no fetched repositories)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _quality import gitutil
from _quality.metrics import (
    POLYGLOT_SUFFIXES,
    GoldFunction,
    Pack,
    PackItem,
    citation_errors,
    count_tokens,
    file_recall,
    function_recall,
    is_test_path,
    line_recall,
    query_names_gold_function,
)
from _quality.pyspans import definition_spans, enclosing_spans
from _quality.report import markdown, summarise
from _quality.runner import evaluate_state
from _quality.systems import (
    BM25,
    AiderState,
    SourceFiles,
    aider_items,
    pack_whole_files,
    tokenize,
)
from _quality.tasks import (
    Task,
    cached_commit_tasks,
    is_library_source,
    is_query_message,
    mine_commit_tasks,
    parse_preimage_lines,
)
from conftest import git

CORE_V1 = '''"""Core module."""


class Parser:
    """Parse things."""

    @staticmethod
    def parse(text):
        if text is None:
            raise ValueError("no text")
        return text.split()

    def render(self, items):
        return " ".join(items)


def helper(x):
    return x + 1
'''

# Commit 2 changes lines 9-10 (inside the decorated Parser.parse, which spans 7..11).
CORE_V2 = CORE_V1.replace(
    '        if text is None:\n            raise ValueError("no text")\n',
    "        if not text:\n            return []\n",
)
# Commit 4 only appends lines (no pre-image lines): not a valid task.
CORE_V3 = CORE_V2 + "\n\ndef another(y):\n    return y * 2\n"
FIX_MESSAGE = (
    "Make the parser return an empty list for empty input\n\n"
    "Previously parse raised a ValueError when given None or an empty string."
)


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture()
def tiny_repo(tmp_path: Path) -> dict[str, str | Path]:
    """A repo with one good commit task and several commits that must be filtered out."""
    repo = tmp_path / "tiny"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    c1 = _commit(
        repo,
        {"pkg/core.py": CORE_V1, "tests/test_core.py": "def test_x():\n    assert True\n"},
        "Initial import of the parser package with its first tests",
    )
    c2 = _commit(
        repo,
        {"pkg/core.py": CORE_V2, "tests/test_core.py": "def test_x():\n    assert 1\n"},
        FIX_MESSAGE,
    )
    _commit(repo, {"pkg/core.py": CORE_V2 + "\n"}, "fix")  # too short
    _commit(
        repo, {"pkg/core.py": CORE_V3}, "Add another helper that doubles its argument for reuse"
    )
    _commit(
        repo,
        {"pkg/core.py": CORE_V3.replace("y * 2", "2 * y")},
        "Bump version to 1.2.3 and prepare the next release of the package",
    )
    return {"repo": repo, "c1": c1, "c2": c2}


# --------------------------------------------------------------------------- task mining


def test_mine_commit_tasks_picks_only_the_real_fix(tiny_repo: dict) -> None:
    repo = tiny_repo["repo"]
    tasks = mine_commit_tasks(repo / ".git", "me/tiny", n=10, seed=0)
    assert len(tasks) == 1
    t = tasks[0]
    assert t.task_set == "commits"
    assert t.commit == tiny_repo["c1"]  # state = parent of the fixing commit
    assert t.meta["source_commit"] == tiny_repo["c2"]
    assert t.query == FIX_MESSAGE
    assert t.gold_files == ["pkg/core.py"]  # the test file is not gold
    assert t.gold_lines == {"pkg/core.py": [9, 10]}
    assert t.gold_functions == [GoldFunction("pkg/core.py", "Parser.parse", 7, 11, "function")]


def test_cached_commit_tasks_roundtrip(tiny_repo: dict, tmp_path: Path) -> None:
    git_dir = tiny_repo["repo"] / ".git"
    first = cached_commit_tasks(git_dir, "me/tiny", 5, 0, tmp_path / "cache")
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1
    again = cached_commit_tasks(git_dir, "me/tiny", 5, 0, tmp_path / "cache")
    assert [t.to_json() for t in again] == [t.to_json() for t in first]
    assert Task.from_json(json.loads(json.dumps(first[0].to_json()))) == first[0]


def test_message_filter() -> None:
    assert is_query_message(FIX_MESSAGE)
    assert not is_query_message("fix")
    assert not is_query_message("Fix typo in the documentation of the parser module here")
    assert not is_query_message("Bump version to 2.0.0 for the upcoming release of things")


def test_parse_preimage_lines() -> None:
    diff = (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n"
        "@@ -3,2 +3,3 @@ def f():\n-x\n-y\n+x\n+y\n+z\n"
        "@@ -10,0 +12,1 @@\n+new\n"
        "@@ -20 +22 @@\n-a\n+b\n"
    )
    lines, removed = parse_preimage_lines(diff)
    assert removed
    assert lines == {"a.py": [3, 4, 10, 20]}
    only_added, removed2 = parse_preimage_lines("--- a/b.py\n+++ b/b.py\n@@ -5,0 +6,2 @@\n+p\n+q\n")
    assert not removed2
    assert only_added == {"b.py": [5]}


def test_a_name_with_a_space_loses_the_tab_git_ends_it_with() -> None:
    diff = (
        "--- a/Parsable Types/Cmd.swift\t\n+++ b/Parsable Types/Cmd.swift\t\n@@ -4 +4 @@\n-a\n+b\n"
    )
    assert parse_preimage_lines(diff)[0] == {"Parsable Types/Cmd.swift": [4]}


def test_enclosing_spans_innermost_and_class_lines() -> None:
    spans = definition_spans(CORE_V1)
    assert spans is not None
    names = {s.name: (s.start, s.end, s.kind) for s in spans}
    assert names["Parser"] == (4, 14, "class")
    assert names["Parser.parse"] == (7, 11, "function")  # starts at the decorator
    assert [s.name for s in enclosing_spans(spans, [5, 10, 18, 1])] == [
        "Parser",
        "Parser.parse",
        "helper",
    ]
    assert definition_spans("def broken(:\n") is None


def test_materialise_detached_without_refs(tiny_repo: dict, tmp_path: Path) -> None:
    dest = tmp_path / "co" / "state"
    out = gitutil.materialise(tiny_repo["repo"] / ".git", tiny_repo["c1"], dest)
    assert gitutil.git(out, "rev-parse", "HEAD").strip() == tiny_repo["c1"]
    assert gitutil.git(out, "for-each-ref").strip() == ""
    assert not (out / ".git" / "logs").exists()  # no reflog naming a later commit
    later = gitutil.git(tiny_repo["repo"], "rev-parse", "HEAD").strip()
    assert later not in gitutil.git(out, "rev-list", "--all", "--reflog", "HEAD")
    assert "return []" not in (out / "pkg/core.py").read_text()  # pre-fix state
    assert gitutil.materialise(tiny_repo["repo"] / ".git", tiny_repo["c1"], dest) == dest
    from _quality.runner import is_ancestor

    assert is_ancestor(out, tiny_repo["c1"])
    assert not is_ancestor(out, tiny_repo["c2"])  # the future is not an ancestor of HEAD


def test_is_test_path() -> None:
    assert is_test_path("tests/test_core.py")
    assert is_test_path("src/pkg/test_thing.py")
    assert is_test_path("conftest.py")
    assert not is_test_path("src/pkg/testament.py")
    assert not is_test_path("pkg/core.py")


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("context_test.go", True),
        ("src/foo.spec.ts", True),
        ("packages/x/__tests__/a.ts", True),
        ("spec/site_spec.rb", True),
        ("okhttp/src/test/java/okhttp3/CallTest.java", True),
        ("Src/Newtonsoft.Json.Tests/Linq/JObjectTests.cs", True),
        ("util/env_posix_test.cc", True),
        ("context.go", False),
        ("src/latest.ts", False),
        ("src/Manifest.java", False),
        ("lib/jekyll/site.rb", False),
    ],
)
def test_polyglot_test_paths(path: str, is_test: bool) -> None:
    assert is_test_path(path, polyglot=True) is is_test
    assert is_library_source(path, POLYGLOT_SUFFIXES) is not is_test


@pytest.mark.parametrize(
    "path",
    [
        "deps/jemalloc/src/jemalloc.c",  # vendored
        "Package.swift",  # build scripts
        "app/build.gradle.kts",
        "vite.config.ts",
        "website/static/jquery.min.js",  # minified, and a website
        "Tools/generate-manual/Main.swift",
        "README.md",
    ],
)
def test_polyglot_library_source_leaves_out_what_is_not_library_code(path: str) -> None:
    assert not is_library_source(path, POLYGLOT_SUFFIXES)


def test_polyglot_tasks_are_mined_from_other_languages(tmp_path: Path) -> None:
    repo = tmp_path / "goproj"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    body = (
        "package srv\n\nfunc Limit(n int) int {\n\tif n < 0 {\n\t\treturn 0\n\t}\n\treturn n\n}\n"
    )
    _commit(repo, {"srv/limit.go": body, "pkg/core.py": CORE_V1}, "Initial import of the server")
    fixed = body.replace("return 0", "return 1")
    _commit(
        repo,
        {"srv/limit.go": fixed, "srv/limit_test.go": "package srv\n"},
        "Clamp negative limits to one so that callers always get at least one item",
    )
    _commit(repo, {"pkg/core.py": CORE_V2}, FIX_MESSAGE)
    tasks = mine_commit_tasks(repo / ".git", "me/go", n=5, seed=0, task_set="polyglot")
    by_file = {tuple(t.gold_files): t for t in tasks}
    assert set(by_file) == {("srv/limit.go",), ("pkg/core.py",)}  # Python is a language too
    task = by_file["srv/limit.go",]
    assert task.task_set == "polyglot"
    assert task.gold_lines == {"srv/limit.go": [5]}  # the test file is not gold
    assert task.gold_functions == []  # function recall is None, not 0
    # The Python set does not see the Go change.
    python_only = mine_commit_tasks(repo / ".git", "me/go", n=5, seed=0)
    assert [t.gold_files for t in python_only] == [["pkg/core.py"]]


# --------------------------------------------------------------------------- metrics

GOLD_FUNCS = [
    GoldFunction("a.py", "A.f", 10, 20),
    GoldFunction("b.py", "g", 5, 8),
]
GOLD_LINES = {"a.py": [12, 30], "b.py": [6]}


def test_recalls_on_hand_made_packs() -> None:
    items = [
        PackItem("a.py", 10, 15, "full"),
        PackItem("a.py", 16, 20, "full"),  # adjacent items merge to cover A.f
        PackItem("b.py", 1, 100, "signature"),  # trimmed: counts for file recall only
    ]
    assert file_recall(items, ["a.py", "b.py", "c.py"]) == pytest.approx(2 / 3)
    assert function_recall(items, GOLD_FUNCS) == pytest.approx(1 / 2)
    assert line_recall(items, GOLD_LINES) == pytest.approx(1 / 3)


def test_lines_a_trimmed_item_shows_verbatim_count_for_line_recall_only() -> None:
    items = [
        PackItem("a.py", 10, 20, "excerpt", verbatim=[(10, 10), (12, 13)]),
        PackItem("b.py", 1, 100, "elided", verbatim=[(1, 2)]),
    ]
    assert line_recall(items, GOLD_LINES) == pytest.approx(1 / 3)  # a.py:12 only
    assert function_recall(items, GOLD_FUNCS) == 0.0  # gaps: A.f is not there in full


def test_gold_line_renderings() -> None:
    from _quality.metrics import gold_line_renderings

    items = [PackItem("a.py", 10, 15, "full"), PackItem("a.py", 1, 40, "elided")]
    assert gold_line_renderings(items, GOLD_LINES) == {"full": 1, "trimmed": 1, "absent": 1}


def test_recalls_partial_and_empty() -> None:
    items = [PackItem("a.py", 11, 40, "full"), PackItem(None, None, None, "full", "commit")]
    assert function_recall(items, GOLD_FUNCS) == 0.0  # line 10 of A.f missing
    assert line_recall(items, GOLD_LINES) == pytest.approx(2 / 3)
    assert function_recall(items, []) is None
    assert line_recall(items, {}) is None
    assert file_recall([], []) is None
    assert file_recall([], ["a.py"]) == 0.0


def test_query_names_gold_function() -> None:
    assert query_names_gold_function("calling f() fails", GOLD_FUNCS)
    assert not query_names_gold_function("the fg helper and A.fx", GOLD_FUNCS)


def test_citation_errors(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("one\ntwo\nthree\n")
    good = Pack("header\ntwo\nthree\n", [PackItem("m.py", 2, 3, "full")])
    assert citation_errors(good, tmp_path) == 0
    excerpt = PackItem("m.py", 1, 3, "excerpt", verbatim=[(1, 1), (3, 3)])
    assert citation_errors(Pack("one\n... (line 2 elided)\nthree\n", [excerpt]), tmp_path) == 0
    assert citation_errors(Pack("one\n", [excerpt]), tmp_path) == 1  # line 3 is claimed
    bad = Pack(
        "one\ntwo\n",
        [
            PackItem("m.py", 2, 3, "full"),  # 'three' missing
            PackItem("m.py", 3, 9, "full"),  # out of range
            PackItem("missing.py", 1, 1, "full"),
            PackItem("m.py", 1, 3, "outline"),  # not full: not checked
        ],
    )
    assert citation_errors(bad, tmp_path) == 3


# --------------------------------------------------------------------------- systems


def test_bm25_ranks_matching_document_first() -> None:
    docs = [tokenize("apples and pears"), tokenize("parse_text parser tokens"), tokenize("x")]
    scores = BM25(docs).scores(tokenize("how does the parser handle parse_text"))
    assert scores.index(max(scores)) == 1
    assert scores[2] == 0.0


def test_pack_whole_files_budget_and_skip(tmp_path: Path) -> None:
    files = SourceFiles(
        tmp_path,
        ["big.py", "small.py"],
        {"big.py": "x = 1\n" * 400, "small.py": "y = 2"},
    )
    budget = files.chunk_tokens("small.py") + 1
    pack = pack_whole_files(files, ["big.py", "small.py"], budget)
    assert [it.path for it in pack.items] == ["small.py"]  # big skipped, small still packed
    assert pack.text == "small.py\ny = 2\n"
    assert count_tokens(pack.text) <= budget
    assert pack.items[0].start_line == 1 and pack.items[0].end_line == 1


def _state_job(tiny_repo: dict, tmp_path: Path, systems: list[str], **extra: object) -> dict:
    """A job for evaluate_state: the tiny repository's first mined task, at 2k tokens."""
    task = mine_commit_tasks(tiny_repo["repo"] / ".git", "me/tiny", n=1, seed=0)[0]
    job = {
        "git_dir": str(tiny_repo["repo"] / ".git"),
        "commit": task.commit,
        "checkout": str(tmp_path / "co"),
        "tasks": [task.to_json()],
        "systems": systems,
        "ck_options": [],
        "budgets": [2000],
    }
    job.update(extra)
    return job


def test_evaluate_state_end_to_end(tiny_repo: dict, tmp_path: Path) -> None:
    job = _state_job(tiny_repo, tmp_path, ["bm25-files", "gold-files"], budgets=[10, 4000])
    records = evaluate_state(job)
    assert len(records) == 4
    by = {(r["system"], r["budget"]): r for r in records}
    assert all(not r.get("error") and not r["over_budget"] for r in records)
    assert by[("gold-files", 4000)]["function_recall"] == 1.0
    assert by[("bm25-files", 4000)]["file_recall"] == 1.0
    assert by[("gold-files", 10)]["file_recall"] == 0.0  # nothing fits in 10 tokens
    summaries = summarise(records)
    assert {s["task_set"] for s in summaries} == {"all", "commits"}
    assert "gold-files" in markdown(summaries, ["note"])


def test_context_kit_smoke(tiny_repo: dict, tmp_path: Path) -> None:
    pytest.importorskip("context_kit")
    (rec,) = evaluate_state(_state_job(tiny_repo, tmp_path, ["context_kit"]))
    assert not rec.get("error"), rec.get("traceback")
    assert not rec["over_budget"]
    assert rec["citation_errors"] == 0


def test_context_kit_variants_share_one_index(
    tiny_repo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("context_kit")
    from _quality.systems import ContextKit

    import context_kit

    builds: list[Path] = []
    real_build = context_kit.Index.build.__func__  # type: ignore[attr-defined]

    def counting_build(cls, root, **kw):  # type: ignore[no-untyped-def]
        builds.append(Path(root))
        return real_build(cls, root, **kw)

    monkeypatch.setattr(context_kit.Index, "build", classmethod(counting_build))
    packed: list[tuple[str, dict]] = []
    real_pack = ContextKit.pack

    def recording_pack(self, state, task, budget):  # type: ignore[no-untyped-def]
        packed.append((self.name, dict(self.pack_opts)))
        return real_pack(self, state, task, budget)

    monkeypatch.setattr(ContextKit, "pack", recording_pack)
    job = _state_job(
        tiny_repo,
        tmp_path,
        ["context_kit"],
        ck_options=["diversity=0.9"],
        variants={"tiny": ["relevance_power=1"]},
    )
    records = evaluate_state(job)
    assert [r["system"] for r in records] == ["context_kit", "context_kit[tiny]"]
    assert all(not r.get("error") for r in records), records
    assert len(builds) == 1  # the variant packed from context_kit's index
    assert packed == [
        ("context_kit", {"diversity": 0.9}),
        ("context_kit[tiny]", {"diversity": 0.9, "relevance_power": 1}),
    ]
    assert records[0]["index_latency_s"] == records[1]["index_latency_s"]


def test_variant_options_parsing() -> None:
    from quality import variant_options

    got = variant_options([["a", 'weights={"fuzzy": 0.8}; relevance_power=3'], ["b", ""]])
    assert got == {"a": ['weights={"fuzzy": 0.8}', "relevance_power=3"], "b": []}
    for bad in ([["a", "x=1"], ["a", "y=2"]], [["a", "build.workers=2"]], [["a", "nokey"]]):
        with pytest.raises(SystemExit):
            variant_options(bad)


def test_clean_message_drops_only_trailers() -> None:
    from _quality.tasks import clean_message

    msg = "Subject line\n\nNote: keep this.\n\nSigned-off-by: A <a@x>\nCo-authored-by: B <b@x>\n"
    assert clean_message(msg) == "Subject line\n\nNote: keep this."


def test_split_lines_matches_git_numbering(tmp_path: Path) -> None:
    from _quality.metrics import split_lines

    assert split_lines("\ufeffa\r\nb\x0cc\rd\n") == ["a", "b\x0cc\rd"]
    assert split_lines("") == []
    assert split_lines("x") == ["x"]
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert citation_errors(Pack("x = 1\n", [PackItem("bom.py", 1, 1)]), tmp_path) == 0


def test_context_kit_option_routing() -> None:
    from _quality.systems import ContextKit

    ck = ContextKit(["build.max_file_bytes=1000", "pack.format=xml", "rerank=true"])
    assert ck.build_opts == {"max_file_bytes": 1000}
    assert ck.pack_opts == {"format": "xml", "rerank": True}


def test_compare_markdown_flags_different_samples(tmp_path: Path) -> None:
    from _quality.report import compare_markdown, load_summaries

    def rec(task_id: str, recall: float) -> dict:
        return {
            "type": "result",
            "task_id": task_id,
            "task_set": "swe",
            "repo": "o/r",
            "system": "bm25-files",
            "budget": 2000,
            "names_gold_function": False,
            "file_recall": recall,
            "function_recall": None,
            "line_recall": recall,
            "tokens": 10,
            "over_budget": False,
            "pack_latency_s": 0.0,
            "index_latency_s": 0.0,
        }

    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(rec("a", 0.25)) + "\n")
    same = compare_markdown(summarise([rec("a", 0.75)]), load_summaries(old))
    assert "| bm25-files | swe | 2000 | 1/1 | +0.500 | - | +0.500 |" in same
    other = compare_markdown(summarise([rec("b", 0.75)]), load_summaries(old))
    assert "1/1 *" in other


def test_file_chunks_functions_and_gaps() -> None:
    from _quality.chunks import GAP_WINDOW_LINES, file_chunks

    spans = [(c.start, c.end) for c in file_chunks("pkg/core.py", CORE_V1)]
    assert spans == [(1, 6), (7, 11), (13, 14), (17, 18)]
    unparsable = "x = (\n" + "y\n" * (GAP_WINDOW_LINES + 5)
    windows = [(c.start, c.end) for c in file_chunks("bad.py", unparsable)]
    assert windows == [(1, GAP_WINDOW_LINES), (GAP_WINDOW_LINES + 1, GAP_WINDOW_LINES + 6)]


def test_bm25_chunks_end_to_end(tiny_repo: dict, tmp_path: Path) -> None:
    task = mine_commit_tasks(tiny_repo["repo"] / ".git", "me/tiny", n=1, seed=0)[0]
    job = {
        "git_dir": str(tiny_repo["repo"] / ".git"),
        "commit": task.commit,
        "checkout": str(tmp_path / "co"),
        "tasks": [task.to_json()],
        "systems": ["bm25-chunks"],
        "ck_options": [],
        "budgets": [60, 4000],
    }
    small, large = evaluate_state(job)
    assert not small["over_budget"] and small["citation_errors"] == 0
    assert large["function_recall"] == 1.0 and large["citation_errors"] == 0


def test_resume_keeps_only_complete_tasks(tmp_path: Path) -> None:
    import quality

    def rec(task_id: str, system: str, budget: int, error: str | None = None) -> str:
        r = {"type": "result", "task_id": task_id, "system": system, "budget": budget}
        if error:
            r["error"] = error
        return json.dumps(r)

    out = tmp_path / "run.jsonl"
    out.write_text(
        "\n".join(
            [
                rec("a", "s", 1),
                rec("a", "s", 2),
                rec("a", "s", 2),  # duplicate from an earlier run: kept once
                rec("b", "s", 1),  # b lacks budget 2
                rec("c", "s", 1),
                rec("c", "s", 2, error="boom"),
                json.dumps({"type": "summary"}),
            ]
        )
    )
    kept = quality.completed_records(out, ["s"], [1, 2])
    assert [(r["task_id"], r["budget"]) for r in kept] == [("a", 1), ("a", 2)]


def test_aider_map_items_are_listed_files_and_verbatim_lines(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(
        "def f():\n    return 1\n\n\ndef g():\n    return 2\n" + "x = '" + "y" * 120 + "'\n"
    )
    (tmp_path / "b.py").write_text("pass\n")
    state = AiderState(tmp_path, ["b.py", "pkg/a.py"])
    text = (
        "\npkg/a.py:\n\u22ee\n\u2502def g():\n\u22ee\n"
        "\u2502x = '" + "y" * 94 + "\n"  # aider cuts long lines at 100 characters
        "\nb.py\n\nnot/tracked.py:\n\u2502def f():\n"
    )
    items = aider_items(text, state)
    got = [(i.path, i.start_line, i.rendering) for i in items]
    # The cut line and the lines under an unknown file are not claimed as verbatim.
    assert got == [
        ("pkg/a.py", None, "mention"),
        ("pkg/a.py", 5, "full"),
        ("b.py", None, "mention"),
    ]
    assert citation_errors(Pack(text=text, items=items), tmp_path) == 0


def test_exclude_seed_leaves_only_tasks_the_other_seed_does_not_sample(
    tiny_repo: dict, tmp_path: Path
) -> None:
    import quality

    notes: list[str] = []

    def run(*extra: str) -> list[str]:
        args = quality.parse_args(
            ["--tasks", "commits", "--commit-repos", "me/tiny", "--work-dir", str(tmp_path), *extra]
        )
        return [t.task_id for t in quality.collect_tasks(args, lambda _: git_dir, notes)]

    git_dir = tiny_repo["repo"] / ".git"
    # The tiny repository has one task, so every seed samples it.
    assert run("--seed", "1") == run("--seed", "0") != []
    assert run("--seed", "1", "--exclude-seed", "0") == []
    assert any("1 of 1 tasks left out" in n for n in notes)


def test_overview_quality_scores_the_query_less_pack(
    tiny_repo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import overview_quality

    repo = tiny_repo["repo"]
    argv = ["--tasks", "commits", "--commit-repos", "me/tiny", "--repo", f"me/tiny={repo}"]
    overview_quality.main([*argv, "--work-dir", str(tmp_path / "work")])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_measure = {r["measure"]: r for r in rows if "measure" in r}
    # One task, whose changed file is the only library file: every measure finds it.
    assert by_measure["pack@4000"] == {
        "file_share": 1.0,
        "measure": "pack@4000",
        "n": 1,
        "seed": 0,
        "task_set": "commits",
    }
    assert by_measure["overview@10"]["file_share"] == 1.0
    assert by_measure["largest@10"]["file_share"] == 1.0
    assert by_measure["first_overview_ms"]["n"] == 1
