"""The summary and progress renderings, on hand-written run objects (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.local.run.progress import step_state
from tekpy.local.run.summary import duration, render_json, succeeded


@pytest.mark.parametrize(("step", "expected"), [
    ({"name": "a", "waiting": {"reason": "PodInitializing"}}, None),
    ({"name": "a", "running": {"startedAt": "2026-01-01T00:00:00Z"}}, "running"),
    ({"name": "a", "terminated": {"exitCode": 0, "reason": "Completed"}}, "succeeded"),
    ({"name": "a", "terminated": {"exitCode": 3, "reason": "Error"}}, "failed (exit 3)"),
    ({"name": "a", "terminated": {"exitCode": 137, "reason": "TaskRunCancelled"}},
     "failed (exit 137, TaskRunCancelled)"),
    ({"name": "a", "terminated": {"exitCode": 0, "reason": "TaskRunTimeout"}},
     "TaskRunTimeout"),
], ids=["waiting", "running", "ok", "error", "cancelled", "timeout-exit-0"])
def test_step_state(step: dict[str, Any], expected: str | None) -> None:
    assert step_state(step) == expected


@pytest.mark.parametrize(("status", "expected"), [
    ({}, "-"),
    ({"startTime": "2026-01-01T00:00:00Z"}, "..."),
    ({"startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:01:02Z"},
     "62.0s"),
])
def test_duration(status: dict[str, Any], expected: str) -> None:
    assert duration({"status": status}) == expected


def test_succeeded_reads_the_succeeded_condition_only() -> None:
    ok = {"status": {"conditions": [{"type": "Ready", "status": "False"},
                                    {"type": "Succeeded", "status": "True"}]}}
    assert succeeded(ok)
    assert not succeeded({"status": {"conditions": [{"type": "Succeeded",
                                                     "status": "Unknown"}]}})
    assert not succeeded(None)


def test_render_json_lists_the_objects_that_were_read() -> None:
    import json

    from tekpy.local.run.submit import RunRef

    obj = {"kind": "TaskRun", "metadata": {"name": "a"}, "status": {}}
    assert json.loads(render_json([(RunRef("TaskRun", "ns", "a"), obj),
                                   (RunRef("TaskRun", "ns", "b"), None)])) == [obj]
