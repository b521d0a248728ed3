"""Start-up overhead of the packaged entrypoint in a python-less (busybox-only) root.

Each sample is one ``bwrap`` sandbox over a root holding only busybox and the entrypoint
(placed by its own ``init`` into /tekton/bin, as the ``prepare`` init container does). Samples
alternate between ``busybox true`` (the baseline: sandbox + process start) and the entrypoint
running ``true`` as a step, so both see the same load; the overhead is the difference of the
medians. Also measured: the first start that unpacks the runtime, and ``init``.

    .venv/bin/python benchmarks/entrypoint_startup.py [--n 30] [--build out/entrypoint]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bwrap(root: Path, *cmd: str, bin_ro: bool = True) -> list[str]:
    # Steps see /tekton/bin read-only, as in a Pod; the init container writes it.
    ro = ["--ro-bind", str(root / "tekton" / "bin"), "/tekton/bin"] if bin_ro else []
    return [
        "bwrap", "--bind", str(root), "/", "--proc", "/proc", "--dev", "/dev", "--unshare-all",
        "--clearenv", "--setenv", "PATH", "/bin", *ro, *cmd,
    ]


def _timed(cmd: list[str], cpu: list[float] | None = None) -> float:
    """Wall time of ``cmd``; appends its CPU time (user + system, all descendants) to ``cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--build", help="directory built by hack/build-entrypoint.sh")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(args.build) if args.build else Path(tmp) / "build"
        if not args.build:
            t = _timed([str(ROOT / "hack" / "build-entrypoint.sh"), str(build)])
            print(f"build: {t:.1f} s")
        root = Path(tmp) / "root"
        for d in ("bin", "ko-app", "tekton/bin", "tmp"):
            (root / d).mkdir(parents=True)
        shutil.copy(shutil.which("busybox") or "/bin/busybox", root / "bin" / "busybox")
        for applet in ("sh", "true"):
            (root / "bin" / applet).symlink_to("busybox")
        shutil.copy(build / "entrypoint", root / "ko-app" / "entrypoint")
        plain = _bwrap(root, "/bin/true")
        first = _timed(_bwrap(root, "/ko-app/entrypoint", "-termination_path", "/tmp/t0",
                              "-entrypoint", "/bin/true", "--"))
        init = _timed(_bwrap(root, "/ko-app/entrypoint", "init", "/ko-app/entrypoint",
                             "/tekton/bin/entrypoint", "step-a", bin_ro=False))
        # A fresh /tmp per run: a Pod's termination file starts empty.
        step = _bwrap(root, "--tmpfs", "/tmp", "/tekton/bin/entrypoint",
                      "-termination_path", "/tmp/t", "-post_file", "/tmp/run/0/out",
                      "-entrypoint", "/bin/true", "--")
        base: list[float] = []
        ours: list[float] = []
        for _ in range(args.n):
            base.append(_timed(plain))
            ours.append(_timed(step))
        # CPU time cannot be read through bwrap's pid namespace; the same executable run
        # directly (it uses only its own runtime) gives it.
        base_cpu: list[float] = []
        ours_cpu: list[float] = []
        direct = [
            str(root / "tekton" / "bin" / "entrypoint"),
            "-termination_path", str(Path(tmp) / "t"), "-entrypoint", "true", "--",
        ]
        for _ in range(args.n):
            _timed([str(root / "bin" / "busybox"), "true"], base_cpu)
            (Path(tmp) / "t").unlink(missing_ok=True)
            _timed(direct, ours_cpu)
        host_python = [
            _timed([sys.executable, "-I", "-S", "-c", "pass"]) for _ in range(min(args.n, 10))
        ]
    size = (build / "entrypoint").stat().st_size / 2**20
    b, o = statistics.median(base), statistics.median(ours)
    print(f"executable: {size:.1f} MiB; load average {os.getloadavg()[0]:.1f}")
    print(f"first start (unpacks the runtime): {first * 1000:.0f} ms; init: {init * 1000:.0f} ms")
    print(f"baseline busybox true in bwrap:  p50 {b * 1000:.1f} ms (n={len(base)})")
    print(f"entrypoint step running true:     p50 {o * 1000:.1f} ms (n={len(ours)})")
    print(f"start-up overhead (difference of medians): {(o - b) * 1000:.1f} ms")
    cpu = statistics.median(ours_cpu) - statistics.median(base_cpu)
    print(f"start-up overhead in CPU time (user+sys, less sensitive to load): {cpu * 1000:.1f} ms")
    ref = statistics.median(host_python) * 1000
    print(f"reference: host python -I -S -c pass p50 {ref:.1f} ms")


if __name__ == "__main__":
    main()
