"""Test hooks: injected failures and latency (in-process only)."""

from __future__ import annotations

import time

from apiserver_helpers import Kube, cm

CMS = "/api/v1/namespaces/default/configmaps"


async def test_fail_next_matching_requests(kube: Kube) -> None:
    kube.srv.hooks.fail_next(2, 429, verb="create", resource="configmaps", retry_after=3)
    async with kube.session.post(kube.srv.url + CMS, json=cm("a"),
                                 headers=kube.headers) as resp:
        assert resp.status == 429 and resp.headers["Retry-After"] == "3"
        body = await resp.json()
        assert body["reason"] == "TooManyRequests"
        assert body["details"]["retryAfterSeconds"] == 3
    await kube.ok("GET", CMS)  # other verbs are untouched
    status, _ = await kube.post(CMS, cm("a"))
    assert status == 429
    await kube.ok("POST", CMS, cm("a"))  # the count is used up; nothing was stored before
    kube.srv.hooks.fail_next(1, 503)
    status, out = await kube.get(f"{CMS}/a")
    assert (status, out["reason"]) == (503, "ServiceUnavailable")
    kube.srv.hooks.fail_next(5, 500, resource="pods")
    kube.srv.hooks.clear()
    await kube.ok("GET", "/api/v1/namespaces/default/pods")


async def test_latency(kube: Kube) -> None:
    kube.srv.hooks.set_latency(0.3, verb="list")
    start = time.monotonic()
    await kube.ok("GET", CMS)
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    await kube.ok("POST", CMS, cm("fast"))
    assert time.monotonic() - start < 0.3
