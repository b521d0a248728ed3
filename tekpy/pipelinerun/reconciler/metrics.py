"""PipelineRun metrics with Tekton's names (``pkg/pipelinerunmetrics``).

=================================================================  ==========================
``tekton_pipelines_controller_pipelinerun_duration_seconds``       histogram: ``namespace``,
                                                                   ``status``, ``pipeline``
                                                                   (+ ``pipelinerun`` at level
                                                                   ``pipelinerun``)
``tekton_pipelines_controller_pipelinerun_total``                  counter: ``status``
``tekton_pipelines_controller_running_pipelineruns``               gauge, read from the cache
                                                                   at scrape time
=================================================================  ==========================

Duration and count are recorded once, when a reconcile turns the run done; ``status`` is
``success``, ``failed`` or ``cancelled``. The per-TaskRun histogram
``..._pipelinerun_taskrun_duration_seconds`` is recorded by the TaskRun reconciler, which
sees each TaskRun finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from tekpy.runtime.metrics.registry import REGISTRY
from tekpy.taskrun.status.conditions import get_condition, parse_time

__all__ = ["PipelineRunMetrics", "default_metrics"]

PREFIX = "tekton_pipelines_controller_"
BUCKETS = (10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600, 43200, 86400)


def pipeline_tag(pr: dict[str, Any]) -> str:
    """The ``pipeline`` label: the ``tekton.dev/pipeline`` label, else ``anonymous``."""
    labels = (pr.get("metadata") or {}).get("labels") or {}
    ref = ((pr.get("spec") or {}).get("pipelineRef") or {}).get("name")
    return str(ref or labels.get("tekton.dev/pipeline") or "anonymous")


class _Running:
    def __init__(self) -> None:
        self.source: Callable[[], Iterable[dict[str, Any]]] | None = None

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        n = sum(1 for pr in (self.source() if self.source else ())
                if (get_condition(pr.get("status")) or {}).get("status") == "Unknown")
        yield GaugeMetricFamily(PREFIX + "running_pipelineruns",
                                "Number of pipelineruns executing currently", value=n)


class PipelineRunMetrics:
    """Tekton's PipelineRun metrics on one registry (the runtime's by default)."""

    def __init__(self, registry: CollectorRegistry | None = None, *,
                 level: str = "pipeline") -> None:
        if level not in ("pipelinerun", "pipeline", "namespace"):
            raise ValueError(f"invalid metrics.pipelinerun.level {level!r}")
        self.level = level
        reg = registry if registry is not None else REGISTRY
        extra = {"pipelinerun": ["pipeline", "pipelinerun"], "pipeline": ["pipeline"],
                 "namespace": []}[level]
        self.duration = Histogram(
            PREFIX + "pipelinerun_duration_seconds",
            "The pipelinerun execution time in seconds", ["namespace", "status", *extra],
            buckets=BUCKETS, registry=reg)
        self.total = Counter(PREFIX + "pipelinerun_total", "Number of pipelineruns",
                             ["status"], registry=reg)
        self._running = _Running()
        reg.register(self._running)

    def report_running(self, source: Callable[[], Iterable[dict[str, Any]]]) -> None:
        """Count running PipelineRuns from ``source`` (a lister's ``list``) when scraped."""
        self._running.source = source

    def duration_and_count(self, pr: dict[str, Any], now: datetime) -> None:
        """Record a PipelineRun that just finished (its status is the final one)."""
        status = pr.get("status") or {}
        cond = get_condition(status) or {}
        outcome = "success"
        if cond.get("status") == "False":
            outcome = "cancelled" if cond.get("reason") == "Cancelled" else "failed"
        start = status.get("startTime")
        end = parse_time(status["completionTime"]) if status.get("completionTime") else now
        seconds = max(0.0, (end - parse_time(start)).total_seconds()) if start else 0.0
        meta = pr.get("metadata") or {}
        labels = {"namespace": str(meta.get("namespace", "")), "status": outcome}
        if self.level != "namespace":
            labels["pipeline"] = pipeline_tag(pr)
        if self.level == "pipelinerun":
            labels["pipelinerun"] = str(meta.get("name", ""))
        self.duration.labels(**labels).observe(seconds)
        self.total.labels(status=outcome).inc()


_default: PipelineRunMetrics | None = None
_lock = threading.Lock()


def default_metrics() -> PipelineRunMetrics:
    """The process-wide metrics on the runtime's registry (created once)."""
    global _default
    with _lock:
        if _default is None:
            _default = PipelineRunMetrics()
        return _default
