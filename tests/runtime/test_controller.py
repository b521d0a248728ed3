"""The Controller, driven by an in-test fake informer and a fake clock.

The fake stands in for tekpy.runtime.cache's SharedInformer interface (add_event_handler,
has_synced, and the on_add/on_update/on_delete calls it makes); the controller logic under
test is real.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.controller import (
    Controller,
    EnqueueRequestForObject,
    Request,
    ResourceVersionChangedPredicate,
    Result,
    TerminalError,
)
from tekpy.runtime.metrics.registry import REGISTRY

_names = itertools.count()


def unique(prefix: str = "ctrl") -> str:
    return f"{prefix}-{next(_names)}"


def obj(name: str, namespace: str = "default", rv: str = "1", **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": rv, **meta}}


@dataclass
class Tombstone:
    """Shape of tekpy.runtime.cache.DeletedFinalStateUnknown."""

    key: str
    obj: dict[str, Any]


class FakeInformer:
    def __init__(self, synced: bool = True) -> None:
        self.handlers: list[Any] = []
        self.synced = synced

    def add_event_handler(self, handler: Any) -> None:
        self.handlers.append(handler)

    def has_synced(self) -> bool:
        return self.synced

    def add(self, o: dict[str, Any], initial: bool = False) -> None:
        for h in self.handlers:
            h.on_add(o, initial)

    def update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for h in self.handlers:
            h.on_update(old, new)

    def delete(self, o: Any) -> None:
        for h in self.handlers:
            h.on_delete(o)


async def eventually(cond: Callable[[], bool], within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.001)


def metric(name: str, controller: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"controller": controller, **labels})


class Recorder:
    """A reconciler that records calls and answers from a script."""

    def __init__(self, outcome: Callable[[Request, int], Any] | None = None) -> None:
        self.calls: list[Request] = []
        self.outcome = outcome

    async def reconcile(self, request: Request) -> Result | None:
        self.calls.append(request)
        if self.outcome is None:
            return None
        result = self.outcome(request, len(self.calls))
        if isinstance(result, BaseException):
            raise result
        return result


async def started(controller: Controller) -> asyncio.Task[None]:
    task = asyncio.create_task(controller.start())
    await eventually(lambda: len(controller._workers) == controller.max_concurrent_reconciles)
    return task


async def test_events_become_reconciles_of_the_objects_request() -> None:
    informer = FakeInformer()
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"), initial=True)
    informer.update(obj("b", rv="1"), obj("b", rv="2"))
    informer.delete(obj("c", namespace=""))
    await eventually(lambda: len(rec.calls) == 3)
    assert rec.calls == [Request("default", "a"), Request("default", "b"), Request("", "c")]
    assert metric("controller_runtime_reconcile_total", c.name, result="success") == 3
    assert metric("controller_runtime_reconcile_time_seconds_count", c.name) == 3
    await c.stop()
    await task


async def test_tombstone_deletes_use_the_last_known_object() -> None:
    informer = FakeInformer()
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.delete(Tombstone("default/gone", obj("gone")))
    informer.delete(Tombstone("default/empty", None))  # type: ignore[arg-type]
    await eventually(lambda: len(rec.calls) == 1)
    assert rec.calls == [Request("default", "gone")]
    await c.stop()
    await task


async def test_errors_are_requeued_with_growing_rate_limited_delays() -> None:
    clock = FakeClock()
    informer = FakeInformer()
    rec = Recorder(lambda _req, _n: RuntimeError("boom"))
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    for attempt, delay in enumerate([0.005, 0.01, 0.02, 0.04], start=2):
        await eventually(lambda: c.queue.waiting == 1)
        assert clock.next_deadline() == pytest.approx(clock.monotonic() + delay)
        await clock.advance(delay * 0.99)
        assert len(rec.calls) == attempt - 1
        await clock.advance(delay * 0.01)
        await eventually(lambda attempt=attempt: len(rec.calls) == attempt)  # type: ignore[misc]
    assert c.queue.num_requeues(Request("default", "a")) == 5
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 5
    assert metric("controller_runtime_reconcile_total", c.name, result="error") == 5
    assert metric("controller_runtime_terminal_reconcile_errors_total", c.name) == 0
    await c.stop()
    await task


async def test_terminal_error_is_counted_and_not_retried() -> None:
    clock = FakeClock()
    informer = FakeInformer()
    rec = Recorder(lambda _req, _n: TerminalError("bad spec"))
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await settle()
    assert c.queue.waiting == 0 and len(c.queue) == 0
    await clock.advance(2000)
    assert len(rec.calls) == 1
    assert metric("controller_runtime_terminal_reconcile_errors_total", c.name) == 1
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 1
    assert metric("controller_runtime_reconcile_total", c.name, result="error") == 1
    # A new event still reconciles it.
    informer.update(obj("a"), obj("a", rv="2"))
    await eventually(lambda: len(rec.calls) == 2)
    await c.stop()
    await task


async def test_requeue_after_forgets_failures_and_waits_the_delay() -> None:
    clock = FakeClock()
    informer = FakeInformer()

    def outcome(_req: Request, n: int) -> Any:
        return RuntimeError("flaky") if n <= 2 else Result(requeue_after=30)

    rec = Recorder(outcome)
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 2)
    await clock.advance(0.01)
    await eventually(lambda: len(rec.calls) == 3)
    await eventually(lambda: c.queue.waiting == 1)
    assert c.queue.num_requeues(Request("default", "a")) == 0  # forgotten
    await clock.advance(29.9)
    assert len(rec.calls) == 3
    await clock.advance(0.1)
    await eventually(lambda: len(rec.calls) == 4)
    assert metric("controller_runtime_reconcile_total", c.name, result="requeue_after") == 2
    retries = REGISTRY.get_sample_value(
        "workqueue_retries_total", {"name": c.name, "controller": c.name}
    )
    assert retries == 4  # two rate-limited retries and two requeue_after
    await c.stop()
    await task


async def test_requeue_true_is_rate_limited() -> None:
    clock = FakeClock()
    informer = FakeInformer()
    rec = Recorder(lambda _req, n: Result(requeue=n < 3))
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 2)
    await eventually(lambda: c.queue.waiting == 1)
    assert clock.next_deadline() == pytest.approx(clock.monotonic() + 0.01)
    await clock.advance(0.01)
    await eventually(lambda: len(rec.calls) == 3)
    assert metric("controller_runtime_reconcile_total", c.name, result="requeue") == 2
    assert metric("controller_runtime_reconcile_total", c.name, result="success") == 1
    assert c.queue.num_requeues(Request("default", "a")) == 0
    await c.stop()
    await task


class Conflict(Exception):
    status = 409


async def test_conflicts_are_requeued_quietly(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    informer = FakeInformer()
    rec = Recorder(lambda _req, n: Conflict("the object has been modified") if n == 1 else None)
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    with caplog.at_level(logging.INFO, logger="tekpy.runtime.controller"):
        informer.add(obj("a"))
        await eventually(lambda: len(rec.calls) == 1)
        await clock.advance(0.005)
        await eventually(lambda: len(rec.calls) == 2)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 0
    assert metric("controller_runtime_reconcile_total", c.name, result="requeue") == 1
    assert metric("controller_runtime_reconcile_total", c.name, result="success") == 1
    await c.stop()
    await task


async def test_a_worker_survives_exceptions() -> None:
    informer = FakeInformer()
    rec = Recorder(
        lambda req, _n: (
            TerminalError("x")
            if req.name == "bad"
            else (KeyError("y") if req.name == "worse" else None)
        )
    )
    c = Controller(unique(), rec, clock=FakeClock(), max_concurrent_reconciles=1)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    for name in ("bad", "worse", "good"):
        informer.add(obj(name))
    await eventually(lambda: [r.name for r in rec.calls] == ["bad", "worse", "good"])
    assert not task.done()
    await c.stop()
    await task


async def test_a_stray_cancelled_error_from_the_reconciler_is_a_failure() -> None:
    informer = FakeInformer()
    rec = Recorder(lambda _req, n: asyncio.CancelledError() if n == 1 else None)
    clock = FakeClock()
    c = Controller(unique(), rec, clock=clock, max_concurrent_reconciles=1)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 2)
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 1
    await c.stop()
    await task


async def test_max_concurrent_reconciles_is_enforced() -> None:
    informer = FakeInformer()
    release = asyncio.Event()
    running: set[Request] = set()
    peak = 0

    async def reconcile(request: Request) -> None:
        nonlocal peak
        running.add(request)
        peak = max(peak, len(running))
        await release.wait()
        running.discard(request)

    c = Controller(unique(), reconcile, clock=FakeClock(), max_concurrent_reconciles=3)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    for i in range(10):
        informer.add(obj(f"o{i}"))
    await eventually(lambda: len(running) == 3)
    await settle()
    assert len(running) == 3 and len(c.queue) == 7
    assert c.active_workers == 3
    assert metric("controller_runtime_active_workers", c.name) == 3
    assert metric("controller_runtime_max_concurrent_reconciles", c.name) == 3
    release.set()
    await eventually(lambda: len(c.queue) == 0 and c.active_workers == 0)
    assert peak == 3
    assert metric("controller_runtime_active_workers", c.name) == 0
    await c.stop()
    await task


async def test_workers_start_only_after_informers_sync() -> None:
    informer = FakeInformer(synced=False)
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject())
    task = asyncio.create_task(c.start())
    await eventually(lambda: len(informer.handlers) == 1)
    informer.add(obj("a"), initial=True)
    await asyncio.sleep(0.05)
    assert rec.calls == [] and len(c.queue) == 1
    informer.synced = True
    await eventually(lambda: len(rec.calls) == 1)
    await c.stop()
    await task


async def test_registration_has_synced_is_preferred_over_the_informers() -> None:
    class Registration:
        synced = False

        def has_synced(self) -> bool:
            return self.synced

    registration = Registration()

    class Informer(FakeInformer):
        def add_event_handler(self, handler: Any) -> Registration:  # type: ignore[override]
            super().add_event_handler(handler)
            return registration

    informer = Informer(synced=True)
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject())
    task = asyncio.create_task(c.start())
    await eventually(lambda: len(informer.handlers) == 1)
    informer.add(obj("a"))
    await asyncio.sleep(0.05)
    assert rec.calls == []
    registration.synced = True
    await eventually(lambda: len(rec.calls) == 1)
    await c.stop()
    await task


async def test_cache_sync_timeout_fails_start() -> None:
    c = Controller(unique(), Recorder(), clock=FakeClock(), cache_sync_timeout=0.05)
    c.watch(FakeInformer(synced=False), EnqueueRequestForObject())
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(c.start(), 5)


async def test_stop_lets_in_flight_reconciles_finish_and_starts_no_queued_ones() -> None:
    informer = FakeInformer()
    gate = asyncio.Event()
    finished: list[str] = []

    async def reconcile(request: Request) -> None:
        await gate.wait()
        finished.append(request.name)

    c = Controller(unique(), reconcile, clock=FakeClock(), max_concurrent_reconciles=1)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("first"))
    informer.add(obj("second"))
    await eventually(lambda: c.active_workers == 1)
    stopping = asyncio.create_task(c.stop())
    await settle()
    assert not stopping.done()
    gate.set()
    await asyncio.wait_for(stopping, 5)
    await asyncio.wait_for(task, 5)
    assert finished == ["first"]
    informer.add(obj("third"))  # after stop: ignored
    assert len(c.queue) == 1  # "second" never started


async def test_cancelling_start_stops_gracefully_and_twice_cancels_reconciles() -> None:
    informer = FakeInformer()
    gate = asyncio.Event()
    cancelled: list[str] = []

    async def reconcile(request: Request) -> None:
        try:
            await gate.wait()
        except asyncio.CancelledError:
            cancelled.append(request.name)
            raise

    c = Controller(unique(), reconcile, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: c.active_workers == 1)
    task.cancel()
    await settle()
    assert not task.done()  # waiting for the in-flight reconcile
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert cancelled == ["a"]
    assert c.active_workers == 0


async def test_start_twice_is_an_error_and_stop_before_start_is_fine() -> None:
    c = Controller(unique(), Recorder(), clock=FakeClock())
    task = await started(c)
    with pytest.raises(RuntimeError):
        await c.start()
    await c.stop()
    await task
    other = Controller(unique(), Recorder(), clock=FakeClock())
    await other.stop()
    assert other.queue.shutting_down


async def test_watch_after_start_registers_at_once() -> None:
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    task = await started(c)
    informer = FakeInformer()
    c.watch(informer, EnqueueRequestForObject())
    assert len(informer.handlers) == 1
    informer.add(obj("late"))
    await eventually(lambda: len(rec.calls) == 1)
    await c.stop()
    await task


async def test_predicates_filter_events_before_the_handler() -> None:
    informer = FakeInformer()
    rec = Recorder()
    c = Controller(unique(), rec, clock=FakeClock())
    c.watch(informer, EnqueueRequestForObject(), ResourceVersionChangedPredicate())
    task = await started(c)
    informer.update(obj("resync", rv="5"), obj("resync", rv="5"))
    informer.update(obj("changed", rv="5"), obj("changed", rv="6"))
    await eventually(lambda: len(rec.calls) == 1)
    await settle()
    assert rec.calls == [Request("default", "changed")]
    await c.stop()
    await task


async def test_a_failing_handler_does_not_break_dispatch(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(EnqueueRequestForObject):
        def create(self, o: Any, queue: Any, is_in_initial_list: bool = False) -> None:
            raise ValueError("handler bug")

    informer = FakeInformer()
    c = Controller(unique(), Recorder(), clock=FakeClock())
    c.watch(informer, Broken())
    task = await started(c)
    with caplog.at_level(logging.ERROR):
        informer.add(obj("a"))
    assert "event handler failed" in caplog.text
    await c.stop()
    await task


def test_constructor_validates() -> None:
    with pytest.raises(ValueError):
        Controller("", Recorder())
    with pytest.raises(ValueError):
        Controller("x", Recorder(), max_concurrent_reconciles=0)
