"""Param spellings at resolution: Tekton's TaskRun param patterns include the original
API's ``inputs.params.<name>`` besides ``params.<name>``, whatever the Task's version."""

from __future__ import annotations

from typing import Any

import pytest
from taskrun_support import make_taskrun

from tekpy.taskrun import prepare_task_spec


@pytest.mark.parametrize(("script", "expected"), [
    ('echo $(( "$(inputs.params.a)" + "$(inputs.params.b)" ))', 'echo $(( "1" + "2" ))'),
    ("echo $(params.a) $(inputs.params.a)", "echo 1 1"),
    ("echo $(inputs.params.arr[1])", "echo y"),
    # object keys have no ``inputs`` alias in Tekton: left as written
    ("echo $(inputs.params.obj.k)", "echo $(inputs.params.obj.k)"),
])
def test_inputs_params_spelling_resolves(script: str, expected: str) -> None:
    spec: dict[str, Any] = {
        "params": [{"name": "a", "value": "1"}, {"name": "arr", "value": ["x", "y"]},
                   {"name": "obj", "value": {"k": "v"}}],
        "taskSpec": {
            "params": [{"name": "a"}, {"name": "b", "default": "2"},
                       {"name": "arr", "type": "array"},
                       {"name": "obj", "type": "object", "properties": {"k": {}}}],
            "steps": [{"name": "s", "image": "i", "script": script,
                       "args": ["$(inputs.params.arr[*])"]}]}}
    tr = make_taskrun(spec)
    assert tr.spec.task_spec is not None
    out, _ = prepare_task_spec(tr, tr.spec.task_spec)
    assert out.steps[0].script == expected
    assert out.steps[0].args == ["x", "y"]
