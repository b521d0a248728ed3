"""Status derivation: step states, sidecars and results from termination messages."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from status_support import NOW, cond, cs, pod, taskrun, term

from tekpy.api import structure
from tekpy.api.types import TaskSpec
from tekpy.taskrun import derive_status
from tekpy.taskrun.status.results import parse_termination_message


def _spec(**kw: Any) -> TaskSpec:
    return structure(kw, TaskSpec)


def test_step_states_take_start_exit_code_and_reason_from_the_message() -> None:
    msg_a = [{"key": "StartedAt", "value": "2026-01-02T03:00:30.123Z", "type": 3}]
    msg_b = [{"key": "ExitCode", "value": "3", "type": 3},
             {"key": "StartedAt", "value": "2026-01-02T03:00:40.000+00:00", "type": 3}]
    msg_c = [{"key": "Reason", "value": "Skipped", "type": 3}]
    p = pod("Succeeded", [cs("step-a", term(0, "Completed", msg_a)),
                          cs("step-b", term(0, "Completed", msg_b)),
                          cs("step-c", term(1, "Error", msg_c))])
    status, errors = derive_status(taskrun(), p, None, NOW)
    assert not errors
    a, b, c = status["steps"]
    assert a == {"terminated": {"exitCode": 0, "reason": "Completed",
                                "startedAt": "2026-01-02T03:00:30Z",
                                "finishedAt": "2026-01-02T03:01:00Z"},
                 "name": "a", "container": "step-a", "imageID": "docker://step-a@sha256:1",
                 "terminationReason": "Completed"}
    assert b["terminated"]["exitCode"] == 3 and b["terminationReason"] == "Continued"
    assert b["terminated"]["startedAt"] == "2026-01-02T03:00:40Z"
    assert c["terminationReason"] == "Skipped"


def test_steps_follow_the_pod_container_order_and_sidecars_are_listed() -> None:
    p = pod("Running", [cs("step-first", {"running": {"startedAt": "x"}}),
                        cs("sidecar-db", {"running": {"startedAt": "x"}}),
                        cs("step-second", {"waiting": {"reason": "PodInitializing"}})])
    # statuses arrive in another order than the spec's containers
    p["status"]["containerStatuses"].reverse()
    status, _ = derive_status(taskrun(), p, None, NOW)
    assert [s["name"] for s in status["steps"]] == ["first", "second"]
    assert status["steps"][1]["waiting"] == {"reason": "PodInitializing"}
    assert status["sidecars"] == [{"running": {"startedAt": "x"}, "name": "db",
                                   "container": "sidecar-db",
                                   "imageID": "docker://sidecar-db@sha256:1"}]


def test_results_of_every_type() -> None:
    spec = _spec(results=[{"name": "s", "type": "string"}, {"name": "arr", "type": "array"},
                          {"name": "obj", "type": "object",
                           "properties": {"k": {"type": "string"}}},
                          {"name": "from-step", "value": "$(steps.a.results.sr)"}],
                 steps=[{"name": "a", "results": [{"name": "sr"}]}])
    msg = [{"key": "s", "value": "[not json", "type": 1},
           {"key": "arr", "value": '["x","y"]', "type": 1},
           {"key": "obj", "value": '{"k":"v"}', "type": 1},
           {"key": "sr", "value": "from a step", "type": 4},
           {"key": "StartedAt", "value": "2026-01-02T03:00:30.000Z", "type": 3}]
    p = pod("Succeeded", [cs("step-a", term(0, "Completed", msg))])
    status, errors = derive_status(taskrun(), p, spec, NOW)
    assert not errors
    assert cond(status)[0] == "True"
    assert status["results"] == [
        {"name": "arr", "type": "array", "value": ["x", "y"]},
        {"name": "obj", "type": "object", "value": {"k": "v"}},
        {"name": "s", "type": "string", "value": "[not json"},
        {"name": "from-step", "type": "string", "value": "from a step"}]
    step = status["steps"][0]
    assert step["results"] == [{"name": "sr", "type": "string", "value": "from a step"}]
    # internal entries leave the message kept in the status, results stay
    kept = json.loads(step["terminated"]["message"])
    assert [e["key"] for e in kept] == ["arr", "obj", "s", "sr"]


def test_results_are_reported_only_once_the_run_is_done() -> None:
    spec = _spec(results=[{"name": "r"}], steps=[{"name": "a"}, {"name": "b"}])
    msg = [{"key": "r", "value": "v", "type": 1}]
    p = pod("Running", [cs("step-a", term(0, "Completed", msg)),
                        cs("step-b", {"running": {"startedAt": "x"}})])
    status, _ = derive_status(taskrun(), p, spec, NOW)
    assert "results" not in status
    p = pod("Succeeded", [cs("step-a", term(0, "Completed", msg)), cs("step-b", term(0))])
    status, _ = derive_status(taskrun(), p, spec, NOW)
    assert status["results"] == [{"name": "r", "type": "string", "value": "v"}]


def test_a_result_of_the_wrong_type_fails_the_run() -> None:
    spec = _spec(results=[{"name": "arr", "type": "array"}])
    msg = [{"key": "arr", "value": '{"a":"b"}', "type": 1}]
    status, _ = derive_status(taskrun(), pod("Succeeded", [cs("step-a", term(0, "", msg))]),
                              spec, NOW)
    assert cond(status) == (
        "False", "TaskRunValidationFailed",
        "[User error] Provided results don't match declared results; may be invalid JSON or "
        'missing result declaration:  "arr": task result is expected to be "array" type but '
        'was initialized to a different type "object"')
    assert "results" not in status


def test_an_object_result_missing_a_declared_key_fails_the_run() -> None:
    spec = _spec(results=[{"name": "o", "type": "object",
                           "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}])
    msg = [{"key": "o", "value": '{"a":"1"}', "type": 1}]
    status, _ = derive_status(taskrun(), pod("Succeeded", [cs("step-a", term(0, "", msg))]),
                              spec, NOW)
    assert cond(status) == ("False", "TaskRunValidationFailed",
                            "[User error] missing keys for these results which are required "
                            "in TaskResult's properties map[o:[b]]")


def test_a_missing_declared_result_fails_only_on_request() -> None:
    spec = _spec(results=[{"name": "made"}, {"name": "never"}])
    msg = [{"key": "made", "value": "x", "type": 1}]
    p = pod("Succeeded", [cs("step-a", term(0, "", msg))])
    status, _ = derive_status(taskrun(), p, spec, NOW)
    assert cond(status)[0] == "True"  # Tekton: only a consumer of the result fails
    status, _ = derive_status(taskrun(), p, spec, NOW, fail_on_missing_results=True)
    assert cond(status) == ("False", "TaskRunValidationFailed",
                            "declared results were not produced: never")


def test_compressed_and_malformed_messages() -> None:
    raw = json.dumps([{"key": "r", "value": "v", "type": 1}]).encode()
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = "tknz:" + base64.b64encode(z.compress(raw) + z.flush()).decode().rstrip("=")
    assert parse_termination_message(packed)[0].value == "v"
    p = pod("Succeeded", [cs("step-a", term(0, "", "not json"))])
    status, errors = derive_status(taskrun(), p, None, NOW)
    assert errors and errors[0].startswith("parsing message json")
    assert status["steps"][0]["terminated"]["message"] == "not json"


def test_duplicate_keys_keep_the_last_and_results_dedupe_by_name() -> None:
    entries = parse_termination_message(json.dumps([
        {"key": "b", "value": "1", "type": 1}, {"key": "a", "value": "x", "type": 1},
        {"key": "b", "value": "2", "type": 1}, {"key": "t", "value": "y", "type": "StepResult"}]))
    assert [(e.key, e.value, e.type) for e in entries] == [("a", "x", 1), ("b", "2", 1),
                                                            ("t", "y", 4)]
    spec = _spec(results=[{"name": "r"}], steps=[{"name": "a"}, {"name": "b"}])
    p = pod("Succeeded", [cs("step-a", term(0, "", [{"key": "r", "value": "1", "type": 1}])),
                          cs("step-b", term(0, "", [{"key": "r", "value": "2", "type": 1}]))])
    status, _ = derive_status(taskrun(), p, spec, NOW)
    assert status["results"] == [{"name": "r", "type": "string", "value": "2"}]


def test_reads_what_the_entrypoint_writes(tmp_path: Any) -> None:
    """The termination message written by tekpy_entrypoint (plain and compressed) is read
    back with its results, start time and exit code."""
    from tekpy_entrypoint import termination as ep

    entries = [ep.RunResult("StartedAt", "2026-01-02T03:00:30.123Z", ep.INTERNAL_TEKTON_RESULT),
               ep.RunResult("ExitCode", "1", ep.INTERNAL_TEKTON_RESULT),
               ep.RunResult("out", '["a","b"]', ep.TASK_RUN_RESULT),
               ep.RunResult("sr", "x" * 300, ep.STEP_RESULT)]
    spec = _spec(results=[{"name": "out", "type": "array"}],
                 steps=[{"name": "a", "results": [{"name": "sr"}], "onError": "continue"}])
    for compressed in (False, True):
        path = tmp_path / f"termination-{compressed}"
        ep.write_message(str(path), entries, compressed=compressed)
        text = path.read_text()
        assert text.startswith("tknz:") is compressed
        p = pod("Succeeded", [cs("step-a", term(0, "Completed", text))])
        status, errors = derive_status(taskrun(), p, spec, NOW)
        assert not errors
        (step,) = status["steps"]
        assert step["terminated"]["startedAt"] == "2026-01-02T03:00:30Z"
        assert step["terminated"]["exitCode"] == 1
        assert step["terminationReason"] == "Continued"
        assert step["results"] == [{"name": "sr", "type": "string", "value": "x" * 300}]
        assert status["results"] == [{"name": "out", "type": "array", "value": ["a", "b"]}]
