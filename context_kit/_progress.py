"""A dependency-free progress bar for the command line.

The library reports progress only through the ``progress(stage, done, total)`` callback of
:meth:`context_kit.Index.build`; it never draws anything. The CLI passes a
:class:`ProgressBar` when stderr is a terminal and nothing when it is piped, so scripts and
logs stay clean.

>>> import io
>>> out = io.StringIO()
>>> bar = ProgressBar(out, min_interval=0.0)
>>> bar("parse", 5, 10)
>>> "parse" in out.getvalue() and "5/10" in out.getvalue()
True
>>> progress_for(io.StringIO()) is None  # not a terminal: no bar
True
"""

from __future__ import annotations

import math
import time
from typing import TextIO

__all__ = ["ProgressBar", "progress_for"]

_WIDTH = 24
# Redrawing more often than this only costs terminal bandwidth; a human sees ~10 updates/s.
_MIN_INTERVAL_S = 0.1
_CLEAR_LINE = "\r\x1b[K"


class ProgressBar:
    """Draws ``stage [#####.....] done/total`` on one line of a terminal stream.

    Args:
        stream: Where to draw (a terminal; the CLI uses stderr).
        width: Bar width in characters.
        min_interval: Seconds between redraws (the last step of a stage always draws).
    """

    def __init__(
        self, stream: TextIO, *, width: int = _WIDTH, min_interval: float = _MIN_INTERVAL_S
    ) -> None:
        self.stream = stream
        self.width = width
        self.min_interval = min_interval
        # Never drawn: the first call always draws. A start at 0.0 held the first call back
        # on a machine up for less than ``min_interval`` (the monotonic clock may start at
        # boot).
        self._last = -math.inf
        self._drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` steps of ``stage`` are finished (total 0: unknown)."""
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and now - self._last < self.min_interval:
            return
        self._last = now
        if total > 0:
            filled = min(self.width, self.width * done // total)
            bar = "#" * filled + "." * (self.width - filled)
            line = f"{stage:<8} [{bar}] {done}/{total}"
        else:
            line = f"{stage:<8} {done}"
        self.stream.write(_CLEAR_LINE + line)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the bar so the next output starts on a clean line."""
        if self._drawn:
            self.stream.write(_CLEAR_LINE)
            self.stream.flush()
            self._drawn = False


def progress_for(stream: TextIO, *, enabled: bool | None = None) -> ProgressBar | None:
    """A bar drawing on ``stream`` if it is a terminal (or ``enabled`` forces it), else ``None``.

    Args:
        stream: The stream to draw on (normally ``sys.stderr``).
        enabled: ``True``/``False`` force the bar on/off; ``None`` asks ``stream.isatty()``.
    """
    if enabled is None:
        isatty = getattr(stream, "isatty", None)
        enabled = bool(isatty and isatty())
    return ProgressBar(stream) if enabled else None
