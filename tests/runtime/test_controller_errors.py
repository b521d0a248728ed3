"""How the Controller classifies reconcile errors (uses the helpers of test_controller)."""

from __future__ import annotations

from typing import Any

from test_controller import (
    FakeInformer,
    Recorder,
    eventually,
    metric,
    obj,
    started,
    unique,
)

from tekpy.runtime.client import ApiError
from tekpy.runtime.clock import FakeClock
from tekpy.runtime.controller import Controller, EnqueueRequestForObject, Request, Result


async def test_already_exists_is_an_error_not_a_quiet_conflict() -> None:
    # AlreadyExists also carries HTTP 409, but it is not an optimistic-concurrency conflict
    # (apimachinery's IsConflict tests the reason): it must be reported and counted.
    clock = FakeClock()
    informer = FakeInformer()
    err = ApiError(409, "AlreadyExists", 'configmaps "x" already exists')
    rec = Recorder(lambda _req, n: err if n == 1 else None)
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 2)
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 1
    assert metric("controller_runtime_reconcile_total", c.name, result="error") == 1
    assert metric("controller_runtime_reconcile_total", c.name, result="requeue") == 0
    await c.stop()
    await task


async def test_an_api_conflict_is_requeued_quietly() -> None:
    clock = FakeClock()
    informer = FakeInformer()
    err = ApiError(409, "Conflict", "the object has been modified")
    rec = Recorder(lambda _req, n: err if n == 1 else None)
    c = Controller(unique(), rec, clock=clock)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("a"))
    await eventually(lambda: len(rec.calls) == 1)
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 2)
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 0
    assert metric("controller_runtime_reconcile_total", c.name, result="requeue") == 1
    await c.stop()
    await task


async def test_a_malformed_result_is_a_failure_and_does_not_kill_the_worker() -> None:
    # A reconciler returning something that is not a Result (or a Result with a bad delay)
    # is buggy: that reconcile fails and is retried; the only worker must survive it.
    clock = FakeClock()
    informer = FakeInformer()

    def outcome(req: Request, n: int) -> Any:
        if req.name == "dict":
            return {"requeue": True}
        if req.name == "bad" and n < 4:
            return Result(requeue_after="soon")  # type: ignore[arg-type]
        return None

    rec = Recorder(outcome)
    c = Controller(unique(), rec, clock=clock, max_concurrent_reconciles=1)
    c.watch(informer, EnqueueRequestForObject())
    task = await started(c)
    informer.add(obj("dict"))
    informer.add(obj("bad"))
    informer.add(obj("good"))
    await eventually(lambda: [r.name for r in rec.calls][:3] == ["dict", "bad", "good"])
    assert all(not w.done() for w in c._workers)
    assert metric("controller_runtime_reconcile_errors_total", c.name) == 2
    await clock.advance(0.005)
    await eventually(lambda: len(rec.calls) == 5)  # both failures were requeued
    await c.stop()
    await task
