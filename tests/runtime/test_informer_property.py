"""Property: whatever the operations and injected faults, at quiescence the informer's cache
equals the server's list, and the state rebuilt from its notifications equals the cache."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from typing import Any

from cache_fakes import cache_state, converged
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tekpy.runtime.cache import DeletedFinalStateUnknown, SharedInformerFactory
from tekpy.runtime.client import CONFIGMAPS, NAMESPACES, ApiError, Client

NAMES = [f"o{i}" for i in range(6)]
FAULTS = ["close_watches", "compact", "watch_500", "watch_429", "list_500", "watch_latency"]

op = st.one_of(
    st.tuples(st.sampled_from(["put", "delete"]), st.sampled_from(NAMES)),
    st.tuples(st.just("fault"), st.sampled_from(FAULTS)),
    st.tuples(st.just("yield"), st.integers(min_value=1, max_value=30)),
)

_ns = itertools.count()
_run = uuid.uuid4().hex[:6]  # the real server outlives a run: names unique across runs


class Mirror:
    """Rebuilds the collection from notifications alone."""

    def __init__(self) -> None:
        self.state: dict[str, str] = {}

    def on_add(self, obj: dict[str, Any], is_in_initial_list: bool) -> None:
        self.state[obj["metadata"]["name"]] = obj["metadata"]["resourceVersion"]

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.on_add(new, False)

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        self.state.pop(obj["metadata"]["name"], None)


async def apply(client: Client, hooks: Any, ns: str, step: tuple[str, Any]) -> None:
    kind, arg = step
    if kind == "put":
        body = {"metadata": {"name": arg, "namespace": ns}, "data": {"v": str(id(step))}}
        try:
            await client.create(CONFIGMAPS, body)
        except ApiError:
            cur = await client.get(CONFIGMAPS, arg, namespace=ns)
            cur["data"] = body["data"]
            await client.update(CONFIGMAPS, cur)
    elif kind == "delete":
        try:
            await client.delete(CONFIGMAPS, arg, namespace=ns)
        except ApiError:
            pass
    elif kind == "yield":
        for _ in range(arg):  # let the informer interleave with the writes
            await asyncio.sleep(0)
    elif arg == "close_watches":
        hooks.close_watches()
    elif arg == "compact":
        hooks.compact()
    elif arg == "watch_500":
        hooks.fail_next(1, 500, verb="watch", resource="configmaps")
    elif arg == "watch_429":
        hooks.fail_next(1, 429, verb="watch", resource="configmaps", retry_after=0)
    elif arg == "list_500":
        hooks.fail_next(1, 500, verb="list", resource="configmaps")
    elif arg == "watch_latency":
        hooks.set_latency(0.05, verb="watch", resource="configmaps")


@settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: keeps the run bounded
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(op, min_size=15, max_size=60))
async def test_cache_equals_server_list_at_quiescence(
    api_server: Any, hooks: Any, client: Client, steps: list[tuple[str, Any]]
) -> None:
    ns = f"prop-{_run}-{next(_ns)}"

    await client.create(NAMESPACES, {"metadata": {"name": ns}})
    factory = SharedInformerFactory(client)
    try:
        inf = factory.informer_for(CONFIGMAPS, namespace=ns)
        mirror = Mirror()
        inf.add_event_handler(mirror)
        await factory.start()
        for step in steps:
            await apply(client, hooks, ns, step)
        hooks.clear()
        hooks.close_watches()  # a stream may sit behind injected latency
        await converged(client, inf, ns, within=20)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while mirror.state != cache_state(inf):
            assert loop.time() < deadline, (mirror.state, cache_state(inf))
            await asyncio.sleep(0.01)
    finally:
        hooks.clear()
        await factory.stop()
        with contextlib.suppress(ApiError):  # the real server is shared: leave it clean
            await client.delete(NAMESPACES, ns)
