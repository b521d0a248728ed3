"""The builder: for_/owns/watches wiring, options, names, errors; resyncs reach for_.

The manager is an in-test stand-in with exactly what the builder uses (informers, add,
clock); its informer factory hands out fake informers shared per (resource, options).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from tekpy.runtime.client import Resource
from tekpy.runtime.clock import FakeClock
from tekpy.runtime.controller import (
    Controller,
    ControllerBuilder,
    EnqueueRequestForObject,
    GenerationChangedPredicate,
    LabelSelectorPredicate,
    Request,
    ResourceVersionChangedPredicate,
)
from tekpy.runtime.workqueue import ItemFastSlowRateLimiter

PIPELINERUNS = Resource("tekton.dev", "v1", "pipelineruns", "PipelineRun")
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
_names = itertools.count()


class FakeInformer:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def add_event_handler(self, handler: Any) -> None:
        self.handlers.append(handler)

    def has_synced(self) -> bool:
        return True

    def add(self, o: dict[str, Any]) -> None:
        for h in self.handlers:
            h.on_add(o, False)

    def update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for h in self.handlers:
            h.on_update(old, new)


class FakeFactory:
    def __init__(self) -> None:
        self.informers: dict[tuple[Any, ...], FakeInformer] = {}
        self.requests: list[tuple[Any, dict[str, Any]]] = []

    def informer_for(self, resource: Any, **options: Any) -> FakeInformer:
        self.requests.append((resource, options))
        key = (resource, tuple(sorted(options.items())))
        return self.informers.setdefault(key, FakeInformer())

    def get(self, resource: Any, **options: Any) -> FakeInformer:
        return self.informers[(resource, tuple(sorted(options.items())))]


class FakeManager:
    def __init__(self) -> None:
        self.client = None
        self.informers = FakeFactory()
        self.clock = FakeClock()
        self.runnables: list[Any] = []

    def add(self, runnable: Any) -> None:
        self.runnables.append(runnable)


def obj(
    name: str, rv: str = "1", gen: int = 1, namespace: str = "ns", **meta: Any
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "resourceVersion": rv,
            "generation": gen,
            **meta,
        }
    }


async def eventually(cond: Callable[[], bool], within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.001)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Request] = []

    async def reconcile(self, request: Request) -> None:
        self.calls.append(request)


async def run(controller: Controller) -> asyncio.Task[None]:
    task = asyncio.create_task(controller.start())
    await eventually(lambda: bool(controller._workers))
    return task


async def test_for_owns_watches_feed_one_controller() -> None:
    mgr = FakeManager()
    rec = Recorder()

    def by_label(o: dict[str, Any]) -> list[Request]:
        target = o["metadata"].get("labels", {}).get("pipelinerun")
        return [Request(o["metadata"]["namespace"], target)] if target else []

    c = (
        ControllerBuilder(mgr)
        .for_(PIPELINERUNS)
        .owns(TASKRUNS)
        .watches(CONFIGMAPS, by_label)
        .with_options(max_concurrent_reconciles=2)
        .complete(rec)
    )
    assert mgr.runnables == [c]
    assert c.name == "pipelinerun" and c.max_concurrent_reconciles == 2
    assert c.clock is mgr.clock
    task = await run(c)
    mgr.informers.get(PIPELINERUNS).add(obj("pr1"))
    mgr.informers.get(TASKRUNS).add(
        obj(
            "tr1",
            ownerReferences=[
                {
                    "apiVersion": "tekton.dev/v1",
                    "kind": "PipelineRun",
                    "name": "pr2",
                    "controller": True,
                }
            ],
        )
    )
    mgr.informers.get(CONFIGMAPS).add(obj("cm", labels={"pipelinerun": "pr3"}))
    await eventually(lambda: len(rec.calls) == 3)
    assert sorted(r.name for r in rec.calls) == ["pr1", "pr2", "pr3"]
    await c.stop()
    await task


async def test_for_without_predicates_lets_resyncs_through() -> None:
    mgr = FakeManager()
    rec = Recorder()
    c = ControllerBuilder(mgr).named(f"resync-{next(_names)}").for_(PIPELINERUNS).complete(rec)
    task = await run(c)
    same = obj("pr", rv="7")
    mgr.informers.get(PIPELINERUNS).update(same, same)  # what a resync delivers
    await eventually(lambda: len(rec.calls) == 1)
    await c.stop()
    await task


async def test_for_predicates_and_global_event_filter_apply() -> None:
    mgr = FakeManager()
    rec = Recorder()
    c = (
        ControllerBuilder(mgr)
        .named(f"filtered-{next(_names)}")
        .for_(PIPELINERUNS, predicates=[ResourceVersionChangedPredicate()])
        .with_event_filter(LabelSelectorPredicate("team=a"))
        .complete(rec)
    )
    task = await run(c)
    inf = mgr.informers.get(PIPELINERUNS)
    a1 = obj("a", rv="1", labels={"team": "a"})
    a2 = obj("a", rv="2", labels={"team": "a"})
    inf.update(a1, a1)  # resync: dropped by the rv predicate
    inf.add(obj("b", labels={"team": "b"}))  # dropped by the global filter
    inf.update(a1, a2)
    await eventually(lambda: len(rec.calls) == 1)
    await asyncio.sleep(0.01)
    assert rec.calls == [Request("ns", "a")]
    await c.stop()
    await task


async def test_owns_predicates_and_cluster_scoped_owner() -> None:
    mgr = FakeManager()
    rec = Recorder()
    c = (
        ControllerBuilder(mgr)
        .named(f"ns-{next(_names)}")
        .for_(NAMESPACES)
        .owns(CONFIGMAPS, predicates=[GenerationChangedPredicate()])
        .complete(rec)
    )
    task = await run(c)
    ref = [{"apiVersion": "v1", "kind": "Namespace", "name": "team-a", "controller": True}]
    inf = mgr.informers.get(CONFIGMAPS)
    inf.update(obj("cm", gen=1, ownerReferences=ref), obj("cm", gen=1, rv="2", ownerReferences=ref))
    inf.update(obj("cm", gen=1, ownerReferences=ref), obj("cm", gen=2, rv="3", ownerReferences=ref))
    await eventually(lambda: len(rec.calls) == 1)
    assert rec.calls == [Request("", "team-a")]
    await c.stop()
    await task


def test_informer_options_and_sharing() -> None:
    mgr = FakeManager()
    (
        ControllerBuilder(mgr)
        .named(f"a-{next(_names)}")
        .for_(PIPELINERUNS, namespace="ci", label_selector="app=x")
        .watches(CONFIGMAPS, EnqueueRequestForObject())
        .complete(Recorder())
    )
    ControllerBuilder(mgr).named(f"b-{next(_names)}").for_(
        PIPELINERUNS, namespace="ci", label_selector="app=x"
    ).complete(Recorder())
    assert mgr.informers.requests[0] == (
        PIPELINERUNS,
        {"namespace": "ci", "label_selector": "app=x"},
    )
    assert mgr.informers.requests[1] == (CONFIGMAPS, {})
    # Two controllers, one informer (one watch) for the same selection.
    assert len(mgr.informers.requests) == 3 and len(mgr.informers.informers) == 2


def test_options_pass_through() -> None:
    mgr = FakeManager()
    limiter = ItemFastSlowRateLimiter(0.1, 5, 3)
    c = (
        ControllerBuilder(mgr)
        .for_(TASKRUNS)
        .with_options(max_concurrent_reconciles=4, rate_limiter=limiter, cache_sync_timeout=9)
        .build(Recorder())
    )
    assert c.max_concurrent_reconciles == 4
    assert c.queue.rate_limiter is limiter
    assert c.cache_sync_timeout == 9


async def test_plain_async_function_is_a_reconciler() -> None:
    mgr = FakeManager()
    seen: list[Request] = []

    async def reconcile(request: Request) -> None:
        seen.append(request)

    c = ControllerBuilder(mgr).named(f"fn-{next(_names)}").for_(TASKRUNS).complete(reconcile)
    task = await run(c)
    mgr.informers.get(TASKRUNS).add(obj("t"))
    await eventually(lambda: seen == [Request("ns", "t")])
    await c.stop()
    await task


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda b: b.owns(TASKRUNS), "owns() can only be used together with for_()"),
        (lambda b: b.named("x"), "no watches configured"),
        (lambda b: b.watches(CONFIGMAPS, lambda o: []), "one of for_() or named()"),
        (lambda b: b.for_(TASKRUNS).for_(PIPELINERUNS), "for_() may only be called once"),
    ],
)
def test_builder_errors(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(ControllerBuilder(FakeManager())).complete(Recorder())


def test_watches_rejects_non_handlers() -> None:
    with pytest.raises(TypeError):
        ControllerBuilder(FakeManager()).watches(CONFIGMAPS, 42)  # type: ignore[arg-type]
