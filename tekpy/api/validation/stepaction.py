"""Validation of a StepAction spec."""

from __future__ import annotations

from tekpy.api.config import ALPHA
from tekpy.api.errors import ErrorList, err_generic, err_missing_field
from tekpy.api.refs import check_no_unknown, extract_variables
from tekpy.api.types import Step, StepActionSpec
from tekpy.api.validation._ctx import Ctx
from tekpy.api.validation.params import (
    check_param_spec_duplicates,
    check_param_types,
)
from tekpy.api.validation.task import check_declared_param_usage

__all__ = ["validate_step_action_spec"]


def validate_step_action_spec(spec: StepActionSpec, ctx: Ctx) -> ErrorList:
    """Image required, no params in the script, declared params/results used."""
    errs = ErrorList()
    if not spec.image:
        errs.add(err_missing_field("Image"))
    if spec.script:
        if spec.command:
            errs.add(err_generic("script cannot be used with command", "script"))
        if spec.script.strip().startswith("#!win"):
            errs.add(ctx.gate("windows script support", ALPHA).via_field("script"))
        _, present, problem = extract_variables(spec.script, "params")
        if present or problem:
            errs.add(err_generic("param substitution in scripts is not allowed.", "script"))
    # the StepAction's container fields checked as one step
    as_step = Step(image=spec.image, command=spec.command, args=spec.args, env=spec.env,
                   script="", working_dir=spec.working_dir, volume_mounts=spec.volume_mounts)
    usage = check_declared_param_usage([as_step], spec.params)
    # Tekton reports StepAction paths without the "steps[0]" prefix
    errs.add(ErrorList(
        type(e)(e.message, tuple(p.removeprefix("steps[0].") for p in e.paths), e.details)
        for e in usage
    ))
    errs.add(check_param_types(spec.params).via_field("params"))
    errs.add(check_param_spec_duplicates(spec.params))
    names = {r.name for r in spec.results}
    errs.add(check_no_unknown(spec.script, r"step\.results", names).via_field("script"))
    errs.add(check_no_unknown(spec.script, "results", names).via_field("script"))
    return errs
