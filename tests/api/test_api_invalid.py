"""A table of invalid specifications with the exact field paths and messages Tekton reports."""

from __future__ import annotations

import pytest
from invalid_cases import CASES

from tekpy.api import Config, parse_documents, validate


@pytest.mark.parametrize(("doc", "flags", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_invalid_spec(doc: str, flags: dict[str, str], expected: set[tuple[str, str]]) -> None:
    (parsed,) = parse_documents(doc)
    assert not parsed.errors
    defaults = {k: v for k, v in flags.items() if k.startswith("default-")}
    features = {k: v for k, v in flags.items() if not k.startswith("default-")}
    errors = validate(parsed.obj, Config.from_maps(defaults, features))
    assert set(errors.flat()) == expected


def test_table_covers_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
