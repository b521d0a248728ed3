"""Step handoff latency: post file written -> the next step's command running.

Measures tekpy's inotify waiter and, in the same run, a 1 s polling waiter (what Tekton's
entrypoint does: ``TEKPY_ENTRYPOINT_WAITER=poll``, ``TEKPY_ENTRYPOINT_POLL_INTERVAL=1s``).

Each trial starts a real entrypoint process for step 1 (``-wait_file run/0/out``) whose command
is ``sh -c 'echo > FIFO'``; once the process is waiting, the benchmark creates run/0/out and
times until it reads from the FIFO, i.e. until the step's command runs. For the polling waiter
the file is written at a random moment of the polling period, as it would be in a Pod.

    .venv/bin/python benchmarks/entrypoint_handoff.py [--ours 50] [--polling 5]
        [--binary out/entrypoint/entrypoint]   # default: python -m tekpy_entrypoint
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _inotify_armed(pid: int) -> bool:
    try:
        for name in os.listdir(f"/proc/{pid}/fdinfo"):
            with open(f"/proc/{pid}/fdinfo/{name}") as f:
                if "inotify wd:" in f.read():
                    return True
    except OSError:
        pass
    return False


def _wait(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.001)


def trial(cmd: list[str], env: dict[str, str], polling_period: float | None) -> float:
    """One handoff; returns seconds from writing the post file to the command running."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "run" / "0").mkdir(parents=True)
        fifo = root / "fifo"
        os.mkfifo(fifo)
        args = [
            *cmd,
            "-wait_file", str(root / "run" / "0" / "out"),
            "-post_file", str(root / "run" / "1" / "out"),
            "-termination_path", str(root / "termination"),
            "-step_metadata_dir", str(root / "run" / "1" / "status"),
            "-cancel_file", str(root / "cancel"),
            "-entrypoint", "sh", "--", "-c", f"echo > {fifo}",
        ]
        proc = subprocess.Popen(args, env=env)
        arrived: list[int] = []

        def reader() -> None:
            with open(fifo, "rb") as f:
                f.read()
            arrived.append(time.monotonic_ns())

        t = threading.Thread(target=reader)
        t.start()
        if polling_period is None:
            _wait(lambda: _inotify_armed(proc.pid))
        else:
            _wait(lambda: (root / "run" / "1" / "status").is_dir())
            time.sleep(random.uniform(0, polling_period))  # a random phase of the poll
        start = time.monotonic_ns()
        with open(root / "run" / "0" / "out", "w"):
            pass
        t.join(timeout=30)
        proc.wait(timeout=30)
        if not arrived or proc.returncode != 0:
            raise RuntimeError(f"step failed (rc={proc.returncode})")
        return (arrived[0] - start) / 1e9


# The floor: a process that only waits with inotify (the same waiter) and then spawns the
# command, with no entrypoint logic around it. What remains above it is the entrypoint's own
# cost; the floor itself is the machine's wake-up and process start-up latency.
_FLOOR = r"""
import os, sys
sys.path.insert(0, sys.argv[3])
from tekpy_entrypoint import waiter
waiter.wait_file(sys.argv[1])
pid = os.posix_spawnp("sh", ["sh", "-c", "echo > " + sys.argv[2]], os.environ)
os.waitpid(pid, 0)
"""


def floor_trial() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fifo = root / "fifo"
        os.mkfifo(fifo)
        proc = subprocess.Popen(
            [sys.executable, "-c", _FLOOR, str(root / "out"), str(fifo), str(ROOT)]
        )
        arrived: list[int] = []

        def reader() -> None:
            with open(fifo, "rb") as f:
                f.read()
            arrived.append(time.monotonic_ns())

        t = threading.Thread(target=reader)
        t.start()
        _wait(lambda: _inotify_armed(proc.pid))
        start = time.monotonic_ns()
        with open(root / "out", "w"):
            pass
        t.join(timeout=30)
        proc.wait(timeout=30)
        return (arrived[0] - start) / 1e9


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{name:<28} n={len(values):<3} p50={statistics.median(values) * 1000:8.2f} ms"
        f"  p95={p95 * 1000:8.2f} ms  max={ordered[-1] * 1000:8.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", type=int, default=50)
    parser.add_argument("--polling", type=int, default=5)
    parser.add_argument("--binary", help="packaged entrypoint (default: python -m)")
    args = parser.parse_args()
    cmd = [args.binary] if args.binary else [sys.executable, "-m", "tekpy_entrypoint"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TEKPY_ENTRYPOINT_WAITER", None)
    poll_env = {**env, "TEKPY_ENTRYPOINT_WAITER": "poll", "TEKPY_ENTRYPOINT_POLL_INTERVAL": "1s"}
    ours: list[float] = []
    floor: list[float] = []
    for _ in range(args.ours):  # interleaved, so that both see the same machine load
        ours.append(trial(cmd, env, None))
        floor.append(floor_trial())
    polling = [trial(cmd, poll_env, 1.0) for _ in range(args.polling)]
    print(f"entrypoint: {' '.join(cmd)}; load average {os.getloadavg()[0]:.1f}")
    print(summary("floor: bare waiter + spawn", floor))
    print(summary("tekpy (inotify)", ours))
    print(summary("1 s polling (Tekton)", polling))
    p50 = statistics.median(ours)
    print(f"entrypoint above the floor (p50): {(p50 - statistics.median(floor)) * 1000:.2f} ms")
    print(f"p50 ratio polling/inotify: {statistics.median(polling) / p50:.0f}x")


if __name__ == "__main__":
    main()
