"""Resolving a TaskSpec for one TaskRun: every TaskRun-level variable, in one pass.

:func:`apply_task_run` is what the TaskRun reconciler calls before building the Pod. It
substitutes params (given values over declared defaults; object params merged), context
variables, workspace variables (a step's or sidecar's own ``workspaces[].mountPath``
overrides ``$(workspaces.<w>.path)`` inside that container), result and step-result paths,
step exit-code paths and artifact paths.

Tekton runs these as successive passes, so a param value containing ``$(context...)`` would
be expanded by a later pass; tekpy runs them as one pass, so text that came from a value is
never expanded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from tekpy.api.errors import ErrorList
from tekpy.api.substitution import (
    Replacements,
    add_legacy_param_aliases,
    param_replacements,
    substitute,
)
from tekpy.api.types import Param, ParamSpec, Sidecar, Step, TaskSpec, WorkspaceBinding
from tekpy.api.variables import (
    step_dir_name,
    step_result_paths,
    task_path_variables,
    task_run_context,
    workspace_variables,
)

__all__ = ["apply_task_run", "task_run_replacements"]

ARTIFACTS_DIR = "/tekton/artifacts"


def task_run_replacements(
    spec: TaskSpec,
    *,
    params: Sequence[Param],
    name: str,
    namespace: str,
    uid: str,
    task_name: str,
    retry_count: int = 0,
    bindings: Sequence[WorkspaceBinding] = (),
    volume_names: Mapping[str, str] | None = None,
    param_specs: Sequence[ParamSpec] | None = None,
) -> Replacements:
    """The replacements shared by every container of the TaskRun's Pod."""
    given = {p.name: p.value for p in params}
    r = param_replacements(spec.params if param_specs is None else param_specs, given)
    add_legacy_param_aliases(r)
    r.update(task_run_context(name=name, namespace=namespace, uid=uid, task_name=task_name,
                              retry_count=retry_count))
    r.update(workspace_variables(spec.workspaces, {b.name: b for b in bindings}, volume_names))
    r.update(task_path_variables([res.name for res in spec.results], spec.steps))
    r.add("artifacts.path", f"{ARTIFACTS_DIR}/provenance.json")
    return r


def _container_overrides(base: Replacements, container: Step | Sidecar) -> Replacements:
    if not container.workspaces:
        return base
    r = Replacements().update(base)
    for usage in container.workspaces:
        if usage.mount_path:
            r.add(f"workspaces.{usage.name}.path", usage.mount_path)
    return r


def apply_task_run(spec: TaskSpec, replacements: Replacements) -> tuple[TaskSpec, ErrorList]:
    """The TaskSpec with every variable resolved, and errors for unknown references.

    Error paths are relative to the TaskSpec (``steps[0].script``).
    """
    errors = ErrorList()
    steps = []
    for i, step in enumerate(spec.steps):
        r = _container_overrides(replacements, step)
        per_step = Replacements().update(r).update(step_result_paths(step, i))
        per_step.add("step.artifacts.path",
                     f"/tekton/steps/{step_dir_name(step, i)}/artifacts/provenance.json")
        new, errs = substitute(step, per_step)
        steps.append(new)
        errors.add(errs.via_index(i).via_field("steps"))
    sidecars = []
    for i, sidecar in enumerate(spec.sidecars):
        new_sc, errs = substitute(sidecar, _container_overrides(replacements, sidecar))
        sidecars.append(new_sc)
        errors.add(errs.via_index(i).via_field("sidecars"))
    rest = attrs.evolve(spec, steps=[], sidecars=[])
    # declarations (param defaults, result descriptions) are not substituted, as in Tekton
    new_rest, errs = substitute(rest, replacements,
                                skip=("params", "results", "description", "displayName"))
    errors.add(errs)
    return attrs.evolve(new_rest, steps=steps, sidecars=sidecars), errors
