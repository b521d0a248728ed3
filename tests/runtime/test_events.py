"""Event correlation rules (pure, FakeClock) and the recorder against the API servers."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tekpy.runtime.client import CONFIGMAPS, Client, Resource
from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.events import NORMAL, WARNING, EventCorrelator, EventRecorder
from tekpy.runtime.events.correlator import COMBINED_PREFIX
from tekpy.testing import eventually, require_hooks
from tekpy.testing.servers import unreachable

EVENTS = Resource("", "v1", "events", "Event")


def raw_event(
    name: str = "web", reason: str = "Created", message: str = "m", type_: str = NORMAL
) -> dict[str, Any]:
    return {
        "metadata": {"name": f"{name}.{message}", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "namespace": "ns", "name": name, "uid": "u1"},
        "source": {"component": "ctl", "host": "h"},
        "reason": reason,
        "message": message,
        "type": type_,
        "count": 1,
        "firstTimestamp": "t0",
        "lastTimestamp": "t0",
    }


# -- correlator ------------------------------------------------------------------------------


def test_identical_events_form_a_series_patched_with_count_and_last_timestamp() -> None:
    corr = EventCorrelator(FakeClock())
    first = corr.correlate(raw_event())
    assert first.patch is None and first.event is not None and first.event["count"] == 1
    corr.update_state(
        {**first.event, "metadata": {**first.event["metadata"], "resourceVersion": "7"}}
    )
    again = raw_event()
    again["metadata"]["name"] = "web.other"
    again["lastTimestamp"] = "t1"
    second = corr.correlate(again)
    assert second.event is not None
    assert second.event["metadata"]["name"] == "web.m"  # the existing Event
    assert second.event["count"] == 2
    assert second.event["firstTimestamp"] == "t0"
    assert second.patch == {"count": 2, "lastTimestamp": "t1", "message": "m"}
    third = corr.correlate(raw_event())
    assert third.event is not None and third.event["count"] == 3


@pytest.mark.parametrize(
    ("changed", "value"),
    [("reason", "Deleted"), ("message", "other"), ("type", WARNING)],
)
def test_events_differing_in_reason_message_or_type_are_separate(changed: str, value: str) -> None:
    corr = EventCorrelator(FakeClock())
    corr.correlate(raw_event())
    other = raw_event(**{"type_" if changed == "type" else changed: value})
    result = corr.correlate(other)
    assert result.patch is None and result.event is not None and result.event["count"] == 1


def test_ten_distinct_messages_are_combined_into_one_aggregate_series() -> None:
    corr = EventCorrelator(FakeClock(), name_for=lambda n: f"{n}.agg")
    for i in range(9):
        res = corr.correlate(raw_event(message=f"msg {i}"))
        assert res.event is not None and res.event["message"] == f"msg {i}"
    tenth = corr.correlate(raw_event(message="msg 9"))
    assert tenth.event is not None
    assert tenth.event["message"] == COMBINED_PREFIX + "msg 9"
    assert tenth.event["metadata"]["name"] == "web.agg"
    assert tenth.patch is None
    eleventh = corr.correlate(raw_event(message="msg 10"))
    assert eleventh.event is not None
    assert eleventh.event["metadata"]["name"] == "web.agg"
    assert eleventh.event["count"] == 2
    assert eleventh.patch is not None
    assert eleventh.patch["message"] == COMBINED_PREFIX + "msg 10"


def test_aggregation_window_resets_after_ten_minutes() -> None:
    clock = FakeClock()
    corr = EventCorrelator(clock)
    for i in range(9):
        corr.correlate(raw_event(message=f"msg {i}"))
    clock.step(601)
    res = corr.correlate(raw_event(message="msg 9"))
    assert res.event is not None and res.event["message"] == "msg 9"


def test_spam_filter_allows_a_burst_of_25_per_object_then_one_per_five_minutes() -> None:
    clock = FakeClock()
    corr = EventCorrelator(clock, max_events=1000)
    results = [corr.correlate(raw_event(message=f"m{i}")) for i in range(30)]
    assert [r.skip for r in results] == [False] * 25 + [True] * 5
    # Another object has its own bucket.
    assert not corr.correlate(raw_event(name="db")).skip
    clock.step(300)
    assert not corr.correlate(raw_event(message="later")).skip
    assert corr.correlate(raw_event(message="later2")).skip


def test_correlator_state_is_bounded() -> None:
    corr = EventCorrelator(FakeClock(), cache_size=8)
    for i in range(100):
        corr.correlate(raw_event(name=f"obj{i}"))
    assert max(len(corr._observed), len(corr._spam), len(corr._aggregates)) <= 8


# -- recorder on the embedded server ---------------------------------------------------------


async def config_map(client: Client, ns: str, name: str = "cm") -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}}
    return await client.create(CONFIGMAPS, body, namespace=ns)


async def events_in(client: Client, ns: str) -> list[dict[str, Any]]:
    return list((await client.list(EVENTS, namespace=ns))["items"])


async def test_recorder_writes_an_event_then_counts_repeats_on_it(
    client: Client, namespace: str
) -> None:
    clock = FakeClock()
    cm = await config_map(client, namespace)
    rec = EventRecorder(client, "my-controller", host="node-1", clock=clock)
    rec.event(cm, NORMAL, "Synced", "all good")
    await rec.flush()
    [ev] = await events_in(client, namespace)
    assert ev["involvedObject"] == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "name": "cm",
        "namespace": namespace,
        "uid": cm["metadata"]["uid"],
        "resourceVersion": cm["metadata"]["resourceVersion"],
    }
    assert ev["source"] == {"component": "my-controller", "host": "node-1"}
    assert (ev["type"], ev["reason"], ev["message"], ev["count"]) == (
        NORMAL,
        "Synced",
        "all good",
        1,
    )
    assert ev["firstTimestamp"] == ev["lastTimestamp"] == "2024-01-01T00:00:00Z"
    clock.step(30)
    rec.event(cm, NORMAL, "Synced", "all good")
    rec.event(cm, NORMAL, "Synced", "all good")
    await rec.flush()
    [again] = await events_in(client, namespace)
    assert again["metadata"]["name"] == ev["metadata"]["name"]
    assert again["count"] == 3
    assert again["firstTimestamp"] == "2024-01-01T00:00:00Z"
    assert again["lastTimestamp"] == "2024-01-01T00:00:30Z"
    rec.event(cm, WARNING, "Failed", "oops")
    await rec.flush()
    assert len(await events_in(client, namespace)) == 2
    await rec.aclose()


async def test_recording_never_raises_and_never_blocks(client: Client, namespace: str) -> None:
    cm = await config_map(client, namespace)
    rec = EventRecorder(client, "ctl", clock=FakeClock(), max_queued=3)
    rec.event(cm, "Loud", "Bad", "not a valid type")  # dropped, logged
    rec.event({"metadata": {"name": "x"}}, NORMAL, "NoKind", "no kind")  # dropped
    for i in range(10):  # no await in between: the writer cannot drain the buffer
        rec.event(cm, NORMAL, "Burst", f"m{i}")
    assert rec.dropped == 2 + 7
    await rec.flush()
    assert len(await events_in(client, namespace)) == 3
    await rec.aclose()
    rec.event(cm, NORMAL, "Late", "after close")  # closed: dropped quietly
    assert rec.dropped == 10


async def test_rejected_event_is_dropped_without_retry(
    api_server: Any, client: Client, namespace: str
) -> None:
    hooks = require_hooks(api_server)
    cm = await config_map(client, namespace)
    rec = EventRecorder(client, "ctl", clock=FakeClock())
    hooks.fail_next(1, 403, verb="create", resource="events")
    rec.event(cm, NORMAL, "First", "rejected")
    await rec.flush()
    assert rec.dropped == 1 and await events_in(client, namespace) == []
    rec.event(cm, NORMAL, "Second", "accepted")
    await rec.flush()
    assert [e["reason"] for e in await events_in(client, namespace)] == ["Second"]
    await rec.aclose()


async def test_connection_failure_is_retried_until_the_server_is_back(
    api_server: Any, client: Client, namespace: str
) -> None:
    clock = FakeClock()
    cm = await config_map(client, namespace)
    rec = EventRecorder(client, "ctl", clock=clock, retry_sleep=10)
    async with unreachable(api_server):  # connections refused until the block ends
        rec.event(cm, NORMAL, "Retried", "eventually written")
        await eventually(lambda: clock.sleepers > 0, message="recorder waits to retry")
    for _ in range(100):  # bounded: each round is one retry_sleep of the fake clock
        if await _count(client, namespace):
            break
        clock.step(10)
        await settle()
        await eventually(lambda: clock.sleepers > 0 or rec._queue is None or rec._queue.empty())
    assert await _count(client, namespace) == 1
    await rec.aclose()
    assert rec.dropped == 0


async def _count(client: Client, ns: str) -> int:
    try:
        return len(await events_in(client, ns))
    except Exception:
        await asyncio.sleep(0.01)
        return 0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from(["R1", "R2"]),
            st.sampled_from(["m1", "m2", "m3"]),
        ),
        max_size=40,
    )
)
def test_every_repeat_lands_in_its_series(seq: list[tuple[str, str, str]]) -> None:
    """Without aggregation or spam limits, each distinct event is one series whose count is
    the number of times it was recorded, on one stable Event name."""
    corr = EventCorrelator(FakeClock(), spam_burst=1000, max_events=1000)
    server: dict[str, dict[str, Any]] = {}  # Event name -> stored Event
    names: dict[tuple[str, str, str], str] = {}
    for i, (obj, reason, message) in enumerate(seq):
        ev = raw_event(obj, reason, message)
        ev["metadata"]["name"] = f"{obj}.{i}"
        res = corr.correlate(ev)
        assert res.event is not None and not res.skip
        name = res.event["metadata"]["name"]
        assert names.setdefault((obj, reason, message), name) == name
        if res.patch is None:
            assert name not in server
            stored = {**res.event, "metadata": {**res.event["metadata"], "resourceVersion": str(i)}}
        else:
            stored = {**server[name], **res.patch}
        server[name] = stored
        corr.update_state(stored)
    counts = Counter(seq)
    assert {names[k]: n for k, n in counts.items()} == {
        name: ev["count"] for name, ev in server.items()
    }
