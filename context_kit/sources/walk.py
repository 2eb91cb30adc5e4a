"""Find the files of a repository worth reading, and say why the others were skipped.

Inside a git work tree the files git tracks are used (plus untracked, not-ignored files when
``include_untracked`` is set). Outside git, ``.gitignore`` files are honoured. Then these
rules skip a file, each recorded with a reason code in ``Index.skipped``:

========================  =================================================================
reason                    rule
========================  =================================================================
``vendored``              a path component is a vendored/dependency folder (see VENDORED_DIRS)
``generated``             lock files, ``*.min.*``, protobuf/grpc output, or a comment with
                          ``@generated`` / ``DO NOT EDIT`` / ``auto-generated`` in the
                          first five lines
``symlink_outside``       a symlink whose target resolves outside the repository
``symlink_loop``          a symlink that cannot be resolved (a loop or a dangling link)
``unreadable``            the file cannot be opened, or is not a regular file (a FIFO, a
                          device, a symlink to a folder)
``submodule``             a git submodule, checked out or not (its files belong to another
                          repository)
``secret``                a file that exists to hold credentials (``.env``, ``id_rsa``,
                          ``*.pem``...; see :func:`context_kit.secrets.is_secret_file`)
``too_large``             more bytes than ``max_file_bytes``
``binary``                a NUL byte in the first 8 KiB, or a known binary extension
``minified``              a line longer than MINIFIED_LINE_CHARS, or a mean line length over
                          MINIFIED_MEAN_CHARS, in a file of code
``empty``                 no non-whitespace characters
``undecodable_name``      a file name that is not UTF-8 (reported with U+FFFD in its place)
========================  =================================================================

Every path is resolved before it is read, and anything resolving outside the repository
(a symlink, or a symlinked parent folder) is skipped, so nothing outside it is ever read.
Unless ``redact_secrets`` is off, the text of every accepted file — and the bytes, which
later stages may decode again — has its credentials replaced by markers
(:func:`context_kit.secrets.redact`), line numbers unchanged.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..secrets import is_secret_file, redact
from ..types import SkippedFile

log = logging.getLogger("context_kit")

__all__ = [
    "SAFE_GIT_CONFIG",
    "FileText",
    "WalkOptions",
    "covered_by",
    "decode_text",
    "git_files",
    "is_vendored",
    "read_candidate",
    "repository_files",
    "walk_repository",
]

SAFE_GIT_CONFIG = ("-c", "core.fsmonitor=false")
"""Put before every git subcommand run on a repository we did not create: a repository's
own config may name a ``core.fsmonitor`` program, which git would otherwise *run* when it
reads the index (so indexing a hostile checkout would execute its code)."""

VENDORED_DIRS = frozenset(
    {
        "node_modules",
        "vendor",
        "vendors",
        "third_party",
        "third-party",
        "thirdparty",
        "bower_components",
        "site-packages",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".git",
        ".hg",
        ".svn",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".context_kit_cache",
        "dist",
        "build",
        ".eggs",
    }
)
"""Folder names whose contents are dependencies, tool caches or build output."""

GENERATED_NAMES = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Cargo.lock",
        "Gemfile.lock",
        "composer.lock",
        "go.sum",
        "uv.lock",
        "Pipfile.lock",
        "pdm.lock",
    }
)
"""Lock files: machine-written, large, and rarely what a task is about."""

_GENERATED_SUFFIXES = (".min.js", ".min.css", "_pb2.py", "_pb2_grpc.py", ".pb.go", ".map")

BINARY_SUFFIXES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".tif",
        ".tiff",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".tar",
        ".rar",
        ".jar",
        ".war",
        ".whl",
        ".egg",
        ".so",
        ".dll",
        ".dylib",
        ".exe",
        ".bin",
        ".o",
        ".a",
        ".lib",
        ".pyc",
        ".pyo",
        ".class",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp3",
        ".mp4",
        ".wav",
        ".ogg",
        ".flac",
        ".avi",
        ".mov",
        ".mkv",
        ".db",
        ".sqlite",
        ".sqlite3",
        ".npy",
        ".npz",
        ".pkl",
        ".pickle",
        ".h5",
        ".hdf5",
        ".parquet",
        ".onnx",
        ".pt",
        ".pth",
        ".ckpt",
        ".safetensors",
        ".dcm",
        ".fits",
        ".nc",
    ]
)
"""Extensions that are never text; skipped without opening the file."""

# A generated-file marker counts only in a comment line among the first few lines, where
# generators put it, so a file that merely *mentions* such markers is not skipped.
_GENERATED_MARKER = re.compile(
    rb"^[ \t]*(?:#|//|/\*|\*|<!--|--|;)[^\n]*(?:@generated|DO NOT EDIT|[Aa]uto-?generated)",
    re.MULTILINE,
)
_MARKER_SCAN_LINES = 5
_BINARY_SNIFF_BYTES = 8192

# Formats whose first bytes are printable, so the NUL sniff misses them: PDF (also behind
# ".ai" and ".eps" names), PostScript, and Photoshop documents.
_BINARY_MAGIC = (b"%PDF-", b"%!PS-Adobe", b"8BPS")

MINIFIED_LINE_CHARS = 5000
"""A line this long in a code file means machine-written text no reader benefits from."""

MINIFIED_MEAN_CHARS = 300
"""Mean line length above which a code file is treated as minified."""

_MINIFIED_CHECK_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".css", ".json", ".ts", ".html"})


@dataclass(frozen=True)
class WalkOptions:
    """How to choose files.

    Attributes:
        include_untracked: In a git work tree, also read untracked files git does not ignore.
        max_file_bytes: Files larger than this are skipped as ``too_large``.
        include_vendored: Read vendored folders too.
        redact_secrets: Skip credential files and redact credentials in every file read.
    """

    include_untracked: bool = False
    max_file_bytes: int = 1_000_000
    include_vendored: bool = False
    redact_secrets: bool = True


@dataclass(frozen=True)
class FileText:
    """A file the walk accepted, already decoded.

    Attributes:
        path: Repository-relative ``/``-separated path.
        text: Decoded text (UTF-8; invalid bytes replaced, see ``lossy``), secrets redacted.
        data: The raw bytes; when secrets were redacted, the redacted text's UTF-8 bytes
            instead, so nothing that decodes ``data`` again can see a secret.
        lossy: True when the bytes were not valid UTF-8 and some were replaced.
    """

    path: str
    text: str
    data: bytes
    lossy: bool


def decode_text(data: bytes) -> tuple[str, bool]:
    """Decode file bytes as UTF-8, dropping a BOM; invalid bytes become U+FFFD.

    Returns:
        The text and whether any byte had to be replaced.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def git_files(
    root: Path, include_untracked: bool, under: Sequence[str] | None = None
) -> list[str] | None:
    """Paths git lists for the work tree, or ``None`` when ``root`` is not in one.

    Relative to ``root``, sorted: tracked files, plus untracked ones git does not ignore
    when ``include_untracked``. ``under`` limits the list to those paths and the folders'
    files below them.
    """
    if not _may_be_in_git(root):
        return None
    top = _run_git(
        ["git", *SAFE_GIT_CONFIG, "-C", str(root), "rev-parse", "--show-toplevel"], timeout=30
    )
    if top is None or top.returncode != 0:
        return None
    args = ["git", *SAFE_GIT_CONFIG, "-C", str(root), "ls-files", "-z", "--cached", "--full-name"]
    if include_untracked:
        args += ["--others", "--exclude-standard"]
    out = _run_git(args if under is None else [*args, "--", *(u or "." for u in under)])
    if out is not None and out.returncode != 0 and under is not None:
        # git refuses some pathspecs (one inside a submodule): list everything, then pick.
        out = _run_git(args)
    if out is None or out.returncode != 0:
        return None
    toplevel = Path(os.fsdecode(top.stdout.strip()))
    prefix = root.resolve().relative_to(toplevel.resolve()).as_posix() if toplevel else "."
    names = sorted({os.fsdecode(n) for n in out.stdout.split(b"\0") if n})
    if prefix not in ("", "."):
        cut = prefix + "/"
        names = [n[len(cut) :] for n in names if n.startswith(cut)]
    if under is not None:
        names = [n for n in names if covered_by(n, under)]
    return names


def _run_git(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[bytes] | None:
    # Pathspecs are file names here, never patterns: a file named "*.py" is itself.
    args = [args[0], "--literal-pathspecs", *args[1:]]
    try:
        return subprocess.run(args, capture_output=True, check=False, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None


def covered_by(rel: str, under: Sequence[str]) -> bool:
    """Whether ``rel`` is one of ``under`` or lies in one of those folders (``""``: all)."""
    return any(not u or rel == u or rel.startswith(u + "/") for u in under)


def _may_be_in_git(root: Path) -> bool:
    """False when no ``.git`` sits in ``root`` or above it (and no ``GIT_DIR`` says where).

    Every update lists the files again; outside git this spares starting a ``git``
    process (milliseconds) only to hear that there is no repository.
    """
    if os.environ.get("GIT_DIR"):
        return True
    try:
        here = root.resolve()
    except (OSError, RuntimeError):
        return True
    return any(os.path.lexists(os.path.join(d, ".git")) for d in (here, *here.parents))


def _ignored_walk(root: Path, under: str = "") -> list[str]:
    """All files under ``root`` not excluded by ``.gitignore`` files (no git needed).

    Every update lists the repository again, so this is written for speed: plain strings
    and ``os.scandir`` rather than ``Path`` objects, and no matching at all in folders no
    ``.gitignore`` governs. ``under`` (a file or folder, relative to ``root``) gives what
    the whole walk would list there: the folders above it are checked as the walk would
    meet them, with their ``.gitignore`` files.
    """
    top = os.fspath(root)
    specs: list[tuple[str, Any]] = []
    parts = under.split("/") if under else []
    rel_dir = ""
    for depth, name in enumerate(parts):
        _read_gitignore(top, rel_dir, specs)
        rel = f"{rel_dir}/{name}" if rel_dir else name
        full = f"{top}/{rel}"
        if not os.path.lexists(full):
            return []
        is_dir = os.path.isdir(full)
        active = _governing(specs, rel_dir)
        if not is_dir:  # a file (or a dangling link): listed unless ignored
            last = depth == len(parts) - 1
            return [rel] if last and not _ignored(active, rel, False) else []
        if name == ".git" or _ignored(active, rel, True):
            return []
        if os.path.islink(full):  # never followed; listed so the skip is reported
            return [rel] if depth == len(parts) - 1 else []
        rel_dir = rel
    out: list[str] = []
    stack = [rel_dir]
    while stack:
        rel_dir = stack.pop()
        folder = f"{top}/{rel_dir}" if rel_dir else top
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:  # vanished or unreadable: os.walk skips it too
            continue
        if any(e.name == ".gitignore" for e in entries):
            _read_gitignore(top, rel_dir, specs)
        # The .gitignore files of this folder and its parents (others sit in siblings).
        active = _governing(specs, rel_dir)
        for e in entries:
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                if not (active and _ignored(active, rel, False)):
                    out.append(rel)
                continue
            if e.name == ".git" or (active and _ignored(active, rel, True)):
                continue
            if e.is_symlink():
                out.append(rel)  # never followed; listed so the skip is reported
                continue
            stack.append(rel)
    return sorted(out)


def _read_gitignore(top: str, rel_dir: str, specs: list[tuple[str, Any]]) -> None:
    """Add the rules of ``rel_dir``'s ``.gitignore`` (if it has a readable one) to ``specs``."""
    import pathspec

    gi = f"{top}/{rel_dir}/.gitignore" if rel_dir else f"{top}/.gitignore"
    if not os.path.isfile(gi):
        return
    try:
        with open(gi, encoding="utf-8", errors="replace") as f:
            specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(f.read().splitlines())))
    except OSError:
        pass


def _governing(specs: list[tuple[str, Any]], rel_dir: str) -> list[tuple[str, Any]]:
    """The rules of ``rel_dir``'s own ``.gitignore`` and its parents' (not its siblings')."""
    return [
        (base, spec)
        for base, spec in specs
        if not base or rel_dir == base or rel_dir.startswith(base + "/")
    ]


def _ignored(active: list[tuple[str, Any]], rel: str, is_dir: bool) -> bool:
    for base, spec in active:
        sub = rel[len(base) + 1 :] if base else rel
        if spec.match_file(sub + ("/" if is_dir else "")):
            return True
    return False


def is_vendored(rel: str) -> bool:
    """Whether a repository-relative path lies in a vendored or build folder (VENDORED_DIRS)."""
    return any(part in VENDORED_DIRS for part in rel.split("/")[:-1])


def _generated_name(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in GENERATED_NAMES or name.endswith(_GENERATED_SUFFIXES)


def _is_minified(rel: str, text: str) -> bool:
    suffix = os.path.splitext(rel)[1].lower()
    if suffix not in _MINIFIED_CHECK_SUFFIXES:
        return False
    lines = text.splitlines() or [""]
    longest = max(len(line) for line in lines)
    return longest > MINIFIED_LINE_CHARS or len(text) / len(lines) > MINIFIED_MEAN_CHARS


def walk_repository(root: Path, options: WalkOptions) -> Iterator[FileText | SkippedFile]:
    """Yield every candidate file under ``root`` as text, or as a skip with its reason.

    Args:
        root: The repository root (an existing directory).
        options: File selection options.

    Yields:
        ``FileText`` for files to index, ``SkippedFile`` for the rest, in path order.
    """
    root_real = root.resolve()
    folders: dict[str, bool] = {}
    for rel in repository_files(root, options):
        yield read_candidate(root, root_real, rel, options, folders=folders)


def repository_files(
    root: Path, options: WalkOptions, under: Sequence[str] | None = None
) -> list[str]:
    """Every candidate path under ``root`` (git's list, else ``.gitignore``-filtered), sorted.

    Nothing is read: incremental updates list the files, compare ``stat`` results, and read
    only those that changed (see :func:`read_candidate`).

    Args:
        root: The repository root.
        options: File selection options.
        under: Only these repository-relative files and folders: the paths of the whole
            list that :func:`covered_by` them, found without listing the rest.
    """
    if under is not None and not under:
        return []
    names = git_files(root, options.include_untracked, under)
    if names is None:
        if under is None:
            names = _ignored_walk(root)
        else:
            names = sorted({n for u in under for n in _ignored_walk(root, u)})
    elif not names and not options.include_untracked and under is None:
        _warn_nothing_tracked(root)
    return names


_WARNED_UNTRACKED: set[str] = set()


def _warn_nothing_tracked(root: Path) -> None:
    """Say why a git work tree gave no files (once per root: updates list files again).

    A new repository, or one whose index was emptied (``git rm -r --cached .``), tracks
    nothing while its folder is full of files; an index of it would be silently empty.
    """
    key = os.fspath(root)
    if key not in _WARNED_UNTRACKED:
        _WARNED_UNTRACKED.add(key)
        log.warning(
            "context_kit: git tracks no files under %s; untracked files are indexed only "
            "with include_untracked=True",
            root,
        )


def read_candidate(
    root: Path,
    root_real: Path,
    rel: str,
    options: WalkOptions,
    *,
    redact_text: bool = True,
    folders: dict[str, bool] | None = None,
) -> FileText | SkippedFile:
    """Read one listed file, or say why it is skipped (the rules in the module docstring).

    Args:
        root: The repository root.
        root_real: ``root.resolve()``, passed in so a walk resolves it once.
        rel: The file's repository-relative path.
        options: File selection options.
        redact_text: With ``options.redact_secrets``, redact credentials in the text and
            bytes returned; ``False`` leaves that to the caller (which must do it before
            anything reads the text), while secret *files* are still skipped.
        folders: Shared by the reads of one walk: whether each folder resolves inside
            the repository, so a folder's path is resolved once rather than once per
            file in it (filled as it goes; ``None`` shares nothing).
    """
    if not _utf8(rel):
        # A name that is not UTF-8 (Latin-1 archives) cannot be cited, cached as JSON or
        # printed; it is reported under a readable spelling.
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return SkippedFile(path=shown, reason="undecodable_name", detail="name is not UTF-8")
    if not options.include_vendored and is_vendored(rel):
        return SkippedFile(path=rel, reason="vendored", detail="inside a vendored or build folder")
    if _generated_name(rel):
        return SkippedFile(path=rel, reason="generated", detail="lock file or generated output")
    if os.path.splitext(rel)[1].lower() in BINARY_SUFFIXES:
        return SkippedFile(path=rel, reason="binary", detail="binary file extension")
    if options.redact_secrets and is_secret_file(rel):
        return SkippedFile(path=rel, reason="secret", detail="a file that holds credentials")
    full = os.path.join(root, rel)
    st = _regular_inside(full, rel, root_real, {} if folders is None else folders)
    if st is None:
        got = _located_slowly(Path(full), rel, root_real, options)
        if isinstance(got, SkippedFile):
            return got
        data = got
    elif st.st_size > options.max_file_bytes:
        return _too_large(rel, st.st_size, options)
    else:
        try:
            data = _read(full)
        except OSError as exc:
            return SkippedFile(path=rel, reason="unreadable", detail=_why(exc))
    if b"\0" in data[:_BINARY_SNIFF_BYTES]:
        return SkippedFile(path=rel, reason="binary", detail="NUL byte in the first 8 KiB")
    if data.startswith(_BINARY_MAGIC):
        return SkippedFile(path=rel, reason="binary", detail="binary file signature")
    if _GENERATED_MARKER.search(
        b"\n".join(data.split(b"\n", _MARKER_SCAN_LINES)[:_MARKER_SCAN_LINES])
    ):
        return SkippedFile(path=rel, reason="generated", detail="generated-file marker in header")
    text, lossy = decode_text(data)
    if not text.strip():
        return SkippedFile(path=rel, reason="empty", detail="no non-whitespace content")
    if _is_minified(rel, text):
        return SkippedFile(path=rel, reason="minified", detail="very long lines (minified)")
    if options.redact_secrets and redact_text:
        found = redact(text, path=rel)
        if found.total:
            text = found.text
            data = text.encode("utf-8", "surrogatepass")
    return FileText(path=rel, text=text, data=data, lossy=lossy)


def _regular_inside(
    full: str, rel: str, root_real: Path, folders: dict[str, bool]
) -> os.stat_result | None:
    """``full``'s stat when it is a regular file (no symlink) in a folder inside the repository.

    ``None`` for everything else (a symlink, a folder, a missing file, a folder resolving
    outside): :func:`_located_slowly` then resolves the whole path and says why. A file
    that is not itself a symlink resolves to its folder's resolution plus its name, so
    only the folder needs resolving, and a walk's files share a few hundred folders.
    """
    try:
        st = os.lstat(full)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    folder = os.path.dirname(rel)
    inside = folders.get(folder)
    if inside is None:
        real = os.path.realpath(os.path.join(root_real, folder) if folder else root_real)
        inside = folders[folder] = Path(real).is_relative_to(root_real)
    return st if inside else None


def _located_slowly(
    full: Path, rel: str, root_real: Path, options: WalkOptions
) -> bytes | SkippedFile:
    """Resolve ``full`` whole and read it, or say why not (symlinks, folders, errors)."""
    # Resolve every path, not only symlinks: a symlinked *parent* folder leads outside too.
    try:
        target = full.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        if full.is_symlink():
            return SkippedFile(path=rel, reason="symlink_loop", detail="symlink cannot be resolved")
        return SkippedFile(path=rel, reason="unreadable", detail=_why(exc))
    if not target.is_relative_to(root_real):
        return SkippedFile(
            path=rel, reason="symlink_outside", detail="a symlink leads outside the repository"
        )
    try:
        if not full.is_file():
            # git lists a submodule as one path: a folder, holding its own .git once
            # checked out and empty until then (the walk outside git lists no folder).
            if full.is_dir() and not full.is_symlink():
                checked_out = (full / ".git").exists()
                detail = "a git submodule" + ("" if checked_out else " (not checked out)")
                return SkippedFile(path=rel, reason="submodule", detail=detail)
            return SkippedFile(path=rel, reason="unreadable", detail="not a regular file")
        size = full.stat().st_size
        if size > options.max_file_bytes:
            return _too_large(rel, size, options)
        return _read(os.fspath(full))
    except OSError as exc:
        return SkippedFile(path=rel, reason="unreadable", detail=_why(exc))


def _read(full: str) -> bytes:
    with open(full, "rb") as f:
        return f.read()


def _too_large(rel: str, size: int, options: WalkOptions) -> SkippedFile:
    detail = f"{size} bytes > max_file_bytes={options.max_file_bytes}"
    return SkippedFile(path=rel, reason="too_large", detail=detail)


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _why(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
