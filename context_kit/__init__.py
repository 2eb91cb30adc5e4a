"""context_kit: turn a repository into the best prompt for a task and a token budget.

>>> import context_kit, pathlib
>>> root = pathlib.Path(context_kit.__file__).parent
>>> packed = context_kit.pack(root, "where is the budget checked?", budget=1000)
>>> packed.tokens <= packed.budget
True
"""

from __future__ import annotations

from .api import pack
from .errors import (
    BudgetError,
    ContextKitError,
    InfeasibleError,
    OptionError,
    PinnedOverflowError,
    RepositoryError,
    SourceError,
    TokenizerError,
)
from .index import Index, IndexUpdate, SearchHit
from .optimise import ModelProfile, Plan, optimise
from .packed import PackedContext, PackReport
from .renderers import Renderer
from .retrievers import (
    BM25Retriever,
    Corpus,
    FuzzyRetriever,
    Priors,
    Retriever,
    register_retriever,
)
from .sources import FileSource, RepoSource
from .tokens import Tokenizer, available_tokenizers, get_tokenizer
from .types import PackedItem, Rendering, ReportEntry, Rung, SkippedFile, Slice

__version__ = "0.1.0"

__all__ = [
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
    "Plan",
    "Priors",
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
]
