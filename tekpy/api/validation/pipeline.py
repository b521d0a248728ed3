"""Validation of a PipelineSpec: tasks, finally, graph, workspaces, results, matrix."""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.config import ALPHA, BETA
from tekpy.api.errors import (
    ErrorList,
    err_disallowed_fields,
    err_generic,
    err_invalid_value,
    err_missing_one_of,
    err_out_of_bounds,
)
from tekpy.api.graph import GraphError, build_graph, pipeline_task_deps
from tekpy.api.refs import looks_like_result_ref, result_refs
from tekpy.api.types import PipelineResult, PipelineSpec, PipelineTask
from tekpy.api.validation._ctx import Ctx, is_dns1123_label
from tekpy.api.validation.params import (
    check_param_duplicates,
    check_param_enums,
    check_param_spec_duplicates,
    check_param_types,
)
from tekpy.api.validation.pipeline_vars import (
    check_artifacts,
    check_context_vars,
    check_execution_status_vars,
    check_finally_result_refs,
    check_matrix_result_consumers,
    check_param_usage,
    check_prefixes,
    param_expressions,
)
from tekpy.api.validation.refs import check_ref
from tekpy.api.validation.task import validate_task_spec
from tekpy.api.validation.when import check_when_list

__all__ = ["validate_pipeline_spec", "validate_pipeline_usage"]

_TASK_NAME_DETAILS = (
    "Pipeline Task name must be a valid DNS Label."
    "For more info refer to https://kubernetes.io/docs/concepts/overview/working-with-objects/"
    "names/#names"
)


def validate_pipeline_spec(ps: PipelineSpec, ctx: Ctx) -> ErrorList:
    """Tekton's PipelineSpec checks, paths relative to the spec."""
    errs = ErrorList()
    for i, pt in enumerate(ps.tasks):
        errs.add(_beta_fields(pt, ctx).via_field_index("tasks", i))
    for i, pt in enumerate(ps.finally_):
        # Tekton reports finally tasks' beta fields under "tasks" too
        errs.add(_beta_fields(pt, ctx).via_field_index("tasks", i))
    if ps == PipelineSpec():
        errs.add(err_generic("expected at least one, got none",
                             "description", "params", "resources", "tasks", "workspaces"))
    names: set[str] = set()
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            if not is_dns1123_label(pt.name):
                errs.add(err_generic(f'invalid value "{pt.name}"', "name",
                                     details=_TASK_NAME_DETAILS).via_field_index(field, i))
            if pt.name in names:
                errs.add(err_generic("expected exactly one, got both", "name")
                         .via_field_index(field, i))
            names.add(pt.name)
            errs.add(_pipeline_task(pt, ctx).via_field_index(field, i))
    errs.add(_graph(ps.tasks))
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        errs.add(check_param_types(ps.params).via_field("params").via_field(field))
        errs.add(check_param_spec_duplicates(ps.params).via_field(field))
        errs.add(check_param_enums(ps.params, ctx).via_field("params").via_field(field))
        for i, pt in enumerate(tasks):
            errs.add(check_param_duplicates(pt.params).via_field("params").via_index(i)
                     .via_field(field))
        errs.add(check_context_vars(tasks).via_field(field))
    errs.add(check_execution_status_vars(ps.tasks, ps.finally_))
    errs.add(_workspace_declarations(ps))
    errs.add(_results(ps.results, ps.tasks, ps.finally_))
    errs.add(_pipeline_ref_result_refs(ps))
    if ps.finally_ and not ps.tasks:
        errs.add(err_invalid_value(
            f"spec.tasks is empty but spec.finally has {len(ps.finally_)} tasks", "finally"))
    for i, f in enumerate(ps.finally_):
        if f.run_after:
            errs.add(err_invalid_value(
                f"no runAfter allowed under spec.finally, final task {f.name} has runAfter "
                "specified", "").via_field_index("finally", i))
    errs.add(check_finally_result_refs(ps.tasks, ps.finally_))
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            errs.add(check_when_list(pt.when, ctx).via_field_index(field, i))
    errs.add(check_artifacts(ps, ctx))
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            errs.add(_matrix(pt, ctx).via_index(i).via_field(field))
        errs.add(check_matrix_result_consumers(tasks).via_field(field))
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        errs.add(check_prefixes(tasks, field))
    if not ctx.legacy:
        for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
            for i, pt in enumerate(tasks):
                if pt.resources is not None:
                    errs.add(err_disallowed_fields("resources").via_field_index(field, i))
                if pt.conditions:
                    errs.add(err_disallowed_fields("conditions").via_field_index(field, i))
        if ps.resources:
            errs.add(err_disallowed_fields("resources"))
    return errs


def validate_pipeline_usage(ps: PipelineSpec, ctx: Ctx) -> ErrorList:
    """The Pipeline-object-level checks: param usage and workspace usage of tasks."""
    errs = check_param_usage(ps, ctx)
    names = {w.name for w in ps.workspaces}
    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            errs.add(_task_workspaces(pt, names).via_index(i).via_field(field))
    return errs


def _beta_fields(pt: PipelineTask, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    if pt.task_ref is not None:
        if pt.task_ref.resolver:
            errs.add(ctx.gate("taskref.resolver", BETA))
        if pt.task_ref.params:
            errs.add(ctx.gate("taskref.params", BETA))
    return errs


def _pipeline_task(pt: PipelineTask, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    present = []
    if pt.task_ref is not None:
        present.append("taskRef")
    if pt.task_spec is not None:
        present.append("taskSpec")
    if pt.pipeline_ref is not None:
        errs.add(ctx.gate("pipelineRef", ALPHA))
        present.append("pipelineRef")
    if pt.pipeline_spec is not None:
        errs.add(ctx.gate("pipelineSpec", ALPHA))
        present.append("pipelineSpec")
    if len(present) > 1:
        errs.add(err_generic("expected exactly one, got multiple", *present))
    elif not present:
        if ctx.config.gate == ALPHA:
            errs.add(err_missing_one_of("taskRef", "taskSpec", "pipelineRef", "pipelineSpec"))
        else:
            errs.add(err_missing_one_of("taskRef", "taskSpec"))
    flags = ctx.config.feature_flags
    if pt.task_spec is not None and flags.inline_spec_disabled("pipeline"):
        errs.add(err_disallowed_fields("taskSpec"))
    if pt.pipeline_spec is not None and flags.inline_spec_disabled("pipeline"):
        errs.add(err_disallowed_fields("pipelineSpec"))
    ts = pt.task_spec
    if ts is not None and ts.steps:
        if ts.api_version:
            errs.add(err_generic("taskSpec.apiVersion cannot be specified when using "
                                 "taskSpec.steps", "taskSpec.apiVersion"))
        if ts.kind:
            errs.add(err_generic("taskSpec.kind cannot be specified when using taskSpec.steps",
                                 "taskSpec.kind"))
    if pt.on_error and not pt.on_error.startswith("$(params."):
        errs.add(ctx.gate("OnError", BETA))
        if pt.on_error not in ("continue", "stopAndFail"):
            errs.add(err_invalid_value(pt.on_error, "OnError",
                                       'PipelineTask OnError must be either "continue" or '
                                       '"stopAndFail"'))
        if pt.on_error == "continue" and pt.retries > 0:
            errs.add(err_generic('PipelineTask OnError cannot be set to "continue" when Retries '
                                 "is greater than 0"))
    custom = (
        (pt.task_ref is not None and (pt.task_ref.kind not in ("", "Task")
                                      or pt.task_ref.api_version))
        or (ts is not None and (ts.kind not in ("", "Task") or ts.api_version))
    )
    if custom:
        errs.add(_custom_task(pt))
    else:
        if ts is not None:
            errs.add(validate_task_spec(ts, ctx).via_field("taskSpec"))
        if pt.task_ref is not None:
            r = pt.task_ref
            errs.add(check_ref(r.name, r.resolver, r.params, ctx).via_field("taskRef"))
        if pt.pipeline_ref is not None:
            r2 = pt.pipeline_ref
            errs.add(check_ref(r2.name, r2.resolver, r2.params, ctx).via_field("pipelineRef"))
        if pt.pipeline_spec is not None:
            errs.add(validate_pipeline_spec(pt.pipeline_spec, ctx).via_field("pipelineSpec"))
    return errs


def _valid_api_version(v: str) -> bool:
    parts = v.split("/")
    return len(parts) == 2 and all(parts)


def _custom_task(pt: PipelineTask) -> ErrorList:
    errs = ErrorList()
    ref, spec = pt.task_ref, pt.task_spec
    if ref is not None and not ref.kind:
        errs.add(err_invalid_value("custom task ref must specify kind", "taskRef.kind"))
    if spec is not None and not spec.kind:
        errs.add(err_invalid_value("custom task spec must specify kind", "taskSpec.kind"))
    for obj, path, what in ((ref, "taskRef.apiVersion", "ref"), (spec, "taskSpec.apiVersion",
                                                                   "spec")):
        if obj is None:
            continue
        if obj.api_version:
            if not _valid_api_version(obj.api_version):
                errs.add(err_invalid_value(
                    f'invalid apiVersion format "{obj.api_version}", must be in the format '
                    '"group/version"', path))
        else:
            errs.add(err_invalid_value(f"custom task {what} must specify apiVersion", path))
    return errs


def _graph(tasks: Sequence[PipelineTask]) -> ErrorList:
    try:
        build_graph(tasks, pipeline_task_deps(tasks))
    except GraphError as exc:
        return err_invalid_value(str(exc), "tasks")
    return ErrorList()


def _workspace_declarations(ps: PipelineSpec) -> ErrorList:
    errs = ErrorList()
    seen: set[str] = set()
    for i, ws in enumerate(ps.workspaces):
        if not ws.name:
            errs.add(err_invalid_value(f"workspace {i} has empty name", "")
                     .via_field_index("workspaces", i))
        if ws.name in seen:
            errs.add(err_invalid_value(f'workspace with name "{ws.name}" appears more than once',
                                       "").via_field_index("workspaces", i))
        seen.add(ws.name)
    return errs


def _task_workspaces(pt: PipelineTask, declared: set[str]) -> ErrorList:
    errs = ErrorList()
    bound: set[str] = set()
    for i, ws in enumerate(pt.workspaces):
        if ws.name in bound:
            errs.add(err_generic(f'workspace name "{ws.name}" must be unique', "")
                     .via_field_index("workspaces", i))
        target = ws.workspace or ws.name
        if target not in declared:
            errs.add(err_invalid_value(
                f'pipeline task "{pt.name}" expects workspace with name "{target}" but none '
                "exists in pipeline spec", "").via_field_index("workspaces", i))
        bound.add(ws.name)
    return errs


def _results(results: Sequence[PipelineResult], tasks: Sequence[PipelineTask],
             finally_: Sequence[PipelineTask]) -> ErrorList:
    errs = ErrorList()
    task_names = {t.name for t in tasks}
    finally_names = {t.name for t in finally_}
    names: set[str] = set()
    for i, r in enumerate(results):
        if r.name in names:
            # tekpy's addition, as for task results
            errs.add(err_generic("expected exactly one, got both", "name")
                     .via_field_index("results", i))
        names.add(r.name)
        exprs = param_expressions(r.value)
        at = ErrorList.via_field_index
        if not exprs:
            errs.add(at(err_invalid_value("expected pipeline results to be task result "
                                          "expressions but no expressions were found", "value"),
                        "results", i))
        if not any(looks_like_result_ref(e) for e in exprs):
            errs.add(at(err_invalid_value("expected pipeline results to be task result "
                                          "expressions but an invalid expressions was found",
                                          "value"), "results", i))
        refs_ = [e for e in exprs if looks_like_result_ref(e)]
        parsed = result_refs(refs_)
        if len(refs_) != len(parsed):
            errs.add(at(err_invalid_value(
                f"expected all of the expressions [{' '.join(refs_)}] to be result expressions "
                f"but only {len(parsed)} were", "value"), "results", i))
        if r.value.type == "string" and not _references_existing(r.value.string, task_names,
                                                                 finally_names):
            errs.add(at(err_invalid_value("referencing a nonexistent task", "value"),
                        "results", i))
    return errs


def _references_existing(text: str, tasks: set[str], finally_: set[str]) -> bool:
    # Tekton splits the value on "$" and requires every piece to be a result reference
    for piece in text.split("$"):
        if not piece:
            continue
        e = ("$" + piece).removeprefix("$(").removesuffix(")")
        parsed = result_refs([e])
        if not parsed:
            return False
        name = parsed[0].pipeline_task
        if e.startswith("tasks") and name not in tasks:
            return False
        if e.startswith("finally") and name not in finally_:
            return False
    return True


def _pipeline_ref_result_refs(ps: PipelineSpec) -> ErrorList:
    nested = {t.name for t in ps.tasks if t.pipeline_ref is not None or t.pipeline_spec
              is not None}
    errs = ErrorList()
    if not nested:
        return errs
    from tekpy.api.graph import task_result_refs

    for field, tasks in (("tasks", ps.tasks), ("finally", ps.finally_)):
        for i, pt in enumerate(tasks):
            for ref in task_result_refs(pt):
                if ref.pipeline_task in nested:
                    errs.add(err_invalid_value(
                        f'result reference to pipelineTask "{ref.pipeline_task}" is not '
                        "supported: referenced task uses pipelineRef or pipelineSpec and result "
                        "propagation from child Pipelines is not yet implemented", ""
                    ).via_field_index(field, i))
    return errs


def _matrix(pt: PipelineTask, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    m = pt.matrix
    if m is None:
        return errs
    if pt.is_matrixed():
        errs.add(ctx.gate("matrix", BETA))
        count = m.count_combinations()
        limit = ctx.config.defaults.default_max_matrix_combinations_count
        if count > limit:
            errs.add(err_out_of_bounds(count, 0, limit, "matrix"))
        for i, inc in enumerate(m.include):
            errs.add(check_param_duplicates(inc.params).via_field(f"matrix.include[{i}].params"))
        if m.params:
            errs.add(check_param_duplicates(m.params).via_field("matrix.params"))
    matrix_names = {p.name for p in m.all_params()}
    for p in pt.params:
        if p.name in matrix_names:
            errs.add(err_generic("expected exactly one, got both",
                                 f"matrix[{p.name}]", f"params[{p.name}]"))
    return errs
