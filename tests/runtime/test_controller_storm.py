"""Property: under random event storms with 8 workers and random failures, no request is
reconciled by two workers at once, and every object's latest state is reconciled."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.controller import Controller, EnqueueRequestForObject, Request

_names = itertools.count()


class FakeInformer:
    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def add_event_handler(self, handler: Any) -> None:
        self.handlers.append(handler)

    def has_synced(self) -> bool:
        return True


def _obj(key: int, version: int) -> dict[str, Any]:
    return {"metadata": {"name": f"o{key}", "namespace": "ns", "resourceVersion": str(version)}}


events_strategy = st.lists(
    st.tuples(st.integers(0, 9), st.integers(0, 3), st.booleans()), min_size=1, max_size=120
)


@settings(max_examples=30, deadline=None)
@given(events=events_strategy, pauses=st.lists(st.integers(0, 4), min_size=1, max_size=8))
def test_storms_never_overlap_a_key_and_converge(
    events: list[tuple[int, int, bool]], pauses: list[int]
) -> None:
    async def run() -> None:
        clock = FakeClock()
        informer = FakeInformer()
        state: dict[str, int] = {}  # the "cluster": latest version of each object
        fail_next: dict[str, bool] = {}
        seen: dict[str, int] = {}  # the version each object's last successful reconcile read
        in_flight: set[Request] = set()
        overlaps: list[Request] = []
        calls = itertools.count()

        async def reconcile(request: Request) -> None:
            if request in in_flight:
                overlaps.append(request)
            in_flight.add(request)
            try:
                observed = state[request.name]  # level-based: read the current state
                for _ in range(pauses[next(calls) % len(pauses)]):
                    await asyncio.sleep(0)
                if fail_next.pop(request.name, False):
                    raise RuntimeError("transient")
                seen[request.name] = observed
            finally:
                in_flight.discard(request)

        c = Controller(f"storm-{next(_names)}", reconcile, clock=clock, max_concurrent_reconciles=8)
        c.watch(informer, EnqueueRequestForObject())
        task = asyncio.create_task(c.start())
        await settle()
        assert len(c._workers) == 8
        (source,) = informer.handlers
        for key, yields, fail in events:
            name = f"o{key}"
            old = state.get(name)
            state[name] = (old or 0) + 1
            if fail:
                fail_next[name] = True
            if old is None:
                source.on_add(_obj(key, state[name]), False)
            else:
                source.on_update(_obj(key, old), _obj(key, state[name]))
            for _ in range(yields):
                await asyncio.sleep(0)

        # Quiesce: let workers run; move fake time on to release rate-limited retries.
        for _ in range(10_000):
            await settle(5)
            if len(c.queue) == 0 and c.queue.processing == 0:
                if c.queue.waiting == 0:
                    break
                deadline = clock.next_deadline()
                if deadline is not None:
                    await clock.advance(max(0.0, deadline - clock.monotonic()))
        else:
            raise AssertionError("controller did not quiesce")

        assert overlaps == []
        assert seen == state
        await c.stop()
        await task

    asyncio.run(run())
