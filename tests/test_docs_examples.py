"""Every example in docs/ and the README runs, so the documentation cannot rot.

Conventions the pages follow:

- ```` ```python ```` blocks of one page run in order in one namespace, with the current
  directory set to a small generated project (the "shop" repository below: code, a spec
  with requirement ids, and a few commits), so examples write ``"."`` for the repository.
- ```` ```console ```` blocks: each ``$ context-kit ...`` line is run through the CLI and
  must exit 0 (``context-kit mcp`` lines serve forever, so they are only parsed here; the
  server itself is covered by test_mcp_server.py).
- ```` ```bash ```` / ```` ```text ```` blocks are shown, not run (installs, output samples).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import git

from context_kit.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)

CART = '''"""The shopping cart."""


class Cart:
    """Items and quantities; totals apply a discount code."""

    def __init__(self):
        self.items = {}

    def add(self, item, qty=1):
        self.items[item] = self.items.get(item, 0) + qty

    def total(self, prices, code=None):
        subtotal = sum(prices[i] * q for i, q in self.items.items())
        return apply_discount(subtotal, code)


def apply_discount(total, code):
    """Apply a discount code; never below zero (REQ-1)."""
    off = {"TEN": 10, "HALF": total / 2}.get(code, 0)
    return max(0, total - off)
'''

PAYMENT = '''"""Charging cards."""

import time

MAX_RETRIES = 3


class PaymentTimeout(Exception):
    """The card network did not answer in time."""


def charge(card, amount, network):
    """Charge a card, retrying a timed-out payment at most MAX_RETRIES times (REQ-2)."""
    for attempt in range(MAX_RETRIES + 1):
        try:
            return network.charge(card, amount)
        except PaymentTimeout:
            if attempt == MAX_RETRIES:
                raise
            time.sleep(2**attempt)
'''

SPEC = """# Checkout specification

## Discounts

REQ-1: A discount code MUST NOT make the total negative; `apply_discount` clamps at zero.

## Payments

REQ-2: `charge` MUST retry a timed-out payment at most 3 times, backing off between tries.
"""


def make_shop(root: Path) -> Path:
    """The small project every docs example runs in."""
    (root / "shop").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "README.md").write_text("# Shop\n\nA tiny checkout: carts, discounts, payments.\n")
    (root / "shop" / "__init__.py").write_text('"""A tiny shop."""\n')
    (root / "shop" / "cart.py").write_text(CART.replace("max(0, total - off)", "total - off"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Cart with discount codes")
    (root / "shop" / "cart.py").write_text(CART)
    git(root, "commit", "-qam", "Fix negative totals when a discount exceeds the subtotal")
    (root / "shop" / "payment.py").write_text(PAYMENT)
    (root / "docs" / "spec.md").write_text(SPEC)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Retry card payments on timeout (REQ-2)")
    return root


def blocks(page: Path, lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(page.read_text()) if kind == lang]


def test_every_page_has_something_to_run_or_is_reference():
    assert PAGES, "docs/ has no pages"
    silent = [p.name for p in PAGES if not blocks(p, "python") and not blocks(p, "console")]
    # Pages without runnable examples are the generated reference and the numbers.
    assert set(silent) <= {"reference.md", "benchmarks.md", "concepts.md"}, silent


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT / "docs"))


def _console_lines(page: Path) -> list[str]:
    lines = [
        line[2:].strip()
        for body in blocks(page, "console")
        for line in body.splitlines()
        if line.startswith("$ context-kit ")
    ]
    return lines


def run_python_blocks(page: Path) -> None:
    """Run a page's python blocks in order, in one namespace, in the current directory."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for n, body in enumerate(blocks(page, "python"), 1):
        try:
            exec(compile(body, f"{page.name}[python block {n}]", "exec"), namespace)
        except Exception as exc:  # noqa: PERF203 (name the failing block)
            raise AssertionError(f"{page.name}, python block {n} failed:\n{body}") from exc


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "python")], ids=_page_id)
def test_python_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(make_shop(tmp_path / "shop-repo"))
    run_python_blocks(page)


@pytest.mark.parametrize("page", [p for p in PAGES if _console_lines(p)], ids=_page_id)
def test_console_examples_exit_zero(page: Path, tmp_path: Path, monkeypatch, capsys):
    from context_kit.cli import _parser

    lines = _console_lines(page)
    for line in (x for x in lines if x.startswith("context-kit mcp")):
        _parser().parse_args(shlex.split(line)[1:])  # serves forever: check it parses only
    runnable = [x for x in lines if not x.startswith("context-kit mcp")]
    monkeypatch.chdir(make_shop(tmp_path / "shop-repo"))
    # A reader runs the page top to bottom: its python blocks may create what the shell
    # lines use (a tokenizer.json...).
    run_python_blocks(page)
    for line in runnable:
        argv = shlex.split(line, comments=True)[1:]
        assert main(argv) == 0, f"{page.name}: `{line}` failed:\n{capsys.readouterr().err}"


def test_readme_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(make_shop(tmp_path / "shop-repo"))
    run_python_blocks(ROOT / "README.md")


def _modules() -> list[str]:
    import pkgutil

    import context_kit

    found = pkgutil.walk_packages(context_kit.__path__, "context_kit.")
    return sorted(["context_kit", *(info.name for info in found)])


@pytest.mark.parametrize("module", _modules())
def test_docstring_examples_run(module: str):
    """The ``>>>`` examples in docstrings, which the API reference shows, pass as doctests."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{module}: {result.failed} of {result.attempted} examples failed"
