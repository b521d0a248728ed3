"""Resolving a Pipeline for one PipelineRun: params, context, workspaces, results, status.

Mirrors Tekton's PipelineRun substitution: in each PipelineTask the ``params`` (with array
expansion), ``matrix`` params, ``displayName`` (not for matrixed tasks), workspace
``subPath``, ``when`` expressions, ``taskRef.name``/``params`` and ``onError`` are
substituted; an embedded ``taskSpec`` receives the Pipeline's params (propagation), where a
param the PipelineTask passes under the same name wins (for an object, key by key: keys only
the Pipeline's value has keep it).

Everything the PipelineRun knows at one moment is substituted in one pass; references not
yet resolvable (results of tasks that have not run) stay for a later call.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tekpy.api.errors import ErrorList
from tekpy.api.substitution import Replacements, param_replacements, substitute
from tekpy.api.types import Param, PipelineSpec, PipelineTask, WorkspaceBinding
from tekpy.api.variables import pipeline_run_context

__all__ = ["apply_pipeline_spec", "apply_pipeline_task", "pipeline_run_replacements"]


def pipeline_run_replacements(
    spec: PipelineSpec,
    *,
    params: Sequence[Param],
    name: str,
    namespace: str,
    uid: str,
    pipeline_name: str,
    bindings: Sequence[WorkspaceBinding] = (),
) -> Replacements:
    """Params (given over defaults), run context and ``workspaces.<w>.bound``."""
    r = param_replacements(spec.params, {p.name: p.value for p in params})
    r.update(pipeline_run_context(name=name, namespace=namespace, uid=uid,
                                  pipeline_name=pipeline_name))
    bound = {b.name for b in bindings}
    for ws in spec.workspaces:
        r.add(f"workspaces.{ws.name}.bound", "true" if ws.name in bound else "false")
    return r


def _propagated(pt: PipelineTask, r: Replacements) -> Replacements:
    """Pipeline params for an embedded spec; the task's own param values win."""
    out = Replacements().update(r)
    for p in pt.params:
        key = f"params.{p.name}"
        if key in out.strings or key in out.arrays or key in out.objects:
            pipeline_object = out.objects.get(key)
            out.strings.pop(key, None)
            out.arrays.pop(key, None)
            out.objects.pop(key, None)
            out.add(key, p.value)
            if pipeline_object is not None:
                # Tekton replaces the whole object but only the keys the task gives: a key
                # only the Pipeline's object has still resolves to the Pipeline's value
                for k, v in pipeline_object.items():
                    if k not in p.value.object:
                        out.strings[f"{key}.{k}"] = v
    return out


def apply_pipeline_task(pt: PipelineTask, replacements: Replacements,
                        report: tuple[str, ...] = ()) -> tuple[PipelineTask, ErrorList]:
    """One PipelineTask with the known variables substituted (see the module doc).

    ``report`` lists prefixes whose unresolved references are errors (none by default:
    task results may not be known yet). ``retries`` is added as
    ``context.pipelineTask.retries``.
    """
    r = Replacements().update(replacements)
    r.add("context.pipelineTask.retries", str(pt.retries))
    # substitute everything but the embedded spec, then the spec with propagated params
    skip = ["name", "taskSpec", "pipelineSpec", "runAfter", "timeout", "retries",
            "description"]
    if pt.is_matrixed():
        skip.append("displayName")
    shell = attrs.evolve(pt, task_spec=None)
    new, errors = substitute(shell, r, skip=skip, report=report)
    if pt.task_spec is not None:
        embedded, errs = substitute(pt.task_spec, _propagated(pt, r), report=(),
                                    skip=("params", "results", "description", "displayName"))
        new = attrs.evolve(new, task_spec=embedded)
        errors.add(errs.via_field("taskSpec"))
    return new, errors


def apply_pipeline_spec(spec: PipelineSpec, replacements: Replacements,
                        report: tuple[str, ...] = ()) -> tuple[PipelineSpec, ErrorList]:
    """Every task and finally task of a PipelineSpec through :func:`apply_pipeline_task`."""
    errors = ErrorList()
    resolved: dict[str, list[PipelineTask]] = {"tasks": [], "finally": []}
    for field, tasks in (("tasks", spec.tasks), ("finally", spec.finally_)):
        for i, pt in enumerate(tasks):
            new, errs = apply_pipeline_task(pt, replacements, report)
            resolved[field].append(new)
            errors.add(errs.via_field_index(field, i))
    return attrs.evolve(spec, tasks=resolved["tasks"], finally_=resolved["finally"]), errors
