"""docs/runtime.md documents every public name of every tekpy.runtime subpackage."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "runtime.md"
PACKAGES = [
    "tekpy.runtime.client",
    "tekpy.runtime.cache",
    "tekpy.runtime.workqueue",
    "tekpy.runtime.controller",
    "tekpy.runtime.manager",
    "tekpy.runtime.leaderelection",
    "tekpy.runtime.events",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_reference_names_every_public_name(package: str) -> None:
    text = GUIDE.read_text()
    section = text.split(f"### `{package}`", 1)
    assert len(section) == 2, f"no reference section for {package}"
    body = section[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body))
    missing = sorted(set(importlib.import_module(package).__all__) - documented)
    assert not missing, f"{package}: undocumented public names {missing}"
