"""A guard that stops the real control plane if the test process dies without cleaning up.

``RealApiServer`` stops its processes in ``stop()`` or, failing that, in a finalizer at
interpreter exit. Neither runs when the test process is killed (SIGTERM's default action,
SIGKILL, a CI timeout), which left etcd and kube-apiserver running with their temp dir. The
guard is a small separate process that reads the process groups and directories to clean
from a pipe: when the pipe closes without a ``done`` line (its writer died), it terminates
the groups and removes the directories.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["OrphanGuard"]

_GUARD = r"""
import os, shutil, signal, sys, time
groups, dirs = [], []
for line in sys.stdin:
    kind, _, value = line.strip().partition(" ")
    if kind == "group":
        groups.append(int(value))
    elif kind == "dir":
        dirs.append(value)
    elif kind == "done":
        sys.exit(0)
for sig in (signal.SIGTERM, signal.SIGKILL):
    alive = False
    for group in groups:
        try:
            os.killpg(group, sig)
            alive = True
        except (ProcessLookupError, PermissionError):
            pass
    if not alive:
        break
    time.sleep(2.0)
for path in dirs:
    shutil.rmtree(path, ignore_errors=True)
"""


class OrphanGuard:
    """Watches over process groups and directories for as long as this process lives."""

    def __init__(self) -> None:
        # Its own session: a signal to the test's process group does not reach it first.
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _GUARD], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def _send(self, line: str) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, ValueError):  # the guard is gone: nothing to tell it
            pass

    def track_group(self, pgid: int) -> None:
        """Terminate this process group if the test process dies."""
        self._send(f"group {pgid}")

    def track_dir(self, path: Path) -> None:
        """Remove this directory if the test process dies."""
        self._send(f"dir {path}")

    def close(self) -> None:
        """Everything was cleaned up normally: let the guard exit without acting."""
        self._send("done")
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
