"""Pure parts of the client: errors and predicates, line splitting, token bucket, resources."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.runtime.client import (
    CONFIGMAPS,
    CRDS,
    LEASES,
    NAMESPACES,
    PODS,
    ApiError,
    LineSplitter,
    LineTooLongError,
    Resource,
    TokenBucket,
    is_already_exists,
    is_conflict,
    is_expired,
    is_forbidden,
    is_gone,
    is_invalid,
    is_not_found,
    is_server_timeout,
    is_too_large_resource_version,
    is_too_many_requests,
    is_unauthorized,
)
from tekpy.runtime.clock import FakeClock


def status(code: int, reason: str, message: str = "m", **details: object) -> bytes:
    return orjson.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "code": code,
            "reason": reason,
            "message": message,
            "details": details or None,
        }
    )


PREDICATES = [
    is_not_found,
    is_already_exists,
    is_conflict,
    is_gone,
    is_expired,
    is_invalid,
    is_too_many_requests,
    is_forbidden,
    is_unauthorized,
    is_server_timeout,
]


@pytest.mark.parametrize(
    ("code", "body", "true_for"),
    [
        pytest.param(404, status(404, "NotFound"), {is_not_found}, id="not-found"),
        pytest.param(409, status(409, "AlreadyExists"), {is_already_exists}, id="already-exists"),
        pytest.param(409, status(409, "Conflict"), {is_conflict}, id="conflict"),
        pytest.param(410, status(410, "Expired"), {is_expired}, id="expired"),
        pytest.param(410, status(410, "Gone"), {is_gone}, id="gone"),
        pytest.param(422, status(422, "Invalid"), {is_invalid}, id="invalid"),
        pytest.param(429, status(429, "TooManyRequests"), {is_too_many_requests}, id="429"),
        pytest.param(403, status(403, "Forbidden"), {is_forbidden}, id="forbidden"),
        pytest.param(401, status(401, "Unauthorized"), {is_unauthorized}, id="unauthorized"),
        pytest.param(500, status(500, "ServerTimeout"), {is_server_timeout}, id="server-timeout"),
        # Not a Status: the reason comes from the HTTP code, and predicates use the code.
        pytest.param(404, b"<html>nope</html>", {is_not_found}, id="html-404"),
        pytest.param(410, b"gone", {is_gone}, id="text-410"),
        pytest.param(429, b"", {is_too_many_requests}, id="empty-429"),
        # An unknown reason falls back to the code, for every code-based predicate.
        pytest.param(410, status(410, "SomethingNew"), {is_gone, is_expired}, id="unknown-410"),
        pytest.param(409, status(409, "SomethingNew"), {is_conflict}, id="unknown-409"),
    ],
)
def test_error_predicates(code: int, body: bytes, true_for: set[object]) -> None:
    err = ApiError.from_response(code, body)
    assert err.status == code
    for pred in PREDICATES:
        assert pred(err) is (pred in true_for), pred.__name__


def test_api_error_fields_from_status() -> None:
    causes = [{"reason": "FieldValueRequired", "field": "spec.x", "message": "Required value"}]
    err = ApiError.from_response(
        422, status(422, "Invalid", 'Pod "a" is invalid', name="a", kind="Pod", causes=causes)
    )
    assert err.reason == "Invalid" and err.message == 'Pod "a" is invalid'
    assert err.details is not None and err.details["name"] == "a"
    assert err.causes == causes and err.body["kind"] == "Status"
    assert "422 Invalid" in str(err)
    plain = ApiError.from_response(502, b"bad gateway")
    assert (plain.reason, plain.message, plain.body) == ("Unknown", "bad gateway", "bad gateway")
    assert not is_not_found(ValueError("x"))


def test_too_large_resource_version() -> None:
    cause = ApiError.from_response(
        504, status(504, "Timeout", "x", causes=[{"reason": "ResourceVersionTooLarge"}])
    )
    legacy = ApiError.from_response(504, status(504, "Timeout", "Too large resource version"))
    assert is_too_large_resource_version(cause) and is_too_large_resource_version(legacy)
    assert not is_too_large_resource_version(ApiError.from_response(504, status(504, "Timeout")))


def test_line_splitter_handles_lines_across_chunks_and_huge_lines() -> None:
    sp = LineSplitter(max_line_bytes=3 * 1024 * 1024)
    big = b"x" * (2 * 1024 * 1024)
    out: list[bytes] = []
    data = b'{"a":1}\n' + big + b"\n\n" + b'{"b":2}\n{"c"'
    for i in range(0, len(data), 65536):
        out += sp.feed(data[i : i + 65536])
    assert out == [b'{"a":1}', big, b'{"b":2}']
    assert sp.tail() == b'{"c"'
    assert sp.feed(b":3}\n") == [b'{"c":3}'] and sp.tail() == b""


def test_line_splitter_rejects_lines_over_the_limit() -> None:
    sp = LineSplitter(max_line_bytes=10)
    with pytest.raises(LineTooLongError):
        sp.feed(b"0123456789abc")
    with pytest.raises(LineTooLongError):
        LineSplitter(max_line_bytes=10).feed(b"0123456789abc\nok\n")
    assert LineSplitter(max_line_bytes=10).feed(b"0123456789\n") == [b"0123456789"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=30).filter(lambda b: b"\n" not in b), max_size=10),
    st.lists(st.integers(min_value=1, max_value=17), min_size=1, max_size=10),
)
def test_line_splitter_is_independent_of_chunking(lines: list[bytes], cuts: list[int]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    sp, out, i, k = LineSplitter(), [], 0, 0
    while i < len(data):
        n = cuts[k % len(cuts)]
        out += sp.feed(data[i : i + n])
        i, k = i + n, k + 1
    assert out == lines and sp.tail() == b""


async def test_token_bucket_allows_burst_then_paces() -> None:
    clock = FakeClock()
    tb = TokenBucket(qps=2, burst=3, clock=clock)
    waits = [await tb.acquire() for _ in range(3)]
    assert waits == [0, 0, 0]
    assert not tb.try_accept()
    clock.step(0.5)  # one token refilled
    assert tb.try_accept() and not tb.try_accept()
    with pytest.raises(ValueError):
        TokenBucket(0, 1)


async def test_token_bucket_waits_on_the_clock() -> None:
    import asyncio

    clock = FakeClock()
    tb = TokenBucket(qps=10, burst=1, clock=clock)
    assert await tb.acquire() == 0
    task = asyncio.create_task(tb.acquire())
    await asyncio.sleep(0)
    assert clock.sleepers == 1 and not task.done()
    await clock.advance(0.1)
    assert task.done() and task.result() == pytest.approx(0.1)


def test_resource_paths() -> None:
    assert PODS.api_version == "v1" and LEASES.api_version == "coordination.k8s.io/v1"
    assert PODS.path() == "/api/v1/pods"
    assert PODS.path("ns") == "/api/v1/namespaces/ns/pods"
    assert PODS.path("ns", "p", "status") == "/api/v1/namespaces/ns/pods/p/status"
    assert LEASES.path("kube-system", "l") == (
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l"
    )
    assert NAMESPACES.path(name="x") == "/api/v1/namespaces/x"
    assert CRDS.path(name="a.b") == ("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b")
    with pytest.raises(ValueError):
        NAMESPACES.path("ns")
    with pytest.raises(ValueError):
        CONFIGMAPS.path("ns", subresource="status")
    r = Resource("tekton.dev", "v1", "taskruns", "TaskRun")
    assert str(r) == "taskruns.tekton.dev" and hash(r) == hash(
        Resource("tekton.dev", "v1", "taskruns", "TaskRun")
    )


@pytest.mark.parametrize(
    ("method", "code", "header", "want"),
    [
        ("POST", 503, "2", 2.0),  # the server asked: replayed for any verb
        ("POST", 503, " 7 ", 7.0),
        ("POST", 503, "1_0", None),  # not an integer to Go's Atoi: ignored
        ("POST", 503, "\u0663", None),  # non-ASCII digit
        ("POST", 503, "Wed, 21 Oct 2015 07:28:00 GMT", None),  # HTTP-date: not honoured
        ("POST", 500, None, None),  # a write may have been applied: never replayed
        ("GET", 404, "3", None),
    ],
)
async def test_retry_after_is_parsed_as_client_go_does(
    method: str, code: int, header: str | None, want: float | None
) -> None:
    from tekpy.runtime.client import Client, ClientConfig

    c = Client(ClientConfig(server="http://127.0.0.1:9"))
    try:
        assert c._retry_delay(method, code, header, 0) == want
    finally:
        await c.close()
