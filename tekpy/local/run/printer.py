"""Where ``tekpy run`` writes its lines: one stream, each line flushed at once, with an
optional colour for terminals."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Printer"]

_COLOURS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}


class Printer:
    """Writes whole lines to ``stream``; ``elapsed()`` is the time since the run began."""

    def __init__(self, stream: TextIO, *, colour: bool | None = None,
                 started: float | None = None) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.colour = self.tty if colour is None else colour
        self.started = time.monotonic() if started is None else started

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def paint(self, text: str, colour: str) -> str:
        """``text`` in ``colour`` on a terminal, unchanged otherwise."""
        if not self.colour or colour not in _COLOURS:
            return text
        return f"\033[{_COLOURS[colour]}m{text}\033[0m"

    def line(self, text: str) -> None:
        # One write per line keeps lines whole when logs and progress interleave.
        self.stream.write(text + "\n")
        self.stream.flush()
