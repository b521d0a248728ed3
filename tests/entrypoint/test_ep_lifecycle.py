"""Timeout, cancellation and signal forwarding, with real process groups."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ep_helpers import Tekton, wait_for


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (absent, or a zombie waiting for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _grandchild_script(pidfile: Path) -> str:
    # The shell starts a grandchild in the same process group and records its pid.
    return f"sleep 300 & echo $! > {pidfile}.tmp; mv {pidfile}.tmp {pidfile}; wait"


def test_timeout_kills_the_process_group(tekton: Tekton) -> None:
    pidfile = tekton.root / "grandchild"
    started = time.monotonic()
    res = tekton.run(
        [
            *tekton.step_args(0), "-timeout", "500ms",
            "-entrypoint", "sh", "--", "-c", _grandchild_script(pidfile),
        ]
    )
    assert time.monotonic() - started < 30
    assert res.returncode == 1
    assert tekton.internal(0)["Reason"] == "TimeoutExceeded"
    assert (tekton.run_dir(0) / "out.err").exists()
    assert not (tekton.run_dir(0) / "status" / "exitCode").exists()
    grandchild = int(pidfile.read_text())
    wait_for(lambda: _gone(grandchild), what="the grandchild to be killed")


def test_cancel_file_with_content_kills_the_step(tekton: Tekton) -> None:
    pidfile = tekton.root / "grandchild"
    cancel = tekton.root / "downward" / "cancel"
    cancel.write_text("")  # the downward file exists empty until the annotation is set
    proc = tekton.start(
        [*tekton.step_args(0), "-entrypoint", "sh", "--", "-c", _grandchild_script(pidfile)]
    )
    wait_for(pidfile.exists, what="the step to start")
    cancel.write_text("CANCEL")
    assert proc.wait(timeout=30) == 9  # SIGKILL's number, as Tekton exits
    assert tekton.internal(0)["Reason"] == "Cancelled"
    assert (tekton.run_dir(0) / "out.err").exists()
    assert (tekton.run_dir(0) / "status" / "exitCode").read_text() == "killed"
    grandchild = int(pidfile.read_text())
    wait_for(lambda: _gone(grandchild), what="the grandchild to be killed")


def test_cancel_file_path_is_configurable(tekton: Tekton) -> None:
    cancel = tekton.root / "elsewhere" / "cancel"
    started = tekton.root / "started"
    proc = tekton.start(
        [
            *tekton.step_args(0), "-cancel_file", str(cancel),
            "-entrypoint", "sh", "--", "-c", f"touch {started}; sleep 300",
        ]
    )
    wait_for(started.exists, what="the step to start")
    cancel.parent.mkdir()
    cancel.write_text("CANCEL")
    assert proc.wait(timeout=30) == 9


def test_cancelled_before_start_does_not_run(tekton: Tekton) -> None:
    (tekton.root / "downward" / "cancel").write_text("CANCEL")
    marker = tekton.root / "ran"
    res = tekton.run([*tekton.step_args(0), "-entrypoint", "touch", "--", str(marker)])
    assert res.returncode == 9
    assert not marker.exists()
    assert tekton.internal(0)["Reason"] == "Cancelled"


def test_sigterm_is_forwarded_to_the_process_group(tekton: Tekton) -> None:
    ready = tekton.root / "ready"
    got = tekton.root / "got-term"
    pidfile = tekton.root / "grandchild"
    script = (
        f"trap 'echo term > {got}; exit 42' TERM; sleep 300 & echo $! > {pidfile};"
        f" touch {ready}; while :; do sleep 0.05; done"
    )
    proc = tekton.start([*tekton.step_args(0), "-entrypoint", "sh", "--", "-c", script])
    wait_for(ready.exists, what="the step to start")
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) == 42  # the entrypoint survives and reports the child's code
    assert got.read_text() == "term\n"
    assert (tekton.run_dir(0) / "out.err").exists()
    grandchild = int(pidfile.read_text())
    wait_for(lambda: _gone(grandchild), what="the grandchild to get SIGTERM")


def test_child_killed_by_a_signal_exits_255_like_go(tekton: Tekton) -> None:
    res = tekton.run(
        [
            *tekton.step_args(0), "-on_error", "continue",
            "-entrypoint", "sh", "--", "-c", "kill -9 $$",
        ]
    )
    assert res.returncode == 0
    assert tekton.internal(0)["ExitCode"] == "-1"
    res = tekton.run(
        [*tekton.step_args(1, wait=False), "-entrypoint", "sh", "--", "-c", "kill -9 $$"]
    )
    assert res.returncode == 255
