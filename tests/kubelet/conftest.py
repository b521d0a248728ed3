"""Fixtures of the node agent tests: an agent (tekpy.local.kubelet) on the ``api_server``
fixture, in a fresh namespace. Tests skip only when bubblewrap cannot create namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from tekpy.local.kubelet import AgentConfig, NodeAgent


@pytest_asyncio.fixture
async def agent(client: Any, bwrap: str, tmp_path: Path) -> AsyncIterator[NodeAgent]:
    cfg = AgentConfig(node_name="node-test", data_dir=tmp_path / "kubelet",
                      restart_backoff=0.2, lease_interval=1.0)
    a = NodeAgent(client, cfg)
    await a.start()
    try:
        yield a
    finally:
        await a.stop()
