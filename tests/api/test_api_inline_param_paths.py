"""Field paths of param-usage errors in embedded specs, exactly as Tekton reports them.

Tekton checks a run's inline params *beside* the embedded spec (propagated params may be
declared only on the run), so those paths lack the embedded field: a TaskRun's
``taskSpec`` step reports ``spec.steps[0]...`` and a PipelineRun's ``pipelineSpec`` task step
reports ``spec.steps[0]...`` too (Tekton's {taskrun,pipelinerun,pipeline}_validation_test.go
in pkg/apis/pipeline/v1). A Pipeline's own check is per task, ``spec.tasks[0].steps[0]...``
(no ``taskSpec``). Checks of the embedded spec itself carry the embedded field
(``spec.taskSpec.steps[0].name``), so an array param declared by the ``taskSpec`` and misused
is reported at both paths, as Tekton merges them into one line.
"""

from __future__ import annotations

import pytest

from tekpy.api import Config, parse_documents, validate

_BAD_STEP = "{name: s, image: busybox, script: 'echo $(params.missing)'}"
_MSG = 'non-existent variable in "echo $(params.missing)"'
_ARRAY_MSG = 'variable type invalid in "echo $(params.a)"'
_TR = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n"
_PR = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: pr}\nspec:\n"
_P = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n"
_OK_TASK = "{name: ok, taskSpec: {steps: [{name: s, image: busybox}]}}"

CASES = [
    ("taskrun-taskspec-script", _TR + f"  taskSpec:\n    steps: [{_BAD_STEP}]\n",
     {("spec.steps[0].script", _MSG)}),
    ("taskrun-taskspec-second-step",
     _TR + f"  taskSpec:\n    steps: [{{name: a, image: x}}, {_BAD_STEP}]\n",
     {("spec.steps[1].script", _MSG)}),
    ("taskrun-taskspec-args",
     _TR + "  taskSpec:\n    steps: [{name: s, image: x, args: ['$(params.w[*])']}]\n",
     {("spec.steps[0].args[0]", 'non-existent variable in "$(params.w[*])"')}),
    ("taskrun-propagated-param-is-fine",
     _TR + f"  params: [{{name: missing, value: v}}]\n  taskSpec:\n    steps: [{_BAD_STEP}]\n",
     set()),
    ("taskrun-taskspec-structural-error-keeps-taskSpec",
     _TR + "  taskSpec:\n    steps: [{name: Bad_Name, image: x}]\n",
     {("spec.taskSpec.steps[0].name", 'invalid value "Bad_Name"')}),
    ("pipelinerun-pipelinespec-task-script",
     _PR + f"  pipelineSpec:\n    tasks: [{{name: a, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     {("spec.steps[0].script", _MSG)}),
    ("pipelinerun-pipelinespec-second-task",
     _PR + f"  pipelineSpec:\n    tasks: [{_OK_TASK}, "
           f"{{name: b, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     {("spec.steps[0].script", _MSG)}),
    ("pipelinerun-propagated-param-is-fine",
     _PR + "  params: [{name: missing, value: v}]\n"
           f"  pipelineSpec:\n    tasks: [{{name: a, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     set()),
    # Tekton's inline check walks pipelineSpec.tasks only, and the Pipeline-object check
    # (which covers finally) does not run for an embedded pipelineSpec
    ("pipelinerun-pipelinespec-finally-is-not-checked",
     _PR + f"  pipelineSpec:\n    tasks: [{_OK_TASK}]\n"
           f"    finally: [{{name: f, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     set()),
    # the run's combined specs also drive Tekton's array-usage check (ValidateParameterVariables)
    ("taskrun-propagated-array-used-as-string",
     _TR + "  params: [{name: a, value: [x]}]\n  taskSpec:\n"
           "    steps: [{name: s, image: x, script: 'echo $(params.a)',\n"
           "             args: ['x$(params.a[*])']}]\n",
     {("spec.steps[0].script", _ARRAY_MSG),
      ("spec.steps[0].args[0]", 'variable is not properly isolated in "x$(params.a[*])"')}),
    ("taskrun-declared-array-reported-in-and-beside-taskSpec",
     _TR + "  taskSpec:\n    params: [{name: a, type: array}]\n"
           "    steps: [{name: s, image: x, script: 'echo $(params.a)'}]\n",
     {("spec.taskSpec.steps[0].script", _ARRAY_MSG), ("spec.steps[0].script", _ARRAY_MSG)}),
    ("taskrun-propagated-array-isolated-is-fine",
     _TR + "  params: [{name: a, value: [x]}]\n  taskSpec:\n"
           "    steps: [{name: s, image: x, args: ['$(params.a[*])']}]\n",
     set()),
    ("pipelinerun-propagated-array-used-as-string",
     _PR + "  params: [{name: a, value: [x]}]\n  pipelineSpec:\n"
           "    tasks: [{name: t, taskSpec: {steps: [{name: s, image: x, "
           "script: 'echo $(params.a)'}]}}]\n",
     {("spec.steps[0].script", _ARRAY_MSG)}),
    ("pipelinerun-task-param-array-used-as-string",
     _PR + "  pipelineSpec:\n    tasks: [{name: t, params: [{name: a, value: [x]}], "
           "taskSpec: {steps: [{name: s, image: x, script: 'echo $(params.a)'}]}}]\n",
     {("spec.steps[0].script", _ARRAY_MSG)}),
    ("pipeline-task-script",
     _P + f"  tasks: [{{name: a, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     {("spec.tasks[0].steps[0].script", _MSG)}),
    ("pipeline-second-task-script",
     _P + f"  tasks: [{_OK_TASK}, {{name: b, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     {("spec.tasks[1].steps[0].script", _MSG)}),
    ("pipeline-finally-script",
     _P + f"  tasks: [{_OK_TASK}]\n"
          f"  finally: [{{name: f, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     {("spec.finally[0].steps[0].script", _MSG)}),
    ("pipeline-param-declared-by-pipeline-is-fine",
     _P + "  params: [{name: missing}]\n"
          f"  tasks: [{{name: a, taskSpec: {{steps: [{_BAD_STEP}]}}}}]\n",
     set()),
]


@pytest.mark.parametrize(("doc", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_param_usage_paths_in_embedded_specs(doc: str, expected: set[tuple[str, str]]) -> None:
    (parsed,) = parse_documents(doc)
    assert not parsed.errors
    errors = validate(parsed.obj, Config.from_maps({}, {}))
    assert set(errors.flat()) == expected
