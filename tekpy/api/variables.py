"""Builders of :class:`~tekpy.api.substitution.Replacements` for Tekton's variables.

Each function covers one family of variables and returns a ``Replacements`` the caller
merges (``r.update(...)``) before substituting a TaskSpec or a PipelineTask:

- :func:`task_run_context` -- ``context.taskRun.name|namespace|uid|retry-count``,
  ``context.task.name|retry-count``;
- :func:`pipeline_run_context` -- ``context.pipelineRun.name|namespace|uid``,
  ``context.pipeline.name``, ``context.pipelineTask.retries``;
- :func:`workspace_variables` -- ``workspaces.<w>.path|bound|claim|volume``;
- :func:`task_path_variables` -- ``results.<r>.path``, ``step.results.<r>.path``
  and ``steps.step-<s>.exitCode.path``;
- :func:`task_status_variables` -- ``tasks.<t>.status|reason`` and ``tasks.status``;
- :func:`task_result_variables` -- ``tasks.<t>.results.<r>`` (string, array, object, ``[*]``);
- :func:`matrix_length_variables` -- ``tasks.<t>.matrix.length`` and
  ``tasks.<t>.matrix.<r>.length``;
- :func:`task_artifact_variables` -- ``tasks.<t>.inputs|outputs.<a>`` and
  ``tasks.<t>.inputs|outputs`` (the first artifact), from finished TaskRuns' artifacts;
- :func:`legacy_resource_variables` -- the original API's ``inputs.resources.<r>.path``,
  ``outputs.resources.<r>.path`` and ``resources.inputs|outputs.<r>.path``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tekpy.api.substitution import Replacements, go_json
from tekpy.api.types import ParamValue, Step, TaskResources, WorkspaceBinding, WorkspaceDeclaration

__all__ = [
    "RESULTS_DIR",
    "legacy_resource_variables",
    "matrix_length_variables",
    "pipeline_run_context",
    "step_dir_name",
    "task_artifact_variables",
    "task_path_variables",
    "task_result_variables",
    "task_run_context",
    "task_status_variables",
    "workspace_variables",
]

RESULTS_DIR = "/tekton/results"
STEPS_DIR = "/tekton/steps"


def task_run_context(*, name: str, namespace: str, uid: str, task_name: str,
                     retry_count: int = 0) -> Replacements:
    """Variables about the TaskRun and its Task."""
    r = Replacements()
    r.add("context.taskRun.name", name)
    r.add("context.taskRun.namespace", namespace)
    r.add("context.taskRun.uid", uid)
    r.add("context.taskRun.retry-count", str(retry_count))
    r.add("context.task.name", task_name)
    r.add("context.task.retry-count", str(retry_count))
    return r


def pipeline_run_context(*, name: str, namespace: str, uid: str, pipeline_name: str,
                         pipeline_task_retries: int | None = None) -> Replacements:
    """Variables about the PipelineRun, its Pipeline and (optionally) one PipelineTask."""
    r = Replacements()
    r.add("context.pipelineRun.name", name)
    r.add("context.pipelineRun.namespace", namespace)
    r.add("context.pipelineRun.uid", uid)
    r.add("context.pipeline.name", pipeline_name)
    if pipeline_task_retries is not None:
        r.add("context.pipelineTask.retries", str(pipeline_task_retries))
    return r


def workspace_variables(declared: Sequence[WorkspaceDeclaration],
                        bindings: Mapping[str, WorkspaceBinding],
                        volume_names: Mapping[str, str] | None = None) -> Replacements:
    """``path`` (mount path, empty for an unbound optional workspace), ``bound``,
    ``claim`` (the PVC's claimName, else empty) and ``volume`` (the pod volume name)."""
    r = Replacements()
    for ws in declared:
        b = bindings.get(ws.name)
        bound = b is not None
        r.add(f"workspaces.{ws.name}.bound", "true" if bound else "false")
        r.add(f"workspaces.{ws.name}.path", ws.get_mount_path() if bound or not ws.optional
              else "")
        claim = ""
        if b is not None and b.persistent_volume_claim:
            claim = str(b.persistent_volume_claim.get("claimName", ""))
        r.add(f"workspaces.{ws.name}.claim", claim)
        r.add(f"workspaces.{ws.name}.volume", (volume_names or {}).get(ws.name, ws.name))
    return r


def step_dir_name(step: Step, index: int) -> str:
    """The step's directory/container name: ``step-<name>`` or ``step-unnamed-<i>``."""
    return f"step-{step.name}" if step.name else f"step-unnamed-{index}"


def task_path_variables(result_names: Sequence[str], steps: Sequence[Step]) -> Replacements:
    """Paths of task results, step results and step exit codes."""
    r = Replacements()
    for name in result_names:
        r.add(f"results.{name}.path", f"{RESULTS_DIR}/{name}")
    for i, step in enumerate(steps):
        d = step_dir_name(step, i)
        r.add(f"steps.{d}.exitCode.path", f"{STEPS_DIR}/{d}/exitCode")
        for res in step.results:
            # step.results.<r>.path is relative to the step that uses it; callers substitute
            # step by step with this family
            r.add(f"steps.{d}.results.{res.name}.path", f"{STEPS_DIR}/{d}/results/{res.name}")
    return r


def step_result_paths(step: Step, index: int) -> Replacements:
    """``step.results.<r>.path`` for one step."""
    r = Replacements()
    d = step_dir_name(step, index)
    for res in step.results:
        r.add(f"step.results.{res.name}.path", f"{STEPS_DIR}/{d}/results/{res.name}")
    return r


def task_status_variables(statuses: Mapping[str, tuple[str, str]], aggregate: str
                          ) -> Replacements:
    """``tasks.<t>.status`` / ``tasks.<t>.reason`` from ``{task: (status, reason)}``,
    and the aggregate ``tasks.status``."""
    r = Replacements()
    for task, (status, reason) in statuses.items():
        r.add(f"tasks.{task}.status", status)
        r.add(f"tasks.{task}.reason", reason)
    r.add("tasks.status", aggregate)
    return r


def task_result_variables(results: Mapping[str, Mapping[str, ParamValue]]) -> Replacements:
    """``tasks.<t>.results.<r>`` from ``{task: {result: value}}`` (any of the 3 types)."""
    r = Replacements()
    for task, values in results.items():
        for name, value in values.items():
            r.add(f"tasks.{task}.results.{name}", value)
    return r


def matrix_length_variables(task: str, combinations: int,
                            result_lengths: Mapping[str, int] | None = None) -> Replacements:
    """``tasks.<t>.matrix.length`` and ``tasks.<t>.matrix.<r>.length``."""
    r = Replacements()
    r.add(f"tasks.{task}.matrix.length", str(combinations))
    for name, n in (result_lengths or {}).items():
        r.add(f"tasks.{task}.matrix.{name}.length", str(n))
    return r


def _artifact_values_json(values: Any) -> str:
    """An artifact's ``values`` as Tekton marshals them: ``null`` when absent, each value
    ``{"digest": {...}, "uri": ...}`` with empty fields omitted and digest keys sorted."""
    if not isinstance(values, list):
        return "null"
    out: list[dict[str, Any]] = []
    for v in values:
        item: dict[str, Any] = {}
        if isinstance(v, Mapping):
            digest = v.get("digest")
            if isinstance(digest, Mapping) and digest:
                item["digest"] = {str(k): str(digest[k]) for k in sorted(digest)}
            if v.get("uri"):
                item["uri"] = str(v["uri"])
        out.append(item)
    return go_json(out)


def task_artifact_variables(artifacts: Mapping[str, Mapping[str, Any] | None]) -> Replacements:
    """Artifacts of finished tasks for the tasks that consume them, as Tekton's PipelineRun
    reconciler propagates them: ``tasks.<t>.inputs.<a>`` / ``tasks.<t>.outputs.<a>`` are the
    artifact's values as JSON text, and ``tasks.<t>.inputs`` / ``tasks.<t>.outputs`` those
    of the first one. ``artifacts`` maps a pipeline task to its TaskRun's
    ``status.artifacts`` (``{"inputs": [...], "outputs": [...]}``)."""
    r = Replacements()
    for task, arts in artifacts.items():
        if not arts:
            continue
        for kind in ("inputs", "outputs"):
            entries = arts.get(kind) or []
            for i, art in enumerate(entries):
                if not isinstance(art, Mapping):
                    continue
                text = _artifact_values_json(art.get("values"))
                r.add(f"tasks.{task}.{kind}.{art.get('name', '')}", text)
                if i == 0:
                    r.add(f"tasks.{task}.{kind}", text)
    return r


def legacy_resource_variables(resources: TaskResources | None,
                              values: Mapping[str, Mapping[str, str]] | None = None
                              ) -> Replacements:
    """The original API's resource variables.

    Inputs live in ``/workspace/<name>`` (or ``targetPath``), outputs in
    ``/workspace/output/<name>``; ``values`` adds resource params (``{res: {url: ...}}``)
    as ``inputs.resources.<r>.<param>``.
    """
    r = Replacements()
    if resources is None:
        return r
    for res in resources.inputs:
        path = "/workspace/" + (res.target_path or res.name)
        r.add(f"inputs.resources.{res.name}.path", path)
        r.add(f"resources.inputs.{res.name}.path", path)
        for k, v in (values or {}).get(res.name, {}).items():
            r.add(f"inputs.resources.{res.name}.{k}", v)
            r.add(f"resources.inputs.{res.name}.{k}", v)
    for res in resources.outputs:
        path = f"/workspace/output/{res.name}"
        r.add(f"outputs.resources.{res.name}.path", path)
        r.add(f"resources.outputs.{res.name}.path", path)
        for k, v in (values or {}).get(res.name, {}).items():
            r.add(f"outputs.resources.{res.name}.{k}", v)
            r.add(f"resources.outputs.{res.name}.{k}", v)
    return r
