from collections import Counter

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from context_kit import BM25Retriever, Corpus, FuzzyRetriever, Slice
from context_kit.retrievers import (
    CeilingRetriever,
    fuse,
    get_retriever,
    register_retriever,
    top_k,
)
from context_kit.retrievers._terms import (
    _ALTERNATES,
    _PartsCache,
    alternate_terms,
    identifier_parts,
    name_tail,
    terms,
)
from context_kit.retrievers.bm25 import reference_scores
from context_kit.retrievers.fuzzy import query_mentions


def make_slice(
    i: int, text: str, name: str = "", path: str = "x.py", defines: tuple[str, ...] = ()
) -> Slice:
    return Slice(
        id=f"code:{path}:{i}-{i}",
        kind="code",
        path=path,
        start_line=i,
        end_line=i,
        name=name,
        text=text,
        defines=defines,
    )


def test_identifier_parts_split_camel_and_snake_and_keep_the_whole():
    assert identifier_parts("parseHTTPResponse_v2") == (
        "parsehttpresponse_v2",
        "parsehttpresponse",
        "parse",
        "http",
        "response",
        "v2",
    )
    assert identifier_parts("simple") == ("simple",)
    assert "token" in terms("count_tokens(token)")


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])


@given(
    st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=12),
    st.lists(words, min_size=1, max_size=4),
)
def test_bm25_matches_the_textbook_reference(docs, query):
    corpus = Corpus([make_slice(i + 1, " ".join(d)) for i, d in enumerate(docs)])
    bm25 = BM25Retriever(name_weight=0.0, path_weight=0.0, stem=False)
    fast = bm25.fit(corpus).score(" ".join(query))
    ref = reference_scores(docs, query, k1=bm25.k1, b=bm25.b, k3=bm25.k3)
    np.testing.assert_allclose(fast, np.asarray(ref, dtype=np.float32), rtol=1e-4, atol=1e-5)


@given(
    st.text(st.sampled_from("aZ_09 .\n(-\u00e9\u0661"), max_size=40) | st.text(max_size=40),
    st.booleans(),
    st.booleans(),
)
def test_word_runs_give_the_terms_of_the_words(text, drop_stopwords, stem):
    """A fit splits text into runs (digits kept with what follows); their terms are the words'."""
    import re

    from context_kit.retrievers._terms import _WORD, expand_words, word_runs

    runs = word_runs(text)
    pattern = re.compile(r"[A-Za-z0-9_]+") if text.isascii() else _WORD
    assert runs == pattern.findall(text)
    got = list(expand_words(runs, drop_stopwords=drop_stopwords, stem=stem))
    assert got == terms(text, drop_stopwords=drop_stopwords, stem=stem)


code_words = st.sampled_from(
    [
        *("parseHTTPResponse_v2", "the", "in", "Codes", "x", "__init__", "HTTP", "get_Value"),
        *("42", "0x1Fab", "2to3", "3rd_party", "caf\u00e9s"),
    ]
)
weights = st.floats(0.0, 4.0, allow_nan=False, allow_infinity=False)


@given(
    st.lists(
        st.tuples(
            st.lists(code_words, max_size=10),
            st.lists(code_words, max_size=3),
            st.sampled_from(["src/in/Codes.py", "a-b/the_x.rs", ""]),
        ),
        max_size=8,
    ),
    weights,
    weights,
    weights,
    st.booleans(),
)
def test_bm25_postings_are_the_weighted_field_counts(docs, body, name, path, stem):
    """The vectorised postings equal the per-document formula, term by term."""
    from context_kit.retrievers._terms import path_terms
    from context_kit.retrievers.bm25 import _Fields, _postings

    fields = _Fields(body, name, path, stem)
    rows = [(" ".join(b), " ".join(n), p or None) for b, n, p in docs]
    vocab, sizes, local, freqs, lengths = _postings(fields, rows)
    start = 0
    for (text, nm, pth), size, length in zip(rows, sizes.tolist(), lengths.tolist(), strict=True):
        counts = [
            Counter(terms(text, stem=stem)),
            Counter(terms(nm, stem=stem)),
            Counter(path_terms(pth, stem=stem) if pth else []),
        ]
        want = {
            t: body * counts[0][t] + name * counts[1][t] + path * counts[2][t]
            for t in set().union(*counts)
        }
        got = {
            vocab[i]: f
            for i, f in zip(local[start : start + size], freqs[start : start + size], strict=True)
        }
        start += size
        assert got.keys() == want.keys()
        for t, f in got.items():
            assert f == pytest.approx(want[t], rel=1e-12, abs=1e-12)
        total = body * counts[0].total() + name * counts[1].total() + path * counts[2].total()
        assert length == pytest.approx(total, rel=1e-12, abs=1e-12)
    assert start == len(local)


def test_bm25_prefers_the_slice_that_names_the_query():
    corpus = Corpus(
        [
            make_slice(1, "def render(): pass", name="render"),
            make_slice(2, "def parse_config(path): return load(path)", name="parse_config"),
        ]
    )
    scores = BM25Retriever().fit(corpus).score("the config parser fails")
    assert scores[1] > scores[0]


def test_query_mentions_find_code_names_and_paths():
    idents, paths = query_mentions(
        "Calling `Greeter.greet()` fails in pkg/greet.py, see count_tokens and HTTPClient."
    )
    assert "Greeter.greet" in idents and "count_tokens" in idents and "HTTPClient" in idents
    assert "pkg/greet.py" in paths
    # A file name with dots before its extension is one mention (laravel's commit
    # "Update context.blade.php" named no file: the mention was "blade.php").
    assert query_mentions("Update context.blade.php, api.test.ts and Exception.php.")[1] == [
        "context.blade.php",
        "api.test.ts",
        "Exception.php",
    ]


def test_fuzzy_scores_exact_qualified_path_and_near_misses():
    corpus = Corpus(
        [
            Slice(
                id="a",
                kind="code",
                path="pkg/greet.py",
                start_line=1,
                end_line=2,
                name="Greeter.greet",
                text="def greet(self): ...",
                defines=("Greeter.greet", "greet"),
            ),
            Slice(
                id="b",
                kind="code",
                path="pkg/util.py",
                start_line=1,
                end_line=2,
                name="count_tokens",
                text="def count_tokens(t): ...",
                defines=("count_tokens",),
            ),
            Slice(
                id="c",
                kind="code",
                path="pkg/other.py",
                start_line=1,
                end_line=2,
                name="other",
                text="pass",
                defines=("other",),
            ),
        ]
    )
    f = FuzzyRetriever().fit(corpus)
    s = f.score("`Greeter.greet` is broken")
    assert s[0] > 0 and s[2] == 0
    assert f.score("the count_token helper")[1] > 0  # near miss
    assert f.score("look at pkg/util.py")[1] > 0


def _defining(i: int, path: str, qualified: str) -> Slice:
    simple = qualified.rsplit(".", 1)[-1]
    defines = (qualified, simple) if "." in qualified else (qualified,)
    return make_slice(i, f"def {simple}(self): ...", qualified, path, defines)


def test_fuzzy_weighs_a_name_by_how_many_slices_define_it():
    # Eight classes define ``get``; one function is ``parse_item``.
    slices = [_defining(i, f"pkg/m{i}.py", f"Store{i}.get") for i in range(8)]
    slices.append(_defining(9, "pkg/items.py", "parse_item"))
    f = FuzzyRetriever(specific_definers=4).fit(Corpus(slices))
    s = f.score("get() returns None after parse_item()")
    assert s[8] == pytest.approx(f.exact_weight)  # one definition: the full weight
    assert s[:8].tolist() == pytest.approx([f.exact_weight * (4 / 8) ** 0.5] * 8)
    # A name with at most ``specific_definers`` definitions keeps its weight.
    few = FuzzyRetriever(specific_definers=8).fit(Corpus(slices))
    assert few.score("get()")[:8].tolist() == [few.exact_weight] * 8
    # The qualified mention still picks its own class at the full qualified weight.
    assert f.score("`Store3.get`")[3] == pytest.approx(f.qualified_weight)


def test_fuzzy_discounts_a_method_of_a_class_the_repository_does_not_define():
    slices = [_defining(1, "pkg/pool.py", "Pool.submit"), _defining(2, "pkg/pool.py", "Pool")]
    f = FuzzyRetriever(foreign_owner_weight=0.5).fit(Corpus(slices))
    # ExecutorService is defined nowhere here: its ``submit`` is someone else's.
    assert f.score("use ExecutorService.submit")[0] == pytest.approx(0.5 * f.exact_weight)
    # A variable as owner (lower case), or a class defined here, keeps the name's weight.
    assert f.score("then executor.submit() fails")[0] == pytest.approx(f.exact_weight)
    assert f.score("Pool.submit() fails")[0] == pytest.approx(f.qualified_weight)
    slices.append(_defining(3, "pkg/worker.py", "Worker"))
    g = FuzzyRetriever(foreign_owner_weight=0.5).fit(Corpus(slices))
    assert g.score("Worker.submit() fails")[0] == pytest.approx(g.exact_weight)


def test_fusion_keeps_weak_fuzzy_matches_weak():
    slices = [_defining(i, f"pkg/m{i}.py", f"Store{i}.get") for i in range(8)]
    slices.append(_defining(9, "pkg/items.py", "parse_item"))
    f = FuzzyRetriever(specific_definers=2).fit(Corpus(slices))
    scores, ceiling = f.score_with_ceiling("get() returns None")
    assert ceiling == f.exact_weight and float(scores.max()) == pytest.approx(0.5)
    # Only the common name matched: fused at half the weight, not scaled up to all of it.
    fused = fuse([f], "get() returns None", len(slices), weights={"fuzzy": 0.6})
    assert fused.scores[0] == pytest.approx(0.3) and fused.scores[8] == 0
    # With a full match in the query, both are scaled by it as before.
    both = fuse([f], "get() and parse_item()", len(slices), weights={"fuzzy": 0.6})
    assert both.scores[8] == pytest.approx(0.6) and both.scores[0] == pytest.approx(0.3)
    # Rank fusion is unchanged by scale: the matches keep their order.
    rrf = fuse([f], "get() returns None", len(slices), method="rrf")
    assert rrf.scores[0] > 0 == rrf.scores[8]


def test_fusion_scales_a_plugin_by_its_ceiling():
    class Calibrated:
        name = "calibrated"

        def fit(self, corpus):
            self.n_ = len(corpus)
            return self

        def score(self, query):
            return self.score_with_ceiling(query)[0]

        def score_with_ceiling(self, query):
            return np.full(self.n_, 0.25, dtype=np.float32), 1.0

    r = Calibrated().fit(Corpus([make_slice(1, "x"), make_slice(2, "y")]))
    assert isinstance(r, CeilingRetriever)
    assert fuse([r], "q", 2, weights={"calibrated": 2.0}).scores.tolist() == [0.5, 0.5]


def test_fusion_and_top_k_are_deterministic_with_ties():
    scores = np.asarray([0.5, 1.0, 0.5, 0.0, 1.0], dtype=np.float32)
    assert top_k(scores, 3).tolist() == [1, 4, 0]
    assert top_k(scores, 10).tolist() == [1, 4, 0, 2, 3]


def test_fusion_combines_normalised_scores_and_explains_them():
    corpus = Corpus([make_slice(1, "alpha beta"), make_slice(2, "gamma")])
    retrievers = [BM25Retriever().fit(corpus)]
    fused = fuse(retrievers, "alpha", 2, weights={"bm25": 2.0})
    assert fused.scores[0] == pytest.approx(2.0)
    assert fused.breakdown(0) == {"bm25": 2.0}
    rrf = fuse(retrievers, "alpha", 2, method="rrf")
    assert rrf.scores[0] > rrf.scores[1] == 0


def test_registry_and_plugins():
    class Constant:
        name = "constant"

        def __init__(self, value: float = 1.0):
            self.value = value

        def fit(self, corpus):
            self.n_ = len(corpus)
            return self

        def score(self, query):
            return np.full(self.n_, self.value, dtype=np.float32)

    register_retriever("constant", Constant)
    r = get_retriever("constant", value=2.0).fit(Corpus([make_slice(1, "x")]))
    assert r.score("q").tolist() == [2.0]
    from context_kit import OptionError

    with pytest.raises(OptionError):
        get_retriever("nope")


def test_test_and_changelog_paths():
    from context_kit.retrievers.priors import (
        is_changelog_path,
        is_test_path,
        is_translation_path,
    )

    for p in [
        "tests/test_x.py",
        "pkg/tests/helpers.py",
        "x_test.go",
        "src/a.spec.ts",
        "conftest.py",
        "Src/Newtonsoft.Json.Tests/Linq/JObjectTests.cs",
        "src/Illuminate/Foo/BarTest.php",
        "util/env_posix_unittest.cc",
        "lib/api.test.mts",
        "core/src/RouterSpec.scala",
        "t/t3415-rebase-autosquash.sh",
        "contrib/diff-highlight/t/t9400-diff-highlight.sh",
        "go/printer/testdata/comments.go",
        "src/components/__mocks__/api.js",
        "src/__snapshots__/view.test.js.snap",
        "feature/impl/src/androidTest/kotlin/BookmarksScreenTest.kt",
        "core/src/commonTest/kotlin/Parser.kt",
        "lib/src/testFixtures/java/Fakes.java",
    ]:
        assert is_test_path(p), p
    for p in [
        "t.py",
        "src/tt/lib.c",
        "pkg/testing_utils.py",
        "src/contest.py",
        "latest.py",
        "Src/Newtonsoft.Json/Attest.cs",
        "internal/testdatautil/load.go",
        "src/commonMain/kotlin/Parser.kt",
        "src/latest/contest.kt",
        "src/test-data.ts",
    ]:
        assert not is_test_path(p), p
    for p in ["CHANGELOG.md", "docs/changelog.rst", "HISTORY.rst", "changelog.d/123.bugfix.md"]:
        assert is_changelog_path(p), p
    assert not is_changelog_path("src/history.py")
    for p in ["po/de.po", "po/git.pot", "Resources/fr.lproj/Localizable.strings", "m.XLF"]:
        assert is_translation_path(p), p
    for p in ["src/po.c", "potato.py", "strings.go", "docs/strings.md"]:
        assert not is_translation_path(p), p


def test_versioned_documentation_copies_take_the_translation_prior():
    from context_kit.retrievers.priors import Priors, is_versioned_copy

    copy = "website/versioned_docs/version-stable/options.md"
    assert is_versioned_copy(copy) and is_versioned_copy("versioned_docs/version-2.x/a.md")
    assert is_versioned_copy("www/versioned_sidebars/version-10.x-sidebars.json")
    for p in ["website/docs/options.md", "docs/versioned_docs.md", "src/versioned_docs_x/a.md"]:
        assert not is_versioned_copy(p), p
    text = "# Options\n\nprintWidth.\n"
    pages = [Slice(id=p, kind="doc", path=p, text=text) for p in [copy, "website/docs/options.md"]]
    assert Priors().weights(pages).tolist() == pytest.approx([0.6 * 0.2, 0.6])


def test_a_rust_test_module_in_a_library_file_weighs_as_test_code():
    from context_kit.retrievers.priors import Priors

    def code(name: str, path: str = "src/routing.rs", language: str = "rust") -> Slice:
        return Slice(
            id=f"{path}:{name}", kind="code", path=path, name=name, language=language, text="x"
        )

    slices = [
        code("Router.route"),
        code("tests"),
        code("tests.routes_match"),
        code("routing.tests.State.from_parts"),
        code("tests.helper", path="tests/integration.rs"),  # a test file already: once
        code("tests.helper", path="pkg/tests_helper.py", language="python"),
        code("contests.run"),
    ]
    assert Priors(test=0.5).weights(slices).tolist() == [1.0, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0]


def test_example_code_is_weighed_down_and_its_docs_and_tests_are_not_twice():
    from context_kit import Priors
    from context_kit.retrievers.priors import is_example_path

    assert is_example_path("docs/examples/bifacial/plot_model.py")
    assert is_example_path("axum/examples/hello-world/src/main.rs")
    assert is_example_path("samples/crawler/src/Crawler.java")
    assert is_example_path("docs_src/dependencies/tutorial008b_an_py310.py")
    assert is_example_path("playground/hmr/invalidation/root.js")
    # A folder's name, not a file's or a part of a name.
    assert not is_example_path("src/examples.py")
    # A package below a JVM source root is not a folder of examples...
    assert not is_example_path("src/main/java/com/example/demo/DemoApplication.java")
    assert not is_example_path("app/src/main/kotlin/com/example/app/Main.kt")
    # ... but a project inside an examples folder is.
    assert is_example_path("examples/basic/src/main/java/com/acme/Basic.java")
    assert not is_example_path("src/docstring/parse.py")

    def make(path, kind="code"):
        return Slice(id=path, kind=kind, path=path, name="x", language="python", text="x")

    slices = [
        make("lib/core.py"),
        make("examples/demo.py"),
        make("examples/tests/test_demo.py"),  # test code: the test prior alone
        make("docs/guide.md", kind="doc"),  # a doc section: the doc prior alone
    ]
    got = Priors(test=0.5, doc=0.6, example=0.6).weights(slices).tolist()
    assert got == pytest.approx([1.0, 0.6, 0.5, 0.6])
    assert Priors(1, 1, 1, 1, 1, 1).weights(slices).tolist() == [1.0] * 4


def test_priors_rank_library_code_above_tests_and_changelogs(tmp_path):
    from context_kit import Index, Priors

    (tmp_path / "lib.py").write_text("def frobnicate(x):\n    return x\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_lib.py").write_text(
        "def test_frobnicate():\n    assert frobnicate(1) == frobnicate(1)  # frobnicate\n"
    )
    (tmp_path / "CHANGELOG.md").write_text("# 1.0\n\n- frobnicate frobnicate frobnicate\n")
    index = Index.build(tmp_path)
    hits = {h.slice.path: h for h in index.search("frobnicate", k=5)}
    assert index.search("frobnicate", k=1)[0].slice.path == "lib.py"
    assert hits["tests/test_lib.py"].scores["prior"] == 0.5
    assert hits["CHANGELOG.md"].scores["prior"] == 0.2
    flat = Index.build(tmp_path, priors=Priors(1, 1, 1, 1, 1, 1))
    flat_hits = {h.slice.path: h for h in flat.search("frobnicate", k=5)}
    assert "prior" not in flat_hits["CHANGELOG.md"].scores
    assert flat_hits["CHANGELOG.md"].score > hits["CHANGELOG.md"].score


def test_translation_catalogs_do_not_crowd_out_the_code_that_prints_the_message(tmp_path):
    from context_kit import Index, Priors

    (tmp_path / "remote.c").write_text(
        "int find_branch(const char *name)\n{\n"
        '\treturn error(_("remote branch %s not found"), name);\n}\n'
    )
    (tmp_path / "po").mkdir()
    for lang in ("de", "fr", "ca", "ga", "el", "pt_PT"):
        (tmp_path / "po" / f"{lang}.po").write_text(
            '#: remote.c:3\nmsgid "remote branch %s not found"\nmsgstr "branch %s ... ('
            + lang
            + ')"\n'
        )
    query = "error: remote branch not found"
    hits = Index.build(tmp_path).search(query, k=10)
    assert hits[0].slice.path == "remote.c"
    assert {h.scores.get("prior") for h in hits if h.slice.path.endswith(".po")} == {0.2}
    flat = Index.build(tmp_path, priors=Priors(1, 1, 1, 1, 1, 1)).search(query, k=10)
    assert all("prior" not in h.scores for h in flat)


def test_translated_documents_are_found_by_layout():
    from context_kit.retrievers.priors import translated_documents

    paths = [
        # A site in language folders: English has every page, so it is the original.
        "docs/en/docs/index.md",
        "docs/en/docs/tutorial/deps.md",
        "docs/fr/docs/tutorial/deps.md",
        "docs/pt-BR/docs/tutorial/deps.md",
        "docs/zh_hant/docs/index.md",
        "docs/fr/docs/only-in-french.md",  # no original: kept as it is
        # Suffixes beside the plain file, and beside an English one without it.
        "README.md",
        "README.zh-CN.md",
        "README_ja.md",
        "README.cn.md",
        "guide/index.en-US.md",
        "guide/index.zh-CN.md",
        # Not translations: code, a lone tagged name, a language-like code folder.
        "src/io/utils.py",
        "src/os/utils.py",
        "notes_it.md",
        "src/it/readme.md",
    ]
    assert translated_documents(paths) == {
        "docs/fr/docs/tutorial/deps.md",
        "docs/pt-BR/docs/tutorial/deps.md",
        "docs/zh_hant/docs/index.md",
        "README.zh-CN.md",
        "README_ja.md",
        "README.cn.md",
        "guide/index.zh-CN.md",
    }
    # The language with the most documents is the original, whichever it is.
    chinese_first = ["d/zh/a.md", "d/zh/b.md", "d/en/a.md"]
    assert translated_documents(chinese_first) == {"d/en/a.md"}
    # A folder named like a language above the language folders changes nothing.
    nested = ["src/my/docs/en/a.md", "src/my/docs/en/b.md", "src/my/docs/fr/a.md"]
    assert translated_documents(nested) == {"src/my/docs/fr/a.md"}
    # A tie without English names no original.
    assert translated_documents(["d/de/a.md", "d/fr/a.md"]) == frozenset()
    # The default language without a folder (Starlight, VitePress): its pages are the
    # originals of the language folders beside them, whichever language has most pages.
    root = ["d/a.mdx", "d/b.md", "d/ar/a.mdx", "d/ja/a.mdx", "d/ja/b.md", "d/ja/c.md"]
    assert translated_documents(root) == {"d/ar/a.mdx", "d/ja/a.mdx", "d/ja/b.md"}
    # One language-like folder beside plain pages is just a folder.
    assert translated_documents(["src/a.md", "src/it/a.md"]) == frozenset()
    # After a hyphen, only a tag with a region is a language: docker-rm is a command.
    hyphens = ["cmd/docker.md", "cmd/docker-rm.md", "cmd/git-am.md", "cmd/git.md"]
    assert translated_documents([*hyphens, "README.md", "README-pt-BR.md"]) == {"README-pt-BR.md"}
    assert translated_documents(["commands/client.json", "commands/client-id.json"]) == set()
    # A code that is also a word (``_ro`` for read-only, ``_MS``, ``_to``) needs a second
    # language beside it; four letters after a code are a script only when they name one.
    words = ["eval.json", "eval_ro.json", "TIMEOUT.md", "TIMEOUT_MS.md", "get.md", "get_to.md"]
    assert translated_documents([*words, "x.html", "x_no_href.html"]) == set()
    assert translated_documents(["a.md", "a_ro.md", "a_de.md", "b.md", "b_zh_Hant.md"]) == {
        "a_ro.md",
        "a_de.md",
        "b_zh_Hant.md",
    }
    # A folder tagged with a language beside the untagged one (tldr's pages.de/).
    pages = ["pages/common/tar.md", "pages.de/common/tar.md", "pages.no/common/tar.md"]
    assert translated_documents([*pages, "pages.fr/common/only.md", "pages.x/a.md"]) == {
        "pages.de/common/tar.md",
        "pages.no/common/tar.md",
    }
    assert translated_documents(["role/main.yml", "role_to/main.yml"]) == set()
    # Message catalogs in data formats, in the same layouts; code named so is not one.
    catalogs = [
        "res/messages.properties",
        "res/messages_de.properties",
        "res/messages_pt_BR.properties",
        "config/locales/en.yml",
        "config/locales/fr.yml",
        "config/locales/devise.en.yml",
        "config/locales/devise.ja.yml",
        "public/locales/en/translation.json",
        "public/locales/de/translation.json",
        "l10n/app_en.arb",
        "l10n/app_es.arb",
        "providers/en_US/__init__.py",
        "providers/de_DE/__init__.py",
        "lonely/de.yml",
        # Laravel's PHP arrays in lang/<code>/; PHP elsewhere is code.
        "resources/lang/en/auth.php",
        "resources/lang/ar/auth.php",
        "src/en/Auth.php",
        "src/fr/Auth.php",
    ]
    assert translated_documents(catalogs) == {
        "res/messages_de.properties",
        "res/messages_pt_BR.properties",
        "config/locales/fr.yml",
        "config/locales/devise.ja.yml",
        "public/locales/de/translation.json",
        "l10n/app_es.arb",
        "resources/lang/ar/auth.php",
    }
    assert translated_documents(["x.de.md", "x.fr.md"]) == frozenset()


def test_translated_documents_take_the_translation_prior(tmp_path):
    from context_kit import Index

    for lang, words in [("en", "in chunks"), ("fr", "par morceaux"), ("de", "in Teilen")]:
        (tmp_path / "docs" / lang).mkdir(parents=True)
        page = f"# Streaming\n\nUse `stream_response()` to send the body {words}.\n"
        (tmp_path / "docs" / lang / "streaming.md").write_text(page)
    (tmp_path / "docs" / "en" / "index.md").write_text("# Home\n\nWelcome.\n")
    (tmp_path / "server.py").write_text("def stream_response(body):\n    yield from body\n")
    index = Index.build(tmp_path, cache_dir=False)
    hits = {h.slice.path: h for h in index.search("stream_response chunks", k=10)}
    assert hits["docs/en/streaming.md"].scores["prior"] == pytest.approx(0.6)
    for lang in ("fr", "de"):
        assert hits[f"docs/{lang}/streaming.md"].scores["prior"] == pytest.approx(0.6 * 0.2)
    # An update that removes the original page leaves the others translating nothing...
    (tmp_path / "docs" / "en" / "streaming.md").unlink()
    index.update()
    fresh = Index.build(tmp_path, cache_dir=False)
    assert index._prior_weights.tolist() == fresh._prior_weights.tolist()
    assert "docs/fr/streaming.md" not in index._translated
    # ... and one that adds it back finds the translations again, as a build does.
    page = "# Streaming\n\nUse `stream_response()` to send the body in chunks.\n"
    (tmp_path / "docs" / "en" / "streaming.md").write_text(page)
    index.update()
    fresh = Index.build(tmp_path, cache_dir=False)
    assert index._prior_weights.tolist() == fresh._prior_weights.tolist()
    assert "docs/fr/streaming.md" in index._translated


def _code(path: str, name: str, text: str, kind: str = "function", line: int = 1) -> Slice:
    n = text.count("\n") or 1
    return Slice(
        id=f"code:{path}:{line}-{line + n - 1}",
        kind="code",
        path=path,
        start_line=line,
        end_line=line + n - 1,
        name=name,
        symbol_kind=kind,
        text=text,
    )


def test_stemming_lets_prose_inflections_meet_code_names():
    corpus = Corpus(
        [
            _code("a.py", "parse_header", "def parse_header(raw):\n    return raw.split(':')\n"),
            _code("b.py", "render", "def render(page):\n    return page.title\n"),
        ]
    )
    query = "Parsing headers fails on mapped entries"
    stemmed = BM25Retriever().fit(corpus).score(query)
    plain = BM25Retriever(stem=False).fit(corpus).score(query)
    assert stemmed[0] > 0 and stemmed[1] == 0
    # Without stemming only "headers" -> nothing: neither "parsing" nor "headers" is a term.
    assert plain[0] == 0


def test_stemmed_terms_fold_inflections_but_keep_derivations():
    from context_kit.retrievers._terms import light_stem

    groups = [
        ["parse", "parses", "parsed", "parsing"],
        ["map", "maps", "mapped", "mapping"],
        ["entry", "entries"],
        ["match", "matches", "matched", "matching"],
    ]
    for forms in groups:
        assert len({light_stem(w) for w in forms}) == 1, forms
    assert light_stem("parser") != light_stem("parse")
    assert light_stem("class") == "class" and light_stem("status") == "status"
    # Identifiers with digits or underscores are not English words.
    assert light_stem("utf8s") == "utf8s" and light_stem("is_parsed") == "is_parsed"


@given(
    st.lists(st.floats(0, 1, width=32), min_size=1, max_size=40),
    st.lists(st.integers(0, 4), min_size=40, max_size=40),
    st.floats(0.05, 1.0),
)
# Found by hypothesis: 0.2642556 + (0.94338053 - 0.2642556) is 0.9433806 in float32,
# above the file's best, when the lift was added as a gain.
@example([0.2642556130886078, 0.9433805346488953], [0] * 40, 1.0)
def test_file_headers_are_lifted_to_a_share_of_their_files_best(scores, files, share):
    from context_kit.retrievers.fusion import FusionResult

    n = len(scores)
    file_ids = np.asarray(files[:n], dtype=np.int64)
    heads = {}
    for row, f in enumerate(file_ids.tolist()):
        heads.setdefault(f, row)
    header_rows = np.asarray(sorted(heads.values()), dtype=np.int64)
    before = np.asarray(scores, dtype=np.float32)
    fused = FusionResult(before.copy(), {"bm25": before.copy()})
    fused.lift_file_headers(file_ids, header_rows, share=share)
    after = fused.scores
    others = np.setdiff1d(np.arange(n), header_rows)
    assert np.array_equal(after[others], before[others])
    for f, row in heads.items():
        best = before[file_ids == f].max()
        assert after[row] >= np.float32(share) * best - 1e-6
        assert after[row] == max(before[row], after[row])  # never lowered
        assert after[row] <= max(before[row], best)  # never above the file's best
    # The breakdown still adds up to the score.
    total = sum(fused.parts.values())
    assert np.allclose(total, after, atol=1e-6)


def test_file_header_rows_are_each_code_files_first_module_slice():
    def s(i, path, kind="code", symbol_kind="module", line=1, text="x\n", language=None):
        return Slice(
            id=f"x{i}", kind=kind, path=path, symbol_kind=symbol_kind, start_line=line,
            end_line=line, text=text, language=language,
        )  # fmt: skip

    corpus = Corpus(
        [
            s(0, "a.py", line=30),  # a later module block listed first
            s(1, "a.py", symbol_kind="function", line=5),
            s(2, "a.py", line=1),
            s(3, "b.py", symbol_kind="function"),  # no module slice
            s(4, "c.md", kind="doc"),  # not code
            s(5, "d.py", line=3),
            s(6, "d.py", line=3),  # a tie goes to the first row
            s(7, None),
            # A first module slice of comments alone is no header; a C directive is code.
            s(8, "e.rb", text="# frozen_string_literal: true\n\n", language="ruby"),
            s(9, "e.rb", symbol_kind="class", line=3),
            s(10, "f.c", text="/* Licence.\n * MIT\n */\n#include <x.h>\n", language="c"),
            s(11, "g.go", text="// Package g does.\n", language="go"),
            s(12, "h.rs", text="#![allow(dead_code)]\n", language="rust"),
            s(13, "i.php", text="<?php\n\n/*\n * Licence.\n */\n", language="php"),
            s(14, "j.tf", text="####\n# NAT\n// gateways\n", language="hcl"),
        ]
    )
    assert corpus.file_header_rows.tolist() == [2, 5, 10, 12]


@given(
    st.lists(
        st.tuples(st.lists(code_words, min_size=1, max_size=8), st.integers(0, 3)),
        min_size=1,
        max_size=10,
    ),
    st.lists(code_words, min_size=1, max_size=4),
    st.sampled_from([0.0, 0.5, 0.75, 1.0]),
)
def test_file_scores_are_bm25_over_the_files_joined_slices(rows, query_words, b):
    """grouped_scores equals textbook BM25 with each group's slices joined as one document."""
    groups = np.asarray([g for _, g in rows], dtype=np.int64)
    texts = [" ".join(words) for words, _ in rows]
    # Body terms only (no name or path field), so a group's terms are its texts' terms.
    fitted = BM25Retriever(name_weight=0.0, path_weight=0.0, stem=False).fit(
        Corpus([Slice(id=f"s{i}", kind="code", text=t) for i, t in enumerate(texts)])
    )
    query = " ".join(query_words)
    got = fitted.grouped_scores(query, groups, b=b)
    present = sorted(
        {int(g) for g in groups if any(terms(texts[i]) for i in np.flatnonzero(groups == g))}
    )
    docs = [[t for i in np.flatnonzero(groups == g) for t in terms(texts[i])] for g in present]
    want = reference_scores(docs, terms(query), k1=fitted.k1, b=b, k3=fitted.k3)
    for g, score in zip(present, want, strict=True):
        np.testing.assert_allclose(got[groups == g], score, rtol=1e-5, atol=1e-6)
    # Rows outside every group score nothing.
    assert fitted.grouped_scores(query, np.full(len(rows), -1, dtype=np.int64)).sum() == 0


def test_file_scores_lift_a_function_in_the_file_the_query_is_about():
    # parse_config shares no word with the query; its file does (the loader beside it).
    corpus = Corpus(
        [
            Slice(id="a", kind="code", path="cfg/load.py", text="def load_yaml(): read yaml file"),
            Slice(id="b", kind="code", path="cfg/load.py", text="def parse_config(): build"),
            Slice(id="c", kind="code", path="net/http.py", text="def fetch(): socket send"),
        ]
    )
    fitted = BM25Retriever().fit(corpus)
    scores = fitted.grouped_scores("yaml file", corpus.file_ids)
    assert scores[0] == scores[1] > 0 == scores[2]
    assert fitted.score("yaml file")[1] == 0


def test_the_parts_cache_keeps_one_string_per_distinct_part():
    # A large fit caches 10^5 words whose parts recur ("http" in every *Http* name): each
    # split makes new strings, which the cache must not keep once per word.
    cache = _PartsCache(drop_stopwords=True, stem=True)
    a, b = cache["parseHttpRequests"], cache["HTTP_RESPONSES"]
    assert "http" in a and "respons" in b
    assert a[a.index("http")] is b[b.index("http")]
    assert cache["sendRequests"][-1] is a[-1]  # "request", stemmed in each word apart


def test_name_tables_key_lower_case_names_by_the_slices_own_strings():
    # str.lower() always copies; ~10^5 table keys on a large tree are lower-case already.
    name = "".join(["parse", "_config"])  # built at run time: not an interned constant
    s = Slice(id="a", kind="code", path="m.py", text="def parse_config(): ...", defines=(name,))
    fuzzy = FuzzyRetriever().fit(Corpus([s]))
    assert next(k for k in fuzzy.by_name_ if k == name) is name
    other = Slice(id="b", kind="code", path="m.py", text="class Config: ...", defines=("Config",))
    assert "config" in FuzzyRetriever().fit(Corpus([other])).by_name_


def test_fuzzy_finds_nested_and_namespaced_names_by_their_last_two_parts():
    def code(i: int, name: str) -> Slice:
        return Slice(
            id=f"s{i}",
            kind="code",
            path=f"src/f{i}.cc",
            start_line=1,
            end_line=1,
            name=name,
            text="x",
            defines=(name, name.rsplit(".", 1)[-1]),
        )

    names = ["fmt.detail.buffer.push_back", "Outer.Inner.go", "Other.push_back"]
    old = Corpus([code(i, n) for i, n in enumerate(names)])
    fitted = FuzzyRetriever().fit(old)
    # The qualified mention outranks the slice that only shares the simple name.
    s = fitted.score("Why does `buffer.push_back` drop bytes?")
    assert s[0] == 1.5 and s[2] == 1.0
    assert fitted.score("`detail.buffer.push_back`")[0] == 1.5
    assert fitted.score("`Inner.go` hangs")[1] == 1.5
    # A refit files added names the same way and forgets removed ones.
    new = Corpus([code(0, names[0]), code(3, "ns.Queue.pop_front")])
    fitted.refit(new, np.asarray([0, -1], dtype=np.int64), old)
    assert fitted.score("`Queue.pop_front`").tolist() == [0.0, 1.5]
    assert fitted.score("`Inner.go` hangs").tolist() == [0.0, 0.0]
    assert fitted.score("`buffer.push_back`").tolist() == [1.5, 0.0]


@given(st.lists(st.sampled_from(["", "a", "Cls", "go", "x_y"]), min_size=1, max_size=6))
@example(["", "a"])  # ".a"
@example(["a", ""])  # "a."
@example(["a", "", "b"])  # "a..b"
def test_name_tail_is_the_last_two_dotted_parts(parts):
    name = ".".join(parts)
    assert name_tail(name) == ".".join(parts[-2:])


def test_a_query_word_also_finds_the_abbreviation_code_uses_for_it():
    corpus = Corpus(
        [
            make_slice(1, "def cache_dir(): return home / '.cache'", name="cache_dir"),
            make_slice(2, "def cache_size(): return 128", name="cache_size"),
            make_slice(3, "def walk_directory(root): ...", name="walk_directory"),
        ]
    )
    bm25 = BM25Retriever().fit(corpus)
    scores = bm25.score("which cache directory is used?")
    # The slice with both ideas wins, though it says "dir" and not "directory".
    assert int(np.argmax(scores)) == 0
    assert scores[0] > scores[1] > 0
    # And the other way round: "cfg" in a query finds "config".
    cfg = BM25Retriever().fit(Corpus([make_slice(1, "load_config(path)"), make_slice(2, "x")]))
    assert cfg.score("the cfg loader")[0] > 0 == cfg.score("the cfg loader")[1]


def test_the_spelling_a_query_uses_outweighs_its_alternates():
    # Index terms go through the stemmer: the pairs whose stems are words that stem to
    # themselves can be written into a slice as they are (most of them).
    pairs = [
        (term, alt)
        for term in sorted(_ALTERNATES)
        for alt in alternate_terms(term)
        if terms(term, stem=True) == [term] and terms(alt, stem=True) == [alt]
    ]
    assert len(pairs) > len(_ALTERNATES) // 2
    for term, alt in pairs:
        corpus = Corpus([make_slice(1, f"{term} zz"), make_slice(2, f"{alt} zz")])
        scores = BM25Retriever(name_weight=0.0, path_weight=0.0).fit(corpus).score(term)
        assert scores[0] > scores[1] > 0, (term, alt)
        # Without stemming the index keeps words as written and no alternate is looked for.
        plain = BM25Retriever(name_weight=0.0, path_weight=0.0, stem=False).fit(corpus)
        assert plain.score(term)[1] == 0, (term, alt)


def test_an_alternate_weighs_in_excerpts_what_it_adds_to_a_score():
    corpus = Corpus([make_slice(1, "dir zz"), make_slice(2, "directory zz"), make_slice(3, "x")])
    bm25 = BM25Retriever(name_weight=0.0, path_weight=0.0).fit(corpus)
    weights = bm25.term_weights("directory")
    # dir and directory are equally rare here: the alternate weighs its share of the score.
    idf = bm25.idf(bm25.vocabulary_.columns(["directory", "dir"]))
    assert idf[0] == idf[1]
    assert weights["directory"] == pytest.approx(idf[0])
    share = bm25.score("directory")[0] / bm25.score("directory")[1]
    assert weights["dir"] == pytest.approx(idf[1] * share)
    assert weights["dir"] == pytest.approx(idf[1] * (bm25.k3 + 1) * 0.5 / (bm25.k3 + 0.5))
    # A repeated term is not weighed up (its alternate then counts as one occurrence).
    twice = bm25.term_weights("directory directory")
    assert twice["directory"] == pytest.approx(idf[0]) == twice["dir"]
