"""Container log files in the CRI format, and reading them back the way the kubelet serves them.

Each container attempt writes ``pods/<uid>/logs/<container>/<restart>.log``; every line is
``<RFC 3339 time> <stdout|stderr> <F|P> <text>`` (``P``: a final line without newline).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["LogWriter", "format_line", "parse_line", "read_log", "tail_text"]

#: Reads are done in chunks of this size.
_CHUNK = 64 * 1024


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_line(stream: str, text: bytes, ts: str | None = None) -> bytes:
    """One CRI log line for ``text`` (with its newline, if any)."""
    full = text.endswith(b"\n")
    body = text[:-1] if full else text
    return f"{ts or _now()} {stream} {'F' if full else 'P'} ".encode() + body + b"\n"


def parse_line(line: bytes) -> tuple[str, str, bytes]:
    """``(timestamp, stream, content with its newline restored)`` of one stored line."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 4:
        return "", "stdout", line
    ts, stream, tag, body = parts
    return ts.decode(), stream.decode(), body + (b"\n" if tag == b"F" else b"")


class LogWriter:
    """Appends the lines of a container's stdout and stderr to its log file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self.changed = asyncio.Event()

    def write(self, stream: str, text: bytes) -> None:
        """Record ``text`` (one line, or a final partial line) from ``stream``."""
        os.write(self._fd, format_line(stream, text))
        self.changed.set()

    async def pump(self, reader: asyncio.StreamReader, stream: str) -> None:
        """Copy ``reader`` line by line until EOF (over-long lines are split)."""
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    self.write(stream, exc.partial)
                return
            except asyncio.LimitOverrunError as exc:
                line = await reader.readexactly(exc.consumed)
            self.write(stream, line)

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self.changed.set()


def _render(line: bytes, timestamps: bool) -> bytes:
    ts, _, body = parse_line(line)
    return (f"{ts} ".encode() + body) if timestamps else body


def tail_text(path: Path, lines: int, max_bytes: int) -> str:
    """The last ``lines`` lines of the log (at most ``max_bytes``, from the end), for
    ``FallbackToLogsOnError``."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    out = b"".join(parse_line(raw)[2] for raw in data.splitlines(keepends=True)[-lines:])
    return out[-max_bytes:].decode(errors="replace")


async def read_log(path: Path, *, follow: bool, tail: int | None, timestamps: bool,
                   since: datetime | None, limit_bytes: int | None,
                   running: Callable[[], bool],
                   changed: Callable[[], asyncio.Event | None]) -> AsyncIterator[bytes]:
    """Yield the rendered log; with ``follow``, keep yielding new lines while ``running()``.

    ``changed()`` returns the writer's event (or None), awaited between polls so that a
    follower wakes up as soon as a line is written.
    """
    sent = 0

    def keep(line: bytes) -> bool:
        if since is None:
            return True
        ts = parse_line(line)[0]
        try:
            return datetime.fromisoformat(ts.replace("Z", "+00:00")) >= since
        except ValueError:
            return True

    try:
        f = path.open("rb")
    except OSError:
        return
    with f:
        lines = f.read().splitlines(keepends=True)
        pending = b""
        if lines and not lines[-1].endswith(b"\n"):
            pending = lines.pop()
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        for line in lines:
            if not keep(line):
                continue
            chunk = _render(line, timestamps)
            if limit_bytes is not None and sent + len(chunk) > limit_bytes:
                yield chunk[: limit_bytes - sent]
                return
            sent += len(chunk)
            yield chunk
        if not follow:
            return
        while True:
            alive = running()
            data = pending + f.read(_CHUNK)
            parts = data.splitlines(keepends=True)
            pending = parts.pop() if parts and not parts[-1].endswith(b"\n") else b""
            for line in parts:
                chunk = _render(line, timestamps)
                if limit_bytes is not None and sent + len(chunk) > limit_bytes:
                    yield chunk[: limit_bytes - sent]
                    return
                sent += len(chunk)
                yield chunk
            if parts:
                continue
            if not alive:
                return
            ev = changed()
            if ev is not None:
                ev.clear()
                try:
                    await asyncio.wait_for(ev.wait(), 0.5)
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(0.2)
