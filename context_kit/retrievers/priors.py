"""Query-independent priors: how much a slice is worth before anyone reads the query.

A task is usually about library code. Tests, changelogs and release notes mention the same
names as the code they exercise or describe — often more often — so pure lexical scores let
them crowd out the code that has to change. The prior is a multiplier per slice, applied to
the fused score; every factor is a named parameter so callers (and the optimiser) can tune
or disable it (all 1.0 = no prior).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..types import Slice

__all__ = [
    "Priors",
    "is_changelog_path",
    "is_example_path",
    "is_test_module",
    "is_test_path",
    "is_translation_path",
]

# ``t`` is git's and Perl's (``t/t3415-rebase-autosquash.sh``, ``t/basic.t``). Go keeps a
# package's test inputs in ``testdata/`` beside its code (the go tool ignores the folder),
# often as ``.go`` files: parser inputs and golden outputs, not the package. Jest writes
# ``__snapshots__`` and reads ``__mocks__`` / ``__fixtures__`` beside the code they test.
_TEST_DIRS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "__tests__",
        "spec",
        "specs",
        "e2e",
        "t",
        "testdata",
        "__snapshots__",
        "__mocks__",
        "__fixtures__",
    }
)
# .NET and others name a test project after the code it tests: Newtonsoft.Json.Tests/.
_TEST_DIR_SUFFIXES = (".tests", ".test", ".unittests", ".specs", "-tests", "_tests")
_TEST_FILE = re.compile(
    r"^(test_.*\.py|.*_(test|unittest)\.(py|go|rb|cc|cpp|c)|conftest\.py"
    r"|.*\.(test|spec)\.[cm]?[jt]sx?|.*Tests?\.(java|kt|cs|swift|php|scala)|.*Spec\.scala"
    r"|.*_spec\.rb)$"
)
_CHANGELOG = re.compile(
    r"(^|/)(changelog|changes|history|news|release[-_ ]?notes?|whatsnew|whats[-_]new)"
    r"([-_][^/.]*)?(\.(md|rst|txt|markdown|adoc))?$"
    r"|(^|/)(changelog|changes|whatsnew|release[-_]?notes)(\.d)?/",
    re.IGNORECASE,
)


# Message catalogs that repeat every source string in each language: gettext's .po/.pot,
# XLIFF, Apple's .strings. An issue quoting an error message matched it in all 30 of
# git's po/*.po files, which then filled 32 of the 43 items of an 8k pack.
_TRANSLATION_SUFFIXES = (".po", ".pot", ".xlf", ".xliff", ".strings", ".stringsdict")


# Folders of code that shows how to use a library rather than being it.
_EXAMPLE_DIRS = frozenset(
    {"examples", "example", "samples", "sample", "demo", "demos", "docs", "doc"}
)


def is_example_path(path: str) -> bool:
    """Whether a path sits in an examples, samples, demo or docs folder (at any depth)."""
    *folders, _ = path.lower().split("/")
    return not _EXAMPLE_DIRS.isdisjoint(folders)


def is_translation_path(path: str) -> bool:
    """Whether a path is a translation catalog (gettext, XLIFF, Apple ``.strings``)."""
    return path.lower().endswith(_TRANSLATION_SUFFIXES)


def is_test_path(path: str) -> bool:
    """Whether a path looks like test code (test folders or test-file naming conventions)."""
    parts = path.split("/")
    for p in parts[:-1]:
        low = p.lower()
        if low in _TEST_DIRS or low.endswith(_TEST_DIR_SUFFIXES):
            return True
    return bool(_TEST_FILE.match(parts[-1]))


def is_test_module(s: Slice) -> bool:
    """Whether a code slice sits in a test module inside a library file.

    Rust keeps unit tests in ``#[cfg(test)] mod tests`` beside the code (17% of axum's
    Rust text), where no path says they are tests.
    """
    if s.language != "rust" or s.kind != "code":
        return False
    parts = s.name.split(".")
    return "tests" in parts or "test" in parts


def is_changelog_path(path: str) -> bool:
    """Whether a path is a changelog, release-notes or history file (or folder of them)."""
    return bool(_CHANGELOG.search(path))


@dataclass(frozen=True)
class Priors:
    """Multipliers applied to fused scores by what a slice is.

    Attributes:
        test: Slices in test code (test files, and Rust's ``mod tests`` inside library
            files). Tests are useful context but rarely what has to change.
        doc: Document sections (specs, guides, READMEs). The quality benchmark's gold
            is code only, so any value below 1 helps it: on 2026-11-24 (averaged over
            2k-32k, file / function / line) 0.4 moved Python commit tasks from .951 /
            .756 / .795 to .953 / .762 / .806 (held-out ones .912 / .675 / .718 -> .926
            / .681 / .725) and polyglot ones .908 / - / .722 -> .914 / - / .726, and 0.8
            lost about as much. The default stays 0.6 because a question about how to use
            a library wants its guides: at 0.4 the README's own example query ("how is
            the token budget enforced?") packs no document at all. An agent that only
            changes code may pass ``Priors(doc=0.4)``.
        changelog: Changelogs and release notes: they name everything and change nothing.
        commit: Commit slices.
        translation: Translation catalogs (``.po``, ``.pot``, XLIFF, ``.strings``): each
            repeats every message of the program, so a query quoting one matches it once
            per language.
        example: Code in an examples, samples, demo or docs folder: it calls the library
            the way an issue's snippet does, so it matches the issue's words, and it is
            rarely what has to change. On the quality benchmark (2026-11-24, averaged
            over 2k-32k, file / function / line) 0.6 moved the 120 polyglot tasks from
            .907 / - / .708 to .905 / - / .716 (axum, express, retrofit and okhttp keep
            examples beside the library) and the 122 Python tasks from .944 / .757 /
            .790 to .942 / .757 / .791 (SWE-bench .900 / .762 / .786 -> .891 / .762 /
            .779: pvlib 1854 at 2k, whose issue quotes an example's code).
    """

    test: float = 0.5
    doc: float = 0.6
    changelog: float = 0.2
    commit: float = 1.0
    translation: float = 0.2
    example: float = 0.6

    def weights(self, slices: list[Slice] | tuple[Slice, ...]) -> npt.NDArray[np.float32]:
        """The multiplier of every slice, in corpus order."""
        # Per path: its multiplier, and whether it is a changelog, test or example code (the path
        # rules run once per file, not once per slice). A warm build computes this for
        # every slice, so the loop fills a list (one numpy store per slice cost as much).
        cache: dict[str, tuple[float, bool, bool, bool]] = {}
        out: list[float] = []
        add = out.append
        for s in slices:
            kind = s.kind
            if kind == "commit":
                add(self.commit)
                continue
            path = s.path or ""
            known = cache.get(path)
            if known is None:
                changelog, test = is_changelog_path(path), is_test_path(path)
                w = self.changelog if changelog else self.test if test else 1.0
                if is_translation_path(path):
                    w *= self.translation
                example = not (changelog or test) and is_example_path(path)
                known = cache[path] = (w, changelog, test, example)
            w, changelog, test, example = known
            if kind == "code" and example:
                add(w * self.example)
            elif kind == "doc":
                add(w if changelog else w * self.doc)
            elif not test and s.language == "rust" and is_test_module(s):
                add(w * self.test)  # once: a test module in a test file is only test code
            else:
                add(w)
        return np.array(out, dtype=np.float32)
