"""Per-language facts the tree-sitter chunker needs, kept as data.

A language is described by which syntax nodes are *definitions* (functions, methods),
which are *containers* (classes, impls, modules whose members become ``Container.member``),
which merely *wrap* a definition (decorators, ``export``), and where its docstrings live.
Adding a language means adding one :class:`LanguageSpec` and, optionally, a
``queries/<name>-refs.scm`` file whose ``@ref`` captures name what a slice refers to.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = ["LANGUAGES", "LanguageSpec", "language_for_path", "load_language", "refs_query_text"]


@dataclass(frozen=True)
class LanguageSpec:
    """How to chunk one language.

    Attributes:
        name: Language name (also the prefix of its ``queries/*.scm`` files).
        extensions: File extensions (lower case, with the dot).
        module: Python module of the grammar wheel.
        loader: Attribute of ``module`` returning the language pointer.
        definitions: Node types that become function/method slices.
        containers: Node types whose members are qualified by the container's name.
        wrappers: Node types that wrap a definition or container (decorators, exports);
            the slice spans the wrapper.
        body_field: Field holding a definition's or container's body.
        name_field: Field holding its name.
        docstrings: ``"python"`` (first string statement of the body) or ``"comments"``
            (comment lines directly above the definition).
        comment_types: Node types that are comments.
    """

    name: str
    extensions: tuple[str, ...]
    module: str
    loader: str = "language"
    definitions: frozenset[str] = frozenset()
    containers: frozenset[str] = frozenset()
    wrappers: frozenset[str] = frozenset()
    body_field: str = "body"
    name_field: str = "name"
    docstrings: Literal["python", "comments"] = "comments"
    comment_types: frozenset[str] = field(default_factory=lambda: frozenset({"comment"}))


LANGUAGES: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        name="python",
        extensions=(".py", ".pyi", ".pyw"),
        module="tree_sitter_python",
        definitions=frozenset({"function_definition"}),
        containers=frozenset({"class_definition"}),
        wrappers=frozenset({"decorated_definition"}),
        docstrings="python",
    ),
}
"""Languages with real structure; every other readable file becomes line windows."""


@cache
def _by_extension() -> dict[str, LanguageSpec]:
    return {ext: spec for spec in LANGUAGES.values() for ext in spec.extensions}


def language_for_path(path: str) -> LanguageSpec | None:
    """The language spec for a file path, by extension, or ``None``."""
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    return _by_extension().get(path[dot:].lower())


@cache
def load_language(name: str) -> Any | None:
    """Load a grammar from its installed wheel; ``None`` when the wheel is missing."""
    from tree_sitter import Language

    spec = LANGUAGES[name]
    try:
        module = importlib.import_module(spec.module)
    except ImportError:
        return None
    loader: Callable[[], Any] = getattr(module, spec.loader)
    return Language(loader())


@cache
def refs_query_text(name: str) -> str | None:
    """Source of ``queries/<name>-refs.scm``, or ``None`` if the language has none."""
    try:
        return (resources.files("context_kit.sources") / "queries" / f"{name}-refs.scm").read_text(
            "utf-8"
        )
    except FileNotFoundError:
        return None
