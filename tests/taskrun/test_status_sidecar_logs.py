"""``results-from: sidecar-logs``: parsing the results sidecar's log, and the status derived
from it (results once the sidecar has exited, step results, Tekton's size limit)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from status_support import NOW, cond, cs, pod, taskrun, term

from tekpy.api import structure
from tekpy.api.types import TaskSpec
from tekpy.taskrun import (
    RESULTS_CONTAINER,
    ResultTooLarge,
    RunResult,
    derive_status,
    parse_sidecar_log,
    results_log_ready,
)
from tekpy.taskrun.status.results import STEP_RESULT, TASK_RESULT


def _line(name: str, value: str, kind: str = "task") -> bytes:
    return json.dumps({"name": name, "value": value, "type": kind},
                      separators=(",", ":")).encode() + b"\n"


@pytest.mark.parametrize(("log", "limit", "want"), [
    pytest.param(b"", 4096, [], id="empty-log"),
    pytest.param(_line("r", "v"), 4096, [RunResult("r", "v", TASK_RESULT)], id="task-result"),
    pytest.param(_line("step-a.r", "v", "step"), 4096,
                 [RunResult("step-a.r", "v", STEP_RESULT)], id="step-result"),
    pytest.param(_line("a", "1") + _line("b", "line\n2"), 4096,
                 [RunResult("a", "1", TASK_RESULT), RunResult("b", "line\n2", TASK_RESULT)],
                 id="lines-in-order-escapes-decoded"),
    pytest.param(b'{"name":"c","value":"a\x01b","type":"task"}\n', 4096,
                 [RunResult("c", "a\x01b", TASK_RESULT)], id="raw-control-character-kept"),
    pytest.param(_line("r", "x" * 10), len(_line("r", "x" * 10)) - 1,
                 [RunResult("r", "x" * 10, TASK_RESULT)], id="line-at-the-limit"),
])
def test_parse_the_results_log(log: bytes, limit: int, want: list[RunResult]) -> None:
    assert parse_sidecar_log(log, limit) == want


@pytest.mark.parametrize(("log", "error", "match"), [
    pytest.param(_line("r", "x" * 10), ResultTooLarge,
                 r"^47 bytes results size exceeds configured limit of 30 bytes$",
                 id="line-over-the-limit"),
    pytest.param(b"not json\n", ValueError, "invalid result", id="not-json"),
    pytest.param(b"[1]\n", ValueError, "not an object", id="not-an-object"),
    pytest.param(_line("r", "v", "other"), ValueError, "invalid sidecar result type other",
                 id="unknown-type"),
])
def test_bad_results_logs(log: bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        parse_sidecar_log(log, 30 if error is ResultTooLarge else 4096)


def _spec(**kw: Any) -> TaskSpec:
    return structure(kw, TaskSpec)


SPEC = _spec(
    results=[{"name": "s"}, {"name": "arr", "type": "array"},
             {"name": "copy", "value": "$(steps.make.results.out)"}],
    steps=[{"name": "make", "image": "busybox", "results": [{"name": "out"}]}])
LOGGED = [RunResult("s", "big", TASK_RESULT), RunResult("arr", '["a","b"]', TASK_RESULT),
          RunResult("step-make.out", "from-step", STEP_RESULT)]
STEP_DONE = cs("step-make", term(0, "Completed"))


@pytest.mark.parametrize(("sidecar", "phase", "ready"), [
    pytest.param(term(0, "Completed"), "Succeeded", True, id="sidecar-exited"),
    pytest.param({"running": {"startedAt": "x"}}, "Running", False,
                 id="sidecar-still-printing"),
    pytest.param({"waiting": {"reason": "PodInitializing"}}, "Pending", False,
                 id="pod-pending"),
])
def test_the_run_is_done_only_after_the_results_sidecar(sidecar: dict[str, Any], phase: str,
                                                         ready: bool) -> None:
    p = pod(phase, [STEP_DONE, cs(RESULTS_CONTAINER, sidecar)])
    assert results_log_ready(p) is ready
    status, errors = derive_status(taskrun(), p, SPEC, NOW, logged=LOGGED if ready else [])
    assert not errors
    if ready:
        assert cond(status)[:2] == ("True", "Succeeded")
        assert status["results"] == [
            {"name": "s", "type": "string", "value": "big"},
            {"name": "arr", "type": "array", "value": ["a", "b"]},
            {"name": "copy", "type": "string", "value": "from-step"}]
        assert status["steps"][0]["results"] == [
            {"name": "out", "type": "string", "value": "from-step"}]
    else:
        assert cond(status)[0] == "Unknown" and "results" not in status


def test_a_pod_without_the_results_sidecar_has_no_results_log() -> None:
    p = pod("Succeeded", [STEP_DONE, cs("sidecar-db", {"running": {"startedAt": "x"}})])
    assert not results_log_ready(p)
    status, _ = derive_status(taskrun(), p, SPEC, NOW)
    assert cond(status)[:2] == ("True", "Succeeded")  # other sidecars are not waited for
