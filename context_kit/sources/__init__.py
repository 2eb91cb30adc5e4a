"""Sources turn a repository into slices.

Two small protocols are the plug-in points: a :class:`FileSource` turns one file into slices
(a pure function of path and content, so its results can be cached by content hash), and a
:class:`RepoSource` reads something repository-wide (git history: :class:`GitSource`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..types import SkippedFile, Slice
from .code import CodeSource
from .docs import DocsSource
from .git import GitSource
from .notebook import NotebookSource
from .text import TextSource
from .walk import FileText, WalkOptions, walk_repository

__all__ = [
    "CodeSource",
    "DocsSource",
    "FileSource",
    "FileText",
    "GitSource",
    "NotebookSource",
    "RepoSource",
    "TextSource",
    "WalkOptions",
    "walk_repository",
]


@runtime_checkable
class FileSource(Protocol):
    """Turns one file into slices.

    Attributes:
        name: Registry name.
        version: Bumped whenever output changes, so cached slices are invalidated.
    """

    name: str
    version: str

    def accepts(self, path: str) -> bool:
        """Whether this source handles ``path`` (first accepting source wins)."""
        ...

    def slices(self, file: FileText) -> list[Slice]:
        """The slices of ``file``; must not raise for any decodable text."""
        ...


@runtime_checkable
class RepoSource(Protocol):
    """Reads repository-wide material (history, issue trackers...)."""

    name: str

    def collect(
        self, root: Path, files: Sequence[FileText]
    ) -> tuple[list[Slice], list[SkippedFile]]:
        """Slices for the repository at ``root`` plus anything skipped, with reasons."""
        ...
