"""TaskRun metrics with Tekton's names, so existing dashboards work.

=====================================================================  =========================
``tekton_pipelines_controller_taskrun_duration_seconds``               histogram: ``namespace``,
                                                                       ``status``, ``task``
                                                                       (+ ``taskrun`` at level
                                                                       ``taskrun``)
``tekton_pipelines_controller_pipelinerun_taskrun_duration_seconds``   the same for TaskRuns of
                                                                       a PipelineRun (+
                                                                       ``pipeline``)
``tekton_pipelines_controller_taskrun_total``                          counter: ``status``
``tekton_pipelines_controller_running_taskruns``                       gauge (read from the
                                                                       cache at scrape time)
``..._running_taskruns_waiting_on_task_resolution_count``,             gauges
``..._running_taskruns_throttled_by_quota``, ``..._by_node``
``tekton_pipelines_controller_taskruns_pod_latency_milliseconds``      histogram: ``namespace``,
                                                                       ``task``
=====================================================================  =========================

As in Tekton (``pkg/taskrunmetrics``): duration and count are recorded once, when a reconcile
changes the condition to done; ``status`` is ``success``, ``failed`` or ``cancelled``; the
duration is ``completionTime - startTime``; the Pod latency is the Pod's ``PodScheduled``
transition time minus its creation time. The task label is the ``taskRef`` name, else the
``tekton.dev/pipelineTask`` label of an embedded spec, else ``anonymous``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from tekpy.runtime.metrics.registry import REGISTRY

__all__ = ["TaskRunMetrics", "default_metrics", "task_tag"]

PREFIX = "tekton_pipelines_controller_"
DURATION_BUCKETS = (10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600, 43200, 86400)
LATENCY_BUCKETS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
ANONYMOUS = "anonymous"
PIPELINE_LABEL = "tekton.dev/pipeline"
PIPELINERUN_LABEL = "tekton.dev/pipelineRun"
PIPELINE_TASK_LABEL = "tekton.dev/pipelineTask"
TASK_LABEL = "tekton.dev/task"

# reasons of a running TaskRun that the throttling gauges count (Tekton's pod reasons)
_QUOTA = "ExceededResourceQuota"
_NODE = "ExceededNodeResources"
_RESOLVING = "ResolvingTaskRef"


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def task_tag(taskrun: dict[str, Any]) -> str:
    """The ``task`` label of a TaskRun's metrics (Tekton's ``getTaskTagName``)."""
    spec = taskrun.get("spec") or {}
    ref = spec.get("taskRef") or {}
    labels = _labels(taskrun)
    if ref.get("name"):
        return str(ref["name"])
    if spec.get("taskSpec") is not None:
        return labels.get(PIPELINE_TASK_LABEL, ANONYMOUS)
    return labels.get(TASK_LABEL, ANONYMOUS)


def _condition(status: dict[str, Any] | None) -> dict[str, Any] | None:
    for c in (status or {}).get("conditions") or []:
        if c.get("type") == "Succeeded":
            return dict(c)
    return None


class _RunningCollector:
    """Counts running TaskRuns (condition Unknown) in the cache when scraped."""

    def __init__(self) -> None:
        self.source: Callable[[], Iterable[dict[str, Any]]] | None = None

    def describe(self) -> list[Metric]:
        return []  # built at scrape time; nothing to check for name clashes up front

    def collect(self) -> Iterator[Metric]:
        running = resolving = quota = node = 0
        for tr in (self.source() if self.source is not None else ()):
            cond = _condition(tr.get("status"))
            if cond is None or cond.get("status") != "Unknown":
                continue
            running += 1
            reason = cond.get("reason")
            resolving += reason == _RESOLVING
            quota += reason == _QUOTA
            node += reason == _NODE
        for name, doc, value in (
            ("running_taskruns", "Number of taskruns executing currently", running),
            ("running_taskruns_waiting_on_task_resolution_count",
             "Number of taskruns executing currently that are waiting on resolution "
             "requests for their task references.", resolving),
            ("running_taskruns_throttled_by_quota",
             "Number of taskruns executing currently, but whose underlying Pods or "
             "Containers are suspended by k8s because of defined ResourceQuotas.", quota),
            ("running_taskruns_throttled_by_node",
             "Number of taskruns executing currently, but whose underlying Pods or "
             "Containers are suspended by k8s because of Node level constraints.", node),
        ):
            yield GaugeMetricFamily(PREFIX + name, doc, value=value)


class TaskRunMetrics:
    """Tekton's TaskRun metrics on one registry (the runtime's by default).

    ``level`` is Tekton's ``metrics.taskrun.level``: ``taskrun`` (labels ``task`` and
    ``taskrun``), ``task`` (default) or ``namespace`` (neither).
    """

    def __init__(self, registry: CollectorRegistry | None = None, *, level: str = "task"
                 ) -> None:
        if level not in ("taskrun", "task", "namespace"):
            raise ValueError(f"invalid metrics.taskrun.level {level!r}")
        self.level = level
        reg = registry if registry is not None else REGISTRY
        extra = {"taskrun": ["task", "taskrun"], "task": ["task"], "namespace": []}[level]
        self.duration = Histogram(
            PREFIX + "taskrun_duration_seconds", "The taskrun's execution time in seconds",
            ["namespace", "status", *extra], buckets=DURATION_BUCKETS, registry=reg)
        self.pr_duration = Histogram(
            PREFIX + "pipelinerun_taskrun_duration_seconds",
            "The pipelinerun's taskrun execution time in seconds",
            ["namespace", "status", *extra, "pipeline"], buckets=DURATION_BUCKETS,
            registry=reg)
        self.total = Counter(PREFIX + "taskrun_total", "Number of taskruns", ["status"],
                             registry=reg)
        self.pod_latency = Histogram(
            PREFIX + "taskruns_pod_latency_milliseconds",
            "scheduling latency for the taskrun pods", ["namespace", *extra],
            buckets=LATENCY_BUCKETS, registry=reg)
        self._running = _RunningCollector()
        reg.register(self._running)
        self._latency_seen: set[str] = set()
        self._lock = threading.Lock()

    def report_running(self, source: Callable[[], Iterable[dict[str, Any]]]) -> None:
        """Read running TaskRuns from ``source`` (e.g. a lister's ``list``) at scrape time;
        the latest source set wins."""
        self._running.source = source

    def _task_labels(self, taskrun: dict[str, Any]) -> dict[str, str]:
        if self.level == "namespace":
            return {}
        out = {"task": task_tag(taskrun)}
        if self.level == "taskrun":
            out["taskrun"] = str((taskrun.get("metadata") or {}).get("name", ""))
        return out

    def duration_and_count(self, taskrun: dict[str, Any], now: datetime) -> None:
        """Record a TaskRun that just finished (its status is the final one)."""
        status = taskrun.get("status") or {}
        cond = _condition(status) or {}
        outcome = "success"
        if cond.get("status") == "False":
            outcome = "cancelled" if cond.get("reason") == "TaskRunCancelled" else "failed"
        start = _parse(status.get("startTime"))
        end = _parse(status.get("completionTime")) or now
        seconds = max(0.0, (end - start).total_seconds()) if start is not None else 0.0
        meta = taskrun.get("metadata") or {}
        labels = {"namespace": str(meta.get("namespace", "")), "status": outcome,
                  **self._task_labels(taskrun)}
        tr_labels = _labels(taskrun)
        if PIPELINE_LABEL in tr_labels and PIPELINERUN_LABEL in tr_labels:
            pipeline = tr_labels[PIPELINE_LABEL]
            if pipeline == tr_labels[PIPELINERUN_LABEL]:
                pipeline = ANONYMOUS
            self.pr_duration.labels(**labels, pipeline=pipeline).observe(seconds)
        else:
            self.duration.labels(**labels).observe(seconds)
        self.total.labels(status=outcome).inc()

    def pod_latency_once(self, pod: dict[str, Any], taskrun: dict[str, Any]) -> None:
        """Record the scheduling latency of a Pod the first time it is seen scheduled."""
        meta = pod.get("metadata") or {}
        uid = str(meta.get("uid") or meta.get("name", ""))
        scheduled = None
        for c in (pod.get("status") or {}).get("conditions") or []:
            if c.get("type") == "PodScheduled" and c.get("status") == "True":
                scheduled = _parse(c.get("lastTransitionTime"))
        created = _parse(meta.get("creationTimestamp"))
        if scheduled is None or created is None:
            return
        with self._lock:
            if uid in self._latency_seen:
                return
            if len(self._latency_seen) > 100_000:  # bound memory in a long-lived process
                self._latency_seen.clear()
            self._latency_seen.add(uid)
        ms = max(0.0, (scheduled - created).total_seconds() * 1000.0)
        labels = {"namespace": str((taskrun.get("metadata") or {}).get("namespace", "")),
                  **self._task_labels(taskrun)}
        self.pod_latency.labels(**labels).observe(ms)


_default: TaskRunMetrics | None = None
_default_lock = threading.Lock()


def default_metrics() -> TaskRunMetrics:
    """The process-wide metrics on the runtime registry (served by the Manager)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = TaskRunMetrics()
        return _default
