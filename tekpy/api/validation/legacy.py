"""Checks of the original API's pieces: PipelineResources, declared resources, bindings."""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.errors import (
    ErrorList,
    err_disallowed_fields,
    err_invalid_value,
    err_missing_field,
    err_multiple_one_of,
)
from tekpy.api.types import (
    PipelineResourceSpec,
    PipelineSpec,
    TaskResource,
    TaskResourceBinding,
    TaskSpec,
)

__all__ = [
    "RESOURCE_TYPES",
    "check_pipeline_resources",
    "check_resource_spec",
    "check_task_resources",
    "check_resource_bindings",
]

RESOURCE_TYPES = ("git", "image")


def check_resource_spec(spec: PipelineResourceSpec) -> ErrorList:
    """A PipelineResource: a supported type with its required ``url`` param."""
    if spec.type not in RESOURCE_TYPES:
        return err_invalid_value(spec.type, "type",
                                 "tekpy supports PipelineResources of type git and image")
    if not spec.param("url"):
        return err_missing_field("params.url")
    return ErrorList()


def _declared(resources: Sequence[TaskResource], field: str) -> ErrorList:
    errs = ErrorList()
    seen: set[str] = set()
    for i, r in enumerate(resources):
        if r.type not in RESOURCE_TYPES:
            errs.add(err_invalid_value(r.type, "type").via_field_index(field, i))
        if r.name in seen:
            errs.add(err_multiple_one_of("name").via_field_index(field, i))
        seen.add(r.name)
    return errs


def check_task_resources(spec: TaskSpec) -> ErrorList:
    """Declared input/output resources: known types, unique names (paths under spec)."""
    if spec.resources is None:
        return ErrorList()
    return (_declared(spec.resources.inputs, "inputs")
            .add(_declared(spec.resources.outputs, "outputs")).via_field("resources"))


def check_resource_bindings(bindings: Sequence[TaskResourceBinding], field: str) -> ErrorList:
    """One binding per resource, by ``resourceRef`` or ``resourceSpec`` (v0.10's messages;
    the first problem is reported)."""
    seen: set[str] = set()
    for b in bindings:
        name = b.name.lower()
        if name in seen:
            return err_multiple_one_of(field)
        seen.add(name)
        if b.resource_ref is not None and b.resource_spec is not None:
            return err_disallowed_fields(f"{field}.ResourceRef", f"{field}.ResourceSpec")
        if (b.resource_ref is None or not b.resource_ref.get("name")) and b.resource_spec is None:
            return err_missing_field(f"{field}.ResourceRef", f"{field}.ResourceSpec")
        if b.resource_spec is not None:
            errs = check_resource_spec(b.resource_spec)
            if errs:
                return errs.via_field(f"{field}.resourceSpec")
    return ErrorList()


def check_pipeline_resources(spec: PipelineSpec) -> ErrorList:
    """Task and condition resources are declared; ``from`` names a task that outputs them.

    Messages and paths are the original API's (v0.10); like it, the first problem of each
    kind is reported.
    """
    errs = ErrorList()
    tasks = [*spec.tasks, *spec.finally_]
    declared = {r.name for r in spec.resources}
    required: list[str] = []
    for pt in tasks:
        if pt.resources is not None:
            required += [b.resource for b in pt.resources.inputs]
            required += [b.resource for b in pt.resources.outputs]
        for cond in pt.conditions:
            required += [b.resource for b in cond.resources]
    missing = [r for r in required if r not in declared]
    if missing:
        errs.add(err_invalid_value(
            "pipeline declared resources didn't match usage in Tasks: Didn't provide required "
            f"values: [{' '.join(missing)}]", "resources"))
    outputs = {pt.name: [o.resource for o in (pt.resources.outputs if pt.resources else [])]
               for pt in spec.tasks}
    problem = None
    for pt in spec.tasks:
        inputs = list(pt.resources.inputs) if pt.resources is not None else []
        for cond in pt.conditions:
            inputs += cond.resources
        for inp in inputs:
            for source in inp.from_:
                if source not in outputs:
                    problem = (f"expected resource {inp.resource} to be from task {source}, but "
                               f"task {source} doesn't exist")
                elif inp.resource not in outputs[source]:
                    problem = (f"the resource {inp.resource} from {source} must be an output but "
                               "is an input")
                if problem:
                    break
            if problem:
                break
        if problem:
            break
    if problem:
        errs.add(err_invalid_value(problem, "tasks.resources.inputs.from"))
    for field, group in (("tasks", spec.tasks), ("finally", spec.finally_)):
        for i, pt in enumerate(group):
            for c_idx, cond in enumerate(pt.conditions):
                if not cond.condition_ref:
                    errs.add(err_missing_field("conditionRef")
                             .via_field_index("conditions", c_idx).via_field_index(field, i))
    return errs
