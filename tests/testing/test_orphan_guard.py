"""``OrphanGuard`` (used by the real kube-apiserver tier): when the process that started the
control plane is killed outright, its process groups are terminated and its temp dir
removed; after a normal ``close()`` nothing is touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

OWNER = r"""
import subprocess, sys
from pathlib import Path
from tekpy.testing.realapi.orphans import OrphanGuard
guard = OrphanGuard()
child = subprocess.Popen(["sleep", "60"], start_new_session=True)
guard.track_group(child.pid)
guard.track_dir(Path(sys.argv[1]))
if sys.argv[2] == "close":
    guard.close()
print(child.pid, flush=True)
sys.stdin.read()  # until the test kills us
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (its parent is gone, so init reaps it soon) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def _owner(tmp: Path, mode: str) -> tuple[subprocess.Popen[str], int]:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp), mode],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    return owner, int(owner.stdout.readline())


def _wait(condition: Callable[[], bool], within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_owner_leaves_no_process_and_no_directory(tmp_path: Path) -> None:
    work = tmp_path / "control-plane"
    work.mkdir()
    owner, child = _owner(work, "keep")
    assert _alive(child)
    owner.send_signal(signal.SIGKILL)  # no finalizer, no atexit
    owner.wait()
    assert _wait(lambda: not _alive(child)), "the orphaned group is still running"
    assert _wait(lambda: not work.exists()), "the temp dir is still there"


def test_after_close_the_guard_leaves_everything_alone(tmp_path: Path) -> None:
    work = tmp_path / "control-plane"
    work.mkdir()
    owner, child = _owner(work, "close")
    try:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        time.sleep(0.5)  # the guard, had it acted, would have signalled at once
        assert _alive(child) and work.exists()
    finally:
        os.killpg(child, signal.SIGKILL)
