"""Work-queue metrics with controller-runtime's names, labels and buckets.

Exported on :data:`tekpy.runtime.metrics.registry.REGISTRY`:

=============================================== ======== =====================================
name                                            type     labels
=============================================== ======== =====================================
``workqueue_depth``                             gauge    ``name``, ``controller``, ``priority``
``workqueue_adds_total``                        counter  ``name``, ``controller``
``workqueue_queue_duration_seconds``            histo.   ``name``, ``controller``
``workqueue_work_duration_seconds``             histo.   ``name``, ``controller``
``workqueue_unfinished_work_seconds``           gauge    ``name``, ``controller``
``workqueue_longest_running_processor_seconds`` gauge    ``name``, ``controller``
``workqueue_retries_total``                     counter  ``name``, ``controller``
=============================================== ======== =====================================

As in controller-runtime, ``controller`` repeats the queue name and ``priority`` is empty for
a plain (non-priority) queue; histograms use exponential buckets from 10 ns to 1000 s. Only
named queues are measured (client-go: a queue without a name has no metrics).

Why not prometheus-client's ``Counter``/``Histogram`` objects: each of their updates takes a
lock and costs 1.5-3 µs, which would cap a queue at well under 100,000 add/get/done cycles
per second. Here the hot path bumps plain attributes of a per-name :class:`QueueStats`, and
one collector turns them into samples when the registry is scraped. The unfinished-work
gauges are computed at scrape time from the start times of the items being processed, so no
background refresh task is needed (client-go refreshes them every 500 ms).
"""

from __future__ import annotations

import threading
import time
import weakref
from bisect import bisect_left
from collections.abc import Hashable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from tekpy.runtime.clock import Clock, RealClock
from tekpy.runtime.metrics.registry import REGISTRY

__all__ = ["DURATION_BUCKETS", "QueueMetrics", "QueueStats", "queue_metrics"]

#: ``prometheus.ExponentialBuckets(10e-9, 10, 12)`` written out, to avoid float drift.
DURATION_BUCKETS: tuple[float, ...] = (
    1e-08, 1e-07, 1e-06, 1e-05, 1e-04, 1e-03, 1e-02, 1e-01, 1.0, 10.0, 100.0, 1000.0,
)
_BUCKET_LABELS = [floatToGoString(b) for b in DURATION_BUCKETS] + ["+Inf"]


class _Histogram:
    """A lock-free histogram (the event loop is single-threaded)."""

    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        # counts[i] holds observations in (bucket[i-1], bucket[i]]; the last slot is +Inf.
        self.counts = [0] * (len(DURATION_BUCKETS) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(DURATION_BUCKETS, value)] += 1
        self.sum += value

    def cumulative(self) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        total = 0
        for label, count in zip(_BUCKET_LABELS, self.counts):
            total += count
            out.append((label, float(total)))
        return out


class QueueStats:
    """Cumulative figures for every queue sharing one name (never discarded, so counters
    stay monotonic when a queue is replaced by another of the same name)."""

    __slots__ = ("adds", "depth", "latency", "queues", "retries", "work")

    def __init__(self) -> None:
        self.adds = 0
        self.depth = 0
        self.retries = 0
        self.latency = _Histogram()
        self.work = _Histogram()
        # Live queues of this name, for the unfinished-work gauges.
        self.queues: weakref.WeakSet[QueueMetrics] = weakref.WeakSet()


class QueueMetrics:
    """The metrics hooks of one queue; the queue calls ``add``/``get``/``done``/``retry``."""

    __slots__ = ("__weakref__", "_added_at", "_now", "_started_at", "stats")

    def __init__(self, stats: QueueStats, clock: Clock) -> None:
        self.stats = stats
        # Read on every add/get/done: bind it once, and skip the wrapper for the real clock.
        self._now = time.monotonic if isinstance(clock, RealClock) else clock.monotonic
        self._added_at: dict[Hashable, float] = {}
        self._started_at: dict[Hashable, float] = {}
        stats.queues.add(self)

    def add(self, item: Hashable) -> None:
        """An item became dirty (it was not already waiting)."""
        stats = self.stats
        stats.adds += 1
        stats.depth += 1
        self._added_at.setdefault(item, self._now())  # the first add's time counts

    def get(self, item: Hashable) -> None:
        """An item was handed to a worker."""
        now = self._now()
        stats = self.stats
        stats.depth -= 1
        self._started_at[item] = now
        added = self._added_at.pop(item, None)
        if added is not None:
            latency = stats.latency  # inlined observe(): this is the hot path
            latency.counts[bisect_left(DURATION_BUCKETS, now - added)] += 1
            latency.sum += now - added

    def done(self, item: Hashable) -> None:
        """A worker finished an item."""
        started = self._started_at.pop(item, None)
        if started is not None:
            elapsed = self._now() - started
            work = self.stats.work
            work.counts[bisect_left(DURATION_BUCKETS, elapsed)] += 1
            work.sum += elapsed

    def retry(self) -> None:
        """An item was scheduled with ``add_after`` (including rate-limited requeues)."""
        self.stats.retries += 1

    def unfinished(self) -> tuple[float, float]:
        """(total seconds of in-progress work, age of the oldest in-progress item)."""
        now = self._now()
        total = 0.0
        oldest = 0.0
        for started in list(self._started_at.values()):
            age = now - started
            total += age
            oldest = max(oldest, age)
        return total, oldest


_lock = threading.Lock()
_stats_by_name: dict[str, QueueStats] = {}


def queue_metrics(name: str, clock: Clock) -> QueueMetrics | None:
    """Metrics hooks for a queue called ``name``; ``None`` (no metrics) when it is unnamed."""
    if not name:
        return None
    with _lock:
        stats = _stats_by_name.get(name)
        if stats is None:
            stats = _stats_by_name[name] = QueueStats()
    return QueueMetrics(stats, clock)


class _WorkQueueCollector(Collector):
    """Turns every named queue's figures into Prometheus samples at scrape time."""

    def describe(self) -> list[Metric]:
        return list(self._families())

    def collect(self) -> Iterator[Metric]:
        with _lock:
            items = list(_stats_by_name.items())
        yield from self._families(items)

    @staticmethod
    def _families(items: list[tuple[str, QueueStats]] | None = None) -> Iterator[Metric]:
        labels = ["name", "controller"]
        depth = GaugeMetricFamily(
            "workqueue_depth",
            "Current depth of workqueue by workqueue and priority",
            labels=["name", "controller", "priority"],
        )
        adds = CounterMetricFamily(
            "workqueue_adds_total", "Total number of adds handled by workqueue", labels=labels
        )
        latency = HistogramMetricFamily(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            labels=labels,
        )
        work = HistogramMetricFamily(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes.",
            labels=labels,
        )
        unfinished = GaugeMetricFamily(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been "
            "observed by work_duration. Large values indicate stuck threads. One can deduce "
            "the number of stuck threads by observing the rate at which this increases.",
            labels=labels,
        )
        longest = GaugeMetricFamily(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            labels=labels,
        )
        retries = CounterMetricFamily(
            "workqueue_retries_total",
            "Total number of retries handled by workqueue",
            labels=labels,
        )
        for name, stats in items or []:
            lv = [name, name]
            depth.add_metric([name, name, ""], stats.depth)
            adds.add_metric(lv, stats.adds)
            retries.add_metric(lv, stats.retries)
            latency.add_metric(lv, stats.latency.cumulative(), stats.latency.sum)
            work.add_metric(lv, stats.work.cumulative(), stats.work.sum)
            total = 0.0
            oldest = 0.0
            for queue in list(stats.queues):
                q_total, q_oldest = queue.unfinished()
                total += q_total
                oldest = max(oldest, q_oldest)
            unfinished.add_metric(lv, total)
            longest.add_metric(lv, oldest)
        yield from (depth, adds, latency, work, unfinished, longest, retries)


REGISTRY.register(_WorkQueueCollector())
