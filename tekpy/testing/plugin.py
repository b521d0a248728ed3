"""pytest plugin of tekpy (registered through the ``pytest11`` entry point).

Fixtures:

``api_server``
    A running API server handle (``url``, ``token``, ``ca_file``, ``kubeconfig_path``,
    ``hooks``). Tests using it run once per server kind chosen with
    ``--tekpy-api-servers=embedded,realapi`` or ``TEKPY_API_SERVERS`` (default
    ``embedded``): the embedded server starts fresh for each test; the real kube-apiserver
    (``realapi``) starts once per session and is shared, so give each test its own
    ``namespace``. When the real server cannot run here its tests skip with the reason.
    Both have fault ``hooks`` (on the real server through its fault proxy, see
    docs/apiserver-realapi.md), ``restart()``, and go down for a block with
    :func:`tekpy.testing.servers.unreachable`.
    ``@pytest.mark.crds(crd_or_yaml_path, ...)`` installs CRDs before the test.
``client``
    A :class:`tekpy.runtime.client.Client` on ``api_server`` (closed afterwards).
``namespace``
    A fresh namespace (``test-<random>``) created on ``api_server`` for the test.
``fake_clock``
    A :class:`tekpy.runtime.clock.FakeClock`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from tekpy.runtime.clock import FakeClock
from tekpy.testing.servers import (
    ServerUnavailable,
    api_server_kinds,
    realapi_server,
    start_embedded,
)

OPTION = "--tekpy-api-servers"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tekpy")
    group.addoption(
        OPTION,
        default=None,
        help="comma-separated API server kinds the api_server fixture runs on: embedded, "
        "realapi (default: $TEKPY_API_SERVERS, else embedded)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "crds(*crds): CustomResourceDefinitions (dicts, YAML files or directories) that the "
        "api_server fixture installs before the test",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "api_server_kind" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else ""
        if "api_server_kind" in (names.split(",") if isinstance(names, str) else names):
            return  # the test chose its servers itself
    kinds = api_server_kinds(metafunc.config.getoption(OPTION))
    params = [
        pytest.param(kind, marks=[pytest.mark.realapi] if kind == "realapi" else [], id=kind)
        for kind in kinds
    ]
    metafunc.parametrize("api_server_kind", params)


@pytest.fixture
def api_server_kind() -> str:
    """The kind of server ``api_server`` runs on (parametrised by the plugin)."""
    return "embedded"


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that moves only when the test steps it."""
    return FakeClock()


@pytest.fixture(scope="session")
def _tekpy_realapi() -> Iterator[Any]:
    """One real control plane per session (it takes seconds to start)."""
    try:
        srv = realapi_server()
    except ServerUnavailable as exc:
        pytest.skip(exc.reason)
    # Started on a short-lived loop in a helper thread: the server is a set of processes,
    # not bound to a loop, and this fixture may be set up while a test's loop is running.
    _run_in_thread(srv.start)
    try:
        yield srv
    finally:
        _run_in_thread(srv.stop)


def _run_in_thread(coro_fn: Any) -> Any:
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tekpy-realapi") as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


@pytest_asyncio.fixture
async def api_server(request: pytest.FixtureRequest, api_server_kind: str) -> AsyncIterator[Any]:
    """A running API server of the parametrised kind (see the module docstring)."""
    srv: Any
    if api_server_kind == "realapi":
        srv = request.getfixturevalue("_tekpy_realapi")
        owned = False
    else:
        srv = await start_embedded()
        owned = True
    try:
        crds = [c for m in request.node.iter_markers("crds") for c in m.args]
        if crds:
            from tekpy.runtime.client import Client
            from tekpy.testing.crds import install_crds

            async with await Client.from_kubeconfig(srv.kubeconfig_path) as tmp_client:
                await install_crds(tmp_client, crds)
        yield srv
    finally:
        if owned:
            # close() also removes the server's temporary state directory.
            await (srv.close() if hasattr(srv, "close") else srv.stop())


@pytest_asyncio.fixture
async def client(api_server: Any) -> AsyncIterator[Any]:
    """A Client for ``api_server``."""
    from tekpy.runtime.client import Client

    c = await Client.from_kubeconfig(api_server.kubeconfig_path)
    try:
        yield c
    finally:
        await c.close()


@pytest_asyncio.fixture
async def namespace(client: Any) -> AsyncIterator[str]:
    """A namespace of its own for the test (deleted afterwards, best effort)."""
    from tekpy.runtime.client import NAMESPACES

    name = f"test-{uuid.uuid4().hex[:10]}"
    await client.create(
        NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    )
    try:
        yield name
    finally:
        try:
            await client.delete(NAMESPACES, name)
        except Exception:  # the server may already be gone; nothing to clean then
            pass


def require_hooks(server: Any) -> Any:
    """The server's fault hooks, or skip the test when it has none (only the real tier run
    with its fault proxy turned off, ``TEKPY_REALAPI_FAULT_PROXY=0``)."""
    if getattr(server, "hooks", None) is None:
        pytest.skip("no fault hooks: the real tier's fault proxy is off "
                    "(TEKPY_REALAPI_FAULT_PROXY=0)")
    return server.hooks
