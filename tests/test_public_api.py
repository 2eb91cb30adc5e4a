import inspect

import context_kit

EXPECTED = {
    "BM25Retriever",
    "BudgetError",
    "ContextKitError",
    "Corpus",
    "FileSource",
    "FuzzyRetriever",
    "Index",
    "IndexUpdate",
    "InfeasibleError",
    "ModelProfile",
    "OptionError",
    "PackReport",
    "PackedContext",
    "PackedItem",
    "PinnedOverflowError",
    "Priors",
    "Plan",
    "Renderer",
    "Rendering",
    "RepoSource",
    "ReportEntry",
    "RepositoryError",
    "Retriever",
    "Rung",
    "SearchHit",
    "SkippedFile",
    "Slice",
    "SourceError",
    "Tokenizer",
    "TokenizerError",
    "__version__",
    "available_tokenizers",
    "get_tokenizer",
    "optimise",
    "pack",
    "register_retriever",
}


def test_public_surface_is_exactly_the_documented_one():
    assert set(context_kit.__all__) == EXPECTED
    assert list(context_kit.__all__) == sorted(context_kit.__all__)


def test_every_public_name_has_a_docstring():
    for name in context_kit.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(context_kit, name)
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_pack_signature_matches_the_contract():
    params = inspect.signature(context_kit.pack).parameters
    assert list(params)[:4] == ["repo", "query", "budget", "tokenizer"]
    assert params["tokenizer"].default == "cl100k_base"


def test_py_typed_is_shipped():
    from importlib import resources

    assert (resources.files("context_kit") / "py.typed").is_file()
