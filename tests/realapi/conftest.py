"""Fixtures of the real-API tier: one kube-apiserver per session, an embedded server per test.

Every test here is marked ``realapi``. Without built binaries (``hack/realapi.sh``) they skip
with the reason ``ensure_binaries`` gives; they never fail for that.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from realapi_http import Api

from tekpy.testing.realapi import RealApiServer, RealApiUnavailable, ensure_binaries

#: The session-scoped real server of tekpy.testing.plugin (skips with the same reason).
PLUGIN_FIXTURE = "_tekpy_realapi"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.realapi)


@pytest.fixture(scope="session")
def real_server(request: pytest.FixtureRequest) -> Iterator[RealApiServer]:
    """kube-apiserver + etcd + kube-controller-manager, shared by the whole session.

    The tekpy pytest plugin's session server is reused when it has one, so a run of the
    whole suite starts one control plane, not two. Otherwise one is started here, with
    ``asyncio.run`` because the processes outlive any one test's event loop.
    """
    shared = _plugin_server(request)
    if shared is not None:
        yield shared
        return
    try:
        binaries = ensure_binaries()
    except RealApiUnavailable as exc:
        pytest.skip(exc.reason)
    server = RealApiServer(binaries)
    asyncio.run(server.start())
    try:
        yield server
    finally:
        asyncio.run(server.stop())


def _plugin_server(request: pytest.FixtureRequest) -> RealApiServer | None:
    try:
        server = request.getfixturevalue(PLUGIN_FIXTURE)
    except pytest.FixtureLookupError:  # the plugin changed: start our own
        return None
    return server if isinstance(server, RealApiServer) else None


@pytest.fixture
async def real_api(real_server: RealApiServer) -> AsyncIterator[Api]:
    async with Api(real_server) as api:
        yield api


@pytest.fixture
async def embedded_server() -> AsyncIterator[Any]:
    """A fresh embedded server for each test (it starts in milliseconds)."""
    try:
        from tekpy.local.apiserver import EmbeddedApiServer
    except ImportError as exc:  # the server is being built in parallel
        pytest.skip(f"embedded API server not importable: {exc}")
    server = EmbeddedApiServer(host="127.0.0.1", port=0, data_dir=None, tls=True)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def embedded_api(embedded_server: Any) -> AsyncIterator[Api]:
    async with Api(embedded_server) as api:
        yield api


_counter = itertools.count()


@pytest.fixture
def ns_name() -> str:
    """A namespace name unique in this session (the real server outlives tests)."""
    return f"t{os.getpid() % 100000}-{next(_counter)}"


async def create_namespace(api: Api, name: str) -> None:
    reply = await api.post("/api/v1/namespaces", {"metadata": {"name": name}})
    assert reply.status == 201, reply.body


@pytest.fixture
async def real_ns(real_api: Api, ns_name: str) -> str:
    await create_namespace(real_api, ns_name)
    return ns_name


def pytest_generate_tests(metafunc: Any) -> None:
    """Differential modules register their scenarios in a module-level ``S``
    (``realapi_diff.Scenarios``); each becomes one case of the test taking ``scenario``."""
    scenarios = getattr(metafunc.module, "S", None)
    if "scenario" in metafunc.fixturenames and scenarios is not None:
        metafunc.parametrize("scenario", scenarios.params())
