"""Progress: the library calls back, never prints; the bar draws only on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import context_kit
from context_kit._progress import ProgressBar, progress_for


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build_reports_each_stage(sample_repo: Path, capsys):
    calls: list[tuple[str, int, int]] = []
    context_kit.Index.build(sample_repo, history=True, progress=lambda *a: calls.append(a))
    stages = [c[0] for c in calls]
    assert stages.index("read") < stages.index("parse") < stages.index("history")
    assert stages.index("history") < stages.index("fit")
    assert ("parse", 4, 4) in calls  # greet.py, util.py, README.md, logo.png (read, skipped)
    assert calls[-1] == ("fit", 3, 3)
    assert any(c[0] == "history" and c[1] == c[2] == 1 for c in calls)
    for stage, done, total in calls:
        assert total == 0 or 0 <= done <= total, (stage, done, total)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # the library never prints


def test_bar_draws_on_a_terminal_and_erases_itself():
    tty = _Tty()
    bar = progress_for(tty)
    assert isinstance(bar, ProgressBar)
    bar.min_interval = 0.0
    bar("parse", 1, 4)
    bar("parse", 4, 4)
    bar("walk", 7, 0)
    text = tty.getvalue()
    assert "parse    [######..................] 1/4" in text
    assert "[########################] 4/4" in text
    assert text.endswith("walk     7")
    bar.close()
    assert tty.getvalue().endswith("\r\x1b[K")


def test_bar_is_throttled_but_always_draws_the_last_step(monkeypatch: pytest.MonkeyPatch):
    # The monotonic clock may start at boot: on a machine up for a minute, a bar that took
    # time 0 as its last draw held back its first step too.
    monkeypatch.setattr("context_kit._progress.time.monotonic", lambda: 60.0)
    out = io.StringIO()
    bar = ProgressBar(out, min_interval=3600.0)
    bar("parse", 1, 100)  # the first call always draws
    for n in range(2, 100):
        bar("parse", n, 100)
    bar("parse", 100, 100)
    assert out.getvalue().count("\r") == 2


def test_no_bar_when_not_a_terminal_or_disabled():
    assert progress_for(io.StringIO()) is None
    assert progress_for(_Tty(), enabled=False) is None
    assert isinstance(progress_for(io.StringIO(), enabled=True), ProgressBar)
