"""The Index: read a repository once, then rank and pack for many queries.

>>> import context_kit, pathlib
>>> index = context_kit.Index.build(pathlib.Path(context_kit.__file__).parent)
>>> packed = index.pack("how is the token budget enforced?", budget=1500)
>>> packed.tokens <= 1500
True
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from ._cache import content_key
from ._fit_cache import fit_cached
from ._layout import Layout, splice
from ._pool import shared_pools
from .errors import OptionError, RepositoryError
from .history import History, last_commit_candidates, last_commits, with_last_commit
from .packed import PackedContext, PackReport, ShareReport, Tier
from .packing.excerpt import (
    EXCERPT_CANDIDATES,
    EXCERPT_MAX_LINES,
    SHORT_EXCERPT_LINES,
    head_end,
    ranked_lines,
    wants_excerpt,
    with_excerpts,
)
from .packing.format import Formatter, get_formatter
from .packing.guard import guard_secrets
from .packing.packer import (
    DEFAULT_RELEVANCE_POWER,
    Candidate,
    PackResult,
    lift_file_mentions,
    pack_candidates,
)
from .packing.select import Needs, candidate_rows, drop_copies, resolve_pins
from .renderers import CodeRenderer, CommitRenderer, Renderer, TextRenderer, default_ladder
from .renderers.code import excerpt_rung
from .retrievers import BM25Retriever, Corpus, Retriever, fuse, get_retriever, top_k
from .retrievers.feedback import QueryFeedback
from .retrievers.fusion import RRF_K, FusionMethod, FusionResult, diversify
from .retrievers.graph import GraphPropagation
from .retrievers.history import ChangePropagation
from .retrievers.links import LinkPropagation
from .retrievers.overview import (
    OVERVIEW_DIVERSITY,
    OVERVIEW_PRIOR_POWER,
    OVERVIEW_RELEVANCE_POWER,
    Overview,
)
from .retrievers.priors import Priors, translated_documents
from .retrievers.quoted import QuotedLines
from .secrets import MARKER_RE, redacted_counts
from .slicing import (
    FileEntry,
    RefreshResult,
    SliceCache,
    collect,
    default_workers,
    refresh,
    resolve_cache,
    slicing_code_stamp,
    source_fingerprint,
)
from .sources import CodeSource, DocsSource, FileSource, NotebookSource, TextSource, WalkOptions
from .sources.git import GitSource
from .spec import SpecFocus
from .tokens import Tokenizer, get_tokenizer
from .types import Rung, SkippedFile, Slice

__all__ = ["DEFAULT_WEIGHTS", "WINDOW_DIVERSITY", "Index", "IndexUpdate", "Progress", "SearchHit"]

log = logging.getLogger("context_kit")

_P = TypeVar("_P", GraphPropagation, LinkPropagation, ChangePropagation, Overview)


def _post_unit(fusion: FusionMethod) -> float:
    """What a top-ranked hit is worth in ``fusion``'s units (1 weighted, 1/(k+1) in RRF).

    Post-fusion steps (links, graph, changes) scale their weights by it.
    """
    return 1.0 if fusion == "weighted" else 1.0 / (RRF_K + 1.0)


def _translated(corpus: Corpus) -> frozenset[str]:
    """The paths of the documents that translate another one (see ``translated_documents``).

    Read from the corpus's files (``file_rows``), which an update presets from its layout
    and the first pack reads anyway, rather than from a pass over every slice (~10 ms per
    update on 99k slices).
    """
    return translated_documents(corpus.file_rows)


Progress = Callable[[str, int, int], None]
"""Progress callback: ``(stage, done, total)``; ``total`` is 0 when unknown."""

DEFAULT_WEIGHTS: dict[str, float] = {
    "bm25": 1.0,
    "fuzzy": 0.6,
    "history": 0.3,
    "links": 0.3,
    "file_header": 0.5,
    "file_bm25": 0.15,
    "feedback": 0.2,
    "quoted": 1.0,
}
"""Fusion weights of the default retrievers: lexical relevance leads; a name or path the
query spells out adds a strong, but not overriding, boost; history (commits matching the
query, co-change, recency) nudges; ``links`` is the boost a slice linked to the best hit
receives (spec section ↔ the code it names, see
:class:`~context_kit.retrievers.links.LinkPropagation`); ``file_header`` lifts each code
file's header (imports, top-level names) to that share of the file's best score, because
a change inside a file often touches its imports too (commit tasks, 4k tokens: line
recall +0.01 on its own); ``file_bm25`` gives each slice its file's BM25 score (the file's
slices summed, from the same postings), because a function that shares few words with the
query may live in the file the query is about (line recall averaged over 2k-32k: polyglot
commit tasks +0.015, Python commit tasks +0.010; 0.3 gained more on the first and lost on
the second); ``feedback`` scores every slice by BM25 over the distinctive words of the
best code hits that the query does not use (pseudo-relevance feedback, see
:class:`~context_kit.retrievers.feedback.QueryFeedback`); ``quoted`` scores the slices
holding a source line the query quotes verbatim, such as a traceback's frames (see
:class:`~context_kit.retrievers.quoted.QuotedLines`; SWE-bench line recall averaged over
2k-32k .762 -> .786, no commit task moved: commit messages quote no code)."""


DEFAULT_DIVERSITY = 1.0
"""Score kept by each further hit from an already-ranked file (1 = no damping).

Off by default because it cost recall where it matters: on the SWE-bench Lite dev tasks,
0.9 lowered line recall at 8k tokens from 0.77 to 0.69 (the code to change usually sits
in one file, next to the other hits)."""

# Diversity re-weights only the head of the ranking, where crowding hurts.
_DIVERSITY_DEPTH = 200

WINDOW_DIVERSITY = 0.6
"""Score kept by each further line window from an already-ranked file (see
:data:`DEFAULT_DIVERSITY`, which is off): applied whatever ``diversity`` is.

A text file without structure (``.gitmodules``, a ``.conf``, a data table) is read as
windows of about 60 lines, and a long repetitive one scores alike in every window: a query
about "vendored path patterns" over github-linguist packed 27 windows of ``.gitmodules``
(every line of it is ``path = vendor/grammars/...``) and not the code that matches vendored
paths. Code is not damped: the code to change usually sits beside the other hits of its
file. Measured on the quality benchmark (fresh caches, recall averaged over 2k-32k, file /
function / line): ``all`` .942 / .757 / .791 -> .945 / .758 / .792 (SWE-bench file recall
.891 -> .909), polyglot .905 / .715 -> .906 / .717; 0.8 gave .943 / .758 / .792 and .904 /
.716. Query feedback reads the best hits damped alike, later (sqlfluff 1763 found at 32k:
``all`` .943 / .758 / .793 -> .945 / .760 / .794, SWE-bench .909 / .767 / .785 -> .918 /
.776 / .792, polyglot unchanged at .908 / .722)."""
# Stateless: it reads the fitted BM25 retriever and the slices at query time.
_FEEDBACK = QueryFeedback()
_QUOTED = QuotedLines()

_MIN_CANDIDATES = 50
_MAX_CANDIDATES = 3000
# Price enough candidates that their full renderings could fill the budget this many times
# over, so the knapsack has real choices without pricing the whole corpus.
_CANDIDATE_BUDGET_FACTOR = 4
# Copies offered as mentions per file (see Index.pack).
_COPY_MENTIONS_PER_FILE = 3
# A rough characters-per-token rate used *only* to decide how many candidates to price;
# every price the packer uses is an exact count.
_CHARS_PER_TOKEN_GUESS = 3.5


class SearchHit(BaseModel):
    """One ranked slice.

    Attributes:
        slice: The slice.
        score: Fused score.
        scores: Contribution of each retriever.
        rank: 1-based rank.
    """

    model_config = ConfigDict(frozen=True)

    slice: Slice
    score: float
    scores: dict[str, float]
    rank: int


def _check_repo(repo: str | os.PathLike[str]) -> Path:
    root = Path(repo).expanduser()
    if not root.exists():
        raise RepositoryError(
            f"repository path {str(repo)!r} does not exist; pass the folder of a repository",
            path=str(repo),
        )
    if not root.is_dir():
        raise RepositoryError(
            f"repository path {str(repo)!r} is a file; pass the folder that contains it",
            path=str(repo),
        )
    return root


class Index:
    """Slices of one repository, fitted retrievers, and a tokenizer.

    Build with :meth:`Index.build`; pack with :meth:`Index.pack`.

    Attributes:
        root: The repository folder.
        slices: Every slice: file slices in (path, line) order, then commits newest first.
        skipped: Files that were not indexed, with reasons.
        tokenizer: The tokenizer every count uses.
        retrievers: The fitted retrievers.
    """

    def __init__(
        self,
        root: Path,
        slices: list[Slice],
        skipped: list[SkippedFile],
        tokenizer: Tokenizer,
        retrievers: list[Retriever],
        *,
        renderers: tuple[Renderer, ...] = (CodeRenderer(), TextRenderer(), CommitRenderer()),
        priors: Priors | Mapping[str, float] | None = None,
        extras: dict[str, object] | None = None,
        redact_secrets: bool = True,
        state: _BuildState | None = None,
    ) -> None:
        self.root = root
        self.redact_secrets = redact_secrets
        self.slices = slices
        self.skipped = skipped
        self.tokenizer = tokenizer
        self.retrievers = retrievers
        self.renderers = renderers
        workers = state.workers if state is not None else 1
        self.corpus = Corpus(slices, dict(extras or {}), workers=workers)
        self.priors = priors if isinstance(priors, Priors) else Priors(**(priors or {}))
        self._translated = _translated(self.corpus)
        self._prior_weights = self.priors.weights(slices, self._translated)
        self._state = state

    @classmethod
    def build(
        cls,
        repo: str | os.PathLike[str],
        *,
        tokenizer: str | Path | Tokenizer = "cl100k_base",
        include_untracked: bool = False,
        include_vendored: bool = False,
        max_file_bytes: int = 1_000_000,
        sources: Sequence[FileSource] | None = None,
        retrievers: Sequence[str | Retriever] | None = None,
        priors: Priors | Mapping[str, float] | None = None,
        progress: Progress | None = None,
        history: bool = False,
        rev: str = "HEAD",
        max_commits: int | None = 1000,
        docs: Sequence[str] | None = None,
        redact_secrets: bool = True,
        cache_dir: str | os.PathLike[str] | bool | None = None,
        workers: int | None = None,
    ) -> Index:
        """Read, slice and index a repository.

        Args:
            repo: The repository folder (a git work tree or any folder).
            tokenizer: Tokenizer name, file, or instance (see :func:`get_tokenizer`).
            include_untracked: In git, also index untracked files that are not ignored.
            include_vendored: Also index vendored and build folders.
            max_file_bytes: Skip files larger than this.
            sources: File sources, first accepting one wins (default: notebooks, code,
                docs, text).
            retrievers: Retriever names or instances (default: ``bm25``, ``fuzzy``, ``history``).
            priors: Query-independent multipliers by slice type (tests, docs,
                changelogs, commits, translation catalogs): a :class:`Priors` or a
                mapping of its fields (``{"commit": 0.5}``); ``Priors(1, 1, 1, 1, 1, 1)``
                disables them.
            progress: Called as ``progress(stage, done, total)`` during long work, with
                stages ``read`` (files read), ``parse`` (files sliced), ``history``
                (commits read) and ``fit`` (retrievers fitted). Nothing is printed: the
                CLI draws a bar from these calls on a terminal.
            history: Also index git history (commit slices after the files, and history
                statistics for the ``history`` retriever); a folder without git history is
                reported in ``skipped``, never an error. Off by default: on the SWE-bench
                Lite dev tasks, commit slices displaced code (file recall at 8k tokens 0.91
                without history, 0.82 with it) and no history signal has yet shown a gain.
            rev: Revision history is read at; no later commit is ever read. Files are
                always read from the work tree, so check out ``rev`` for line links to match.
            max_commits: Most recent commits to read (``None`` for all).
            docs: Gitignore-style globs of the files read as documents (default
                :data:`~context_kit.sources.docs.DEFAULT_DOC_PATTERNS`); ignored when
                ``sources`` is given.
            redact_secrets: Leave out files that hold credentials (``.env``, ``id_rsa``,
                ``*.pem``..., reported in ``skipped`` as ``secret``) and replace every
                credential in file text, commit messages and diffs with a
                ``[REDACTED:<rule>]`` marker (see :mod:`context_kit.secrets`). ``False``
                sends everything verbatim; it is logged and shown in every pack's report.
            cache_dir: Where slices and fitted retrievers are cached by content: ``None``
                for :func:`~context_kit._cache.default_cache_dir` (outside the repository),
                a folder, or ``False`` for no cache.
            workers: Processes that slice files in parallel (default: the usable cores;
                small jobs stay in this process).

        Raises:
            RepositoryError: ``repo`` is missing or not a folder.
            TokenizerError: Unknown tokenizer.
        """
        root = _check_repo(repo)
        tok = get_tokenizer(tokenizer)
        opts = WalkOptions(
            include_untracked=include_untracked,
            max_file_bytes=max_file_bytes,
            include_vendored=include_vendored,
            redact_secrets=redact_secrets,
        )
        if not redact_secrets:
            log.warning("secret redaction is OFF for %s: credentials will be packed verbatim", root)
        doc_src = DocsSource() if docs is None else DocsSource(patterns=tuple(docs))
        code = CodeSource()
        srcs: Sequence[FileSource] = sources or (
            NotebookSource(),
            code,
            doc_src,
            TextSource(code=code),
        )
        state = _BuildState(
            options=opts,
            sources=tuple(srcs),
            cache=resolve_cache(cache_dir),
            workers=workers if workers is not None else default_workers(),
            history=(
                GitSource(rev=rev, max_commits=max_commits, redact_secrets=redact_secrets)
                if history
                else None
            ),
        )
        if state.cache is not None:
            state.cache.retire_old_code()
        # One pool for slicing and fitting, forked while this process is small: see shared_pools.
        with _no_gc(), shared_pools():
            result = state.refresh(root, progress)
            slices, skipped = collect(result.files.values())
            extras: dict[str, object] = {}
            commits = state.read_history(root, skipped, extras, progress)
            slices.extend(commits)  # newest first, after every file slice
            state.layout = Layout.of(slices, result.files)
            skipped.sort(key=lambda s: s.path)
            corpus = Corpus(slices, extras, workers=state.workers)
            views = state.layout.corpus_views() if state.layout is not None else None
            if views is not None:
                corpus.preset(**views)
            fitted = _fit_retrievers(retrievers, corpus, state, progress)
        log.info(
            "indexed %d slices from %d files (%d parsed, %d cached) and %d commits; skipped %d",
            len(slices) - len(commits),
            len(result.files) - len(skipped),
            result.sliced,
            result.cache_hits,
            len(commits),
            len(skipped),
        )
        index = cls(
            root,
            slices,
            skipped,
            tok,
            fitted,
            priors=priors,
            extras=extras,
            state=state,
            redact_secrets=redact_secrets,
        )
        # The corpus the retrievers were fitted on, not an equal copy: its digest and
        # derived views (each row's file, the file headers) are known already, and the
        # first query would otherwise compute them again (0.15 s on a 57 MB tree).
        index.corpus = corpus
        return index

    def update(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
        *,
        progress: Progress | None = None,
    ) -> IndexUpdate:
        """Bring the index up to date with the files on disk, re-reading only what changed.

        Files whose size and modification time are unchanged are not read; changed and
        added files are re-sliced (through the cache), deleted files are dropped, and the
        retrievers are refitted on the new corpus.

        Every update lists the repository and calls ``stat`` on each file. A caller that knows
        what it changed — an agent that just wrote two files — can name them in
        ``paths`` instead: only those files (and the files in those folders) are looked
        at, which on a large repository is most of an update's time. A named path that
        no longer exists is dropped, a new one is added if a full update would add it
        (tracked by git, or not ignored; see ``include_untracked``). Changes elsewhere
        are not seen until an update without ``paths``.

        >>> import context_kit, pathlib
        >>> index = context_kit.Index.build(pathlib.Path(context_kit.__file__).parent)
        >>> index.update().changed
        []
        >>> index.update(["index.py", "sources"]).changed
        []

        Args:
            paths: Files or folders that changed, relative to the repository root or
                absolute (inside it); ``None`` looks at everything.
            progress: Called as ``progress(stage, done, total)``.

        Returns:
            Which paths were added, changed and deleted.

        Raises:
            OptionError: A path outside the repository, or an index not made by
                :meth:`build`.
        """
        if self._state is None:
            raise OptionError(
                "this Index was constructed directly; build it with Index.build() to update it",
                name="update",
            )
        state = self._state
        only = None if paths is None else _repository_paths(self.root, paths)
        old_files = dict(state.files)
        t0 = time.perf_counter()
        with _no_gc():
            result = state.refresh(self.root, progress, only)
        timings = {"refresh": time.perf_counter() - t0}
        out = IndexUpdate(
            added=result.added,
            changed=result.changed,
            deleted=result.deleted,
            sliced=result.sliced,
            timings=timings,
        )
        if not (result.added or result.changed or result.deleted):
            return out
        t0 = time.perf_counter()
        with _no_gc():
            self._refit_all(old_files, [*result.reread, *result.deleted])
        timings["refit"] = time.perf_counter() - t0
        return out

    def _refit_all(self, old_files: dict[str, FileEntry], touched: list[str]) -> None:
        """Rebuild the slice list and refit every retriever after a refresh.

        Args:
            old_files: The file entries before the refresh.
            touched: The paths whose entries the refresh replaced or dropped.
        """
        state = self._state
        assert state is not None
        previous_corpus = self.corpus
        # Section<->code links are edges between the rows of one corpus; left in the
        # shared extras, a stale set with the same row count would be taken as current.
        extras = {k: v for k, v in previous_corpus.extras.items() if k != "links"}
        layout = state.layout
        spliced = None
        if layout is not None and layout.describes(self.slices):
            spliced = splice(self.slices, layout, self.skipped, state.files, touched)
        if spliced is None:
            previous = self._relist(old_files)
            self.corpus = Corpus(self.slices, extras, workers=state.workers)
            self._translated = _translated(self.corpus)
            self._prior_weights = self.priors.weights(self.slices, self._translated)
        else:
            self.slices, self.skipped = spliced.slices, spliced.skipped
            previous, state.layout = spliced.previous, spliced.layout
            self.corpus = Corpus(self.slices, extras, workers=state.workers)
            if spliced.views is not None:
                self.corpus.preset(**spliced.views)
            translated = _translated(self.corpus)
            if translated == self._translated:
                self._prior_weights = self._carry(self._prior_weights, previous)
            else:  # a file added or removed made other documents translations, or not
                self._translated = translated
                self._prior_weights = self.priors.weights(self.slices, translated)
        self.retrievers = [self._refit(r, previous, previous_corpus) for r in self.retrievers]
        self.__dict__.pop("_commit_rows", None)  # commit rows move with the files before them
        # Post-fusion steps already in use follow the corpus now, by delta where they can
        # (the first query after an update would otherwise rebuild them from scratch).
        steps: dict[str, tuple[Corpus, Any]] = self.__dict__.get("_post_fusion", {})
        for name, (corpus, step) in list(steps.items()):
            refit = getattr(step, "refit", None)
            if corpus is previous_corpus and callable(refit):
                steps[name] = (self.corpus, refit(self.corpus, previous, previous_corpus))
            else:
                del steps[name]

    def _relist(self, old_files: dict[str, FileEntry]) -> npt.NDArray[np.int64]:
        """The slice list rebuilt from every file entry; each new row's previous row.

        The general path, for slice lists not laid out as a build lays them out (edited
        by hand, or from a source that names other files than its own).
        """
        state = self._state
        assert state is not None
        old_rows = {id(s): i for i, s in enumerate(self.slices)}
        # Slices that no listed file produced (repository-wide sources such as history)
        # are kept as they are; only file slices are refreshed here.
        carried = [s for s in self.slices if s.path is None or s.path not in old_files]
        self.slices, self.skipped = collect(state.files.values())
        state.layout = None
        if carried:
            self.slices = sorted(
                [*carried, *self.slices], key=lambda s: (s.path or "", s.start_line or 0, s.id)
            )
        # Unchanged files keep their very Slice objects, so identity finds each old row.
        return np.asarray([old_rows.get(id(s), -1) for s in self.slices], dtype=np.int64)

    def _carry(
        self, weights: npt.NDArray[np.float32], previous: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Prior weights for the new rows: carried over where kept, computed where new."""
        kept = previous >= 0
        out = np.empty(len(previous), dtype=np.float32)
        out[kept] = weights[previous[kept]]
        new = np.flatnonzero(~kept)
        out[new] = self.priors.weights([self.slices[i] for i in new.tolist()], self._translated)
        return out

    def _refit(
        self, retriever: Retriever, previous: npt.NDArray[np.int64], previous_corpus: Corpus
    ) -> Retriever:
        """Refit one retriever incrementally when it can (a ``refit`` method), else fully."""
        refit = getattr(retriever, "refit", None)
        if callable(refit):
            return refit(self.corpus, previous, previous_corpus)  # type: ignore[no-any-return]
        # Not through the fit cache: a mid-session state is rarely built again, and
        # pickling it would slow every update down.
        return retriever.fit(self.corpus)

    @property
    def history(self) -> History | None:
        """The git history read at build time (``None`` when history was off or skipped).

        Use :meth:`~context_kit.history.History.link` or ``.last_commit(slice)`` to find
        the commits that changed a slice's lines.
        """
        h = self.corpus.extras.get("history")
        return h if isinstance(h, History) else None

    @functools.cached_property
    def _commit_rows(self) -> dict[str, int]:
        return {s.commit: i for i, s in enumerate(self.slices) if s.commit}

    # ---------------------------------------------------------------- ranking
    def _per_corpus(self, name: str, make: Callable[[], _P]) -> _P:
        """A post-fusion step fitted on the current corpus, refitted when it is replaced."""
        cache: dict[str, tuple[Corpus, Any]] = self.__dict__.setdefault("_post_fusion", {})
        hit = cache.get(name)
        if hit is None or hit[0] is not self.corpus:
            state = self._state
            with _no_gc():  # a pass over every slice: see _no_gc
                if state is None or state.cache is None:
                    step = make().fit(self.corpus)
                else:
                    # Cached like the retrievers' fits: in a new process, the links of a
                    # 65 MB tree load in 0.1 s where building them takes 0.8 s.
                    key = state.corpus_key(self.corpus)
                    step = fit_cached(make(), self.corpus, key, state.cache_folder)
                hit = (self.corpus, step)
            cache[name] = hit
        fitted: _P = hit[1]
        return fitted

    @property
    def graph(self) -> GraphPropagation:
        """The symbol graph of the corpus (see ``retrievers.graph``), built on first use."""
        return self._per_corpus("graph", GraphPropagation)

    @property
    def linker(self) -> LinkPropagation:
        """Section↔code links of the corpus (see ``retrievers.links``).

        Built on first use, and again whenever ``self.corpus`` is replaced (an update).
        """
        return self._per_corpus("links", LinkPropagation)

    def _fused(
        self,
        query: str,
        weights: Mapping[str, float] | None,
        fusion: FusionMethod,
        diversity: float = DEFAULT_DIVERSITY,
    ) -> Any:
        w = dict(DEFAULT_WEIGHTS)
        if weights:
            w.update(weights)
        if not query.strip():
            return self._overview(w, fusion, diversity), w
        fused: FusionResult = fuse(
            self.retrievers, query, len(self.slices), weights=w, method=fusion
        )
        bm25 = self._bm25()
        if bm25 is not None and w.get("file_bm25", 0.0):
            file_scores = bm25.grouped_scores(query, self.corpus.file_ids)
            fused.add("file_bm25", file_scores, weight=float(w["file_bm25"]), method=fusion)
        if bm25 is not None and w.get("feedback", 0.0) and query:
            # The best hits are read as the prior and the window damping will rank them
            # (tests and docs low, one window of a repetitive text file, not eight).
            first = fused.scores * self._prior_weights
            first = diversify(
                first, self._window_groups(first), decay=WINDOW_DIVERSITY, depth=_DIVERSITY_DEPTH
            )
            wider = _FEEDBACK.scores(bm25, self.slices, first, query)
            fused.add("feedback", wider, weight=float(w["feedback"]), method=fusion)
        if bm25 is not None and w.get("quoted", 0.0) and query:
            quoted = _QUOTED.scores(bm25, self.slices, query)
            fused.add("quoted", quoted, weight=float(w["quoted"]), method=fusion)
        # Post-fusion hooks, in the units of the fusion method (see _post_unit).
        fused = self._linked(fused, w, fusion, query)
        if w.get("graph", 0.0):
            unit = _post_unit(fusion)
            fused = self.graph.apply(fused, weight=float(w["graph"]) * unit, query=query)
        if w.get("changes", 0.0) and self.history is not None:
            # Last: commits are lifted by everything that ranked the code they changed.
            changes = self._per_corpus("changes", ChangePropagation)
            unit = _post_unit(fusion)
            fused = changes.apply(fused, weight=float(w["changes"]) * unit, query=query)
        # The prior comes last so it also scales what links propagated.
        fused.apply_prior(self._prior_weights)
        self._spread(fused, w, diversity)
        return fused, w

    def _linked(
        self, fused: FusionResult, w: Mapping[str, float], fusion: FusionMethod, query: str
    ) -> FusionResult:
        """``fused`` with its scores propagated along section<->code links (weight ``links``)."""
        if not w.get("links", 0.0):
            return fused
        weight = float(w["links"]) * _post_unit(fusion)
        return self.linker.apply(fused, weight=weight, query=query)

    def _spread(self, fused: FusionResult, w: Mapping[str, float], diversity: float) -> None:
        """The steps after the prior: damp repeats of a file and its windows, lift headers."""
        fused.diversify(self.corpus.file_ids, decay=diversity, depth=_DIVERSITY_DEPTH)
        fused.diversify(
            self._window_groups(fused.scores), decay=WINDOW_DIVERSITY, depth=_DIVERSITY_DEPTH
        )
        # After diversity: the lift is relative to each file's best final score.
        fused.lift_file_headers(
            self.corpus.file_ids,
            self.corpus.file_header_rows,
            share=float(w.get("file_header", 0.0)),
        )

    def _overview(
        self, w: Mapping[str, float], fusion: FusionMethod, diversity: float
    ) -> FusionResult:
        """The scores of a query-less pack: an overview (see ``retrievers.overview``)."""
        overview = self._per_corpus("overview", Overview)
        scores = overview.scores_
        fused = self._linked(FusionResult(scores.copy(), {"overview": scores}), w, fusion, "")
        prior = self._prior_weights**OVERVIEW_PRIOR_POWER
        prior[overview.readme_rows_] = 1.0  # the project's own introduction leads
        fused.apply_prior(prior)
        decay = OVERVIEW_DIVERSITY if diversity == DEFAULT_DIVERSITY else diversity
        self._spread(fused, w, decay)
        return fused

    def _window_groups(self, scores: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        """The file number of each line window among the best rows, ``-1`` elsewhere.

        Only the rows :func:`~context_kit.retrievers.fusion.diversify` reads are looked
        at, so a query costs a few hundred lookups rather than a pass over every slice.
        """
        groups = np.full(len(scores), -1, dtype=np.int64)
        rows = top_k(scores, _DIVERSITY_DEPTH)
        windows = [r for r in rows.tolist() if self.slices[r].symbol_kind == "window"]
        groups[windows] = self.corpus.file_ids[windows]
        return groups

    def search(
        self,
        query: str,
        k: int = 20,
        *,
        weights: Mapping[str, float] | None = None,
        fusion: FusionMethod = "weighted",
        diversity: float = DEFAULT_DIVERSITY,
        copies: bool = False,
    ) -> list[SearchHit]:
        """The ``k`` best slices for ``query`` with their score breakdowns.

        Args:
            query: The task, issue or question. Empty (or blank): the slices an overview
                would show, best first (see :mod:`context_kit.retrievers.overview`).
            k: How many hits at most (only slices with a positive score are hits).
            weights: Fusion weight per retriever name (merged over ``DEFAULT_WEIGHTS``).
            fusion: ``weighted`` or ``rrf``.
            diversity: See :meth:`pack`.
            copies: Keep slices that copy a better-ranked one (same kind, name and text,
                see :func:`~context_kit.packing.select.drop_copies`); by default each
                text is a hit once, at its best-ranked place.
        """
        fused, _ = self._fused(query, weights, fusion, diversity)
        positive = int(np.count_nonzero(fused.scores > 0))
        want = min(k, positive)
        rows: list[int] = top_k(fused.scores, want).tolist()
        if not copies:
            # Copies are rare: rank a few more rows until k originals are found.
            extra = 0
            while True:
                kept, dropped = drop_copies(self.slices, rows, file_size=self._file_size)
                if len(kept) >= want or len(rows) >= positive:
                    break
                extra = max(2 * extra, 16, len(dropped))
                rows = top_k(fused.scores, min(want + extra, positive)).tolist()
            rows = kept[:want]
        return [
            SearchHit(
                slice=self.slices[r],
                score=float(fused.scores[r]),
                scores=fused.breakdown(int(r)),
                rank=n,
            )
            for n, r in enumerate(rows, 1)
        ]

    # ---------------------------------------------------------------- packing
    def pack(
        self,
        query: str = "",
        *,
        budget: int = 8000,
        format: str | Formatter = "markdown",
        weights: Mapping[str, float] | None = None,
        fusion: FusionMethod = "weighted",
        diversity: float = DEFAULT_DIVERSITY,
        max_candidates: int | None = None,
        relevance_power: float = DEFAULT_RELEVANCE_POWER,
        attach_commits: int = 10,
        spec: str | None = None,
        pin: Sequence[str] = (),
        shares: Mapping[str, tuple[float, float]] | None = None,
        order: str = "tiers",
        excerpts: bool = True,
        copies: bool = False,
        merge: bool = True,
    ) -> PackedContext:
        """Pack the most relevant slices for ``query`` into at most ``budget`` tokens.

        Args:
            query: The task, issue or question. Empty (or blank), and no ``spec``: an
                overview of the repository, its root README first, then the code the rest
                of it uses most, as headers and signatures more than whole files (see
                :mod:`context_kit.retrievers.overview`).
            budget: Maximum tokens of the packed text (exact, by the index's tokenizer).
            format: ``markdown``, ``xml`` or ``json``.
            weights: Fusion weight per retriever name (merged over ``DEFAULT_WEIGHTS``).
            fusion: ``weighted`` or ``rrf``.
            diversity: Each further hit from a file already ranked higher keeps this
                share of its score (``1`` = off), so one file cannot crowd out the rest.
                An overview (no query) uses 0.7 while this is left at its default.
            max_candidates: How many ranked slices to price (default: enough to fill the
                budget several times over).
            relevance_power: The knapsack values a rung at ``score ** relevance_power x
                fidelity``. Fused scores are flat near the top (the best slice 1.0, the
                tenth 0.8); raising them to a power turns that into the steep preference a
                reader has, so the budget goes to the best slices in full before many
                weak ones in part. An overview (no query) uses 2 while this is left at its
                default.
            attach_commits: For this many of the best code candidates, the commit that last
                changed their lines is named beside the code's block (id, date, subject;
                priced with the block, ``item.last_commit``) and joins the candidates (at a
                share of the code's score; the packer still decides). ``0`` turns it off;
                no effect without history.
            spec: Pack *for* a requirement id (``"REQ-12"``) or heading path: its section,
                parent headings and linked code rank first (see :mod:`context_kit.spec`);
                the rest is ranked by ``query``, or by the section's text when it is empty.
            pin: Slices always packed in full: slice ids, paths, or ``"path:start-end"``.
            shares: Bounds per slice kind as fractions of the budget, e.g.
                ``{"commit": (0.1, 0.3)}``.
            order: ``"tiers"`` (stable material first, reading order inside each tier) or
                ``"relevance_last"`` (the most relevant block last, next to the question).
            excerpts: Offer long functions among the best candidates an ``excerpt`` rung:
                signature and docstring plus the body lines that share rare terms with the
                query, the rest elided (see :mod:`context_kit.packing.excerpt`).
            copies: Price every rung of slices that copy a better-ranked candidate or
                a pin (same kind, name and text: an amalgamated header, a vendored
                module). By default only one copy is a full candidate; the others are
                offered at their cheapest rung only (a one-line mention: where the copy
                is, should it need the same change; three per file at most) and listed
                in ``report.copies``.
            merge: Show packed code of one file that follows on in the document as one
                block under one citation, the lines between elided (or kept, when blank),
                and spend the headings and fences this saves on more material. Each item
                still lists its own lines (``items``); ``False`` gives a block per item.

        Returns:
            The packed context; ``tokens <= budget`` always.

        Raises:
            BudgetError: ``budget`` is not a positive integer.
            PinnedOverflowError: The pinned slices do not fit in ``budget``.
            OptionError: Unknown format, order, pin, malformed shares, or a ``spec`` no
                section defines.
        """
        from .packing.packer import _check_budget

        _check_budget(budget)
        fmt = get_formatter(format)
        pinned = resolve_pins(self.slices, pin)
        focus = None
        if spec is not None:
            focus = SpecFocus.resolve(spec, self.slices, self.linker.links_)
        fused, used_weights = self._fused(
            query or (focus.text if focus else ""), weights, fusion, diversity
        )
        if focus is not None:  # a boost, not a pin: the packer still picks each rung
            fused = focus.apply(fused)
        if focus is None and not query.strip() and relevance_power == DEFAULT_RELEVANCE_POWER:
            relevance_power = OVERVIEW_RELEVANCE_POWER
        scores = fused.scores
        positive = int(np.count_nonzero(scores > 0))
        dropped: dict[int, int] = {}
        if max_candidates is not None:
            k = max_candidates
            ranked = top_k(scores, min(k, positive)).tolist()
            if not copies:
                ranked, dropped = drop_copies(self.slices, ranked, pinned, self._file_size)
        else:
            ranked, dropped = self._candidates_for(scores, budget, None if copies else pinned)
            k = len(ranked) + len(dropped)
            ranked = ranked[:positive]
        needs = self._needs()
        rows = candidate_rows(ranked, pinned, needs)
        pinned_set = set(pinned)
        last = (
            last_commits(self.history, self.slices, rows, top=attach_commits)
            if attach_commits and self.history is not None
            else {}
        )
        excerpt_of = self._excerpts(query or (focus.text if focus else ""), rows, excerpts)
        candidates = [
            Candidate(
                slice=with_last_commit(self.slices[r], last[r]) if r in last else self.slices[r],
                score=float(scores[r]),
                scores=fused.breakdown(r),
                rungs=with_excerpts(
                    default_ladder(self.slices[r], self.renderers), excerpt_of.get(r, ())
                ),
                value=float(scores[r]) ** relevance_power,
                pinned=r in pinned_set,
                requires=self.slices[n].id if (n := needs.get(r)) is not None else None,
            )
            for r in rows
        ]
        lift_file_mentions(candidates)
        # A copy another candidate needs beside it (the class header of a method kept)
        # is priced in full after all; a copy nothing ranked is no candidate at all.
        in_rows = set(rows)
        dropped = {r: o for r, o in dropped.items() if r not in in_rows and scores[r] > 0}
        per_file: dict[str | None, int] = {}
        for r in sorted(dropped, key=lambda r: (-scores[r], r)):
            # A copy may still need the same change as its original (code copied into
            # two platform files): offered at its cheapest rung only (a mention, or a
            # short function's signature line), it can say where the copy is for a few
            # tokens, never repeat the text. A few per file say that much: an
            # amalgamation copies everything, and 20 mentions of it said nothing more.
            path = self.slices[r].path
            per_file[path] = per_file.get(path, 0) + 1
            mention = default_ladder(self.slices[r], self.renderers)[-1]
            if mention.name != "full" and per_file[path] <= _COPY_MENTIONS_PER_FILE:
                candidates.append(
                    Candidate(
                        slice=self.slices[r],
                        score=float(scores[r]),
                        scores=fused.breakdown(r),
                        rungs=[mention],
                        value=float(scores[r]) ** relevance_power,
                    )
                )
        if attach_commits and self.history is not None:
            for r, score in last_commit_candidates(
                self.history,
                self.slices,
                rows,
                scores,
                self._commit_rows,
                top=attach_commits,
                last=last,
            ):
                candidates.append(
                    Candidate(
                        slice=self.slices[r],
                        score=score,
                        scores={"last_commit": round(score, 6)},
                        rungs=default_ladder(self.slices[r], self.renderers),
                        value=score**relevance_power,
                    )
                )

        def run(b: int) -> PackResult:
            return pack_candidates(
                candidates,
                b,
                self.tokenizer,
                fmt,
                shares=shares,
                order=order,
                merge=merge,
                gap_is_blank=self._gap_is_blank,
            )

        backstop = 0
        if self.redact_secrets:
            result, backstop = guard_secrets(run, budget, self.tokenizer)
            redacted_ids = {c.slice.id for c in candidates if MARKER_RE.search(c.slice.text)}
            result.items = [
                it.model_copy(update={"redacted": True}) if it.id in redacted_ids else it
                for it in result.items
            ]
        else:
            result = run(budget)
        report = PackReport(
            entries=result.entries,
            considered=len(candidates),
            not_considered=positive - min(k, positive),
            corpus_size=len(self.slices),
            overhead_tokens=result.overhead,
            repairs=result.repairs,
            retrievers={k: float(v) for k, v in sorted(used_weights.items())},
            shares=[ShareReport(**vars(u)) for u in result.shares],
            value=result.value,
            redact_secrets=self.redact_secrets,
            redactions=redacted_counts(result.text) if self.redact_secrets else {},
            backstop_redactions=backstop,
            copies={self.slices[r].id: self.slices[o].id for r, o in dropped.items()},
        )
        return PackedContext(
            text=result.text,
            tokens=result.tokens,
            budget=budget,
            tokenizer=self.tokenizer.name,
            format=fmt.name,
            query=query or (f"spec:{spec}" if spec else ""),
            items=result.items,
            report=report,
            tiers=[
                Tier(name=t.name, items=t.items, end=t.end, stable=t.stable) for t in result.tiers
            ],
        )

    def _bm25(self) -> BM25Retriever | None:
        """The index's BM25 retriever, if it has one (excerpts and file scores read it)."""
        return next((r for r in self.retrievers if isinstance(r, BM25Retriever)), None)

    def _excerpts(self, query: str, rows: Sequence[int], wanted: bool) -> dict[int, list[Rung]]:
        """Excerpt rungs for the best-ranked long definitions (see packing.excerpt).

        Each gets an ``excerpt`` of its best matching lines and, when more than
        :data:`~context_kit.packing.excerpt.SHORT_EXCERPT_LINES` match, a
        ``short_excerpt`` of the best few.
        """
        bm25 = self._bm25()
        if bm25 is None or not query or not wanted:
            return {}
        weights = bm25.term_weights(query)
        if not weights:
            return {}
        # A CodeRenderer given its own fidelity table prices excerpts by it too.
        table = next((r.fidelity for r in self.renderers if isinstance(r, CodeRenderer)), {})
        out: dict[int, list[Rung]] = {}
        for r in rows[:EXCERPT_CANDIDATES]:
            s = self.slices[r]
            if not wants_excerpt(s):
                continue
            ranked = ranked_lines(
                s.text, s.start_line or 1, weights, stem=bm25.stem, after=head_end(s)
            )
            rungs = []
            if ranked:
                rungs.append(
                    excerpt_rung(
                        s, sorted(ranked[:EXCERPT_MAX_LINES]), fidelity=table.get("excerpt")
                    )
                )
            if len(ranked) > SHORT_EXCERPT_LINES:
                rungs.append(
                    excerpt_rung(
                        s,
                        sorted(ranked[:SHORT_EXCERPT_LINES]),
                        fidelity=table.get("short_excerpt"),
                        name="short_excerpt",
                    )
                )
            kept = [rung for rung in rungs if rung is not None]
            if kept:
                out[r] = kept
        return out

    def _gap_is_blank(self, path: str, first: int, last: int) -> bool:
        """Whether lines ``first..last`` of ``path`` lie in no slice: blank lines, then.

        Slices hold every line of a file that is not blank (a file is partitioned), so
        lines between two slices that no slice holds are blank.
        """
        rows = self.corpus.file_rows.get(path)
        if rows is None:
            return False
        for r in rows.tolist():
            s = self.slices[r]
            if s.start_line is None or s.end_line is None:
                return False
            if s.start_line > last:
                break
            if s.end_line >= first:
                return False
        return True

    def _file_size(self, path: str) -> int:
        """A file's size in slices: which of two copies is the original (see drop_copies)."""
        rows = self.corpus.file_rows.get(path)
        return 0 if rows is None else len(rows)

    def _needs(self) -> Needs:
        """Each row's dependency (see :class:`~context_kit.packing.select.Needs`).

        Kept per corpus: what was looked up serves the next pack until an update.
        """
        cached: tuple[Corpus, Needs] | None = getattr(self, "_needs_of", None)
        if cached is None or cached[0] is not self.corpus:
            cached = (self.corpus, Needs(self.slices, self.corpus.file_rows))
            self._needs_of = cached
        return cached[1]

    def _candidates_for(
        self, scores: np.ndarray, budget: int, pinned: Sequence[int] | None
    ) -> tuple[list[int], dict[int, int]]:
        """The best rows, enough of them for their text to fill ``budget`` several times.

        With ``pinned`` (not ``None``), rows that copy a better row or a pin are left out
        (see :func:`drop_copies`) before the text is counted; they are returned apart,
        each with its original.
        """
        ranked: list[int] = top_k(scores, _MAX_CANDIDATES).tolist()
        order: list[int] = ranked
        dropped: dict[int, int] = {}
        if pinned is not None:
            order, dropped = drop_copies(self.slices, ranked, pinned, self._file_size)
        want = budget * _CANDIDATE_BUDGET_FACTOR * _CHARS_PER_TOKEN_GUESS
        total = 0.0
        for n, r in enumerate(order, 1):
            total += len(self.slices[r].text)
            if total >= want and n >= _MIN_CANDIDATES:
                # The copies ranked below the cut were never candidates: not reported.
                below = set(ranked[ranked.index(r) + 1 :])
                return order[:n], {d: o for d, o in dropped.items() if d not in below}
        return order, dropped


def _fit_retrievers(
    spec: Sequence[str | Retriever] | None,
    corpus: Corpus,
    state: _BuildState | None = None,
    progress: Progress | None = None,
) -> list[Retriever]:
    names: Sequence[str | Retriever] = spec if spec is not None else ("bm25", "fuzzy", "history")
    out: list[Retriever] = []
    key = state.corpus_key(corpus) if state is not None else None
    folder = state.cache_folder if state is not None else None
    for n, r in enumerate(names):
        if progress is not None:
            progress("fit", n, len(names))
        inst = get_retriever(r) if isinstance(r, str) else r
        if not hasattr(inst, "fit") or not hasattr(inst, "score"):
            raise OptionError(
                f"{inst!r} is not a retriever (needs fit and score)", name="retrievers"
            )
        out.append(fit_cached(inst, corpus, key, folder))
    if progress is not None:
        progress("fit", len(names), len(names))
    return out


def _repository_paths(
    root: Path, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
) -> list[str]:
    """``paths`` as repository-relative POSIX paths (``""`` for the root itself).

    Relative paths are taken from the root, not the working folder: they are spelt as
    the index spells them (``Slice.path``). Links are not resolved, so a symlink inside
    the repository is named as itself.

    Raises:
        OptionError: A path outside the repository.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    bases = {os.path.abspath(root), os.fspath(root.resolve())}
    out: list[str] = []
    for p in items:
        if not isinstance(p, (str, os.PathLike)):
            raise OptionError(f"paths must be strings or paths, got {p!r}", name="paths")
        raw = os.fspath(p)
        rel = None
        for base in sorted(bases):
            full = os.path.normpath(raw if os.path.isabs(raw) else os.path.join(base, raw))
            candidate = os.path.relpath(full, base)
            if candidate != ".." and not candidate.startswith(".." + os.sep):
                rel = "" if candidate == "." else candidate.replace(os.sep, "/")
                break
        if rel is None:
            raise OptionError(f"{raw!r} is not inside the repository {root}", name="paths")
        out.append(rel)
    return sorted(set(out))


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bounded, cycle-free computation.

    An index holds millions of objects; building or refitting allocates enough of them to
    trigger many full collections, each walking everything alive so far, which costs
    more than the work itself. Slices, postings and term dicts form no cycles, so
    nothing is leaked; the collector resumes (and runs as usual) afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > _PROMOTE_AFTER:
            # Everything allocated meanwhile sits in the youngest generation, so the next
            # allocation would start a collection walking all of it (~0.2 s per million
            # objects, paid by whatever runs next). freeze + unfreeze moves every tracked
            # object straight to the oldest generation instead: nothing is exempted from
            # collection, it is only aged without being walked.
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


_PROMOTE_AFTER = 100_000
"""Young objects above which :func:`_no_gc` ages them on exit (see there)."""


@dataclass(frozen=True)
class IndexUpdate:
    """What :meth:`Index.update` found.

    Attributes:
        added: Paths new since the last build or update.
        changed: Paths whose content changed.
        deleted: Paths that disappeared.
        sliced: Files that had to be parsed (not found in the cache).
        timings: Seconds spent per stage (``refresh``: listing, reading and slicing;
            ``refit``: rebuilding the corpus and refitting the retrievers).
    """

    added: list[str]
    changed: list[str]
    deleted: list[str]
    sliced: int
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _BuildState:
    """What an index remembers to update itself: options, sources, per-file entries."""

    options: WalkOptions
    sources: tuple[FileSource, ...]
    cache: SliceCache | None
    workers: int
    history: GitSource | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    scanned_at_ns: int = 0
    layout: Layout | None = None
    _keyed: tuple[Corpus, str] | None = None  # the last corpus_key, and its corpus

    @property
    def cache_folder(self) -> Path | None:
        return self.cache.folder if self.cache is not None else None

    def refresh(
        self, root: Path, progress: Progress | None, only: list[str] | None = None
    ) -> RefreshResult:
        result = refresh(
            root,
            self.options,
            self.sources,
            cache=self.cache,
            workers=self.workers,
            previous=self.files,
            previous_scan_ns=self.scanned_at_ns,
            progress=progress,
            only=only,
        )
        self.files = result.files
        self.scanned_at_ns = result.scanned_at_ns
        return result

    def read_history(
        self,
        root: Path,
        skipped: list[SkippedFile],
        extras: dict[str, object],
        progress: Progress | None,
    ) -> list[Slice]:
        """Commit slices from git (empty when history is off); fills ``extras["history"]``."""
        if self.history is None:
            return []
        commits, git_skipped = self.history.collect(root, progress=progress)
        skipped.extend(git_skipped)
        if self.history.history_ is not None:
            extras["history"] = self.history.history_
        return commits

    def corpus_key(self, corpus: Corpus) -> str:
        """A digest of everything the corpus rows were built from.

        File rows are covered by each file's content digest, and every row by its slice id
        (commit slices' ids are git's content addresses). The ids matter beyond commits:
        a file's digest and its source's version name what was sliced, not how; slices
        cut by another release of a chunker that kept its version, or re-sliced after an
        unreadable cache entry, must not meet a fit made on the old cut (a BM25 fit of
        992 rows served to a corpus of 1,002 failed every query). The slicing code's stamp
        counts too: a change that keeps every id can still change what slices define
        (class members), and a fuzzy fit of the old names would serve the new slices.
        """
        # Asked at the build and again at the first query (post-fusion steps): the same
        # corpus object has the same key, as a refresh replaces the corpus it changes.
        if self._keyed is not None and self._keyed[0] is corpus:
            return self._keyed[1]
        parts = [slicing_code_stamp(), *(source_fingerprint(s) for s in self.sources)]
        for path in sorted(self.files):
            fe = self.files[path]
            if fe.slices:
                parts.append(f"{path}\0{fe.digest}")
        parts.append("\0".join(s.id for s in corpus.slices))
        key = content_key(*parts)
        self._keyed = (corpus, key)
        return key
