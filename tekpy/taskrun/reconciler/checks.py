"""Checks of a TaskRun before its Pod is made: the object alone, then run + resolved Task.

Each returns ``(reason, message)`` for the first problem (Tekton's reasons), or None. The
reconciler ends the run with it: such a run never gets better by retrying.
"""

from __future__ import annotations

from tekpy.api import Config, validate
from tekpy.api.runchecks import (
    check_enum_params,
    check_spec_overrides,
    check_task_params,
    check_task_workspaces,
)
from tekpy.api.types import TaskRun, TaskSpec, WorkspaceDeclaration
from tekpy.taskrun import reasons

__all__ = ["check_resolved", "check_taskrun"]


def check_taskrun(tr: TaskRun, config: Config) -> tuple[str, str] | None:
    """Admission validation (run here too, for clusters without `tekpy webhook`): the message
    lists every problem with its field path, as Tekton's webhook would."""
    errors = validate(tr, config, defaulted=True)
    if not errors:
        return None
    return reasons.FAILED_VALIDATION, f"invalid TaskRun: {errors}"


def check_resolved(tr: TaskRun, spec: TaskSpec, task_name: str, config: Config
                   ) -> tuple[str, str] | None:
    """Params given and typed, enum values, workspace bindings and step/sidecar overrides
    against the resolved TaskSpec (Tekton's ``prepare``)."""
    problem = check_task_params(task_name, spec.params, tr.spec.params)
    if problem:
        return reasons.FAILED_VALIDATION, problem
    if config.feature_flags.enable_param_enum:
        problem = check_enum_params(tr.spec.params, spec.params)
        if problem:
            return reasons.INVALID_PARAM_VALUE, problem
    decls = list(spec.workspaces)
    if tr.spec.task_spec is not None:
        # propagated workspaces: an embedded spec may use bindings it does not declare
        declared = {d.name for d in decls}
        decls += [WorkspaceDeclaration(name=b.name) for b in tr.spec.workspaces
                  if b.name not in declared]
    problem = check_task_workspaces(decls, tr.spec.workspaces)
    if problem:
        return reasons.FAILED_VALIDATION, problem
    problem = check_spec_overrides(spec, [s.name for s in tr.spec.step_specs],
                                   [s.name for s in tr.spec.sidecar_specs])
    if problem:
        return reasons.FAILED_VALIDATION, problem
    return None
