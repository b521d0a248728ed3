"""The in-process cluster of local mode: an embedded API server (in memory), the Tekton
CRDs, a Manager with the TaskRun and PipelineRun controllers, and a node agent, all on the
running asyncio loop.

The CRDs come from ``manifests/crds`` of the source tree when it is there, else they are
generated from the API model (:func:`tekpy.api.crdgen.render_all`, the same generator that
writes ``manifests/crds``), so an installed tekpy without the manifests works too.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from tekpy.runtime.client import CRDS, Client, is_already_exists

__all__ = ["LocalCluster", "load_crds"]

NODE_NAME = "tekpy-local"
_MANIFESTS = Path(__file__).resolve().parents[3] / "manifests" / "crds"


def load_crds() -> list[dict[str, Any]]:
    """The Tekton CRDs: the source tree's manifests, else freshly generated ones."""
    if _MANIFESTS.is_dir():
        texts = [p.read_text() for p in sorted(_MANIFESTS.glob("*.yaml"))]
    else:
        from tekpy.api.crdgen import render_all

        texts = list(render_all().values())
    # libyaml's loader when present: the pure-Python one takes ~0.4 s for these CRDs
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for text in texts for doc in yaml.load_all(text, Loader=loader)
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition"]


async def install_crds(client: Client, crds: list[dict[str, Any]],
                       timeout: float = 30.0) -> None:  # noqa: ASYNC109 - a polling deadline
    """Create the CRDs and wait until each is Established."""
    for crd in crds:
        try:
            await client.create(CRDS, crd)
        except Exception as exc:
            if not is_already_exists(exc):
                raise
    deadline = time.monotonic() + timeout
    for crd in crds:
        name = crd["metadata"]["name"]
        while True:
            obj = await client.get(CRDS, name)
            conds = (obj.get("status") or {}).get("conditions") or []
            if any(c.get("type") == "Established" and c.get("status") == "True" for c in conds):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRD {name} was not established within {timeout}s")
            await asyncio.sleep(0.02)


class LocalCluster:
    """Starts and stops the in-process cluster; ``client`` talks to its API server.

    ``options`` is the TaskRun controller's ``ReconcilerOptions``; ``agent_config`` the node
    agent's ``AgentConfig`` (its ``node_name`` and ``data_dir`` are filled in here).
    """

    def __init__(self, options: Any, agent_config: Any) -> None:
        self.options = options
        self.agent_config = agent_config
        self.client: Client | None = None
        self._server: Any = None
        self._agent: Any = None
        self._manager: Any = None
        self._manager_task: asyncio.Task[None] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    async def start(self) -> Client:
        """Start everything; returns a client of the embedded server. Raises
        ``BwrapUnavailable`` when the node agent cannot sandbox Pods (call :meth:`stop`
        then, as after any failure)."""
        from tekpy.local.apiserver import EmbeddedApiServer
        from tekpy.local.kubelet import NodeAgent
        from tekpy.pipelinerun.reconciler import setup_pipelinerun_controller
        from tekpy.runtime.manager import Manager
        from tekpy.taskrun.reconciler import setup_taskrun_controller

        crds = asyncio.create_task(asyncio.to_thread(load_crds))  # while the server starts
        if self.agent_config.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tekpy-run-")
            self.agent_config.data_dir = Path(self._tmp.name)
        self._server = EmbeddedApiServer(host="127.0.0.1", port=0, data_dir=None, tls=True,
                                         kubeconfig_path=str(Path(self.agent_config.data_dir)
                                                             / "kubeconfig"))
        await self._server.start()
        self.client = await Client.from_kubeconfig(self._server.kubeconfig_path)
        await install_crds(self.client, await crds)
        self.agent_config.node_name = NODE_NAME
        self._agent = NodeAgent(self.client, self.agent_config)
        await self._agent.start()
        manager = Manager(self.client, metrics_bind_address="0", handle_signals=False,
                          graceful_shutdown_timeout=5.0)
        setup_taskrun_controller(manager, self.options, threads=2)
        setup_pipelinerun_controller(manager, self.options.config, threads=2)
        self._manager = manager
        self._manager_task = asyncio.create_task(manager.start(), name="tekpy-run-manager")
        started = asyncio.create_task(manager.started.wait())
        done, _ = await asyncio.wait({started, self._manager_task},
                                     return_when=asyncio.FIRST_COMPLETED)
        if self._manager_task in done:  # the manager failed while starting
            started.cancel()
            await self._manager_task
        return self.client

    @property
    def kubeconfig_path(self) -> str | None:
        """The embedded server's kubeconfig (for ``kubectl`` while the run lasts)."""
        return None if self._server is None else str(self._server.kubeconfig_path)

    async def stop(self) -> None:
        """Stop the controllers, the node agent (killing what still runs) and the server."""
        if self._manager is not None:
            self._manager.stop()
            if self._manager_task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(self._manager_task, timeout=10)
        if self._agent is not None:
            with contextlib.suppress(Exception):
                await self._agent.stop()
        if self.client is not None:
            await self.client.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.stop()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.cleanup()
