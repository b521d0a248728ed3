"""Fixtures for the entrypoint tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ep_helpers import Tekton


@pytest.fixture
def tekton(tmp_path: Path) -> Iterator[Tekton]:
    t = Tekton(tmp_path / "tekton")
    (t.root / "results").mkdir(parents=True)
    (t.root / "downward").mkdir()
    yield t
