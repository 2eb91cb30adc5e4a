"""Commits that changed the code a query is about are retrievable by that query."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import git

from context_kit import Index
from context_kit.retrievers.fusion import FusionResult
from context_kit.retrievers.history import ChangePropagation

DISCOUNT_V1 = "def apply_discount(total, percent):\n    return total - total * percent / 100\n"
DISCOUNT_V2 = (
    "def apply_discount(total, percent):\n"
    "    cut = round(total * percent / 100, 2)\n"
    "    return max(total - cut, 0)\n"
)
SHIP_V1 = "\n\ndef ship_parcel(parcel, courier):\n    return courier.send(parcel)\n"
SHIP_V2 = "\n\ndef ship_parcel(parcel, courier):\n    return courier.send(parcel, tracked=True)\n"


def _commit(root: Path, day: int, message: str) -> str:
    when = f"2024-02-{day:02d}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    env.update({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"})
    env.update({"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})
    subprocess.run(["git", "commit", "-qam", message], cwd=root, check=True, env=env)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, dict[str, str]]:
    """Three commits whose messages share no word with the query used below."""
    root = tmp_path_factory.mktemp("changes") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "shop.py").write_text(DISCOUNT_V1 + SHIP_V1)
    git(root, "add", ".")
    shas = {"start": _commit(root, 1, "Start the shop")}
    (root / "shop.py").write_text(DISCOUNT_V2 + SHIP_V1)
    shas["round"] = _commit(root, 2, "Round half up and clamp at zero")
    (root / "shop.py").write_text(DISCOUNT_V2 + SHIP_V2)
    shas["courier"] = _commit(root, 3, "Track every parcel the courier sends")
    return Index.build(root, history=True), shas


QUERY = "apply_discount percent"


def _commit_scores(index: Index, weights: dict[str, float]) -> dict[str, dict[str, float]]:
    return {
        h.slice.commit or "": h.scores
        for h in index.search(QUERY, k=50, weights=weights)
        if h.slice.kind == "commit"
    }


def test_the_commits_that_changed_the_best_hit_are_lifted(shop):
    index, shas = shop
    lifted = _commit_scores(index, {"changes": 1.0})
    plain = _commit_scores(index, {"changes": 0.0})
    # The last change of apply_discount gets the most, the commit that created it less
    # (an older change of the same lines), the courier commit nothing (other code).
    last = lifted[shas["round"]].get("changes", 0.0)
    first = lifted[shas["start"]].get("changes", 0.0)
    assert last > first > 0.0
    assert "changes" not in lifted.get(shas["courier"], {})
    assert all("changes" not in s for s in plain.values())
    hits = [h.slice.commit for h in index.search(QUERY, k=50, weights={"changes": 1.0})]
    assert (
        hits.index(shas["round"]) < hits.index(shas["courier"]) if shas["courier"] in hits else True
    )


def test_commits_never_seed_and_weights_scale(shop):
    index, shas = shop
    step = ChangePropagation().fit(index.corpus)
    n = len(index.slices)
    commit_row = next(i for i, s in enumerate(index.slices) if s.commit == shas["courier"])
    only_a_commit = np.zeros(n, dtype=np.float32)
    only_a_commit[commit_row] = 1.0
    fused = FusionResult(only_a_commit, {"bm25": only_a_commit})
    assert step.apply(fused, weight=1.0) is fused  # nothing but a commit hit: no lift
    code_row = next(i for i, s in enumerate(index.slices) if s.name == "apply_discount")
    seed = np.zeros(n, dtype=np.float32)
    seed[code_row] = 0.8
    base = FusionResult(seed, {"bm25": seed})
    half = step.apply(base, weight=0.5).parts["changes"]
    full = step.apply(base, weight=1.0).parts["changes"]
    np.testing.assert_allclose(full, 2 * half)
    round_row = next(i for i, s in enumerate(index.slices) if s.commit == shas["round"])
    assert full[round_row] == pytest.approx(1.0)  # the best hit's last change: the weight


def test_without_history_the_step_is_inert(tmp_path):
    (tmp_path / "shop.py").write_text(DISCOUNT_V1)
    index = Index.build(tmp_path)
    hits = index.search(QUERY, weights={"changes": 1.0})
    assert hits and all("changes" not in h.scores for h in hits)
