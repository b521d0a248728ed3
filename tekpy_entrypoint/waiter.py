"""Waiting for files: inotify on Linux (through ctypes), polling elsewhere.

Tekton's entrypoint polls for its wait file once a second, so every step handoff costs up to a
second. Here a waiter watches the directory that will hold the file (or its nearest existing
ancestor, while the directory itself does not exist yet) and re-checks the condition on every
event, so a handoff takes as long as one inotify wake-up. A slow safety re-check still runs in
case a file system does not report events (network file systems).

``TEKPY_ENTRYPOINT_WAITER=poll`` forces polling and ``TEKPY_ENTRYPOINT_POLL_INTERVAL`` (a Go
duration) sets its interval; ``poll`` with ``1s`` is what Tekton's entrypoint does.
"""

from __future__ import annotations

import errno
import os
import select
import sys
import time

from .flags import parse_duration

# Not ``typing.TYPE_CHECKING``: importing typing (and with it re) costs every step start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import TypeVar

    T = TypeVar("T")

WAITER_ENV = "TEKPY_ENTRYPOINT_WAITER"
POLL_INTERVAL_ENV = "TEKPY_ENTRYPOINT_POLL_INTERVAL"
DEFAULT_POLL_INTERVAL = 0.05
# With inotify the condition is re-checked at least this often anyway.
SAFETY_RECHECK = 1.0

_IN_MODIFY = 0x2
_IN_ATTRIB = 0x4
_IN_CLOSE_WRITE = 0x8
_IN_MOVED_TO = 0x80
_IN_CREATE = 0x100
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_WATCH_MASK = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
)
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC


class _Inotify:
    """A minimal inotify handle: we never parse events, any event triggers a re-check."""

    def __init__(self) -> None:
        import ctypes  # imported lazily: it costs a few ms of start-up

        self._libc = ctypes.CDLL(None, use_errno=True)
        self._ctypes = ctypes
        fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        self.fd: int = fd
        self._watched: set[str] = set()

    def watch(self, paths: Iterable[str]) -> None:
        """Watch the directory of each path, or its deepest existing ancestor."""
        for path in paths:
            directory = os.path.dirname(os.path.abspath(path)) or "/"
            while not os.path.isdir(directory) and directory != "/":
                directory = os.path.dirname(directory)
            if directory in self._watched and os.path.isdir(directory):
                continue
            wd = self._libc.inotify_add_watch(self.fd, os.fsencode(directory), _WATCH_MASK)
            if wd >= 0:
                self._watched.add(directory)

    def drain(self) -> None:
        """Discard pending events; directories may have appeared, so re-arm on next watch()."""
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass
        self._watched.clear()

    def close(self) -> None:
        os.close(self.fd)


def inotify_enabled() -> bool:
    """Whether waiters use inotify (Linux, unless $TEKPY_ENTRYPOINT_WAITER=poll)."""
    return os.environ.get(WAITER_ENV, "inotify") != "poll" and sys.platform.startswith("linux")


def poll_interval() -> float:
    """The polling interval used when inotify is not in use."""
    raw = os.environ.get(POLL_INTERVAL_ENV)
    return parse_duration(raw) if raw else DEFAULT_POLL_INTERVAL


def wait_until(
    check: Callable[[], T | None],
    paths: list[str],
    *,
    stop_fd: int | None = None,
    deadline: float | None = None,
) -> T | None:
    """Block until ``check()`` returns a value other than None and return it.

    ``paths`` are the files whose appearance or change may change the answer. Returns None
    when ``stop_fd`` becomes readable or the monotonic ``deadline`` passes.
    """
    result = check()
    if result is not None:
        return result
    notifier: _Inotify | None = None
    if inotify_enabled():
        try:
            notifier = _Inotify()
        except (OSError, AttributeError):
            notifier = None
    interval = SAFETY_RECHECK if notifier is not None else poll_interval()
    try:
        while True:
            if notifier is not None:
                notifier.watch(paths)
                # The file may have appeared between the first check and arming the watch.
                result = check()
                if result is not None:
                    return result
            timeout = interval
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    return None
            fds = [fd for fd in (notifier.fd if notifier else None, stop_fd) if fd is not None]
            try:
                ready = select.select(fds, [], [], timeout)[0] if fds else []
                if not fds:
                    time.sleep(timeout)
            except OSError as exc:  # pragma: no cover - EINTR is retried by Python
                if exc.errno != errno.EINTR:
                    raise
                ready = []
            if stop_fd is not None and stop_fd in ready:
                return None
            if notifier is not None and notifier.fd in ready:
                notifier.drain()
            result = check()
            if result is not None:
                return result
    finally:
        if notifier is not None:
            notifier.close()


class SkipError(Exception):
    """The previous step failed (its ``.err`` file exists): this step is skipped."""

    def __init__(self) -> None:
        super().__init__("error file present, bail and skip the step")


class WaitError(Exception):
    """A wait file could not be checked (an error other than "does not exist")."""


def file_state(path: str, expect_content: bool, breakpoint_on_failure: bool) -> str | None:
    """One check of Tekton's wait condition: "ok", "err" (skip) or None (keep waiting)."""
    try:
        st = os.stat(path)
        if not expect_content or st.st_size > 0:
            return "ok"
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise WaitError(f'waiting for "{path}": {exc.strerror}') from exc
    if os.path.exists(path + ".err"):
        return "ok" if breakpoint_on_failure else "err"
    return None


def wait_file(
    path: str,
    *,
    expect_content: bool = False,
    breakpoint_on_failure: bool = False,
    stop_fd: int | None = None,
    deadline: float | None = None,
) -> bool:
    """Wait for ``path`` (with content when ``expect_content``) as Tekton's waiter does.

    Returns True once the file is there, False when stopped by ``stop_fd`` / ``deadline``.
    Raises SkipError when ``path + ".err"`` appears instead (unless ``breakpoint_on_failure``).
    """
    if not path:
        return True
    state = wait_until(
        lambda: file_state(path, expect_content, breakpoint_on_failure),
        [path],
        stop_fd=stop_fd,
        deadline=deadline,
    )
    if state == "err":
        raise SkipError()
    return state == "ok"
