"""The exceptions context_kit raises.

Every error the library raises on purpose derives from :class:`ContextKitError`, so a
caller can catch one type. Each message says what went wrong *and what to do next*;
structured fields (``.path``, ``.needed``, ``.available``, ``.name``) carry the facts for
code that wants to react programmatically::

    ContextKitError
    ├── RepositoryError        the repository path is missing, not a directory, unreadable
    ├── BudgetError            a budget that is not a positive integer (also a ValueError)
    │   └── PinnedOverflowError  pinned material does not fit in the budget
    ├── TokenizerError         an unknown tokenizer name or a tokenizer file that won't load
    ├── OptionError            an unknown or malformed option (also a TypeError)
    ├── SourceError            a failure reading a source (git, a grammar) at its boundary
    └── InfeasibleError        no model and budget meet the optimiser's constraints
"""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "ContextKitError",
    "InfeasibleError",
    "OptionError",
    "PinnedOverflowError",
    "RepositoryError",
    "SourceError",
    "TokenizerError",
]


class ContextKitError(Exception):
    """Base class of every error context_kit raises on purpose."""


class RepositoryError(ContextKitError):
    """The repository path cannot be used.

    Attributes:
        path: The path as the caller gave it.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class BudgetError(ContextKitError, ValueError):
    """A token budget that cannot be honoured.

    Attributes:
        needed: Tokens the request needs (``None`` when not meaningful).
        available: Tokens the budget allows.
    """

    def __init__(self, message: str, *, needed: int | None = None, available: int | None = None):
        super().__init__(message)
        self.needed = needed
        self.available = available


class PinnedOverflowError(BudgetError):
    """Pinned material does not fit in the budget.

    Attributes:
        items: Identifiers of the pinned slices that did not fit.
    """

    def __init__(self, message: str, *, needed: int, available: int, items: list[str]):
        super().__init__(message, needed=needed, available=available)
        self.items = items


class TokenizerError(ContextKitError):
    """A tokenizer could not be found or loaded.

    Attributes:
        name: The tokenizer name or path as given.
    """

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


class OptionError(ContextKitError, TypeError):
    """An option that context_kit does not know, or a value of the wrong shape.

    Attributes:
        name: The option's name.
    """

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


class SourceError(ContextKitError):
    """A source (git, a grammar, a file) failed in a way that cannot be skipped.

    Most source failures are *not* raised: the file is skipped and reported in
    ``Index.skipped``. This error is for failures that make the whole source unusable.

    Attributes:
        source: The source's name (``"git"``, ``"code"``, ...).
    """

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


class InfeasibleError(ContextKitError):
    """No model profile and budget meet the optimiser's constraints.

    Attributes:
        constraint: The constraint that could not be met (``min_quality``, ``max_cost``,
            ``max_latency``, ``context`` or ``constraints`` when only their combination
            fails).
    """

    def __init__(self, message: str, *, constraint: str) -> None:
        super().__init__(message)
        self.constraint = constraint
