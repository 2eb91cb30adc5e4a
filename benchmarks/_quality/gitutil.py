"""Git plumbing: locate repositories and materialise checkouts at a commit.

A *checkout* is a real, non-bare git repository whose ``HEAD`` is detached at the
task's commit and which has **no refs at all** (branches, tags and remote-tracking
refs are deleted after the checkout) and no reflogs (the clone's HEAD reflog would
name the source repository's HEAD).  The object store is shared with the source
repository through ``git clone --shared`` (objects/info/alternates), so later
commits still exist as objects, but nothing in the checkout names them: a library
that only walks ancestors of ``HEAD`` cannot see the future.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DEFAULT_MIRRORS = Path("/work/.mirror")


class GitError(RuntimeError):
    """A git command failed."""


def git(repo: Path | str, *args: str, check: bool = True, text: bool = True) -> str:
    """Run ``git -C repo args...`` and return stdout (str, or bytes decoded as utf-8)."""
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitError(
            f"git {' '.join(args)} in {repo} failed ({proc.returncode}): "
            f"{proc.stderr.decode('utf-8', 'replace').strip()}"
        )
    out = proc.stdout
    return out.decode("utf-8", "replace") if text else out  # type: ignore[return-value]


def git_bytes(repo: Path | str, *args: str) -> bytes:
    """Run git and return raw stdout bytes (raises :class:`GitError` on failure)."""
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        raise GitError(
            f"git {' '.join(args)} in {repo} failed: {proc.stderr.decode('utf-8', 'replace')}"
        )
    return proc.stdout


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_git_dir(root: Path) -> Path | None:
    """Return a git directory at or below ``root`` (bare repo or a work tree's ``.git``).

    Searches at most two levels down, which covers the ``owner+name/repo`` mirror layout.
    """
    candidates = [root, root / ".git"]
    if root.is_dir():
        for child in sorted(root.iterdir()):
            candidates += [child, child / ".git"]
    for cand in candidates:
        if cand.is_dir() and _is_git_dir(cand):
            return cand
    return None


def locate_repo(
    repo: str, mirrors: Path = DEFAULT_MIRRORS, mapping: dict[str, Path] | None = None
) -> Path | None:
    """Find the git directory for ``owner/name``: explicit mapping first, then the mirrors dir.

    Mirrors layout: ``<mirrors>/<owner>+<name>/<anything>/`` holding a bare repository.
    Returns None when the repository is not available locally.
    """
    if mapping and repo in mapping:
        return find_git_dir(mapping[repo])
    root = mirrors / repo.replace("/", "+")
    if not root.exists():
        return None
    return find_git_dir(root)


def has_commit(git_dir: Path, sha: str) -> bool:
    """True when ``sha`` names a commit object in ``git_dir``."""
    proc = subprocess.run(
        ["git", "-C", str(git_dir), "cat-file", "-e", f"{sha}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def _delete_all_refs(checkout: Path) -> None:
    refs = git(checkout, "for-each-ref", "--format=%(refname)").split()
    if refs:
        stdin = "".join(f"delete {ref}\n" for ref in refs)
        subprocess.run(
            ["git", "-C", str(checkout), "update-ref", "--no-deref", "--stdin"],
            input=stdin.encode(),
            capture_output=True,
            check=True,
        )
    # The clone's HEAD reflog records the source's HEAD (a later commit): drop all reflogs.
    shutil.rmtree(checkout / ".git" / "logs", ignore_errors=True)
    # Also drop the remote definition so nobody "fetches the future" by accident.
    subprocess.run(
        ["git", "-C", str(checkout), "remote", "remove", "origin"],
        capture_output=True,
        check=False,
    )


def checkout_is_valid(checkout: Path, sha: str) -> bool:
    """True when ``checkout`` exists, HEAD is ``sha`` and it has no refs or reflogs left."""
    if not (checkout / ".git").is_dir() or (checkout / ".git" / "logs").exists():
        return False
    try:
        head = git(checkout, "rev-parse", "HEAD").strip()
        refs = git(checkout, "for-each-ref", "--format=%(refname)").strip()
    except GitError:
        return False
    return head == sha and refs == ""


def materialise(git_dir: Path, sha: str, dest: Path) -> Path:
    """Create (or reuse) a checkout of ``git_dir`` at ``sha`` in ``dest``.

    The checkout is a ``git clone --shared --no-checkout`` followed by a detached
    checkout of ``sha`` and deletion of every ref. Reused as-is if already valid.
    """
    if checkout_is_valid(dest, sha):
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    subprocess.run(
        ["git", "clone", "--quiet", "--shared", "--no-checkout", str(git_dir), str(tmp)],
        capture_output=True,
        check=True,
    )
    git(tmp, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", sha)
    _delete_all_refs(tmp)
    tmp.rename(dest)
    if not checkout_is_valid(dest, sha):
        raise GitError(f"materialised checkout {dest} is not at {sha} or still has refs")
    return dest


def list_files(git_dir: Path, sha: str) -> list[str]:
    """All file paths (blobs) in the tree of ``sha``, '/'-separated, sorted."""
    out = git(git_dir, "ls-tree", "-r", "-z", "--name-only", sha)
    return sorted(p for p in out.split("\0") if p)


def show_file(git_dir: Path, sha: str, path: str) -> str:
    """Content of ``path`` at ``sha`` decoded as utf-8 (invalid bytes replaced)."""
    return git_bytes(git_dir, "show", f"{sha}:{path}").decode("utf-8", "replace")
