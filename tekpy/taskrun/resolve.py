"""The TaskSpec a TaskRun runs: every ``$(...)`` variable the controller knows, replaced.

:func:`resolve_task_spec` applies, as Tekton's TaskRun reconciler does before building the
Pod: params (the run's values over the declared defaults, undeclared run params propagated),
``context.taskRun.*`` / ``context.task.*``, ``workspaces.<w>.path|bound|claim|volume``
(per-step ``mountPath`` overrides of isolated workspaces first), ``results.<r>.path``,
``step.results.<r>.path``, ``steps.<s>.exitCode.path``, ``(step.)artifacts.path``,
``credentials.path`` and the original API's resource paths. It uses the substitution
functions of :mod:`tekpy.api` (one pass; inserted values are never re-scanned).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import orjson

from tekpy.api.converter import unstructure
from tekpy.api.errors import ErrorList
from tekpy.api.substitution import add_legacy_param_aliases, param_replacements, substitute
from tekpy.api.types import (
    ParamValue,
    PipelineResource,
    PipelineResourceSpec,
    Step,
    StepAction,
    StepActionSpec,
    TaskRun,
    TaskSpec,
    WorkspaceDeclaration,
)
from tekpy.api.variables import (
    legacy_resource_variables,
    step_result_paths,
    task_path_variables,
    task_run_context,
    workspace_variables,
)
from tekpy.taskrun.config import PodBuilderConfig
from tekpy.taskrun.names import step_container_name
from tekpy.taskrun.podbuilder.resources import (
    add_resource_steps,
    bound_resources,
    resource_values,
)
from tekpy.taskrun.podbuilder.volumes import ARTIFACTS_DIR, CREDS_DIR, STEPS_DIR
from tekpy.taskrun.podbuilder.workspaces import effective_bindings, workspace_volumes
from tekpy.taskrun.stepactions import inline_step_actions

__all__ = ["prepare_task_spec", "resolve_task_spec"]

# fields of a TaskSpec that are not run, hence not substituted
_SKIP = ("params", "results", "description", "displayName", "resources")


def _step_pass(step: Step, index: int, spec: TaskSpec) -> Step:
    r = step_result_paths(step, index)
    d = step_container_name(step.name, index)
    r.add("step.artifacts.path", f"{STEPS_DIR}/{d}/artifacts/provenance.json")
    declared = {w.name for w in spec.workspaces}
    for u in step.workspaces:
        if u.mount_path and u.name in declared:
            r.add(f"workspaces.{u.name}.path", u.mount_path)
    # substitute() round-trips the whole step: skip steps that use none of these variables
    text = orjson.dumps(unstructure(step)).decode()
    if not any(f"$({key}" in text for key in r.strings):
        return step
    out, _ = substitute(step, r)
    return out


def resolve_task_spec(taskrun: TaskRun, spec: TaskSpec, *, task_name: str = "",
                      resource_values: Mapping[str, Mapping[str, str]] | None = None,
                      artifacts: bool = False) -> tuple[TaskSpec, ErrorList]:
    """The TaskSpec with variables replaced, and errors for references nothing matched.

    ``task_name`` is the Task's name for ``$(context.task.name)`` (the ``taskRef`` name by
    default). ``resource_values`` gives the original API's resource params
    (``{resource: {url: ...}}``). Unmatched references stay in the text, as in Tekton.
    ``artifacts`` is the ``enable-artifacts`` feature flag (off by default, as in Tekton):
    when on, ``$(steps.<s>.inputs|outputs.<a>)`` are left for the entrypoint; when off, each
    is reported with Tekton's message for the disabled flag (the text is left as written).
    """
    meta = taskrun.metadata
    retries = len(taskrun.status.retries_status) if taskrun.status is not None else 0
    if not task_name and taskrun.spec.task_ref is not None:
        task_name = taskrun.spec.task_ref.name
    given: dict[str, ParamValue] = {p.name: p.value for p in taskrun.spec.params}
    r = add_legacy_param_aliases(param_replacements(spec.params, given))
    r.update(task_run_context(name=str(meta.get("name", "")),
                              namespace=str(meta.get("namespace", "")),
                              uid=str(meta.get("uid", "")), task_name=task_name,
                              retry_count=retries))
    bindings, _ = effective_bindings(taskrun, spec)
    vols = workspace_volumes(bindings)
    by_name = {b.name: b for b in bindings}
    declared = list(spec.workspaces)
    names = {w.name for w in declared}
    for b in bindings:
        if b.name not in names:
            declared.append(WorkspaceDeclaration(name=b.name))
    r.update(workspace_variables(declared, by_name,
                                 {k: str(vol["name"]) for k, vol in vols.items()}))
    r.update(task_path_variables([res.name for res in spec.results], spec.steps))
    r.add("artifacts.path", f"{ARTIFACTS_DIR}/provenance.json")
    r.add("credentials.path", CREDS_DIR)
    r.update(legacy_resource_variables(spec.resources, resource_values))
    steps = [_step_pass(s, i, spec) for i, s in enumerate(spec.steps)]
    staged = attrs.evolve(spec, steps=steps)
    return substitute(staged, r, skip=_SKIP, artifacts=artifacts)


def prepare_task_spec(taskrun: TaskRun, spec: TaskSpec, config: PodBuilderConfig | None = None,
                      *, task_name: str = "",
                      step_actions: Mapping[str, StepAction | StepActionSpec] | None = None,
                      resources: Mapping[str, PipelineResource | PipelineResourceSpec]
                      | None = None) -> tuple[TaskSpec, ErrorList]:
    """Everything between a fetched TaskSpec and :func:`~tekpy.taskrun.build_pod`.

    StepAction references are inlined (``step_actions`` by name), the original API's
    ``git``/``image`` resources become steps (``resources``: PipelineResources by name), then
    :func:`resolve_task_spec` replaces the variables. Raises
    :class:`~tekpy.taskrun.PodBuildError` for an unresolvable reference.
    """
    cfg = config or PodBuilderConfig()
    spec = inline_step_actions(spec, taskrun, step_actions or {})
    bound = bound_resources(taskrun, spec, resources or {})
    spec = add_resource_steps(spec, bound, cfg)
    # the gate applies here too: a spec admitted before the flag was turned off, or one that
    # was never validated (an inline spec built in code), still gets Tekton's message
    return resolve_task_spec(taskrun, spec, task_name=task_name,
                             resource_values=resource_values(bound),
                             artifacts=cfg.feature_flags.enable_artifacts)
