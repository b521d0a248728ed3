"""Tekton's validation rules, with Tekton's messages and field paths.

:func:`validate` takes a model object and returns an :class:`~tekpy.api.errors.ErrorList`
(empty when valid). Like Tekton's webhook it defaults a copy first, then checks
``metadata`` and ``spec``; every problem is collected, not only the first.
"""

from __future__ import annotations

from typing import Any

from tekpy.api.config import Config
from tekpy.api.defaults import with_defaults
from tekpy.api.errors import ErrorList, err_generic, err_missing_field
from tekpy.api.types import (
    Pipeline,
    PipelineResource,
    PipelineRun,
    PipelineSpec,
    StepAction,
    Task,
    TaskRun,
    TektonCondition,
)
from tekpy.api.validation._ctx import Ctx, is_dns1123_subdomain
from tekpy.api.validation.legacy import (
    check_pipeline_resources,
    check_resource_bindings,
    check_resource_spec,
    check_task_resources,
)
from tekpy.api.validation.pipeline import validate_pipeline_spec, validate_pipeline_usage
from tekpy.api.validation.runs import validate_pipeline_run_spec, validate_task_run_spec
from tekpy.api.validation.stepaction import validate_step_action_spec
from tekpy.api.validation.task import (
    check_declared_param_usage,
    check_workspace_vars,
    validate_task_spec,
)
from tekpy.api.validation.unknown import unknown_fields

__all__ = ["Ctx", "validate", "validate_metadata"]


def validate_metadata(meta: dict[str, Any]) -> ErrorList:
    """Object name rules (paths relative to ``metadata``).

    A document with only ``generateName`` is checked as the server would name it.
    """
    name = str(meta.get("name") or "")
    if not name and meta.get("generateName"):
        name = str(meta["generateName"]) + "x"
    if not is_dns1123_subdomain(name):
        return err_generic(f'invalid resource name "{name}": must be a valid DNS label', "name")
    if len(name) > 63:
        return err_generic("Invalid resource name: length must be no more than 63 characters",
                           "name")
    return ErrorList()


def validate(obj: Any, config: Config | None = None, *, legacy: bool = False,
             defaulted: bool = False) -> ErrorList:
    """Validate a model object as Tekton's admission webhook would.

    ``legacy`` allows the original API's fields (set for objects converted from v1alpha1 or
    v1beta1). ``defaulted=True`` skips defaulting when the caller already did it.
    """
    from tekpy.api.legacy import is_converted

    ctx = Ctx(config or Config(), legacy=legacy or is_converted(obj))
    if not defaulted:
        obj = with_defaults(obj, ctx.config)
    errs = ErrorList()
    if isinstance(obj, Task | Pipeline | TaskRun | PipelineRun | StepAction):
        errs.add(validate_metadata(obj.metadata).via_field("metadata"))
    if isinstance(obj, Task):
        errs.add(validate_task_spec(obj.spec, ctx).via_field("spec"))
        errs.add(check_declared_param_usage(obj.spec.steps, obj.spec.params).via_field("spec"))
        errs.add(check_workspace_vars(obj.spec).via_field("spec"))
    elif isinstance(obj, Pipeline):
        errs.add(validate_pipeline_spec(obj.spec, ctx).via_field("spec"))
        errs.add(validate_pipeline_usage(obj.spec, ctx).via_field("spec"))
        errs.add(_pipeline_workspace_vars(obj.spec, set()).via_field("spec"))
    elif isinstance(obj, TaskRun):
        errs.add(validate_task_run_spec(obj.spec, ctx).via_field("spec"))
        if obj.spec.task_spec is not None:
            bound = {w.name for w in obj.spec.workspaces}
            errs.add(check_workspace_vars(obj.spec.task_spec, bound).via_field("spec.taskSpec"))
    elif isinstance(obj, PipelineRun):
        errs.add(validate_pipeline_run_spec(obj.spec, ctx).via_field("spec"))
        if obj.spec.pipeline_spec is not None:
            bound = {w.name for w in obj.spec.workspaces}
            errs.add(_pipeline_workspace_vars(obj.spec.pipeline_spec, bound)
                     .via_field("spec.pipelineSpec"))
    elif isinstance(obj, StepAction):
        errs.add(validate_step_action_spec(obj.spec, ctx).via_field("spec"))
    elif isinstance(obj, PipelineResource):
        errs.add(check_resource_spec(obj.spec).via_field("spec"))
    elif isinstance(obj, TektonCondition):
        errs.add(_condition(obj, ctx))
    if ctx.legacy:
        errs.add(_legacy(obj))
    elif isinstance(obj, Task | Pipeline | TaskRun | PipelineRun | StepAction):
        errs.add(unknown_fields(obj))
    return errs


def _pipeline_workspace_vars(ps: PipelineSpec, bound: set[str]) -> ErrorList:
    errs = ErrorList()
    names = {w.name for w in ps.workspaces} | bound
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            if pt.task_spec is not None:
                errs.add(check_workspace_vars(pt.task_spec, names).via_field("taskSpec")
                         .via_field_index(field, i))
    return errs


def _condition(obj: TektonCondition, ctx: Ctx) -> ErrorList:
    errs = validate_metadata(obj.metadata).via_field("metadata")
    if not obj.spec.check.image:
        errs.add(err_missing_field("spec.check.image"))
    return errs


def _legacy(obj: Any) -> ErrorList:
    """The original API's extra checks (resources and conditions)."""
    if isinstance(obj, Task):
        return check_task_resources(obj.spec).via_field("spec")
    if isinstance(obj, TaskRun):
        errs = ErrorList()
        if obj.spec.task_spec is not None:
            errs.add(check_task_resources(obj.spec.task_spec).via_field("spec.taskSpec"))
        if obj.spec.resources is not None:
            r = obj.spec.resources
            errs.add(check_resource_bindings(r.inputs, "inputs")
                     .add(check_resource_bindings(r.outputs, "outputs"))
                     .via_field("spec.resources"))
        return errs
    if isinstance(obj, Pipeline):
        return check_pipeline_resources(obj.spec).via_field("spec")
    if isinstance(obj, PipelineRun) and obj.spec.pipeline_spec is not None:
        return check_pipeline_resources(obj.spec.pipeline_spec).via_field("spec.pipelineSpec")
    return ErrorList()
