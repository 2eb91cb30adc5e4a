"""Shared fixtures and hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` runs the property tests deeper (CI sets it); the default profile
keeps a local run quick.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``slow`` unless ``CONTEXT_KIT_SLOW_TESTS=1`` (CI sets it)."""
    if os.environ.get("CONTEXT_KIT_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow; set CONTEXT_KIT_SLOW_TESTS=1 (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the suite's cache entries (git history...) out of the user's cache folder."""
    old = os.environ.get("CONTEXT_KIT_CACHE_DIR")
    os.environ["CONTEXT_KIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("ck-cache"))
    yield
    if old is None:
        os.environ.pop("CONTEXT_KIT_CACHE_DIR", None)
    else:
        os.environ["CONTEXT_KIT_CACHE_DIR"] = old


NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""
"""Prepended to a child interpreter's script: any attempt to open a connection raises."""

SAMPLE_PY = '''"""A sample module."""
import os
import sys

LIMIT = 10


# Helper that adds.
def add(a, b):
    """Add two numbers."""
    return a + b


@decorator
def decorated(x):
    return x * 2


class Greeter(Base):
    """Says hello."""

    greeting = "hello"

    def __init__(self, name):
        self.name = name

    def greet(self):
        """Return the greeting."""
        message = f"{self.greeting}, {self.name}"
        return message

    class Inner:
        def deep(self):
            return os.path.join("a", "b")


if __name__ == "__main__":
    print(add(1, 2))
'''


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env
    ).stdout


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A small git repository with Python, Markdown and a binary file."""
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "greet.py").write_text(SAMPLE_PY)
    (root / "pkg" / "util.py").write_text(
        "def tokenize(text):\n    return text.split()\n\n\ndef count_tokens(text):\n"
        "    return len(tokenize(text))\n"
    )
    (root / "README.md").write_text(
        "# Sample\n\nA sample project.\n\n## Usage\n\nCall `add` to add numbers.\n\n"
        "```python\n# not a heading\nadd(1, 2)\n```\n"
    )
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "initial")
    return root


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory, monkeypatch):
    """Keep every test's slice cache out of the user's real cache folder."""
    monkeypatch.setenv("CONTEXT_KIT_CACHE_DIR", str(tmp_path_factory.mktemp("ck-cache")))
