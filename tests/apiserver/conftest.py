"""Fixtures for the embedded API server's tests: a real server on a loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from apiserver_helpers import WIDGET_CRD, Kube, SubprocessServer, client_ssl

from tekpy.local.apiserver import EmbeddedApiServer


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedApiServer]:
    srv = EmbeddedApiServer(port=0, tls=True)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.close()


@pytest.fixture
async def kube(server: EmbeddedApiServer) -> AsyncIterator[Kube]:
    conn = aiohttp.TCPConnector(ssl=client_ssl(server), limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        yield Kube(server, session)


@pytest.fixture
async def widgets(kube: Kube) -> Kube:
    """The server with the Widget CRD installed."""
    await kube.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    return kube


@pytest.fixture
async def subprocess_server(tmp_path: Path) -> AsyncIterator[SubprocessServer]:
    """``tekpy apiserver`` in a child process (memory storage)."""
    srv = SubprocessServer(str(tmp_path))
    await srv.start()
    try:
        yield srv
    finally:
        if srv.proc.returncode is None:
            srv.kill()
            await srv.proc.wait()
