"""Fixtures of the ``tekpy run`` tests: the packaged entrypoint (built once per session, or
``$TEKPY_ENTRYPOINT_BUILD``) and a helper running ``tekpy run`` as a real process. Tests
skip only when bubblewrap cannot create namespaces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from run_support import RunTekpy


@pytest.fixture
def run_env(entrypoint_build: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TEKPY_ENTRYPOINT_BUILD"] = str(entrypoint_build)
    env.pop("KUBECONFIG", None)
    return env


@pytest.fixture
def tekpy_run(bwrap: str, run_env: dict[str, str], tmp_path: Path) -> RunTekpy:
    """``tekpy_run(*args, timeout=...)``: ``tekpy run ARGS`` as a process, in local mode."""

    def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tekpy", "run", *args], cwd=tmp_path,
                              env=run_env, capture_output=True, text=True, timeout=timeout)

    return run

