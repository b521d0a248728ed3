"""tekpy.taskrun's stable interface: what the reconciler (the shell) needs is exported from
the package, and the reconciler imports nothing from the core's internal modules."""

from __future__ import annotations

import ast
from pathlib import Path

import tekpy.taskrun as core
from tekpy.taskrun.names import SIDECAR_PREFIX, STEP_PREFIX
from tekpy.taskrun.podbuilder.volumes import CANCEL_ANNOTATION, CANCEL_VALUE
from tekpy.taskrun.status.conditions import mark_running, parse_time
from tekpy.taskrun.status.steps import sidecar_state
from tekpy.taskrun.stepactions import inline_step_actions

RECONCILER = Path(core.__file__).parent / "reconciler"


def test_the_reconciler_needs_are_exported_and_are_the_same_objects() -> None:
    expected = {
        "inline_step_actions": inline_step_actions,
        "sidecar_state": sidecar_state,
        "mark_running": mark_running,
        "parse_time": parse_time,
        "SIDECAR_PREFIX": SIDECAR_PREFIX,
        "STEP_PREFIX": STEP_PREFIX,
        "CANCEL_ANNOTATION": CANCEL_ANNOTATION,
        "CANCEL_VALUE": CANCEL_VALUE,
    }
    for name, obj in expected.items():
        assert name in core.__all__, name
        assert getattr(core, name) is obj, name


def test_all_lists_only_real_documented_names() -> None:
    assert len(set(core.__all__)) == len(core.__all__)
    doc = core.__doc__ or ""
    for name in core.__all__:
        assert hasattr(core, name), name
        # every exported name is described in the package docstring
        assert f"`{name}`" in doc or name in ("BuiltPod", "reasons"), name


def _core_imports(path: Path) -> list[str]:
    """Modules of tekpy.taskrun (outside the reconciler) that ``path`` imports from."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [m for m in names if m.startswith("tekpy.taskrun.")
                and not m.startswith("tekpy.taskrun.reconciler")]
    return out


def test_the_reconciler_imports_the_core_only_through_the_package() -> None:
    files = sorted(RECONCILER.glob("*.py"))
    assert files
    deep = {f.name: _core_imports(f) for f in files}
    assert {k: v for k, v in deep.items() if v} == {}
