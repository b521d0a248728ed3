"""Variable references inside a Pipeline: params, context, execution status, results."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tekpy.api.errors import ErrorList, err_generic, err_invalid_value
from tekpy.api.refs import (
    check_isolated,
    check_no_prohibited,
    check_no_unknown,
    expressions,
    is_whole_array_or_object_ref,
    looks_like_result_ref,
    result_refs,
)
from tekpy.api.types import Param, ParamSpec, ParamValue, PipelineSpec, PipelineTask
from tekpy.api.validation._ctx import Ctx
from tekpy.api.validation.params import split_by_type
from tekpy.api.validation.task import check_declared_param_usage

__all__ = [
    "check_artifacts",
    "check_context_vars",
    "check_execution_status_vars",
    "check_finally_result_refs",
    "check_matrix_result_consumers",
    "check_param_usage",
    "check_pipeline_param_refs",
    "check_prefixes",
    "param_expressions",
]

_VALID_PREFIXES = ("params", "tasks", "finally", "context", "workspaces", "results")
_TASK_ARTIFACT = re.compile(r"\$\(tasks\.([^.]+)\.(?:inputs|outputs)\.([^.)]+)\)")


def param_expressions(value: ParamValue) -> list[str]:
    """The ``$(...)`` expressions in a param value (every string of it)."""
    if value.type == "array":
        texts: Sequence[str] = value.array
    elif value.type == "object":
        texts = list(value.object.values())
    else:
        texts = [value.string]
    out: list[str] = []
    for t in texts:
        out.extend(expressions(t))
    return out


def _values(params: Sequence[Param]) -> list[str]:
    out: list[str] = []
    for p in params:
        v = p.value
        if v.type == "array":
            out.extend(v.array)
        elif v.type == "object":
            out.extend(v.object.values())
        else:
            out.append(v.string)
    return out


def _string_var(value: str, names: set[str], arrays: set[str],
                objects: dict[str, set[str]]) -> ErrorList:
    errs = check_no_unknown(value, "params", names)
    for name, keys in objects.items():
        errs.add(check_no_unknown(value, r"params\." + re.escape(name), keys))
    return errs.add(check_no_prohibited(value, "params", arrays))


def _array_var(value: str, names: set[str], arrays: set[str],
               objects: dict[str, set[str]]) -> ErrorList:
    errs = check_no_unknown(value, "params", names)
    for name, keys in objects.items():
        errs.add(check_no_unknown(value, r"params\." + re.escape(name), keys))
    return errs.add(check_isolated(value, "params", arrays))


def check_pipeline_param_refs(tasks: Sequence[PipelineTask], specs: Sequence[ParamSpec]
                              ) -> ErrorList:
    """Task params, matrix params and when expressions use declared pipeline params properly.

    Paths are relative to the task list (``[i].params[name]`` ...).
    """
    names = {p.name for p in specs}
    _, arrays, object_specs = split_by_type(specs)
    objects = {o.name: set((o.properties or {}).keys()) for o in object_specs}
    errs = ErrorList()
    for idx, pt in enumerate(tasks):
        e = ErrorList()
        for p in pt.params:
            v = p.value
            if v.type == "array":
                for i, el in enumerate(v.array):
                    e.add(_array_var(el, names, arrays, objects).via_field_index("value", i)
                          .via_field_key("params", p.name))
            elif v.type == "object":
                for key, val in v.object.items():
                    e.add(_string_var(val, names, arrays, objects)
                          .via_field_key("properties", key).via_field_key("params", p.name))
            elif is_whole_array_or_object_ref(v.string, "params"):
                e.add(check_no_unknown(v.string, "params", names)
                      .via_field_key("params", p.name))
            else:
                e.add(_string_var(v.string, names, arrays, objects)
                      .via_field_key("params", p.name))
        if pt.is_matrixed() and pt.matrix is not None:
            for inc in pt.matrix.include:
                for i, p in enumerate(inc.params):
                    e.add(_string_var(p.value.string, names, arrays, objects).via_index(i)
                          .via_field("matrix.include.params"))
            for p in pt.matrix.params:
                for i, el in enumerate(p.value.array):
                    e.add(_array_var(el, names, arrays, objects).via_field_index("value", i)
                          .via_field_key("matrix.params", p.name))
        for widx, we in enumerate(pt.when):
            e.add(_string_var(we.input, names, arrays, objects).via_field("input")
                  .via_field_index("when", widx))
            for val in we.values:
                ref = val.removeprefix("$(params.").removesuffix("[*])")
                check = _array_var if ref in arrays else _string_var
                e.add(check(val, names, arrays, objects).via_field("values")
                      .via_field_index("when", widx))
        errs.add(e.via_index(idx))
    return errs


def check_param_usage(ps: PipelineSpec, ctx: Ctx) -> ErrorList:
    """Inline task specs use their own or the pipeline's params; task params use declared ones."""
    errs = ErrorList()
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            if pt.task_spec is not None:
                specs = [*pt.task_spec.params, *ps.params]
                errs.add(check_declared_param_usage(pt.task_spec.steps, specs)
                         .via_field_index(field, i))
        errs.add(check_pipeline_param_refs(tasks, ps.params).via_field(field))
    return errs


def check_context_vars(tasks: Sequence[PipelineTask]) -> ErrorList:
    """``$(context.pipelineRun.*)``, ``$(context.pipeline.*)``, ``$(context.pipelineTask.*)``.

    Like Tekton, only the last task's params are examined (paths ``value``).
    """
    values: list[str] = []
    for pt in tasks:
        params = list(pt.params)
        if pt.matrix is not None:
            params += pt.matrix.all_params()
        values = _values(params)
    errs = ErrorList()
    for prefix, known in ((r"context\.pipelineRun", {"name", "namespace", "uid"}),
                          (r"context\.pipeline", {"name"}),
                          (r"context\.pipelineTask", {"retries"})):
        for v in values:
            errs.add(check_no_unknown(v, prefix, known).via_field("value"))
    return errs


def _status_ref(e: str) -> bool:
    return e.startswith("tasks.") and (e.endswith(".status") or e.endswith(".reason"))


def check_execution_status_vars(tasks: Sequence[PipelineTask],
                                finally_: Sequence[PipelineTask]) -> ErrorList:
    """``$(tasks.t.status)``/``reason`` and ``$(tasks.status)`` are for finally tasks only."""
    errs = ErrorList()
    names = {t.name for t in tasks}
    for idx, pt in enumerate(tasks):
        for p in pt.params:
            exprs = param_expressions(p.value)
            if not any(looks_like_result_ref(x) for x in exprs) and any(map(_status_ref, exprs)):
                errs.add(err_invalid_value(
                    "pipeline tasks can not refer to execution status of any other pipeline "
                    "task or aggregate status of tasks", "value"
                ).via_field_key("params", p.name).via_index(idx).via_field("tasks"))
        for i, we in enumerate(pt.when):
            exprs = expressions(we.input) + [x for v in we.values for x in expressions(v)]
            if not any(looks_like_result_ref(x) for x in exprs) and any(map(_status_ref, exprs)):
                errs.add(err_invalid_value(
                    "pipeline tasks can not refer to execution status of any other pipeline "
                    "task or aggregate status of tasks", ""
                ).via_field_index("when", i).via_index(idx).via_field("tasks"))
    for idx, pt in enumerate(finally_):
        for p in pt.params:
            found = _status_targets(param_expressions(p.value), names, "value")
            errs.add(found.via_field_key("params", p.name).via_index(idx).via_field("finally"))
        for i, we in enumerate(pt.when):
            exprs = expressions(we.input) + [x for v in we.values for x in expressions(v)]
            errs.add(_status_targets(exprs, names, "").via_field_index("when", i)
                     .via_index(idx).via_field("finally"))
    return errs


def _status_targets(exprs: list[str], names: set[str], path: str) -> ErrorList:
    errs = ErrorList()
    if any(looks_like_result_ref(x) for x in exprs):
        return errs
    for e in exprs:
        if e == "tasks.status" or not _status_ref(e):
            continue
        target = e.removeprefix("tasks.").removesuffix(".status").removesuffix(".reason")
        if target not in names:
            errs.add(err_invalid_value(f"pipeline task {target} is not defined in the pipeline",
                                       path))
    return errs


def check_finally_result_refs(tasks: Sequence[PipelineTask],
                              finally_: Sequence[PipelineTask]) -> ErrorList:
    """Finally tasks may consume results of DAG tasks only."""
    errs = ErrorList()
    dag = {t.name for t in tasks}
    fin = {t.name for t in finally_}

    def check(exprs: list[str], path: str) -> ErrorList:
        out = ErrorList()
        for ref in result_refs(exprs):
            if ref.pipeline_task in fin:
                out.add(err_invalid_value(
                    "invalid task result reference, final task has task result reference from "
                    f"a final task {ref.pipeline_task}", path))
            elif ref.pipeline_task not in dag:
                out.add(err_invalid_value(
                    "invalid task result reference, final task has task result reference from "
                    f"a task {ref.pipeline_task} which is not defined in the pipeline", path))
        return out

    for idx, pt in enumerate(finally_):
        for p in pt.params:
            errs.add(check(param_expressions(p.value), "value").via_field_key("params", p.name)
                     .via_field_index("finally", idx))
        for i, we in enumerate(pt.when):
            exprs = expressions(we.input) + [x for v in we.values for x in expressions(v)]
            errs.add(check(exprs, "").via_field_index("when", i).via_field_index("finally", idx))
    return errs


def check_matrix_result_consumers(tasks: Sequence[PipelineTask]) -> ErrorList:
    """Results of a matrixed task are consumed whole (``[*]``) and must be strings."""
    by_name = {t.name: t for t in tasks}
    errs = ErrorList()
    consumed = []
    for pt in tasks:
        for p in pt.params:
            for e in param_expressions(p.value):
                if not looks_like_result_ref(e):
                    continue
                producer = by_name.get(e.split(".")[1])
                if producer is not None and producer.is_matrixed():
                    if not e.endswith("[*]"):
                        errs.add(err_generic(
                            "A matrixed pipelineTask can only be consumed in aggregate using "
                            f"[*] notation, but is currently set to {e}"))
                    consumed.extend(result_refs([e]))
    if errs:
        return errs
    for ref in consumed:
        producer = by_name[ref.pipeline_task]
        spec = producer.task_spec
        if spec is None and producer.task_ref is not None:
            other = by_name.get(producer.task_ref.name)
            spec = other.task_spec if other is not None else None
        for r in spec.results if spec is not None else []:
            if r.name == ref.result and r.type != "string":
                errs.add(err_invalid_value(
                    "Matrixed PipelineTasks emitting results must have an underlying type "
                    f"string, but result {ref.result} has type {r.type} in pipelineTask", ""))
    return errs


def check_prefixes(tasks: Sequence[PipelineTask], field: str) -> ErrorList:
    """Expressions in task params and when expressions start with a known prefix."""
    errs = ErrorList()

    def bad(e: str) -> str:
        return (f'invalid variable reference "$({e})", must start with a valid prefix: params, '
                "tasks, finally, context, workspaces, or results; if you meant a shell variable, "
                "use ${VAR} instead")

    for idx, pt in enumerate(tasks):
        for p in pt.params:
            for e in param_expressions(p.value):
                if e.split(".", 1)[0] not in _VALID_PREFIXES:
                    errs.add(err_invalid_value(bad(e), "value").via_field_key("params", p.name)
                             .via_field_index(field, idx))
        for i, we in enumerate(pt.when):
            for e in expressions(we.input) + [x for v in we.values for x in expressions(v)]:
                if e.split(".", 1)[0] not in _VALID_PREFIXES:
                    errs.add(err_invalid_value(bad(e), "").via_field_index("when", i)
                             .via_field_index(field, idx))
        if pt.is_matrixed() and pt.matrix is not None:
            for p in pt.matrix.params:
                for e in param_expressions(p.value):
                    if e.split(".", 1)[0] not in _VALID_PREFIXES:
                        errs.add(err_invalid_value(bad(e), "value")
                                 .via_field_key("matrix.params", p.name)
                                 .via_field_index(field, idx))
            for i, inc in enumerate(pt.matrix.include):
                for p in inc.params:
                    for e in param_expressions(p.value):
                        if e.split(".", 1)[0] not in _VALID_PREFIXES:
                            errs.add(err_invalid_value(bad(e), "value")
                                     .via_field_key("params", p.name)
                                     .via_field_index("matrix.include", i)
                                     .via_field_index(field, idx))
    return errs


def check_artifacts(ps: PipelineSpec, ctx: Ctx) -> ErrorList:
    """``$(tasks.t.outputs.a)`` needs ``enable-artifacts``."""
    if ctx.flag("enable-artifacts"):
        return ErrorList()
    msg = "feature flag enable-artifacts should be set to true to use artifacts feature."
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            if any(_TASK_ARTIFACT.search(v) for v in _values(pt.params)):
                return err_generic(msg, "").via_field("params").via_field_index(field, i)
    return ErrorList()

