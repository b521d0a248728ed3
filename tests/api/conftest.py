"""Fixtures of the API model tests: the shared example trees (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TEKTON_EXAMPLES = SHARED / "tekton-examples" / "v1"
SEED_EXAMPLES = SHARED / "seed-examples"


def _need(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared test data lives beside the repository)")
    return path


@pytest.fixture
def tekton_examples() -> Path:
    """``../shared/tekton-examples/v1`` (skips when absent)."""
    return _need(TEKTON_EXAMPLES)


@pytest.fixture
def seed_examples() -> Path:
    """``../shared/seed-examples`` (skips when absent)."""
    return _need(SEED_EXAMPLES)
