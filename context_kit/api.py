"""One-call entry point: :func:`pack` builds an index and packs it."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

from .errors import OptionError
from .index import Index
from .packed import PackedContext
from .tokens import Tokenizer

__all__ = ["pack"]


def _keyword_names(fn: Any) -> set[str]:
    return {
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


_BUILD_OPTIONS = _keyword_names(Index.build) - {"tokenizer"}
_PACK_OPTIONS = _keyword_names(Index.pack) - {"budget"}


def pack(
    repo: str | os.PathLike[str],
    query: str = "",
    budget: int = 8000,
    tokenizer: str | Path | Tokenizer = "cl100k_base",
    **options: Any,
) -> PackedContext:
    """Pack the context most relevant to ``query`` from ``repo`` into ``budget`` tokens.

    Equivalent to ``Index.build(repo, tokenizer=..., **build_options).pack(query,
    budget=..., **pack_options)``; use :class:`Index` directly to pack many queries.

    Args:
        repo: Repository folder.
        query: The task, issue or question. Empty (or blank): an overview of the
            repository, its README first, then the code the rest of it uses most (see
            :mod:`context_kit.retrievers.overview`); with ``spec=``, the section's text
            is the query.
        budget: Maximum tokens of the packed text, counted exactly by ``tokenizer``.
        tokenizer: Tokenizer name (``"cl100k_base"``), ``.tiktoken`` / ``tokenizer.json``
            path, or a :class:`~context_kit.Tokenizer` instance.
        **options: Any keyword of :meth:`Index.build` or :meth:`Index.pack`.

    Returns:
        The packed context (``.text``, ``.tokens``, ``.items``, ``.report``).

    Raises:
        RepositoryError: ``repo`` is not a folder.
        BudgetError: ``budget`` is not a positive integer.
        TokenizerError: Unknown tokenizer.
        OptionError: An option neither ``build`` nor ``pack`` knows.

    >>> import context_kit, pathlib
    >>> root = pathlib.Path(context_kit.__file__).parent
    >>> packed = context_kit.pack(root, "how are tokens counted?", budget=800)
    >>> packed.tokens <= 800
    True
    """
    unknown = set(options) - _BUILD_OPTIONS - _PACK_OPTIONS
    if unknown:
        name = sorted(unknown)[0]
        raise OptionError(
            f"unknown option {name!r}; pack() accepts "
            + ", ".join(sorted(_BUILD_OPTIONS | _PACK_OPTIONS)),
            name=name,
        )
    from .packing.packer import _check_budget

    _check_budget(budget)
    build = {k: v for k, v in options.items() if k in _BUILD_OPTIONS}
    pack_opts = {k: v for k, v in options.items() if k in _PACK_OPTIONS}
    index = Index.build(repo, tokenizer=tokenizer, **build)
    return index.pack(query, budget=budget, **pack_opts)
