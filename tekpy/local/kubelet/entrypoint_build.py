"""Finding the packaged step entrypoint, and building it in a source checkout.

Step containers run the entrypoint from the ``tekpy/entrypoint`` image, which locally is the
output of ``hack/build-entrypoint.sh`` (one self-contained executable; docs/entrypoint.md).
``tekpy run`` and ``tekpy kubelet`` call :func:`ensure_entrypoint_build` before starting, so
that a fresh checkout works with no separate build step: the build runs once (about 20 s)
and again only when its sources change, as ``make`` would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["EntrypointBuildError", "ensure_entrypoint_build", "find_entrypoint_build"]

SOURCE_ROOT = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = SOURCE_ROOT / "hack" / "build-entrypoint.sh"
DEFAULT_BUILD = SOURCE_ROOT / "out" / "entrypoint"
# What the build is made from: a change to any of these makes the build stale.
_SOURCES = (SOURCE_ROOT / "tekpy_entrypoint", SOURCE_ROOT / "hack" / "entrypoint", BUILD_SCRIPT)


class EntrypointBuildError(RuntimeError):
    """``hack/build-entrypoint.sh`` failed; the message ends with its last output lines."""


def find_entrypoint_build() -> Path | None:
    """``$TEKPY_ENTRYPOINT_BUILD``, else the checkout's ``out/entrypoint``, if built."""
    env = os.environ.get("TEKPY_ENTRYPOINT_BUILD")
    for candidate in ([Path(env)] if env else []) + [DEFAULT_BUILD]:
        if (candidate / "entrypoint").is_file():
            return candidate
    return None


def _newest_source_mtime() -> float:
    newest = 0.0
    for source in _SOURCES:
        if source.is_file():
            newest = max(newest, source.stat().st_mtime)
            continue
        for path in source.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


def _is_stale(build: Path) -> bool:
    exe = build / "entrypoint"
    return not exe.is_file() or exe.stat().st_mtime < _newest_source_mtime()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_entrypoint_build(explicit: Path | None = None, *,
                            say: Callable[[str], None] = _stderr) -> Path | None:
    """The entrypoint build to use: ``explicit`` or ``$TEKPY_ENTRYPOINT_BUILD`` as given;
    else, in a source checkout, ``out/entrypoint``, (re)built first when missing or older
    than its sources; else None (an installed tekpy without a build: the node agent then
    reports ``ErrImagePull`` for the entrypoint image, naming the build script).

    Raises :class:`EntrypointBuildError` when the build fails."""
    if explicit is not None:
        return explicit
    env = os.environ.get("TEKPY_ENTRYPOINT_BUILD")
    if env:
        return Path(env)
    if not BUILD_SCRIPT.is_file():
        return find_entrypoint_build()
    if _is_stale(DEFAULT_BUILD):
        say(f"building the step entrypoint into {DEFAULT_BUILD} (once; about 20 s)")
        proc = subprocess.run(["bash", str(BUILD_SCRIPT), str(DEFAULT_BUILD)],
                              capture_output=True, text=True, timeout=900, check=False)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
            raise EntrypointBuildError(
                f"hack/build-entrypoint.sh failed (exit {proc.returncode}):\n{tail}")
    return DEFAULT_BUILD
