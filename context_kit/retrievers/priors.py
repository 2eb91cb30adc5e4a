"""Query-independent priors: how much a slice is worth before anyone reads the query.

A task is usually about library code. Tests, changelogs and release notes mention the same
names as the code they exercise or describe — often more often — so pure lexical scores let
them crowd out the code that has to change. The prior is a multiplier per slice, applied to
the fused score; every factor is a named parameter so callers (and the optimiser) can tune
or disable it (all 1.0 = no prior).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..sources.docs import DOC_EXTENSIONS
from ..types import Slice

__all__ = [
    "Priors",
    "is_changelog_path",
    "is_example_path",
    "is_test_module",
    "is_test_path",
    "is_translation_path",
    "is_versioned_copy",
    "translated_documents",
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
# Gradle and Kotlin name test source sets in camelCase: androidTest, androidUnitTest,
# commonTest, jvmTest, integrationTest; testFixtures, testDebug.
_TEST_SOURCE_SET = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*Tests?|test[A-Z][A-Za-z0-9]*")
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


# ISO 639-1: the two-letter language codes a translated document is filed under, and the
# country codes often written for a language (README.cn.md, README.jp.md).
_LANGUAGE_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv"
    " cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho"
    " hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku"
    " kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn"
    " no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm"
    " sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi"
    " vo wa wo xh yi yo za zh zu"
    " cn jp ua cz dk vn gr"
)
_LANGUAGES = frozenset(_LANGUAGE_CODES.split())
# A language tag: the code, then optionally a region or script (``pt-BR``, ``zh_Hans``).
# Only scripts translations are filed under: any four letters read ``to_call`` or
# ``no_href`` as languages.
_SCRIPT = r"(?i:hans|hant|latn|cyrl|arab|deva)"
_TAG = re.compile(rf"([A-Za-z]{{2}})(?:[-_]([A-Za-z]{{2}}|{_SCRIPT}))?")
# ``README.zh-CN.md``, ``README_ja.md``, ``index.fr.md``: a stem, a separator and a tag.
_TAGGED_NAME = re.compile(rf"(.+?)([._-])([A-Za-z]{{2}}(?:[-_](?:[A-Za-z]{{2}}|{_SCRIPT}))?)")
# Codes that are also words or abbreviations in names (``get_to``, ``eval_ro`` for
# read-only, ``TIMEOUT_MS``, ``create_table_as``): a name tagged with one is a translation
# only beside another language's tag of the same name.
_WORDLIKE_CODES = frozenset((
    "an", "as", "at", "be", "do", "go", "he", "in", "is", "me", "ms", "my", "no", "on", "or",
    "ro", "so", "to",
))  # fmt: skip
_DOCUMENT_SUFFIXES = (*DOC_EXTENSIONS, ".html", ".htm")
# Message catalogs kept one file per language in a data format: Java's resource bundles
# (``messages_de.properties``: spring-petclinic packed eight of them, 2.6k of a 3k pack,
# for a form-validation issue), Rails' and Hugo's ``locales/de.yml`` / ``i18n/de.toml``,
# i18next's ``locales/de/translation.json``, Flutter's ``app_de.arb``, .NET's
# ``Strings.de.resx``. Code files named like this (Faker's ``de_DE/__init__.py``) are
# locale data a query may want, so code suffixes are left out.
_CATALOG_SUFFIXES = (".properties", ".json", ".yml", ".yaml", ".toml", ".arb", ".resx")
_TRANSLATABLE_SUFFIXES = _DOCUMENT_SUFFIXES + _CATALOG_SUFFIXES
# Laravel keeps its catalogs as PHP arrays in ``lang/<code>/`` (or ``resources/lang/``):
# filament has 2,134 of them in 48 languages. PHP counts as a catalog only there.
_PHP_CATALOG_FOLDER = "/lang/"


def _name_tag(stem: str) -> tuple[str, str] | None:
    """``(base, language)`` for a name tagged with a language (``README.zh-CN``), or None.

    After a hyphen only a tag with a region counts (``README-pt-BR``): a hyphen more often
    joins words than a language, and a bare two-letter word is then a language code by
    chance (tldr's ``docker-rm.md`` beside ``docker.md``, redis's ``client-id.json``).
    """
    m = _TAGGED_NAME.fullmatch(stem)
    if m is None or (m.group(2) == "-" and len(m.group(3)) == 2):
        return None
    lang = _language(m.group(3))
    return None if lang is None else (m.group(1), lang)


def _language(word: str) -> str | None:
    """The normalised language tag ``word`` is (``pt-br``), or None."""
    m = _TAG.fullmatch(word)
    if m is None or m.group(1).lower() not in _LANGUAGES:
        return None
    return word.lower().replace("_", "-")


def _original(counts: Counter[str]) -> str | None:
    """The language the others translate: the one with the most documents.

    English wins a tie; a tie without it names none.
    """
    most = max(counts.values())
    leaders = [lang for lang, n in counts.items() if n == most]
    if len(leaders) == 1:
        return leaders[0]
    english = [lang for lang in leaders if lang == "en" or lang.startswith("en-")]
    return english[0] if len(english) == 1 else None


def translated_documents(paths: Iterable[str]) -> frozenset[str]:
    """The documents among ``paths`` that translate another document of ``paths``.

    A documentation site translated into many languages repeats each page once per
    language, and a query in one language matches every copy through the code and names
    they share (FastAPI's docs hold each page in up to 15 languages: one 4k pack held the
    same section six times). Message catalogs in data formats repeat every message the
    same way. These layouts are recognised, for documents (Markdown, reStructuredText,
    AsciiDoc, text, HTML) and catalogs (``.properties``, JSON, YAML, TOML, ``.arb``,
    ``.resx``, and PHP files in a ``lang`` folder, as Laravel keeps them) only:

    * a language folder: ``docs/fr/docs/tutorial.md`` beside ``docs/en/docs/tutorial.md``.
      Among the language folders of one parent, the one holding the most documents is the
      original (English on a tie; none on a tie without it), and a document of another
      language is a translation when the original has the same path;
    * language folders beside the original's own pages, as Starlight and VitePress lay
      out a site whose default language has no folder: ``docs/fr/guide.md`` beside
      ``docs/guide.md``, when the parent holds at least two language folders (one alone
      may be a code folder named like a language: ``it``, ``id``);
    * a folder tagged with a language beside the untagged one: tldr's
      ``pages.de/common/tar.md`` beside ``pages/common/tar.md``;
    * a language suffix: ``README.zh-CN.md`` or ``README_ja.md`` beside ``README.md``
      (without the plain file, beside an English one: ``index.en-US.md``), or a name that
      is only a language, beside an English one: ``locales/de.yml`` by ``locales/en.yml``.

    Languages are ISO 639-1 codes (and the country codes often used for one: ``cn``,
    ``jp``), optionally with a region or script.

    >>> sorted(translated_documents(["docs/en/a.md", "docs/en/b.md", "docs/fr/a.md",
    ...                              "README.md", "README.zh-CN.md", "src/it/a.md"]))
    ['README.zh-CN.md', 'docs/fr/a.md']
    """
    # (parent, rest after the language folder) -> language -> path; parent -> language -> n.
    folders: dict[str, dict[str, dict[str, str]]] = {}
    counts: dict[str, Counter[str]] = {}
    # (folder, stem, suffix) -> language (None: the plain name) -> path.
    names: dict[tuple[str, str, str], dict[str | None, str]] = {}
    documents: set[str] = set()
    # (a path in a tagged folder, the untagged folder, the tag, the path in that folder),
    # and each untagged folder's tags.
    tagged: list[tuple[str, str, str, str]] = []
    folder_tags: dict[str, set[str]] = {}
    for path in paths:
        low = path.lower()
        if not low.endswith(_TRANSLATABLE_SUFFIXES) and not (
            low.endswith(".php") and _PHP_CATALOG_FOLDER in f"/{low}"
        ):
            continue
        documents.add(path)
        parts = path.split("/")
        # Every folder named like a language counts, not only the first: ``my`` (Burmese)
        # in ``src/my/docs/fr/a.md`` is just a folder.
        for i, part in enumerate(parts[:-1]):
            lang = _language(part)
            if lang is not None:
                parent, rest = "/".join(parts[:i]), "/".join(parts[i + 1 :])
                folders.setdefault(parent, {}).setdefault(rest, {})[lang] = path
                counts.setdefault(parent, Counter())[lang] += 1
            elif (named := _name_tag(part)) is not None:
                # ``pages.de/`` beside ``pages/``: the same path without the tag.
                base = "/".join([*parts[:i], named[0]])
                tagged.append((path, base, named[1], "/".join([base, *parts[i + 1 :]])))
                folder_tags.setdefault(base, set()).add(named[1])
        folder, _, name = path.rpartition("/")
        stem, dot, suffix = name.rpartition(".")
        lang = _language(stem) if dot else None
        if lang is not None:  # a file per language: ``locales/de.yml``
            key = (folder, "", suffix)
        else:
            named = _name_tag(stem) if dot else None
            lang = named[1] if named is not None else None
            key = (folder, named[0] if named is not None else stem, suffix)
        names.setdefault(key, {})[lang] = path
    out: set[str] = {
        path
        for path, base, lang, original in tagged
        if original in documents and (lang not in _WORDLIKE_CODES or len(folder_tags[base]) > 1)
    }
    for parent, by_rest in folders.items():
        if len(counts[parent]) < 2:
            continue
        original = _original(counts[parent])
        for rest, by_lang in by_rest.items():
            if (f"{parent}/{rest}" if parent else rest) in documents:
                out.update(by_lang.values())
            elif original in by_lang:
                out.update(p for lang, p in by_lang.items() if lang != original)
    for by_tag in names.values():
        tags = [tag for tag in by_tag if tag is not None]
        if len(by_tag) < 2 or (len(tags) == 1 and tags[0] in _WORDLIKE_CODES):
            continue
        if None in by_tag:
            out.update(p for tag, p in by_tag.items() if tag is not None)
            continue
        plain = _original(Counter({tag: 1 for tag in by_tag if tag is not None}))
        if plain is not None:
            out.update(p for tag, p in by_tag.items() if tag != plain)
    return frozenset(out)


# Folders of code that shows how to use a library rather than being it. ``docs_src`` holds
# the code a documentation site includes (FastAPI, Typer, SQLModel: 1,304 of FastAPI's
# slices, each tutorial step in several Python versions). A ``playground`` is a project to
# try the library in: Vite's 3,685 playground slices are its end-to-end test fixtures, and
# a 4k pack for an HMR issue held seven of them.
_EXAMPLE_DIRS = frozenset(
    {
        "playground",
        "examples",
        "example",
        "samples",
        "sample",
        "demo",
        "demos",
        "docs",
        "doc",
        "docs_src",
        "docs-src",
        "docsrc",
    }
)


# Source roots of the JVM build layout (``src/main/java``): the folders below one are a
# package name, and Spring Initializr's default package is ``com.example``.
_JVM_ROOTS = frozenset({"java", "kotlin", "scala", "groovy"})


def is_example_path(path: str) -> bool:
    """Whether a path sits in an examples, samples, demo, playground or docs folder (any depth).

    Folders below a JVM source root (``src/main/java/com/example/...``,
    ``src/main/java/org/springframework/samples/petclinic/...``) are a package name, not a
    folder of examples: spring-petclinic's code all weighed as examples there, below its
    templates and SQL.
    """
    *folders, _ = path.lower().split("/")
    for i in range(2, len(folders)):
        if folders[i] in _JVM_ROOTS and folders[i - 2] == "src":
            folders = folders[:i]
            break
    return not _EXAMPLE_DIRS.isdisjoint(folders)


def is_versioned_copy(path: str) -> bool:
    """Whether a path is in a copy of the documentation kept for a released version.

    Docusaurus snapshots the docs of each release into ``versioned_docs/version-X/``
    beside the ``docs/`` being written; the copies match a query as well as the current
    page does (prettier: its options page, and a copy of it, in one 4k pack). Their
    navigation is kept per release too, in ``versioned_sidebars/`` (tRPC: a JSON list of
    page ids ranked 10th for a react-query issue).
    """
    low = f"/{path.lower()}"
    return "/versioned_docs/" in low or "/versioned_sidebars/" in low


def is_translation_path(path: str) -> bool:
    """Whether a path is a translation catalog (gettext, XLIFF, Apple ``.strings``)."""
    return path.lower().endswith(_TRANSLATION_SUFFIXES)


def is_test_path(path: str) -> bool:
    """Whether a path looks like test code (test folders or test-file naming conventions)."""
    parts = path.split("/")
    for p in parts[:-1]:
        low = p.lower()
        if low in _TEST_DIRS or low.endswith(_TEST_DIR_SUFFIXES) or _TEST_SOURCE_SET.fullmatch(p):
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
            per language. Translated documents and data catalogs too (``docs/fr/...``
            beside ``docs/en/...``, ``README.ja.md`` beside ``README.md``,
            ``messages_de.properties`` beside ``messages.properties``; see
            :func:`translated_documents`), which the index finds among all its paths, and
            the copies of the documentation kept for released versions (see
            :func:`is_versioned_copy`), which repeat each page once per version.
        example: Code in an examples, samples, demo, playground or docs folder: it calls
            the library the way an issue's snippet does, so it matches the issue's words,
            and it is rarely what has to change. On the quality benchmark (2026-11-24,
            averaged over 2k-32k, file / function / line) 0.6 moved the 120 polyglot tasks from
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

    def weights(
        self, slices: list[Slice] | tuple[Slice, ...], translated: Collection[str] = frozenset()
    ) -> npt.NDArray[np.float32]:
        """The multiplier of every slice, in corpus order.

        ``translated`` are the paths of documents that translate another one of the
        corpus (see :func:`translated_documents`): they take ``translation`` too.
        """
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
                if path in translated or is_translation_path(path) or is_versioned_copy(path):
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
