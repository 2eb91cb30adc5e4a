"""Build hostile repositories: everything on a disk that could break an indexer.

``build_hostile_repo`` writes one git repository holding binary files with source
extensions, invalid UTF-8 and Latin-1, a huge single-line file, many tiny files, deeply nested
code, a syntax error in every supported language, empty and whitespace-only files, CRLF and
BOM files, odd file names, symlink loops, symlinks (and a symlinked folder) leading outside
the repository, an unreadable file, a FIFO, an embedded repository (a submodule's gitlink),
a hostile git config, a detached HEAD and a corrupt object. ``build_git_oddities`` writes the
repositories that are odd as a whole: no commits, a shallow clone, a corrupt HEAD commit, a
``.git`` file pointing nowhere.

Outside the repository sits a folder holding ``SENTINEL``: nothing an index produces may
ever contain it.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from context_kit.sources.languages import LANGUAGES

SENTINEL = "OUTSIDE_SENTINEL_d41d8cd98f00"
"""Text that lives only outside the repository."""

FSMONITOR_MARK = "fsmonitor-ran"
"""File the hostile ``core.fsmonitor`` hook would create if git ever ran it."""

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "h",
    "GIT_AUTHOR_EMAIL": "h@example.com",
    "GIT_COMMITTER_NAME": "h",
    "GIT_COMMITTER_EMAIL": "h@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run git in ``cwd`` with a fixed identity; return stdout."""
    return subprocess.run(
        ["git", "-c", "protocol.file.allow=always", *args],
        cwd=cwd,
        check=check,
        capture_output=True,
        text=True,
        env={**os.environ, **_GIT_ENV},
    ).stdout


@dataclass
class Hostile:
    """What :func:`build_hostile_repo` built.

    Attributes:
        root: The repository.
        outside: A folder next to it, holding ``SENTINEL``.
        expected: Paths whose skip reason is known in advance, with the reason.
        tracked: Paths git tracks (what the index must account for).
    """

    root: Path
    outside: Path
    expected: dict[str, str] = field(default_factory=dict)
    tracked: list[str] = field(default_factory=list)


_BROKEN = (
    "}{ )( ][ def class fn func struct impl <<<>>> '''\n"
    '"unterminated string\n/* unclosed comment\n  @@@ ::: ;;; \\\n'
    "(((((((((( [[[[[[[[ {{{{{{{{\n"
)


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)


def _make_outside(base: Path) -> Path:
    outside = base / "outside"
    _write(outside / "sentinel.py", f"SECRET_SENTINEL = '{SENTINEL}'\ndef leak():\n    pass\n")
    _write(outside / "dir" / "leak.md", f"# Leak\n\n{SENTINEL}\n")
    _write(outside / "dir" / "leak.py", f"def f():\n    return '{SENTINEL}'\n")
    return outside


def build_hostile_repo(
    base: Path, *, big_bytes: int = 20 * 2**20, tiny_files: int = 10_000, seed: int = 0
) -> Hostile:
    """Write the hostile repository under ``base/repo`` (and ``base/outside``).

    Args:
        base: An empty folder.
        big_bytes: Size of the single-line minified file.
        tiny_files: How many tiny files.
        seed: Seed of the random bytes.
    """
    rnd = random.Random(seed)
    outside = _make_outside(base)
    root = base / "repo"
    root.mkdir()
    h = Hostile(root=root, outside=outside)
    exp = h.expected

    # Binary content behind source extensions.
    _write(root / "bin/image.py", bytes([0]) + rnd.randbytes(4000))
    exp["bin/image.py"] = "binary"
    _write(root / "bin/blob.rs", b"\x00\xff" * 100)
    exp["bin/blob.rs"] = "binary"
    _write(root / "bin/high.go", bytes(rnd.randrange(0x80, 0x100) for _ in range(3000)))
    # Encodings.
    _write(root / "enc/latin1.py", "# caf\xe9\nNAME = 'Jos\xe9'\n\ndef f():\n    return NAME\n")
    (root / "enc/latin1.py").write_bytes(
        "# café\nNAME = 'José'\n\ndef f():\n    return NAME\n".encode("latin-1")
    )
    _write(root / "enc/invalid.md", b"# Title \xc3\x28\n\nbad \xa0\xa1 bytes \xf0\x28\x8c\xbc\n")
    _write(root / "enc/bom_crlf.py", b"\xef\xbb\xbfdef g():\r\n    return 1\r\n\r\nX = 2\r\n")
    _write(root / "enc/crlf.md", b"# Head\r\n\r\ntext\r\n\r\n## Two\r\n\r\nmore\r\n")
    _write(root / "enc/mixed.txt", "\u202eRTL\u202c \u200dzwj \U0001f600 \u0301 日本語 \ufeff\n")
    # Odd names (a newline, a backtick, quotes, a non-UTF-8 byte).
    for name in ["with space.py", "back`tick.md", 'quote"s.py', "new\nline.py", "-dash.py"]:
        _write(root / "names" / name, "def odd():\n    return 1\n")
    bad_name = os.fsdecode(b"names/caf\xe9.py")
    _write(root / bad_name, "def latin_name():\n    return 2\n")
    # Size: one huge single-line file, and one just under the default limit.
    (root / "big").mkdir()
    with open(root / "big/bundle.js", "wb") as f:
        chunk = b"var a=function(){return 1};" * 4096
        left = big_bytes
        while left > 0:
            f.write(chunk[:left])
            left -= len(chunk)
    exp["big/bundle.js"] = "too_large" if big_bytes > 1_000_000 else "minified"
    _write(root / "big/one_line.py", "X = [" + "1, " * 200_000 + "]\n")
    _write(root / "big/run.txt", "a" * 300_000 + "\n")
    # Many tiny files.
    for i in range(tiny_files):
        _write(root / f"tiny/{i // 1000:02d}/t{i:05d}.py", f"V{i} = {i}\n")
    # Deep nesting: code, brackets, folders, Markdown.
    nested = "".join("    " * d + f"def f{d}():\n" for d in range(400)) + "    " * 400 + "pass\n"
    _write(root / "deep/defs.py", nested)
    classes = "".join("    " * d + f"class C{d}:\n" for d in range(300)) + "    " * 300 + "x = 1\n"
    _write(root / "deep/classes.py", classes)
    _write(root / "deep/parens.py", "x = " + "(" * 20_000 + "1" + ")" * 20_000 + "\n")
    _write(root / "deep/nested.json", "[" * 50_000 + "]" * 50_000 + "\n")
    # Quadratic traps: a 100,000-deep expression (tree-sitter queries), and lines of
    # thousands of blanks or #s (backtracking heading and list regexes).
    _write(root / "deep/unary.py", "x = " + "-" * 100_000 + "1\n")
    _write(
        root / "deep/heading_blanks.md",
        "# a" + " " * 50_000 + "b\n\n" + "## c" + "#" * 50_000 + "\n",
    )
    _write(root / "deep/list_blanks.md", "- " + " " * 50_000 + "REQ-1 x\n" + " " * 50_000 + "y\n")
    _write(root / "deep/tokens.txt", "eyJ" * 50_000 + "\n" + "password=" * 5_000 + "\n")
    _write(root / "deep/lists.md", "".join("  " * d + f"- item {d}\n" for d in range(600)))
    _write(root / "deep/headings.md", "".join("#" * (d % 7 + 1) + f" H{d}\n" for d in range(3000)))
    _write(root / ("/".join(["deep"] + ["d"] * 60) + "/leaf.py"), "def leaf():\n    return 0\n")
    # A syntax error in every supported language, every extension.
    for spec in LANGUAGES.values():
        for ext in spec.extensions:
            _write(root / f"syntax/broken_{spec.name}{ext}", _BROKEN)
    _write(root / "syntax/broken.md", "```python\nunclosed fence\n# not a heading\n")
    # Components whose scripts are broken, unclosed, or open inside an attribute.
    for ext in (".vue", ".svelte"):
        _write(root / f"syntax/broken{ext}", f"<script lang='ts'>\n{_BROKEN}</script>\n{_BROKEN}")
        _write(root / f"syntax/unclosed{ext}", f"<template><p/></template>\n<script>\n{_BROKEN}")
        _write(root / f"syntax/attr{ext}", '<div title="<script>">\n</script>\n' + _BROKEN)
    # Empty and whitespace-only.
    _write(root / "empty/empty.py", "")
    exp["empty/empty.py"] = "empty"
    _write(root / "empty/spaces.py", "  \n\t\n \r\n")
    exp["empty/spaces.py"] = "empty"
    _write(root / "empty/blank.md", "\n\n\n")
    exp["empty/blank.md"] = "empty"
    # Symlinks: loops, outside (file, folder, absolute), dangling, inside.
    links = root / "links"
    links.mkdir()
    os.symlink("loop_b", links / "loop_a")
    os.symlink("loop_a", links / "loop_b")
    os.symlink("self", links / "self")
    for name in ("loop_a", "loop_b", "self"):
        exp[f"links/{name}"] = "symlink_loop"
    os.symlink("../../outside/sentinel.py", links / "outside.py")
    exp["links/outside.py"] = "symlink_outside"
    os.symlink(str(outside / "sentinel.py"), links / "outside_abs.py")
    exp["links/outside_abs.py"] = "symlink_outside"
    os.symlink("../../outside/dir", links / "outside_dir")
    exp["links/outside_dir"] = "symlink_outside"
    os.symlink("../enc/bom_crlf.py", links / "inside.py")
    exp["links/inside.py"] = "symlink_inside"
    os.symlink("nowhere.py", links / "dangling.py")
    exp["links/dangling.py"] = "symlink_loop"
    # Unreadable (root reads it anyway; tests simulate that case separately).
    _write(root / "perm/locked.py", "def locked():\n    return 1\n")
    # Git: commits, an embedded repository, hostile config, a corrupt blob, detached HEAD.
    git(root, "init", "-q")
    sub = root / "vendorless_sub"
    _write(sub / "inner.py", "def inner():\n    return 1\n")
    git(sub, "init", "-q")
    git(sub, "add", ".")
    git(sub, "commit", "-qm", "inner")
    _write(root / "old/doomed.py", "def doomed():\n    return 'only in the first commit'\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first: everything")
    exp["vendorless_sub"] = "submodule"
    _write(root / "enc/latin1.py", b"# changed\nNAME = 'x'\n")
    git(root, "commit", "-qam", "second: \xe9dit latin1")
    git(root, "commit", "-q", "--allow-empty", "-m", "third: empty")
    git(root, "checkout", "-q", "--detach")
    _corrupt_blob(root, "old/doomed.py")
    # A hostile config: a hook that would run if git consulted fsmonitor.
    hook = root / ".git" / "fsmon.sh"
    hook.write_text(f"#!/bin/sh\ntouch '{root.parent / FSMONITOR_MARK}'\n")
    hook.chmod(0o755)
    git(root, "config", "core.fsmonitor", str(hook))
    os.chmod(root / "perm/locked.py", 0)
    # A FIFO: git cannot track it, so it only matters to walks outside git.
    os.mkfifo(root / "special_fifo.py")
    h.tracked = [
        os.fsdecode(p)
        for p in subprocess.check_output(
            ["git", "-c", "core.fsmonitor=", "ls-files", "-z"], cwd=root
        ).split(b"\0")
        if p
    ]
    return h


def _corrupt_blob(root: Path, path: str) -> None:
    """Overwrite the loose object of ``path``'s blob at HEAD~2 with garbage."""
    sha = git(root, "rev-parse", f"HEAD~2:{path}").strip()
    obj = root / ".git" / "objects" / sha[:2] / sha[2:]
    obj.chmod(stat.S_IRUSR | stat.S_IWUSR)
    obj.write_bytes(b"this is not a zlib stream")


def build_git_oddities(base: Path) -> dict[str, Path]:
    """Repositories that are odd as a whole, by name."""
    out: dict[str, Path] = {}
    files = {"a.py": "def a():\n    return 1\n", "README.md": "# R\n\ntext\n"}

    def fill(root: Path) -> None:
        for rel, text in files.items():
            _write(root / rel, text)

    out["no_commits"] = base / "no_commits"
    out["no_commits"].mkdir()
    fill(out["no_commits"])
    git(out["no_commits"], "init", "-q")
    git(out["no_commits"], "add", "a.py")  # staged, never committed

    origin = base / "origin"
    origin.mkdir()
    fill(origin)
    git(origin, "init", "-q")
    for i in range(3):
        _write(origin / "a.py", f"def a():\n    return {i}\n")
        git(origin, "add", "-A")
        git(origin, "commit", "-qm", f"c{i}")
    out["shallow"] = base / "shallow"
    git(base, "clone", "-q", "--depth", "1", f"file://{origin}", "shallow")

    out["corrupt_head"] = base / "corrupt_head"
    shutil.copytree(origin, out["corrupt_head"], symlinks=True)
    head = git(out["corrupt_head"], "rev-parse", "HEAD").strip()
    obj = out["corrupt_head"] / ".git" / "objects" / head[:2] / head[2:]
    obj.chmod(stat.S_IRUSR | stat.S_IWUSR)
    obj.write_bytes(b"garbage")

    out["gitfile_nowhere"] = base / "gitfile_nowhere"
    out["gitfile_nowhere"].mkdir()
    fill(out["gitfile_nowhere"])
    (out["gitfile_nowhere"] / ".git").write_text("gitdir: /nonexistent/elsewhere\n")

    out["empty_repo"] = base / "empty_repo"
    out["empty_repo"].mkdir()
    git(out["empty_repo"], "init", "-q")

    out["plain_folder"] = base / "plain_folder"
    out["plain_folder"].mkdir()
    fill(out["plain_folder"])
    os.symlink(str(_make_outside(base / "plain_out")), out["plain_folder"] / "out_dir")
    os.mkfifo(out["plain_folder"] / "fifo.py")
    return out
