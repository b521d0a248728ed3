"""Splitting a byte stream into newline-delimited lines of unbounded (but capped) length.

Watch responses are one JSON document per line, and one line holds a whole object (up to
the server's maximum object size, a few MiB). aiohttp's ``readline`` caps lines at its
buffer limit (64-128 KiB), which is the classic failure of Python watchers; this splitter
works on raw chunks and only rejects a line longer than ``max_line_bytes``.
"""

from __future__ import annotations

__all__ = ["LineTooLongError", "LineSplitter", "DEFAULT_MAX_LINE_BYTES"]

# kube-apiserver accepts request bodies up to 3 MiB and etcd objects up to 1.5 MiB by
# default; a watch line wraps one object, so 16 MiB leaves ample room for raised limits.
DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024


class LineTooLongError(ValueError):
    """A line exceeded the splitter's ``max_line_bytes``."""


class LineSplitter:
    """Incremental splitter: :meth:`feed` chunks, get back the complete lines (without the
    newline; empty lines are dropped). Bytes after the last newline wait for the next chunk.
    """

    __slots__ = ("_buf", "_max")

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line_bytes

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add ``chunk`` and return every line it completed, in order."""
        if not chunk:
            return []
        if not self._buf:
            # Fast path: the common case is whole lines per chunk, no copying of the buffer.
            start = chunk.rfind(b"\n")
            if start < 0:
                self._append(chunk)
                return []
            if start + 1 < len(chunk):
                self._append(chunk[start + 1 :])
            lines = [line for line in chunk[:start].split(b"\n") if line]
            if start > self._max:
                self._check(lines)
            return lines
        nl = chunk.rfind(b"\n")
        if nl < 0:
            self._append(chunk)
            return []
        # Only the first line continues the buffered bytes: join just that one, not the
        # whole chunk (chunks are up to hundreds of KiB).
        first = chunk.find(b"\n")
        head = bytes(self._buf) + chunk[:first]
        self._buf.clear()
        self._append(chunk[nl + 1 :])
        lines = [head] if head else []
        if first < nl:
            lines += [line for line in chunk[first + 1 : nl].split(b"\n") if line]
        self._check(lines)
        return lines

    def tail(self) -> bytes:
        """Bytes received after the last newline (a final line without terminator)."""
        return bytes(self._buf)

    def _check(self, lines: list[bytes]) -> None:
        for line in lines:
            if len(line) > self._max:
                raise LineTooLongError(f"line of {len(line)} bytes exceeds {self._max}")

    def _append(self, data: bytes) -> None:
        if len(self._buf) + len(data) > self._max:
            raise LineTooLongError(
                f"line of more than {len(self._buf) + len(data)} bytes exceeds {self._max}"
            )
        self._buf += data
