"""The values that flow between pipeline stages.

``Slice`` is what sources produce and retrievers score; ``Rung`` is what renderers offer;
``Rendering`` is a rung with its exact token cost in the output format; ``PackedItem`` and
``ReportEntry`` are what the packer hands back. All are frozen pydantic models so they can
cross the public API, be serialised to JSON, and be shared between threads safely.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Decision",
    "OutlineEntry",
    "PackedItem",
    "Rendering",
    "ReportEntry",
    "Rung",
    "SkippedFile",
    "Slice",
    "SliceKind",
]

SliceKind = Literal["code", "commit", "doc"]
"""What a slice is made of: source code, a git commit, or a document section."""

Decision = Literal["included", "trimmed", "dropped"]
"""What the packer did with a candidate: packed in full, packed as a cheaper rung, or left out."""

MetaValue = str | int | float | bool | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutlineEntry(_Frozen):
    """One member signature of a container, verbatim, for skeleton renderings.

    Attributes:
        line: 1-based line where the member's signature starts.
        end_line: 1-based last line of the signature.
        text: The signature lines, verbatim from the file.
        name: The member's qualified name.
    """

    line: int
    end_line: int
    text: str
    name: str


class Slice(_Frozen):
    """A unit of context: a function, a class header, a commit, a document section...

    Code and doc slices cite lines of one file at the indexed revision; commit slices cite
    a commit id. ``text`` is always the slice's full, verbatim content.

    Attributes:
        id: Stable identifier, unique within an index (``kind:path:start-end`` for files).
        kind: ``"code"``, ``"commit"`` or ``"doc"``.
        path: Repository-relative, ``/``-separated path (``None`` for commits).
        start_line: First line, 1-based inclusive (``None`` for commits).
        end_line: Last line, 1-based inclusive (``None`` for commits).
        start_byte: Byte offset of the first line in the file's UTF-8 bytes.
        end_byte: Byte offset just past the last line.
        name: Qualified symbol (``Class.method``), heading path, or commit subject.
        symbol_kind: ``function``, ``method``, ``class``, ``module``, ``window``,
            ``section``, ``commit``...
        language: Source language (``python``, ``markdown``...) or ``None``.
        text: Full verbatim text of the slice.
        signature_end_line: Last line of the signature (code), if known.
        doc_end_line: Last line of the docstring / leading comment block, if any.
        outline: Member signatures for container skeleton renderings.
        defines: Names this slice defines: its own, qualified and simple
            (``Queue.push``, ``push``); for a run of top-level lines, its constants,
            variables and macros; for a class header or a run of fields, the members
            the class declares, and for a constructor, the attributes it sets, each
            qualified by the class (``Options.ordering``), constants also simple.
        references: Identifiers this slice uses.
        parent: Qualified name of the enclosing container, if any.
        part: ``(k, n)`` when a large definition was split into ``n`` parts.
        commit: Full commit id for commit slices.
        meta: Source-specific extras (author, date, heading path, requirement ids...).
    """

    id: str
    kind: SliceKind
    path: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    start_byte: int | None = None
    end_byte: int | None = None
    name: str = ""
    symbol_kind: str = "window"
    language: str | None = None
    text: str
    signature_end_line: int | None = None
    doc_end_line: int | None = None
    outline: tuple[OutlineEntry, ...] = ()
    defines: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    parent: str | None = None
    part: tuple[int, int] | None = None
    commit: str | None = None
    meta: dict[str, MetaValue] = Field(default_factory=dict)

    @property
    def citation(self) -> str:
        """How the slice is cited in a prompt: ``path:start-end`` or a commit id."""
        if self.kind == "commit":
            return f"commit {self.commit}"
        if self.start_line is None:
            return self.path or self.id
        return f"{self.path}:{self.start_line}-{self.end_line}"

    @property
    def line_count(self) -> int:
        """Number of lines the slice spans (0 when it cites no lines)."""
        if self.start_line is None or self.end_line is None:
            return 0
        return self.end_line - self.start_line + 1


class Rung(_Frozen):
    """One rendering a renderer offers for a slice, before its cost is known.

    Attributes:
        name: ``full``, ``elided``, ``skeleton``, ``signature``, ``mention``...
        text: The rendered content (verbatim file text plus, at most, elision markers).
        fidelity: How much of the slice's value this rung keeps, in (0, 1].
        start_line: First cited line (``None`` when the rung cites no lines).
        end_line: Last cited line.
        verbatim: Line ranges (1-based, inclusive) whose text the rung holds verbatim,
            when the renderer knows them; ``None`` means the whole span for ``full`` and
            none for any other rung.
    """

    name: str
    text: str
    fidelity: float = Field(gt=0.0, le=1.0)
    start_line: int | None = None
    end_line: int | None = None
    verbatim: tuple[tuple[int, int], ...] | None = None

    def verbatim_lines(self) -> list[tuple[int, int]]:
        """The line ranges this rung shows verbatim (see ``verbatim``)."""
        if self.verbatim is not None:
            return [tuple(r) for r in self.verbatim]  # type: ignore[misc]
        if self.name == "full" and self.start_line is not None and self.end_line is not None:
            return [(self.start_line, self.end_line)]
        return []


class Rendering(_Frozen):
    """A rung formatted for the output, with its exact token cost.

    Attributes:
        name: The rung's name.
        block: The formatted block exactly as it would appear in the packed text.
        tokens: Exact token count of ``block`` plus its separator.
        fidelity: The rung's fidelity.
        start_line: First cited line.
        end_line: Last cited line.
    """

    name: str
    block: str
    tokens: int
    fidelity: float
    start_line: int | None = None
    end_line: int | None = None


class PackedItem(_Frozen):
    """One slice as it was packed.

    Attributes:
        id: The slice's id.
        kind: ``"code"``, ``"commit"`` or ``"doc"``.
        path: Repository-relative path (``None`` for commits).
        start_line: First line of the cited span, 1-based inclusive, or ``None``.
        end_line: Last line of the cited span, or ``None``.
        name: The slice's name (qualified symbol, heading path, commit subject).
        rendering: ``"full"`` when the cited lines appear verbatim in the text; otherwise
            the name of the trimmed rung.
        tokens: Tokens this item's block costs (separator included).
        score: Fused relevance score.
        scores: Score breakdown by retriever.
        commit: Full commit id for commit items, ``None`` otherwise.
        redacted: The slice's text had credentials replaced by ``[REDACTED:<rule>]``
            markers; a ``full`` rendering is then verbatim except for those markers.
        last_commit: Id of the commit that last changed the item's lines, when the pack
            attached it (``Index.pack(attach_commits=...)`` with history); the block
            names it beside the item.
        verbatim_lines: Line ranges (1-based, inclusive) whose text appears verbatim in
            the block: the whole span of a ``full`` item, and the lines a trimmed code
            rung kept (an ``excerpt``'s matching lines, an elided body's signature and
            docstring...).
    """

    id: str
    kind: SliceKind
    path: str | None
    start_line: int | None
    end_line: int | None
    name: str
    rendering: str
    tokens: int
    score: float
    scores: dict[str, float] = Field(default_factory=dict)
    commit: str | None = None
    redacted: bool = False
    last_commit: str | None = None
    verbatim_lines: list[tuple[int, int]] = Field(default_factory=list)


class ReportEntry(_Frozen):
    """What happened to one candidate, and why.

    Attributes:
        id: The slice's id.
        kind: Slice kind.
        path: Path, if any.
        start_line: First line of the slice.
        end_line: Last line of the slice.
        name: Slice name.
        score: Fused score.
        scores: Score breakdown by retriever.
        decision: ``included`` (full), ``trimmed`` (a cheaper rung) or ``dropped``.
        rendering: The chosen rung's name, or ``None`` when dropped.
        tokens: Tokens spent on it (0 when dropped).
        full_tokens: What the full rendering would have cost.
        reason: A human-readable reason for the decision.
    """

    id: str
    kind: SliceKind
    path: str | None
    start_line: int | None
    end_line: int | None
    name: str
    score: float
    scores: dict[str, float] = Field(default_factory=dict)
    decision: Decision
    rendering: str | None
    tokens: int
    full_tokens: int
    reason: str


class SkippedFile(_Frozen):
    """A file the index did not read, and why.

    Attributes:
        path: Repository-relative path.
        reason: A short machine-readable code: ``binary``, ``too_large``, ``minified``,
            ``vendored``, ``generated``, ``symlink_outside``, ``symlink_loop``, ``unreadable``,
            ``empty``, ``secret``, ``lfs_pointer``...
        detail: A human-readable explanation.
    """

    path: str
    reason: str
    detail: str = ""
