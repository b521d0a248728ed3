"""The PipelineRun reconciler: a thin shell that reads, plans (pure) and applies.

One reconcile: read the PipelineRun and its children (TaskRuns, child PipelineRuns) from
the informer caches; a done run is left alone; parse, default and validate it, resolve its
Pipeline (once: the resolved spec is kept in ``status.pipelineSpec`` and used from then on)
and check params and workspaces -- any failure ends the run with Tekton's reason, never a
crash or an endless requeue; then :func:`tekpy.pipelinerun.plan` and apply the plan:
claims, TaskRuns and child PipelineRuns are created with deterministic names (an existing
one is adopted: ``AlreadyExists`` is not an error), cancellations are merge patches, and
the status is written to ``/status`` with the object's ``resourceVersion`` (a conflict
raises; the controller requeues and the next reconcile re-plans from fresh state). Events
and metrics follow a successful status write.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from tekpy.api import Config, parse_object, structure, validate, with_defaults
from tekpy.api.types import PipelineRun, PipelineSpec
from tekpy.pipelinerun import fail, plan, reasons
from tekpy.pipelinerun.planner import Plan
from tekpy.pipelinerun.reconciler.kinds import PIPELINERUNS, PVCS, TASKRUNS
from tekpy.pipelinerun.reconciler.metrics import PipelineRunMetrics, default_metrics
from tekpy.pipelinerun.reconciler.resolve import (
    Problem,
    ResolvedPipeline,
    check_pair,
    check_tasks_exist,
    pipeline_name_of,
    resolve_pipeline,
)
from tekpy.pipelinerun.taskruns import PIPELINE_LABEL, PIPELINERUN_LABEL
from tekpy.runtime.cache import Lister
from tekpy.runtime.client import ApiError, Client, is_already_exists, is_not_found
from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.controller import Request, Result
from tekpy.taskrun.reconciler.events import emit_condition_events
from tekpy.taskrun.status.conditions import get_condition, is_done

__all__ = ["PipelineRunReconciler"]

log = logging.getLogger("tekpy.pipelinerun.reconciler")


class PipelineRunReconciler:
    """Reconciles PipelineRuns (``tekton.dev/v1``) into TaskRuns.

    ``pipelineruns`` and ``taskruns`` are listers of the controller's informers;
    ``recorder`` an :class:`~tekpy.runtime.events.EventRecorder` or None.
    """

    def __init__(self, client: Client, pipelineruns: Lister, taskruns: Lister, *,
                 config: Config | None = None, clock: Clock = REAL_CLOCK,
                 recorder: Any = None, metrics: PipelineRunMetrics | None = None) -> None:
        self.client = client
        self.pipelineruns = pipelineruns
        self.taskruns = taskruns
        self.config = config or Config()
        self.clock = clock
        self.recorder = recorder
        self.metrics = metrics if metrics is not None else default_metrics()
        self.metrics.report_running(lambda: self.pipelineruns.list())

    async def reconcile(self, request: Request) -> Result:
        """Converge one PipelineRun (see the module docstring)."""
        raw = self.pipelineruns.get(request.name, request.namespace or None)
        if raw is None or is_done(raw.get("status")):
            return Result()  # gone (children follow by owner GC), or finished
        now = self.clock.now()
        status = raw.get("status") or {}
        try:
            pr, resolved = await self._prepare(raw)
        except Problem as exc:
            log.info("pipelinerun failed namespace=%s name=%s reason=%s",
                     request.namespace, request.name, exc.reason)
            await self._commit(raw, fail(status, exc.reason, exc.message, now))
            return Result()
        children = {tr["metadata"]["name"]: tr for tr in self.taskruns.list(
            pr.namespace, {PIPELINERUN_LABEL: pr.name})}
        for child in self.pipelineruns.list(pr.namespace, {PIPELINERUN_LABEL: pr.name}):
            # child PipelineRuns (pipelines in pipelines); a list item may lack its kind
            children[child["metadata"]["name"]] = {**child, "kind": "PipelineRun"}
        p = plan(pr, resolved.spec, children, now, self.config, pipeline_name=resolved.name,
                 ancestors=self._ancestors(raw))
        await self._apply(pr, p)
        await self._commit(raw, p.status)
        await self._label(raw, resolved.name)
        if p.requeue_after is not None:
            return Result(requeue_after=max(p.requeue_after, 0.001))
        return Result()

    def _ancestors(self, raw: dict[str, Any]) -> list[str]:
        """The ``tekton.dev/pipeline`` labels of the run's parent PipelineRuns, nearest
        first, following controller ``ownerReferences`` through the cache (bounded: a
        chain longer than the cache, i.e. a loop of owners, stops)."""
        out: list[str] = []
        current, seen = raw, set[str]()
        namespace = (raw.get("metadata") or {}).get("namespace")
        while len(seen) < 1000:
            meta = current.get("metadata") or {}
            owner = next((o for o in meta.get("ownerReferences") or []
                          if o.get("controller") and o.get("kind") == "PipelineRun"), None)
            if owner is None or owner.get("name") in seen:
                break
            seen.add(owner["name"])
            parent = self.pipelineruns.get(owner["name"], namespace)
            if parent is None:
                break
            out.append(((parent.get("metadata") or {}).get("labels") or {})
                       .get(PIPELINE_LABEL, ""))
            current = parent
        return out

    async def _prepare(self, raw: dict[str, Any]) -> tuple[PipelineRun, ResolvedPipeline]:
        """Parse, default, validate, resolve; raises :class:`Problem` for a run that
        cannot start."""
        meta = raw.get("metadata") or {}
        where = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
        model, errors = parse_object(raw, detect_legacy=True)
        if errors or not isinstance(model, PipelineRun):
            raise Problem(reasons.VALIDATION_FAILED,
                          f"PipelineRun {where} has an invalid spec: {errors}")
        pr = with_defaults(model, self.config)
        stored = (raw.get("status") or {}).get("pipelineSpec")
        if stored is not None:  # resolved and checked by an earlier reconcile
            return pr, ResolvedPipeline(structure(stored, PipelineSpec), pipeline_name_of(pr))
        problems = validate(model, self.config)
        if problems:
            raise Problem(reasons.VALIDATION_FAILED,
                          f"PipelineRun {where} has an invalid spec: {problems}")
        resolved = await resolve_pipeline(self.client, pr, self.config)
        problem = check_pair(pr, resolved)
        if problem is not None:
            raise problem
        await check_tasks_exist(self.client, pr, resolved)
        return pr, resolved

    async def _apply(self, pr: PipelineRun, p: Plan) -> None:
        for claim in p.pvcs:
            await self._create(PVCS, claim, pr.namespace)
        for child in p.create:
            kind = PIPELINERUNS if child.get("kind") == "PipelineRun" else TASKRUNS
            await self._create(kind, child, pr.namespace)
            log.info("created %s namespace=%s pipelinerun=%s name=%s", kind.kind.lower(),
                     pr.namespace, pr.name, child["metadata"]["name"])
        for patch in p.patches:
            kind = PIPELINERUNS if patch.kind == "PipelineRun" else TASKRUNS
            try:
                await self.client.patch(kind, patch.name, patch.body, namespace=pr.namespace)
            except ApiError as exc:
                if not is_not_found(exc):
                    raise

    async def _create(self, resource: Any, obj: dict[str, Any], namespace: str) -> None:
        try:
            await self.client.create(resource, obj, namespace=namespace)
        except ApiError as exc:
            # a child created by an earlier attempt whose result we did not see: adopt it
            if not is_already_exists(exc):
                raise

    async def _label(self, raw: dict[str, Any], pipeline: str) -> None:
        """Put ``tekton.dev/pipeline`` on the run, as Tekton does (after the status write,
        which carries the resourceVersion read from the cache)."""
        labels = (raw.get("metadata") or {}).get("labels") or {}
        if labels.get(PIPELINE_LABEL) == pipeline:
            return
        meta = raw["metadata"]
        try:
            await self.client.patch(PIPELINERUNS, meta["name"],
                                    {"metadata": {"labels": {PIPELINE_LABEL: pipeline}}},
                                    namespace=meta.get("namespace"))
        except ApiError as exc:
            if not is_not_found(exc):
                raise

    async def _commit(self, raw: dict[str, Any], status: dict[str, Any]) -> None:
        before = get_condition(raw.get("status"))
        if status != (raw.get("status") or {}):
            body = {**copy.copy(raw), "status": status}
            try:
                await self.client.update_status(PIPELINERUNS, body,
                                                namespace=raw["metadata"].get("namespace"))
            except ApiError as exc:
                if is_not_found(exc):
                    return
                raise
        if self.recorder is not None:
            emit_condition_events(self.recorder, raw, before, get_condition(status))
        if is_done(status) and not is_done(raw.get("status")):
            self.metrics.duration_and_count({**raw, "status": status}, self.clock.now())
