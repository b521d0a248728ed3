"""The TaskRun reconciler: a thin shell around the pure functions of :mod:`tekpy.taskrun`.

One reconcile reads the TaskRun and its Pod from the informer caches, decides with pure
functions, makes the few writes needed (Pod, claims, ready annotation, sidecar stop, Pod
delete) and writes the status with the TaskRun's ``resourceVersion`` (a conflict raises and
the controller requeues quietly). It follows Tekton's ``ReconcileKind`` in this order:

1. done -> stop sidecars (switch them to the nop image), refresh their states;
2. not started -> ``startTime`` and ``Started``;
3. ``spec.status: TaskRunCancelled`` -> ``TaskRunCancelled``, Pod deleted;
4. ``spec.status: TaskRunPending`` -> ``TaskRunPending``, no Pod;
5. ``startTime + timeout`` passed -> ``TaskRunTimeout``, Pod deleted;
6. a waiting step that cannot start (image pull, config error) -> fail, Pod deleted;
7. validate, resolve the Task, check params/workspaces (failures end the run with Tekton's
   reason; ``status.taskSpec`` keeps the resolved spec);
8. find or create the Pod, set ``tekton.dev/ready`` when sidecars are ready, derive the
   status from the Pod;
9. a failure with retries left -> the attempt goes to ``retriesStatus`` and the next
   reconcile creates ``<name>-pod-retry<N>``.

Events (``Started``, ``Running``/``Pending``, ``Succeeded``, ``Failed``) and metrics follow a
successful status write, so a conflict never duplicates them. A running TaskRun is requeued
for the moment its timeout expires.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

import attrs

from tekpy.api import parse_duration, parse_object, unstructure, with_defaults
from tekpy.api.types import TaskRun, TaskSpec
from tekpy.runtime.cache import Lister
from tekpy.runtime.client import ApiError, Client, is_forbidden, is_not_found
from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.controller import Request, Result
from tekpy.taskrun import (
    RESULTS_CONTAINER,
    SIDECAR_PREFIX,
    PodBuildError,
    ResultTooLarge,
    RunResult,
    build_pod,
    cancel,
    check_pod_failed,
    derive_status,
    fail,
    get_condition,
    has_timed_out,
    initialize,
    is_done,
    is_retriable,
    mark_pending,
    mark_running,
    parse_sidecar_log,
    parse_time,
    pod_creation_failure,
    prepare_task_spec,
    reasons,
    results_log_ready,
    retry,
    sidecar_state,
    sidecars_ready,
    time_out,
)
from tekpy.taskrun.reconciler.checks import check_resolved, check_taskrun
from tekpy.taskrun.reconciler.events import emit_condition_events
from tekpy.taskrun.reconciler.kinds import TASKRUNS
from tekpy.taskrun.reconciler.metrics import TaskRunMetrics, default_metrics
from tekpy.taskrun.reconciler.options import ReconcilerOptions
from tekpy.taskrun.reconciler.podlogs import read_container_log
from tekpy.taskrun.reconciler.pods import PodNotOwned, PodOps
from tekpy.taskrun.reconciler.resolve import (
    ResolutionFailed,
    ResolvedTask,
    is_transient,
    pipeline_resources,
    resolve_task,
)

__all__ = ["CANCELLED", "PENDING", "TaskRunReconciler"]

log = logging.getLogger("tekpy.taskrun.reconciler")

CANCELLED = "TaskRunCancelled"
PENDING = "TaskRunPending"
# Pod creation reasons that are retried later rather than failing the run
_RETRY_QUOTA_AFTER = 60.0
_RETRY_CONFLICT_AFTER = 1.0


@attrs.define
class _Attempt:
    """The state one reconcile works on: the cached object and the status being built."""

    raw: dict[str, Any]
    status: dict[str, Any]
    now: datetime
    before: dict[str, Any] | None
    tr: TaskRun | None = None
    requeue_after: float | None = None

    @property
    def name(self) -> str:
        return str(self.raw["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.raw["metadata"].get("namespace", ""))

    @property
    def created(self) -> str:
        return str(self.raw["metadata"].get("creationTimestamp", ""))


def _timeout_seconds(raw: dict[str, Any], default_minutes: int) -> float:
    text = (raw.get("spec") or {}).get("timeout")
    if text is None:
        return default_minutes * 60.0
    try:
        return parse_duration(str(text))
    except ValueError:
        return default_minutes * 60.0  # validation reports it; keep a deadline meanwhile


def _go_duration(seconds: float) -> str:
    from tekpy.api import format_duration

    return format_duration(seconds)


class TaskRunReconciler:
    """Reconciles TaskRuns (``tekton.dev/v1``) into Pods.

    ``taskruns`` and ``pods`` list the informers the controller watches (the Pod informer
    may be restricted to ``app.kubernetes.io/managed-by`` Pods). ``recorder`` is an
    :class:`~tekpy.runtime.events.EventRecorder` or None; ``metrics`` defaults to the
    process-wide :func:`~tekpy.taskrun.reconciler.metrics.default_metrics`.
    """

    def __init__(self, client: Client, taskruns: Lister, pods: Lister, *,
                 options: ReconcilerOptions | None = None, clock: Clock = REAL_CLOCK,
                 recorder: Any = None, metrics: TaskRunMetrics | None = None) -> None:
        self.client = client
        self.taskruns = taskruns
        self.options = options or ReconcilerOptions()
        self.clock = clock
        self.recorder = recorder
        self.metrics = metrics if metrics is not None else default_metrics()
        self.metrics.report_running(lambda: self.taskruns.list())
        self.pods = PodOps(client, pods)
        self._builder_config = self.options.pod_builder_config()

    # -- entry point ---------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Result:
        """Converge one TaskRun (see the module docstring)."""
        raw = self.taskruns.get(request.name, request.namespace or None)
        if raw is None:
            return Result()  # deleted: its Pod goes with it (owner garbage collection)
        # a deep copy: the pure functions edit nested parts, and cached objects are read-only
        status = copy.deepcopy(raw.get("status") or {})
        a = _Attempt(raw, status, self.clock.now(), get_condition(status))
        if is_done(status):
            await self._finished(a)
        else:
            await self._progress(a)
            cond = get_condition(a.status)
            if cond is not None and cond.get("status") == "False" and \
                    (raw.get("spec") or {}).get("status") != CANCELLED and \
                    is_retriable(int((raw.get("spec") or {}).get("retries") or 0), a.status):
                retry(a.status, str(cond.get("message", "")), a.now)
                a.requeue_after = None
        await self._commit(a)
        if a.requeue_after is not None and not is_done(a.status):
            return Result(requeue_after=max(a.requeue_after, 0.001))
        return Result()

    # -- the steps -----------------------------------------------------------------------

    async def _finished(self, a: _Attempt) -> None:
        """A done run: stop its sidecars and record their final states."""
        cond = get_condition(a.status) or {}
        if not a.status.get("podName") or cond.get("reason") in (reasons.CANCELLED,
                                                                  reasons.TIMED_OUT):
            return  # no Pod, or it was deleted when the run was stopped
        pod = self.pods.find(a.raw, a.status)
        if pod is None:
            return
        await self.pods.stop_sidecars(pod, self.options.nop_image)
        if any(s.get("terminated") is None for s in a.status.get("sidecars") or []):
            a.status["sidecars"] = [
                sidecar_state(cs) for cs in (pod.get("status") or {}).get("containerStatuses")
                or [] if cs.get("name", "").startswith(SIDECAR_PREFIX)]

    async def _progress(self, a: _Attempt) -> None:
        spec = a.raw.get("spec") or {}
        defaults = self.options.config.defaults
        if not a.status.get("startTime") and spec.get("status") != PENDING:
            initialize(a.status, a.now)
            # a controller clock behind the API server's: never start before creation
            if a.created and parse_time(a.status["startTime"]) < parse_time(a.created):
                a.status["startTime"] = a.created
        if spec.get("status") == CANCELLED:
            cancel(a.status, a.name, str(spec.get("statusMessage") or ""), a.now,
                   created=a.created)
            await self._stop_pod(a, cancelled=True)
            return
        if spec.get("status") == PENDING:
            mark_pending(a.status, a.name, a.now)
            return
        timeout = _timeout_seconds(a.raw, defaults.default_timeout_minutes)
        if has_timed_out(a.status, timeout, a.now):
            pod = self.pods.find(a.raw, a.status)
            if pod is not None:  # record how far the steps got before stopping them
                derived, _ = derive_status({**a.raw, "status": a.status}, pod, None, a.now)
                if derived.get("steps"):
                    a.status["steps"] = derived["steps"]
            time_out(a.status, a.name, _go_duration(timeout), a.now, created=a.created)
            await self._stop_pod(a, cancelled=False)
            return
        pod_failure = check_pod_failed(
            a.name, a.status, a.now, pod=self.pods.find(a.raw, a.status),
            image_pull_backoff_timeout=parse_duration(defaults.default_imagepullbackoff_timeout),
            create_container_error_timeout=parse_duration(
                defaults.default_create_container_error_timeout))
        if pod_failure is not None:
            fail(a.status, *pod_failure, a.now, created=a.created)
            await self._stop_pod(a, cancelled=False)
            return
        resolved = await self._prepare(a)
        if resolved is None:
            return
        await self._run_pod(a, resolved)
        if a.status.get("startTime") and timeout > 0:
            elapsed = (a.now - parse_time(a.status["startTime"])).total_seconds()
            a.requeue_after = timeout - elapsed

    def _fail(self, a: _Attempt, reason: str, message: str) -> None:
        log.info("taskrun failed namespace=%s name=%s reason=%s", a.namespace, a.name, reason)
        fail(a.status, reason, message, a.now, created=a.created)

    async def _prepare(self, a: _Attempt) -> ResolvedTask | None:
        """Parse, default, validate and resolve; None when the run was failed."""
        config = self.options.config
        model, errors = parse_object(a.raw, detect_legacy=True)
        if errors or not isinstance(model, TaskRun):
            self._fail(a, reasons.FAILED_VALIDATION, f"invalid TaskRun: {errors}")
            return None
        tr = with_defaults(model, config)
        a.tr = tr
        if "taskSpec" not in a.status:  # checked once: a stored spec was valid
            problem = check_taskrun(tr, config)
            if problem is not None:
                self._fail(a, *problem)
                return None
        try:
            resolved = await resolve_task(self.client, tr, config)
        except ResolutionFailed as exc:
            self._fail(a, exc.reason, exc.message)
            return None
        log.debug("resolved task namespace=%s name=%s source=%s", a.namespace, a.name,
                  resolved.source)
        task_name = resolved.task_name or (tr.spec.task_ref.name if tr.spec.task_ref else "")
        if "taskSpec" not in a.status:
            problem = check_resolved(tr, resolved.spec, task_name, config)
            if problem is not None:
                self._fail(a, *problem)
                return None
            a.status["taskSpec"] = unstructure(resolved.spec)
        return resolved

    async def _run_pod(self, a: _Attempt, resolved: ResolvedTask) -> None:
        """Find or create the Pod, release its steps, and derive the status from it."""
        tr = a.tr  # parsed with the cached status: its retriesStatus numbers the attempt
        assert tr is not None
        try:
            legacy = await pipeline_resources(self.client, tr)
            spec, _unmatched = prepare_task_spec(tr, resolved.spec, self._builder_config,
                                                 task_name=resolved.task_name,
                                                 resources=legacy)
        except PodBuildError as exc:
            self._fail(a, exc.reason, exc.message)
            return
        pod = self.pods.find(a.raw, a.status)
        if pod is None:
            pod = await self._create_pod(a, tr, spec)
            if pod is None:
                return
        if sidecars_ready(pod):
            pod = await self.pods.mark_ready(pod)
            self.metrics.pod_latency_once(pod, a.raw)
        logged = await self._logged_results(a, pod)
        if logged is None:
            return
        status, problems = derive_status(
            {**a.raw, "status": a.status}, pod, spec, a.now,
            fail_on_missing_results=self.options.fail_on_missing_results, logged=logged)
        for problem in problems:
            log.warning("reading pod status namespace=%s name=%s problem=%s",
                        a.namespace, a.name, problem)
        a.status = status

    async def _logged_results(self, a: _Attempt, pod: dict[str, Any]) -> list[RunResult] | None:
        """The results in the results sidecar's log once it has exited (``results-from:
        sidecar-logs``); [] without that sidecar, None when the run was failed for a result
        over ``max-result-size``. Other problems are logged and leave the results unread,
        as in Tekton; a server error is raised so that the run is reconciled again."""
        if not results_log_ready(pod):
            return []
        meta = pod.get("metadata") or {}
        try:
            text = await read_container_log(self.client, a.namespace, str(meta.get("name")),
                                            RESULTS_CONTAINER)
            return parse_sidecar_log(text, self.options.config.feature_flags.max_result_size)
        except ResultTooLarge as exc:
            # Tekton's message: its label ends in a space, and %q quotes the quoted name
            self._fail(a, reasons.RESULT_LARGER_THAN_ALLOWED,
                       f'[User error]  TaskRun ""{a.name}"" failed: {exc}')
            return None
        except ApiError as exc:
            if exc.status >= 500:
                raise
            log.warning("reading results log namespace=%s name=%s problem=%s", a.namespace,
                        a.name, exc)
        except ValueError as exc:
            log.warning("reading results log namespace=%s name=%s problem=%s", a.namespace,
                        a.name, exc)
        return []

    async def _create_pod(self, a: _Attempt, tr: TaskRun, spec: TaskSpec
                          ) -> dict[str, Any] | None:
        sa, secrets = await self.pods.credentials(a.namespace, tr.spec.service_account_name)
        try:
            built = build_pod(tr, spec, self._builder_config, service_account=sa,
                              secrets=secrets)
        except PodBuildError as exc:
            self._fail(a, exc.reason, exc.message)
            return None
        try:
            await self.pods.create_claims(built, a.namespace)
        except ApiError as exc:
            if is_transient(exc):
                raise
            self._fail(a, reasons.COULDNT_CREATE_WORKSPACE_PVC,
                       f"failed to create PVC for TaskRun {a.namespace}/{a.name} workspaces "
                       f"correctly: {exc.message}")
            return None
        try:
            pod = await self.pods.create(built, a.raw)
        except PodNotOwned as exc:
            self._fail(a, reasons.POD_CREATION_FAILED, str(exc))
            return None
        except ApiError as exc:
            if is_transient(exc) and not (exc.details or {}).get("kind") == "resourcequotas":
                raise
            ref = tr.spec.task_ref
            reason, message, terminal = pod_creation_failure(
                a.name, exc.message, status_code=exc.status, forbidden=is_forbidden(exc),
                conflict_kind=str((exc.details or {}).get("kind", "")),
                task_ref=ref.name if ref is not None else "", namespace=a.namespace)
            if terminal:
                self._fail(a, reason, message)
            else:
                a.status.pop("startTime", None)  # it has not started while it cannot run
                mark_running(a.status, reason, message, a.now)
                a.requeue_after = _RETRY_QUOTA_AFTER if reason == \
                    reasons.EXCEEDED_RESOURCE_QUOTA else _RETRY_CONFLICT_AFTER
            return None
        log.info("created pod namespace=%s name=%s pod=%s", a.namespace, a.name,
                 pod["metadata"]["name"])
        return pod

    async def _stop_pod(self, a: _Attempt, *, cancelled: bool) -> None:
        """Stop the Pod of a run that was just failed (cancel, timeout, pod failure)."""
        pod_name = a.status.get("podName")
        if not pod_name:
            return
        reason = (get_condition(a.status) or {}).get("reason")
        if self.options.config.feature_flags.keep_pod_on_cancel and \
                (cancelled or reason == reasons.TIMED_OUT):
            await self.pods.cancel_in_place(a.namespace, pod_name)
        else:
            await self.pods.delete(a.namespace, pod_name)

    # -- writing -------------------------------------------------------------------------

    async def _commit(self, a: _Attempt) -> None:
        """Write the status if it changed, then emit events and record metrics."""
        if a.status != (a.raw.get("status") or {}):
            body = {**a.raw, "status": a.status}
            try:
                await self.client.update_status(TASKRUNS, body, namespace=a.namespace)
            except ApiError as exc:
                if is_not_found(exc):
                    return  # deleted meanwhile: nothing left to report on
                raise
        after = get_condition(a.status)
        if self.recorder is not None:
            emit_condition_events(self.recorder, a.raw, a.before, after)
        if is_done(a.status) and not is_done(a.raw.get("status")):
            self.metrics.duration_and_count({**a.raw, "status": a.status}, a.now)

