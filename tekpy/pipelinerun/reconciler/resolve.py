"""Finding a PipelineRun's Pipeline and checking the pair before anything runs.

``pipelineSpec`` is used as is; ``pipelineRef.name`` reads the Pipeline in the run's
namespace; ``pipelineRef`` with ``resolver: cluster`` reads the Pipeline named by the
``name`` param in the ``namespace`` param (default: the run's). A Pipeline that cannot be
found fails the run with ``CouldntGetPipeline``; server errors worth retrying propagate so
the controller requeues with backoff.
"""

from __future__ import annotations

import attrs

from tekpy.api import Config, parse_object, validate, with_defaults
from tekpy.api.runchecks import check_pipeline_run_params, check_pipeline_workspaces
from tekpy.api.types import Pipeline, PipelineRun, PipelineSpec
from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.reconciler.kinds import PIPELINES, TASKS
from tekpy.runtime.client import ApiError, Client, is_forbidden, is_not_found

__all__ = ["Problem", "ResolvedPipeline", "check_pair", "check_tasks_exist", "pipeline_name_of",
           "resolve_pipeline"]


@attrs.frozen
class Problem(Exception):
    """A run that cannot start: Tekton's reason and message."""

    reason: str
    message: str


@attrs.frozen
class ResolvedPipeline:
    spec: PipelineSpec
    name: str  # the tekton.dev/pipeline label: the Pipeline's name, or the run's


def pipeline_name_of(pr: PipelineRun) -> str:
    """The ``tekton.dev/pipeline`` value: the referenced Pipeline's name, else the run's."""
    ref = pr.spec.pipeline_ref
    if ref is None:
        return pr.name
    if ref.resolver == "cluster":
        return _params(pr).get("name") or pr.name
    return ref.name or pr.name


def _params(pr: PipelineRun) -> dict[str, str]:
    ref = pr.spec.pipeline_ref
    assert ref is not None
    return {p.name: p.value.string for p in ref.params}


async def resolve_pipeline(client: Client, pr: PipelineRun, config: Config) -> ResolvedPipeline:
    """The run's PipelineSpec (defaulted); raises :class:`Problem` when it cannot be had."""
    if pr.spec.pipeline_spec is not None:
        return ResolvedPipeline(pr.spec.pipeline_spec, pr.name)
    ref = pr.spec.pipeline_ref
    if ref is None:
        raise Problem(reasons.COULDNT_GET_PIPELINE,
                      f"PipelineRun {pr.namespace}/{pr.name} has neither pipelineRef nor "
                      "pipelineSpec")
    namespace, name = pr.namespace, ref.name
    if ref.resolver:
        if ref.resolver != "cluster":
            raise Problem(reasons.COULDNT_GET_PIPELINE,
                          f"Error retrieving pipeline for pipelinerun {pr.namespace}/{pr.name}: "
                          f"resolver type {ref.resolver} is not supported by tekpy")
        params = _params(pr)
        name = params.get("name", "")
        namespace = params.get("namespace") or pr.namespace
        if params.get("kind", "pipeline") != "pipeline":
            raise Problem(reasons.COULDNT_GET_PIPELINE,
                          f"Error retrieving pipeline for pipelinerun {pr.namespace}/{pr.name}: "
                          f"unknown or unsupported resource kind '{params['kind']}'")
    try:
        raw = await client.get(PIPELINES, name, namespace=namespace)
    except ApiError as exc:
        if is_not_found(exc) or is_forbidden(exc):
            raise Problem(reasons.COULDNT_GET_PIPELINE,
                          f"Error retrieving pipeline for pipelinerun {pr.namespace}/{pr.name}: "
                          f"{exc.message}") from None
        raise
    model, errors = parse_object(raw, detect_legacy=True)
    if errors or not isinstance(model, Pipeline):
        raise Problem(reasons.VALIDATION_FAILED,
                      f"Pipeline {namespace}/{name} can't be Run; it has an invalid spec: "
                      f"{errors}")
    problems = validate(model, config)
    if problems:
        raise Problem(reasons.VALIDATION_FAILED,
                      f"Pipeline {namespace}/{name} can't be Run; it has an invalid spec: "
                      f"{problems}")
    return ResolvedPipeline(with_defaults(model, config).spec, name)


async def check_tasks_exist(client: Client, pr: PipelineRun, resolved: ResolvedPipeline
                            ) -> None:
    """Every Task named by a ``taskRef`` and every Pipeline named by a ``pipelineRef``
    exists (Tekton resolves them before starting); raises :class:`Problem` with
    ``CouldntGetTask`` (``CouldntGetPipeline``) for the first missing one. Names that
    still hold a variable, and remote resolvers, are left to the child's reconciler."""
    seen: set[tuple[str, str]] = set()
    for pt in [*resolved.spec.tasks, *resolved.spec.finally_]:
        pref = pt.pipeline_ref
        if pref is not None and pref.name and not pref.resolver and "$(" not in pref.name:
            try:
                await client.get(PIPELINES, pref.name, namespace=pr.namespace)
            except ApiError as exc:
                if is_not_found(exc):
                    raise Problem(reasons.COULDNT_GET_PIPELINE,
                                  f"Pipeline {pr.namespace}/{resolved.name} can't be Run; it "
                                  "contains child Pipelines that don't exist: Couldn't "
                                  f'retrieve Pipeline "{pref.name}": {exc.message}') from None
                raise
        ref = pt.task_ref
        if ref is None or ref.kind not in ("", "Task") or "$(" in ref.name:
            continue
        namespace, name = pr.namespace, ref.name
        if ref.resolver == "cluster":
            params = {p.name: p.value.string for p in ref.params}
            if params.get("kind", "task") != "task" or "$(" in params.get("name", "$("):
                continue
            namespace, name = params.get("namespace") or pr.namespace, params["name"]
        elif ref.resolver:
            continue
        if (namespace, name) in seen:
            continue
        seen.add((namespace, name))
        try:
            await client.get(TASKS, name, namespace=namespace)
        except ApiError as exc:
            if is_not_found(exc):
                raise Problem(reasons.COULDNT_GET_TASK,
                              f"Pipeline {pr.namespace}/{resolved.name} can't be Run; it "
                              f"contains Tasks that don't exist: Couldn't retrieve Task "
                              f'"{name}": {exc.message}') from None
            raise


def _unsupported(resolved: ResolvedPipeline) -> str | None:
    """The first PipelineTask tekpy cannot run: a custom task."""
    for pt in [*resolved.spec.tasks, *resolved.spec.finally_]:
        ref, spec = pt.task_ref, pt.task_spec
        custom = (ref is not None and ref.api_version and ref.kind not in ("", "Task")) or \
            (spec is not None and bool(spec.api_version or spec.kind))
        if custom:
            return f"pipeline task {pt.name}: custom tasks are not supported by tekpy"
    return None


def check_pair(pr: PipelineRun, resolved: ResolvedPipeline) -> Problem | None:
    """Params and workspaces of the run against the Pipeline (Tekton's reasons), and
    what tekpy cannot run (``PipelineValidationFailed``)."""
    pl = f"{pr.namespace}/{resolved.name}"
    unsupported = _unsupported(resolved)
    if unsupported is not None:
        return Problem(reasons.VALIDATION_FAILED,
                       f"Pipeline {pl} can't be Run; it has an invalid spec: {unsupported}")
    msg = check_pipeline_run_params(resolved.spec.params, pr.spec.params)
    if msg is not None:
        run = f"PipelineRun {pr.namespace}/{pr.name}"
        if "inconsistent types" in msg:
            return Problem(reasons.PARAMETER_TYPE_MISMATCH,
                           f"{run} parameters have mismatching types with Pipeline {pl}'s "
                           f"parameters: {msg}")
        if "missing object keys" in msg:
            return Problem(reasons.OBJECT_PARAMETER_MISS_KEYS,
                           f"{run} parameters is missing object keys required by Pipeline "
                           f"{pl}'s parameters: {msg}")
        return Problem(reasons.PARAMETER_MISSING,
                       f"{run} is missing some parameters required by Pipeline {pl}: {msg}")
    msg = check_pipeline_workspaces(resolved.spec.workspaces, pr.spec.workspaces)
    if msg is not None:
        return Problem(reasons.INVALID_WORKSPACE_BINDINGS,
                       f"PipelineRun {pr.namespace}/{pr.name} doesn't bind Pipeline {pl}'s "
                       f"Workspaces correctly: {msg}")
    return None
