"""A pack without a query is an overview: README first, then the code the rest leans on."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import context_kit
from context_kit import Index
from context_kit.retrievers.base import Corpus
from context_kit.retrievers.overview import Overview

STORE = '''class Store:
    """Keeps records by key."""

    def put(self, key, value):
        self.items[key] = value

    def fetch(self, key):
        return self.items[key]


def leaf_helper(x):
    return x * 2
'''

USER = """from core import Store


def load_{n}(path):
    store = Store()
    store.put(path, open(path).read())
    return store.fetch(path)
"""

PRIVATE = '''class _Cache:
    """A private twin of Store, used just as much."""

    def put(self, key, value):
        self.items[key] = value
'''

PRIVATE_USER = """from _impl import _Cache


def warm_{n}(path):
    return _Cache()
"""


def _repo(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "README.md").write_text(
        "# Records\n\nA tiny record store.\n\n## Install\n\nCopy the files.\n\n"
        "## History\n\nWritten for a test.\n"
    )
    (root / "core.py").write_text(STORE)
    (root / "_impl.py").write_text(PRIVATE)
    for n in range(3):
        (root / f"user{n}.py").write_text(USER.format(n=n))
        (root / f"warm{n}.py").write_text(PRIVATE_USER.format(n=n))
    (root / "tests" / "test_store.py").write_text(
        "from core import Store\n\n\ndef test_put():\n    Store().put(1, 2)\n"
    )
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _repo(tmp_path / "repo")


def _rank(index: Index, name: str) -> int:
    hits = index.search("", k=100)
    return next(h.rank for h in hits if h.slice.name == name)


def test_an_empty_query_packs_an_overview_led_by_the_readme(repo: Path):
    packed = context_kit.pack(repo, budget=400)
    assert packed.items, "an empty query must not pack nothing"
    assert packed.tokens <= 400
    first = packed.items[0]
    assert (first.path, first.start_line) == ("README.md", 1)
    names = [i.name for i in packed.items]
    assert "Store" in names
    # The same input gives the same bytes; a blank query is the same as none.
    assert context_kit.pack(repo, budget=400).text == packed.text
    assert context_kit.pack(repo, "  \n", budget=400).text == packed.text


def test_code_used_everywhere_ranks_above_code_used_nowhere(repo: Path):
    index = Index.build(repo)
    assert _rank(index, "Store") < _rank(index, "leaf_helper")


def test_members_count_towards_their_class_and_score_nothing_themselves(repo: Path):
    index = Index.build(repo)
    overview = Overview().fit(index.corpus)
    rows = {s.name: i for i, s in enumerate(index.slices)}
    assert overview.scores_[rows["Store.put"]] == 0.0
    assert overview.scores_[rows["Store.fetch"]] == 0.0
    alone = Overview(member_share=0.0).fit(index.corpus)
    store, leaf = rows["Store"], rows["leaf_helper"]
    # Its used methods lift the class header against code that has no members.
    assert (
        overview.scores_[store] / overview.scores_[leaf]
        > alone.scores_[store] / alone.scores_[leaf]
    )


def test_private_code_ranks_below_its_public_twin(repo: Path):
    index = Index.build(repo)
    assert _rank(index, "Store") < _rank(index, "_Cache")
    even = Overview(private_share=1.0).fit(index.corpus)
    damped = Overview().fit(index.corpus)
    row = next(i for i, s in enumerate(index.slices) if s.name == "_Cache")
    assert damped.scores_[row] < even.scores_[row]


def test_tests_weigh_less_in_an_overview_than_in_a_query(repo: Path):
    index = Index.build(repo)
    hits = index.search("", k=100)
    test_hit = next(h for h in hits if h.slice.path == "tests/test_store.py")
    # The test prior (0.5) applies squared.
    assert test_hit.scores["prior"] == pytest.approx(0.25)
    readme = next(h for h in hits if h.slice.path == "README.md")
    assert readme.scores.get("prior", 1.0) == pytest.approx(1.0)  # 1.0 is left out


def test_readme_sections_lead_in_file_order(repo: Path):
    index = Index.build(repo)
    overview = Overview().fit(index.corpus)
    rows = [int(r) for r in overview.readme_rows_]
    assert [index.slices[r].start_line for r in rows] == sorted(
        index.slices[r].start_line or 0 for r in rows
    )
    scores = [float(overview.scores_[r]) for r in rows]
    assert scores[0] == pytest.approx(1.0)
    assert scores == sorted(scores, reverse=True) and scores[1] < scores[0]


def test_an_overview_of_an_empty_or_code_free_folder(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert context_kit.pack(empty, budget=300).items == []
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "README.md").write_text("# Notes\n\nOnly prose here.\n")
    packed = context_kit.pack(docs, budget=300)
    assert [i.path for i in packed.items] == ["README.md"]
    overview = Overview().fit(Corpus([]))
    assert overview.scores_.shape == (0,)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(budget=st.integers(min_value=1, max_value=1500))
def test_an_overview_never_exceeds_its_budget(repo: Path, budget: int):
    index = _index_for(repo)
    packed = index.pack(budget=budget)
    assert packed.tokens <= budget
    assert packed.tokens == index.tokenizer.count(packed.text)


_INDEXES: dict[Path, Index] = {}


def _index_for(repo: Path) -> Index:
    if repo not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[repo] = Index.build(repo)
    return _INDEXES[repo]


@pytest.mark.parametrize(
    ("name", "path", "language", "text", "private"),
    [
        ("Store", "core.py", "python", "class Store:\n    pass\n", False),
        ("Store._load", "core.py", "python", "def _load(self):\n    pass\n", True),
        ("Store.__init__", "core.py", "python", "def __init__(self):\n    pass\n", False),
        ("load", "pkg/_impl/io.py", "python", "def load():\n    pass\n", True),
        ("load", "pkg/_io.py", "python", "def load():\n    pass\n", True),
        ("Engine", "gin.go", "go", "type Engine struct {\n}\n", False),
        ("node", "tree.go", "go", "type node struct {\n}\n", True),
        ("Engine.handle", "gin.go", "go", "func (e *Engine) handle() {\n}\n", True),
        ("main", "cmd/main.go", "go", "func main() {\n}\n", False),
        ("Cache.evict", "Cache.java", "java", "/** Evicts. */\nprivate void evict() {\n}\n", True),
        (
            "Cache.get",
            "Cache.java",
            "java",
            "/** Not private at all. */\npublic V get() {\n}\n",
            False,
        ),
        (
            "Cache.put",
            "Cache.java",
            "java",
            "// private helper? no\npublic void put() {\n}\n",
            False,
        ),
        ("hidden", "A.kt", "kotlin", "private fun hidden() = 1\n", True),
        ("shown", "A.swift", "swift", "func shown() {\n    let private_ = 1\n}\n", False),
    ],
)
def test_what_counts_as_private(name, path, language, text, private):
    from context_kit.retrievers.overview import _private
    from context_kit.types import Slice

    lines = text.count("\n")
    head = next(i for i, line in enumerate(text.splitlines(), 1) if not line.startswith(("/", "*")))
    s = Slice(
        id=f"code:{path}:1-{lines}",
        kind="code",
        path=path,
        start_line=1,
        end_line=lines,
        name=name,
        language=language,
        text=text,
        signature_end_line=head,
    )
    assert _private(s) is private


def test_a_method_declared_in_another_file_counts_towards_its_type(tmp_path: Path):
    root = tmp_path / "gorepo"
    root.mkdir()
    (root / "engine.go").write_text("package web\n\ntype Engine struct {\n\tname string\n}\n")
    (root / "serve.go").write_text(
        "package web\n\nfunc (e *Engine) Serve() string {\n\treturn e.name\n}\n"
    )
    (root / "helpers.go").write_text("package web\n\nfunc Lonely() int {\n\treturn 1\n}\n")
    for n in range(3):
        (root / f"use{n}.go").write_text(
            f"package web\n\nfunc Use{n}(e *Engine) string {{\n\treturn e.Serve()\n}}\n"
        )
    index = Index.build(root)
    rows = {s.name: i for i, s in enumerate(index.slices)}
    assert "Engine.Serve" in rows, sorted(rows)
    folded = Overview().fit(index.corpus)
    alone = Overview(member_share=0.0).fit(index.corpus)
    engine, lonely = rows["Engine"], rows["Lonely"]
    assert folded.scores_[rows["Engine.Serve"]] == 0.0
    assert (
        folded.scores_[engine] / folded.scores_[lonely]
        > alone.scores_[engine] / alone.scores_[lonely]
    )
