"""Work-queue metrics: controller-runtime's names and labels, read back from REGISTRY."""

from __future__ import annotations

import itertools

import pytest

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.metrics.registry import REGISTRY
from tekpy.runtime.workqueue import DelayingQueue, Queue

_names = itertools.count()


def _name() -> str:
    return f"wq-metrics-{next(_names)}"


def sample(metric: str, name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(metric, {"name": name, "controller": name, **labels})


async def test_adds_depth_and_durations() -> None:
    clock = FakeClock()
    name = _name()
    q: Queue[str] = Queue(name, clock=clock)
    q.add("a")
    q.add("b")
    q.add("a")  # duplicate: not an add
    assert sample("workqueue_adds_total", name) == 2
    assert sample("workqueue_depth", name, priority="") == 2

    clock.step(0.5)
    item = await q.get()
    assert sample("workqueue_depth", name, priority="") == 1
    assert sample("workqueue_queue_duration_seconds_count", name) == 1
    assert sample("workqueue_queue_duration_seconds_sum", name) == pytest.approx(0.5)
    assert sample("workqueue_queue_duration_seconds_bucket", name, le="0.1") == 0
    assert sample("workqueue_queue_duration_seconds_bucket", name, le="1.0") == 1

    clock.step(2.0)
    assert sample("workqueue_unfinished_work_seconds", name) == pytest.approx(2.0)
    assert sample("workqueue_longest_running_processor_seconds", name) == pytest.approx(2.0)
    q.done(item)
    assert sample("workqueue_work_duration_seconds_count", name) == 1
    assert sample("workqueue_work_duration_seconds_sum", name) == pytest.approx(2.0)
    assert sample("workqueue_work_duration_seconds_bucket", name, le="1.0") == 0
    assert sample("workqueue_work_duration_seconds_bucket", name, le="10.0") == 1
    assert sample("workqueue_unfinished_work_seconds", name) == 0


async def test_unfinished_work_sums_items_and_longest_is_the_oldest() -> None:
    clock = FakeClock()
    name = _name()
    q: Queue[str] = Queue(name, clock=clock)
    q.add("a")
    q.add("b")
    await q.get()
    clock.step(3)
    await q.get()
    clock.step(1)
    assert sample("workqueue_unfinished_work_seconds", name) == pytest.approx(5.0)
    assert sample("workqueue_longest_running_processor_seconds", name) == pytest.approx(4.0)


async def test_add_during_processing_counts_in_depth_until_rerun() -> None:
    clock = FakeClock()
    name = _name()
    q: Queue[str] = Queue(name, clock=clock)
    q.add("a")
    item = await q.get()
    q.add("a")
    assert sample("workqueue_depth", name, priority="") == 1
    assert sample("workqueue_adds_total", name) == 2
    q.done(item)
    await q.get()
    assert sample("workqueue_depth", name, priority="") == 0


async def test_retries_count_every_add_after() -> None:
    clock = FakeClock()
    name = _name()
    q: DelayingQueue[str] = DelayingQueue(name, clock=clock)
    q.add_after("a", 1)
    q.add_after("b", 0)
    await settle()
    assert sample("workqueue_retries_total", name) == 2
    q.shut_down()


async def test_buckets_are_controller_runtimes() -> None:
    name = _name()
    q: Queue[str] = Queue(name)
    q.add("x")
    expected = [
        "1e-08",
        "1e-07",
        "1e-06",
        "1e-05",
        "0.0001",
        "0.001",
        "0.01",
        "0.1",
        "1.0",
        "10.0",
        "100.0",
        "1000.0",
        "+Inf",
    ]
    for le in expected:
        assert sample("workqueue_queue_duration_seconds_bucket", name, le=le) == 0


async def test_unnamed_queue_records_nothing_and_same_name_shares_counters() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    assert sample("workqueue_adds_total", "") is None
    name = _name()
    q1: Queue[str] = Queue(name)
    q2: Queue[str] = Queue(name)
    q1.add("a")
    q2.add("b")
    assert sample("workqueue_adds_total", name) == 2


def test_help_texts_are_controller_runtimes() -> None:
    # Dashboards and `promtool` diffs see HELP lines too: keep controller-runtime's wording.
    helps = {m.name: m.documentation for m in REGISTRY.collect() if m.name.startswith("workqueue")}
    assert helps["workqueue_retries"] == "Total number of retries handled by workqueue"
    assert helps["workqueue_adds"] == "Total number of adds handled by workqueue"
    assert helps["workqueue_depth"] == "Current depth of workqueue by workqueue and priority"
    assert helps["workqueue_queue_duration_seconds"] == (
        "How long in seconds an item stays in workqueue before being requested"
    )
