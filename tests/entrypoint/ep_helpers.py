"""Helpers of the entrypoint tests: real entrypoint processes in a temporary /tekton root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Poll ``condition`` until truthy, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.005)


def is_waiting_on_inotify(pid: int) -> bool:
    """True once the process holds an inotify watch, i.e. blocks in the inotify waiter."""
    fd_dir = f"/proc/{pid}/fdinfo"
    try:
        for name in os.listdir(fd_dir):
            with open(os.path.join(fd_dir, name)) as f:
                if "inotify wd:" in f.read():
                    return True
    except OSError:
        return False
    return False


class Tekton:
    """A temporary Tekton root and a launcher of entrypoint processes inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "TEKPY_TEKTON_ROOT": str(root),
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("TEKPY_ENTRYPOINT_WAITER", None)

    def run_dir(self, i: int) -> Path:
        return self.root / "run" / str(i)

    def step_args(self, i: int, *, wait: bool = True, results: str = "") -> list[str]:
        """Flags the Pod builder gives step ``i`` (Tekton's layout)."""
        args = []
        if wait and i > 0:
            args += ["-wait_file", str(self.run_dir(i - 1) / "out")]
        args += [
            "-post_file", str(self.run_dir(i) / "out"),
            "-termination_path", str(self.root / f"termination-{i}"),
            "-step_metadata_dir", str(self.run_dir(i) / "status"),
        ]
        if results:
            args += ["-results", results]
        return args

    def start(
        self, args: list[str], *, env: dict[str, str] | None = None, **kwargs: object
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tekpy_entrypoint", *args],
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,  # type: ignore[call-overload]
        )

    def run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        proc = self.start(args, **kwargs)  # type: ignore[arg-type]
        out, err = proc.communicate(timeout=60)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def message(self, i: int) -> list[dict[str, object]]:
        """The parsed termination message of step ``i``."""
        return list(json.loads((self.root / f"termination-{i}").read_text()))

    def internal(self, i: int) -> dict[str, object]:
        """Step ``i``'s type-3 (InternalTektonResult) entries as a dict."""
        return {e["key"]: e["value"] for e in self.message(i) if e.get("type") == 3}  # type: ignore[misc]
