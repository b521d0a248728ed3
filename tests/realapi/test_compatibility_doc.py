"""Every waived difference between the servers is written down in docs/compatibility.md."""

from __future__ import annotations

from pathlib import Path

from realapi_known import KNOWN_DIFFERENCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"


def test_known_differences_are_documented() -> None:
    text = DOC.read_text()
    missing = [name for name in KNOWN_DIFFERENCES if f"`{name}`" not in text]
    assert not missing, f"xfail scenarios not listed in {DOC.name}: {missing}"
