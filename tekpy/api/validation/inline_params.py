"""Param checks of a run's embedded Task steps against the run's combined param specs.

Tekton's ``validateInlineParameters`` (TaskRunSpec and PipelineRunSpec): params may be
propagated from the run (or the Pipeline and its tasks) without being declared by the
embedded spec, so besides the embedded spec's own checks (paths under ``taskSpec``), the
steps are checked against the specs combined from the run's values and every declaration.
These errors are reported *beside* the embedded spec, not under it: a TaskRun's
``taskSpec`` step gives ``spec.steps[0].script`` (and a PipelineRun's pipeline task
``spec.steps[0].script``), exactly as Tekton's webhook does.
"""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.errors import ErrorList
from tekpy.api.types import ParamSpec, Step
from tekpy.api.validation._ctx import Ctx
from tekpy.api.validation.params import (
    check_param_enums,
    check_param_name_format,
    check_param_spec_duplicates,
    check_param_types,
    split_by_type,
)
from tekpy.api.validation.task import check_array_usage, check_declared_param_usage

__all__ = ["check_array_usage", "check_inline_param_usage"]


def check_inline_param_usage(steps: Sequence[Step], specs: Sequence[ParamSpec], ctx: Ctx
                             ) -> ErrorList:
    """Tekton's ``ValidateParameterTypes`` + ``ValidateParameterVariables`` +
    ``ValidateUsageOfDeclaredParameters`` of ``steps`` with the combined ``specs``; paths are
    relative to the run's spec (``steps[i]...``, ``params[...]``, ``<name>.type``)."""
    errs = ErrorList()
    if not steps:
        return errs  # Tekton skips them when the embedded spec has no steps
    errs.add(check_param_types(specs))
    errs.add(check_param_spec_duplicates(specs))
    errs.add(check_param_enums(specs, ctx).via_field("params"))
    errs.add(check_param_name_format(specs))
    _, arrays, _ = split_by_type(specs)
    errs.add(check_array_usage(steps, arrays))
    errs.add(check_declared_param_usage(steps, specs))
    return errs
