"""Watch lines decoded with their object's bytes cut out exactly, and read a batch at a time."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from test_client_http import cm, peer, status

from tekpy.runtime.client import CONFIGMAPS, ApiError, WatchStalledError, is_expired
from tekpy.runtime.client.watch import split_watch_line

__all__ = ["peer"]  # the fixture, shared with the client's HTTP tests

POD = {
    "kind": "Pod",
    "metadata": {
        "name": "a",
        "namespace": "d",
        "annotations": {"tricky": '","object":{"x":1}},"type":"DELETED"}'},
    },
    "spec": {"s": '\\"}', "n": [1, 2.5, None, True]},
}


def line(*members: tuple[str, Any], sep: bytes = b"") -> bytes:
    body = b"," + sep
    parts = [orjson.dumps(k) + b":" + sep + orjson.dumps(v) for k, v in members]
    return b"{" + body.join(parts) + b"}"


def test_type_first_line_yields_the_object_bytes_verbatim() -> None:
    obj_bytes = orjson.dumps(POD)
    etype, obj, raw = split_watch_line(b'{"type":"ADDED","object":' + obj_bytes + b"}")
    assert (etype, obj, raw) == ("ADDED", POD, obj_bytes)


def test_object_first_order_is_sliced_too() -> None:
    obj_bytes = orjson.dumps(POD)
    etype, obj, raw = split_watch_line(b'{"object":' + obj_bytes + b',"type":"MODIFIED"}')
    assert (etype, obj, raw) == ("MODIFIED", POD, obj_bytes)


@pytest.mark.parametrize(
    "text",
    [
        # whitespace between members: decoded whole, no bytes
        line(("type", "ADDED"), ("object", POD), sep=b" "),
        b'{ "type":"ADDED","object":' + orjson.dumps(POD) + b"}",
        b'{"type":"ADDED","object":' + orjson.dumps(POD) + b" }",
        # more members, and a duplicate "object" (the decoder's choice stands)
        line(("type", "ADDED"), ("object", POD), ("extra", 1)),
        b'{"type":"ADDED","object":{"kind":"A"},"object":' + orjson.dumps(POD) + b"}",
        b'{"object":{"kind":"A"},"object":' + orjson.dumps(POD) + b',"type":"ADDED"}',
        # an escaped type name
        b'{"type":"ADD\\u0045D","object":' + orjson.dumps(POD) + b"}",
        # another order with the type in the middle
        line(("object", POD), ("type", "ADDED"), ("x", "y")),
    ],
)
def test_other_shapes_are_decoded_whole_without_bytes(text: bytes) -> None:
    doc = orjson.loads(text)
    assert split_watch_line(text) == (doc["type"], doc["object"], None)


def test_malformed_events() -> None:
    with pytest.raises(ValueError):
        split_watch_line(b'{"type":"ADDED","object":[1]}')
    with pytest.raises(ValueError):
        split_watch_line(b'{"type":"ADDED","object":{"a":1}')  # truncated
    with pytest.raises(ValueError):
        split_watch_line(b'{"object":{"a":1}}')
    # An ERROR without a Status object still reads as an error.
    assert split_watch_line(b'{"type":"ERROR","object":"boom"}') == ("ERROR", {}, None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


@given(
    obj=st.dictionaries(st.sampled_from(["kind", "metadata", "spec", '"', "\\", "}"]), json_values),
    etype=st.sampled_from(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "X\\"]),
    order=st.booleans(),
    sep=st.sampled_from([b"", b" ", b"\t"]),
)
def test_split_agrees_with_decoding_the_whole_line(
    obj: dict[str, Any], etype: str, order: bool, sep: bytes
) -> None:
    members = [("type", etype), ("object", obj)]
    text = line(*(members if order else members[::-1]), sep=sep)
    t, got, raw = split_watch_line(text)
    assert (t, got) == (etype, obj)
    if raw is not None:
        assert orjson.loads(raw) == obj and raw in text


async def test_next_events_returns_a_read_at_a_time_and_raises_where_the_error_stands(
    peer: Any,
) -> None:
    events = [{"type": "ADDED", "object": cm(n, str(i + 2))} for i, n in enumerate("abc")]
    payload = b"".join(orjson.dumps(e) + b"\n" for e in events)
    payload += orjson.dumps({"type": "ERROR", "object": status(410, "Expired")}) + b"\n"
    payload += orjson.dumps({"type": "ADDED", "object": cm("late", "9")}) + b"\n"

    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(payload)  # one write: the events arrive in one read
        return resp

    c = await peer(handler)
    seen: list[tuple[str, str, bytes | None]] = []
    with pytest.raises(ApiError) as e:
        async with c.watch(CONFIGMAPS, namespace="d", resource_version="1") as stream:
            while (batch := await stream.next_events()) is not None:
                for t, o, raw in batch:  # the error comes after the events before it
                    seen.append((t, o["metadata"]["name"], raw))
    assert is_expired(e.value)
    assert [s[:2] for s in seen] == [("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]
    assert [s[2] for s in seen] == [orjson.dumps(ev["object"]) for ev in events]


async def test_next_events_takes_a_whole_final_line_without_newline(peer: Any) -> None:
    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b"\n")
        await resp.write(orjson.dumps({"type": "MODIFIED", "object": cm("a", "3")}))
        return resp

    c = await peer(handler)
    got = []
    async with c.watch(CONFIGMAPS, namespace="d") as stream:
        while (batch := await stream.next_events()) is not None:
            got += [(t, o["metadata"]["resourceVersion"]) for t, o, _ in batch]
        assert stream.events_received == 2
    assert got == [("ADDED", "2"), ("MODIFIED", "3")]


async def test_next_events_raises_a_malformed_line_after_the_events_before_it(
    peer: Any,
) -> None:
    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(
            orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b"\n{not json}\n"
        )
        return resp

    c = await peer(handler)
    got = []
    with pytest.raises(ValueError):
        async with c.watch(CONFIGMAPS, namespace="d") as stream:
            while (batch := await stream.next_events()) is not None:
                for _, o, _ in batch:
                    got.append(o["metadata"]["name"])
    assert got == ["a"]


async def test_next_events_ends_on_a_dropped_connection_and_raises_on_silence(
    peer: Any,
) -> None:
    release = asyncio.Event()

    async def dropped(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b'\n{"ty')
        assert req.transport is not None
        req.transport.close()  # mid-line
        return resp

    async def silent(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("b", "3")}) + b"\n")
        await release.wait()
        return resp

    got = []
    async with (await peer(dropped)).watch(CONFIGMAPS, namespace="d") as stream:
        while (batch := await stream.next_events()) is not None:
            got += [o["metadata"]["name"] for _, o, _ in batch]
    assert got == ["a"]
    with pytest.raises(WatchStalledError):
        c = await peer(silent)
        async with c.watch(CONFIGMAPS, namespace="d", inactivity_timeout=0.3) as stream:
            while (batch := await stream.next_events()) is not None:
                got += [o["metadata"]["name"] for _, o, _ in batch]
    assert got == ["a", "b"]
    release.set()
