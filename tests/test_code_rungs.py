"""What the cheaper rungs of code slices show: mentions, signatures, elided bodies.

Cases from an audit of 58,400 slices of 13 repositories, each a shape that misled.
"""

from __future__ import annotations

import pytest

from context_kit.renderers import CodeRenderer
from context_kit.renderers.code import mention_line
from context_kit.sources import CodeSource
from context_kit.sources.walk import FileText

_SOURCE = CodeSource()


def _slices(path: str, text: str):
    return _SOURCE.slices(FileText(path, text, text.encode(), False))


def _mentions(path: str, text: str) -> dict[str, str]:
    return {s.name: mention_line(s) for s in _slices(path, text)}


@pytest.mark.parametrize(
    ("path", "text", "name", "mention"),
    [
        # A doc comment's example call is not the signature (tokio: 359 Rust mentions
        # quoted ``open("foo.txt")?; /// ``` ...``).
        (
            "lib.rs",
            '/// Opens a file.\n///\n/// ```\n/// let f = open("foo.txt")?;\n/// ```\n'
            "#[inline]\npub fn open(path: &Path) -> io::Result<File> {\n    go(path)\n}\n",
            "open",
            "lib.rs:7  open(path: &Path) -> io::Result<File>\n",
        ),
        # Nor is a Javadoc link; an annotation on the declaration's line is skipped.
        (
            "Foo.java",
            "public class Foo {\n  /** Returns size() cached, see {@link #size()}. */\n"
            "  @Test public int size(int hint) {\n    return 1;\n  }\n}\n",
            "Foo.size",
            "Foo.java:3  Foo.size(int hint)\n",
        ),
        # A decorator naming the function is still skipped (its arguments are no params).
        (
            "app.py",
            '@app.route("/x")\ndef route(request):\n    return 1\n',
            "route",
            "app.py:2  route(request)\n",
        ),
        # Without a parameter list, the declaration is quoted, not its doc or attributes.
        (
            "p.rs",
            "/// A point.\n#[derive(Debug)]\npub struct Point {\n    x: u8,\n}\n",
            "Point",
            "p.rs:3  Point: pub struct Point {\n",
        ),
        (
            "T.cs",
            "\ufeffusing System;\n\n[TestFixture]\npublic class Tests {\n  int a;\n}\n",
            "Tests",
            "T.cs:4  Tests: public class Tests {\n",
        ),
        # Kotlin's expression body and C++'s ``= default`` are no result type.
        (
            "a.kt",
            "class A {\n  fun isEmpty(): Boolean = size == 0 && pending.isEmpty()\n}\n",
            "A.isEmpty",
            "a.kt:2  A.isEmpty(): Boolean\n",
        ),
        # A brace inside a result type is not the body's (Go's ``struct{}``).
        (
            "s.go",
            "package x\n\nfunc (s *Server) Run(ctx Ctx) (map[string]struct{}, error) {\n"
            "\treturn nil, nil\n}\n",
            "Server.Run",
            "s.go:3  Server.Run(ctx Ctx) (map[string]struct{}, error)\n",
        ),
        # Comments inside the signature are left out; a URL in a default stays.
        (
            "n.c",
            "int send(int fd, /* socket */\n         const char *buf /* data */) {\n"
            "  return 0;\n}\n",
            "send",
            "n.c:1  send(int fd, const char *buf)\n",
        ),
        (
            "g.js",
            'function get(url = "http://x", // the url\n  b) {\n  return 1;\n}\n',
            "get",
            'g.js:1  get(url = "http://x", b)\n',
        ),
        (
            "b.rb",
            "class B\n  def build(types) # rubocop:disable Metrics/MethodLength\n"
            "    go\n  end\nend\n",
            "B.build",
            "b.rb:2  B.build(types)\n",
        ),
    ],
)
def test_a_mention_quotes_the_declaration(path: str, text: str, name: str, mention: str):
    assert _mentions(path, text)[name] == mention


def test_a_module_mention_quotes_code_past_banners_and_imports():
    # 3,475 of 4,754 module mentions quoted a license banner, ``<?php`` or an import.
    text = "# Copyright 2020 Foo\n# All rights reserved.\nimport os\n\nMAX_RETRIES = 3\n"
    assert _mentions("m.py", text)["<module>"] == "m.py:5  <module>: MAX_RETRIES = 3\n"
    # A run of imports alone still says what it is.
    assert (
        _mentions("i.py", "import os\nimport sys\n")["<module>"] == "i.py:1  <module>: import os\n"
    )


def test_every_definition_ladder_closes_with_its_mention():
    # A mention longer in characters than a short signature was dropped, though once
    # formatted (one list line against a heading and a fenced block) it is cheaper.
    text = (
        "class Store:\n    def get(self, key):\n"
        "        value = self._data[key]\n        return value\n"
    )
    ladder = CodeRenderer().ladder(
        next(s for s in _slices("src/pkg/store.py", text) if s.name == "Store.get")
    )
    assert [r.name for r in ladder] == ["full", "elided", "signature", "mention"]
    assert len(ladder[-1].text) > len(ladder[-2].text)


def test_an_elided_last_member_keeps_its_own_closer_and_its_class_s():
    # The last member of a class holds the class's ``}`` too: the elided rung showed the
    # class's closer in place of the method's (3,243 of 38,005 elided rungs).
    text = (
        "object N {\n  fun a() = 1\n  override fun toString(): String {\n"
        '    val x = 1\n    return "N"\n  }\n}\n'
    )
    method = next(s for s in _slices("n.kt", text) if s.name == "N.toString")
    elided = next(r for r in CodeRenderer().ladder(method) if r.name == "elided")
    assert elided.text == (
        "  override fun toString(): String {\n    ... (lines 4-5 elided)\n  }\n}\n"
    )
    assert elided.verbatim == ((3, 3), (6, 7))


def test_comments_opening_a_body_are_not_signature():
    # Grammars start a body at its first statement, so comments before it were read as
    # the end of the signature: a Python signature rung held them, and a Ruby module's
    # header took the comment documenting its first class.
    py = (
        "class A:\n    def setup(self, a,\n              b):\n"
        "        # We need the trailing slash\n        # so ...\n"
        "        self.out = a\n        self.b = b\n        return 1\n"
    )
    setup = next(s for s in _slices("a.py", py) if s.name == "A.setup")
    assert (setup.signature_end_line, setup.doc_end_line) == (3, 5)
    rungs = {r.name: r.text for r in CodeRenderer().ladder(setup)}
    assert "# We" not in rungs["signature"]
    assert "# We need the trailing slash" in rungs["elided"]  # the comment says what it does
    rb = (
        "module Outer\n  # Checks widgets.\n  # Second line.\n"
        "  class Widget < Base\n    def run\n      go\n    end\n  end\nend\n"
    )
    got = {s.name: s for s in _slices("w.rb", rb)}
    assert (got["Outer"].start_line, got["Outer"].end_line, got["Outer"].signature_end_line) == (
        1,
        1,
        1,
    )
    assert (got["Outer.Widget"].start_line, got["Outer.Widget"].doc_end_line) == (2, 3)


def test_no_elided_rung_stands_for_a_single_line():
    # A marker in place of one line saves nothing; the signature rung is the next step.
    text = (
        "def one(x):\n    return x\n\n\n"
        "def two(x):\n    total = compute_the_total(x)\n    return normalise(total)\n"
    )
    got = {s.name: [r.name for r in CodeRenderer().ladder(s)] for s in _slices("f.py", text)}
    assert got["one"] == ["full", "signature", "mention"]
    assert got["two"] == ["full", "elided", "signature", "mention"]


def test_a_trimmed_block_cites_the_lines_it_shows():
    # An outline reaches its last member's signature, past the header slice: its heading
    # cited the header alone (serilog's ``LevelOutputFormat.cs:20-53`` showing line 55).
    from context_kit.packing.format import FORMATS

    fields = "".join(f"    field_{i}: int = {i}\n" for i in range(30))
    text = (
        f'class Config:\n    """Settings."""\n{fields}\n'
        "    def load(self, path):\n        data = read(path)\n        return data\n"
    )
    header = next(s for s in _slices("c.py", text) if s.name == "Config")
    rungs = {r.name: r for r in CodeRenderer().ladder(header)}
    block = FORMATS["markdown"].block(header, rungs["skeleton"])
    assert block.startswith(
        f"### c.py:1-{text.splitlines().index('    def load(self, path):') + 1} "
    )
    signature = FORMATS["markdown"].block(header, rungs["signature"])
    assert signature.startswith("### c.py:1-1 — class `Config` (signature only)")


def test_a_later_part_of_a_split_function_has_an_excerpt():
    # vue's compileScript is cut into 200-line parts; the one holding the fix ranked 7th
    # but had only its full text (1,500 tokens) or a mention, and was dropped at every
    # budget. Its excerpt is its matching body lines, the rest elided.
    from context_kit.renderers.code import excerpt_rung

    text = 'def big(x):\n    """Doc."""\n' + "".join(
        f"    v{i} = compute(x, {i})\n" for i in range(300)
    )
    later = next(s for s in _slices("b.py", text) if s.part is not None and s.part[0] > 1)
    rung = excerpt_rung(later, [later.start_line + 50])
    assert rung is not None
    lines = rung.text.splitlines()
    assert lines[0].strip().startswith("... (lines") and lines[-1].strip().startswith("... (")
    assert rung.verbatim == ((later.start_line + 49, later.start_line + 51),)


def test_a_mention_counts_lines_as_the_file_does():
    # str.splitlines also breaks at \x1e, \x0c, \u2028...: a mention quoting "0" of the
    # one line "\x1e0" cited line 2 of a one-line slice (found by hypothesis).
    for s in _slices("m.py", "\x1e0\nx = 1\u2028y\n"):
        cited = int(mention_line(s).split(":", 2)[1].split()[0])
        assert s.start_line <= cited <= s.end_line


def test_a_module_mention_skips_a_docstring_opener():
    # ``click/__init__.py:2  <module>: """`` said nothing; the docstring's text does.
    text = '"""\nClick is a simple package.\n"""\nfrom .core import Command\n'
    assert _mentions("click/__init__.py", text)["<module>"] == (
        "click/__init__.py:2  <module>: Click is a simple package.\n"
    )


def test_a_top_level_doc_section_is_not_named_twice():
    # Its text opens with its own heading; a nested section keeps its path, which the
    # heading line alone does not show.
    from context_kit.packing.format import FORMATS
    from context_kit.renderers import TextRenderer
    from context_kit.sources import DocsSource

    text = "# Guide\n\nIntro.\n\n## Install\n\nRun it.\n"
    got = {
        s.name: FORMATS["markdown"].block(s, TextRenderer().ladder(s)[0])
        for s in DocsSource().slices(FileText("g.md", text, text.encode(), False))
    }
    assert got["Guide"].startswith("### g.md:1-3\n\n# Guide\n")
    assert got["Guide > Install"].startswith("### g.md:5-7 — section `Guide > Install`\n")


def _rungs(path: str, text: str, name: str = "<module>") -> dict[str, object]:
    s = next(s for s in _slices(path, text) if s.name == name)
    return {r.name: r for r in CodeRenderer().ladder(s)}


@pytest.mark.parametrize(
    ("path", "text", "shown"),
    [
        # An Apache banner in a block comment (okhttp, retrofit, serilog's ``//`` lines).
        (
            "Response.java",
            "/*\n * Copyright (C) 2013 Square, Inc.\n *\n * Licensed under the Apache "
            'License, Version 2.0 (the "License");\n */\npackage okhttp;\n\nimport x.Y;\n'
            "\nclass Response {\n}\n",
            "... (lines 1-5 elided)\npackage okhttp;\n\nimport x.Y;\n",
        ),
        # ``#`` lines below a ``#!`` line, which stays; blank lines after the banner go.
        (
            "tool.py",
            "#!/usr/bin/env python\n# Copyright 2020 Foo\n# Licensed under MIT.\n\nimport os\n",
            "#!/usr/bin/env python\n... (lines 2-4 elided)\nimport os\n",
        ),
        # A C banner whose ``*/`` ends its second line; ``#include`` is code, not ``#``.
        (
            "server.c",
            '/* Copyright (c) 2009 Redis Ltd.\n * All rights reserved. */\n#include "server.h"\n',
            '... (lines 1-2 elided)\n#include "server.h"\n',
        ),
    ],
)
def test_a_module_header_offers_itself_without_its_licence_banner(path, text, shown):
    rungs = _rungs(path, text)
    assert list(rungs)[:2] == ["full", "banner_elided"]
    rung = rungs["banner_elided"]
    assert rung.text == shown
    lines = text.splitlines(keepends=True)
    kept = "".join(ln for a, b in rung.verbatim_lines() for ln in lines[a - 1 : b])
    assert kept == "".join(ln for ln in shown.splitlines(keepends=True) if "elided" not in ln)


@pytest.mark.parametrize(
    "text",
    [
        # Documentation, not a licence: kept.
        "// Package gin implements a HTTP web framework.\n// It is fast.\npackage gin\n",
        # A one-line notice: a marker would save nothing.
        "// Copyright 2020 Foo.\npackage gin\n",
        # Comments only: nothing below the banner to show.
        "// Copyright 2020 Foo.\n// Licensed under MIT.\n",
        # Code on the comment's closing line.
        "/* Copyright 2020 Foo.\n * Licensed under MIT. */ package gin\n",
    ],
)
def test_no_banner_rung_without_a_licence_banner_above_code(text):
    assert "banner_elided" not in _rungs("gin.go", text)


def test_head_end_line_is_where_signature_and_docstring_end():
    from context_kit.packing.excerpt import head_end
    from context_kit.renderers.code import head_end_line

    text = (
        "def f(a,\n      b):\n"
        '    """Doc\n    more."""\n'
        + "".join(f"    x{i} = a\n" for i in range(12))
        + "    return b\n"
    )
    (f,) = [s for s in _slices("m.py", text) if s.name == "f"]
    assert head_end_line(f) == head_end(f) == 4  # signature lines 1-2, docstring 3-4
    # All body (a line window): the line before the first; no head known: None.
    window = f.model_copy(
        update={"symbol_kind": "window", "signature_end_line": None, "doc_end_line": None}
    )
    assert head_end_line(window) == head_end(window) == f.start_line - 1
    # A run of statements: its docstring heads it, or nothing does (all body).
    module = f.model_copy(update={"symbol_kind": "module", "signature_end_line": None})
    assert head_end_line(module) == head_end(module) == 4
    bare = module.model_copy(update={"doc_end_line": None})
    assert head_end_line(bare) == head_end(bare) == f.start_line - 1
    unheaded = f.model_copy(update={"symbol_kind": "class", "signature_end_line": None})
    assert head_end_line(unheaded.model_copy(update={"doc_end_line": None})) is None
