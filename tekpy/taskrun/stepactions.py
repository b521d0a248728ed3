"""Steps that reference a StepAction (``ref: {name: ...}``), made concrete.

The StepAction's container fields replace the step's (``image``, ``securityContext`` and
``workingDir`` always; ``command``, ``args``, ``script``, ``env``, ``volumeMounts`` and
``results`` when the StepAction sets them), after its ``$(params.x)`` are replaced by the
step's ``params`` (themselves resolved against the TaskRun's params and the Task's
defaults) over the StepAction's defaults; ``ref`` and ``params`` are then cleared. This is
what Tekton's reconciler does once it has fetched the StepAction; the caller fetches it
(the function is pure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.api.converter import structure, unstructure
from tekpy.api.substitution import Replacements, param_replacements, substitute
from tekpy.api.types import (
    STRING,
    ParamValue,
    Step,
    StepAction,
    StepActionSpec,
    TaskRun,
    TaskSpec,
)
from tekpy.taskrun.podbuilder.errors import PodBuildError

__all__ = ["RESOLUTION_FAILED", "inline_step_actions"]

RESOLUTION_FAILED = "TaskRunResolutionFailed"


def _spec_of(found: StepAction | StepActionSpec) -> StepActionSpec:
    return found.spec if isinstance(found, StepAction) else found


_STEP_RESULT = re.compile(r"^\$\((steps\.[^.()]+\.results\.[^.()\[\]]+)(\[\*\])?\)$")


def _given_value(value: ParamValue, task: Replacements) -> ParamValue | str:
    """A step param's value with the Task's params applied; a whole-array or whole-object
    reference takes that value; a step result reference is returned as its key (str)."""
    if value.type != STRING:
        out, _ = substitute(value, task)
        return out
    text = value.string.strip()
    m = _STEP_RESULT.match(text)
    if m:
        return m.group(1)
    if text.startswith("$(") and text.endswith(")"):
        key = text[2:-1].strip().removesuffix("[*]")
        if key in task.arrays:
            return ParamValue.of(task.arrays[key])
        if key in task.objects:
            return ParamValue.of(task.objects[key])
    return ParamValue.of(task.apply(value.string))


def _action_replacements(action: StepActionSpec, given: Mapping[str, ParamValue | str]
                         ) -> tuple[Replacements, dict[str, str]]:
    """Replacements for the StepAction's params, and the params bound to step results."""
    values: dict[str, ParamValue] = {}
    refs: dict[str, str] = {}
    for spec in action.params:
        got = given.get(spec.name)
        if isinstance(got, str):
            refs[spec.name] = got
        elif got is not None and (spec.type in ("", STRING) or got.type == spec.type):
            values[spec.name] = got
    r = param_replacements([p for p in action.params if p.name not in refs], values)
    return r, refs


def _rewrite_refs(value: Any, refs: Mapping[str, str]) -> Any:
    """``$(params.p...)`` -> ``$(steps.s.results.r...)`` for params bound to step results
    (the entrypoint resolves those at run time)."""
    if isinstance(value, str):
        for name, key in refs.items():
            value = re.sub(r"\$\(params\." + re.escape(name) + r"(?=[.\[)])", "$(" + key, value)
        return value
    if isinstance(value, list):
        return [_rewrite_refs(v, refs) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite_refs(v, refs) for k, v in value.items()}
    return value


def _inline(step: Step, index: int, action: StepActionSpec, task: Replacements) -> Step:
    given = {p.name: _given_value(p.value, task) for p in step.params}
    declared = {p.name for p in action.params}
    unknown = sorted(set(given) - declared)
    if unknown:
        raise PodBuildError(f"step {index} passes params the StepAction does not declare: "
                            f"{', '.join(unknown)}", RESOLUTION_FAILED)
    missing = [p.name for p in action.params if p.default is None and p.name not in given]
    if missing:
        raise PodBuildError(f"step {index} is missing StepAction params without defaults: "
                            f"{', '.join(missing)}", RESOLUTION_FAILED)
    base = Step(image=action.image, command=list(action.command), args=list(action.args),
                env=list(action.env), script=action.script, working_dir=action.working_dir,
                security_context=action.security_context,
                volume_mounts=list(action.volume_mounts), results=list(action.results))
    r, refs = _action_replacements(action, given)
    if refs:
        base = structure(_rewrite_refs(unstructure(base), refs), Step)
    concrete, _ = substitute(base, r)
    changes: dict[str, Any] = {
        "image": concrete.image, "security_context": concrete.security_context,
        "working_dir": concrete.working_dir, "ref": None, "params": [],
    }
    for name in ("command", "args", "script", "env", "volume_mounts", "results"):
        value = getattr(concrete, name)
        if value:
            changes[name] = value
    return attrs.evolve(step, **changes)


def inline_step_actions(spec: TaskSpec, taskrun: TaskRun,
                        step_actions: Mapping[str, StepAction | StepActionSpec]) -> TaskSpec:
    """``spec`` with every ``ref`` step replaced by its StepAction (looked up by name).

    Raises :class:`PodBuildError` (reason ``TaskRunResolutionFailed``) for a StepAction that
    is not given or a resolver reference (remote resolution is the reconciler's business).
    """
    if not any(s.ref is not None for s in spec.steps):
        return spec
    task = param_replacements(spec.params, {p.name: p.value for p in taskrun.spec.params})
    steps = []
    for i, step in enumerate(spec.steps):
        if step.ref is None:
            steps.append(step)
            continue
        found = step_actions.get(step.ref.name) if step.ref.name else None
        if found is None:
            what = step.ref.name or f"resolver {step.ref.resolver}"
            raise PodBuildError(f'step {i} references StepAction "{what}", which was not '
                                "resolved", RESOLUTION_FAILED)
        steps.append(_inline(step, i, _spec_of(found), task))
    return attrs.evolve(spec, steps=steps)
