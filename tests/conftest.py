"""Shared test configuration: the sandbox and entrypoint fixtures every node-agent suite uses.

``bwrap`` skips a test only when bubblewrap cannot create namespaces here; ``entrypoint_build``
builds the packaged step entrypoint once per session (or takes ``$TEKPY_ENTRYPOINT_BUILD``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tekpy.local.kubelet import BwrapUnavailable, check_bwrap

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bwrap() -> str:
    """The bubblewrap executable, checked to work (else the test skips with the reason)."""
    try:
        return check_bwrap()
    except BwrapUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def entrypoint_build(bwrap: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of ``hack/build-entrypoint.sh``'s output, built once per session."""
    given = os.environ.get("TEKPY_ENTRYPOINT_BUILD")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("entrypoint-build")
    subprocess.run([str(ROOT / "hack" / "build-entrypoint.sh"), str(out)], check=True,
                   timeout=600, capture_output=True)
    return out
