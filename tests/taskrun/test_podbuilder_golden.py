"""Golden tests: the Pod of every TaskRun in Tekton's v1 examples.

Goldens are tekpy's own output, committed under ``golden/``; regenerate them with
``TEKPY_UPDATE_GOLDENS=1`` after an intended change and review the diff.
"""

from __future__ import annotations

import json

import pytest
from taskrun_support import (
    EXAMPLES,
    GOLDEN_DIR,
    UPDATE,
    build_example,
    example_cases,
    golden_path,
)

if not EXAMPLES.is_dir():
    pytest.skip(f"Tekton's examples are not checked out at {EXAMPLES}", allow_module_level=True)

CASES = example_cases()


def _dump(doc: object) -> str:
    return json.dumps(doc, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(("rel", "index"), CASES, ids=[f"{r}#{i}" for r, i in CASES])
def test_pod_matches_golden(rel: str, index: int) -> None:
    doc = build_example(rel, index)
    path = golden_path(rel, index)
    text = _dump(doc)
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden {path.name}: run with TEKPY_UPDATE_GOLDENS=1"
    assert text == path.read_text(), f"Pod of {rel}#{index} differs from {path.name}"


def test_every_golden_has_a_case() -> None:
    """No stale golden files are left behind by renamed or removed examples."""
    expected = {golden_path(r, i).name for r, i in CASES}
    assert {p.name for p in GOLDEN_DIR.glob("*.json")} <= expected


def test_building_is_deterministic() -> None:
    rel, index = CASES[0]
    assert build_example(rel, index) == build_example(rel, index)


def test_the_entrypoint_accepts_every_step_command_line() -> None:
    """Every step of every golden Pod parses with tekpy_entrypoint's flag parser."""
    from tekpy_entrypoint import flags

    checked = 0
    for path in sorted(GOLDEN_DIR.glob("*.json")):
        doc = json.loads(path.read_text())
        for c in (doc.get("pod") or {}).get("spec", {}).get("containers", []):
            if not c["name"].startswith("step-"):
                continue
            opts = flags.parse(c["args"])
            assert opts.post_file.startswith("/tekton/run/"), path.name
            assert opts.positional == [], (path.name, opts.positional)
            args = c["args"]
            assert opts.command_args == args[args.index("--") + 1:], path.name
            if "-entrypoint" in args:
                assert opts.entrypoint == args[args.index("-entrypoint") + 1]
            checked += 1
    assert checked > 100
