"""Streaming the step logs of every tracked Pod as they run, through the API server's
``pods/<name>/log?follow=true`` (so it works against the embedded server and a cluster).

Each Pod's steps are followed one after the other, in step order (Tekton's steps run in
order, so this keeps a TaskRun's lines in the order they were written). Lines are printed
as ``[<taskrun>/<step>] <text>``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import quote

import aiohttp

from tekpy.local.run.printer import Printer
from tekpy.runtime.client import Client

__all__ = ["LogFollower"]

Obj = dict[str, Any]
STEP_PREFIX = "step-"
_TERMINAL = ("Succeeded", "Failed")


def _started(pod: Obj, container: str) -> bool | None:
    """True when the container has run (running or terminated), False while it waits,
    None when it never will (the Pod is finished or going away without it)."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container:
            state = cs.get("state") or {}
            if state.get("running") is not None or state.get("terminated") is not None:
                return True
    if (pod.get("status") or {}).get("phase") in _TERMINAL or \
            pod["metadata"].get("deletionTimestamp"):
        return None
    return False


class LogFollower:
    """A tracker listener: follows the step containers of each Pod it is shown."""

    def __init__(self, client: Client, printer: Printer) -> None:
        self.client = client
        self.printer = printer
        self._pods: dict[str, Obj] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def __call__(self, kind: str, obj: Obj) -> None:
        if kind != "Pod":
            return
        uid = str(obj["metadata"].get("uid", ""))
        self._pods[uid] = obj
        if uid in self._tasks:
            self._changed[uid].set()
            return
        self._changed[uid] = asyncio.Event()
        self._tasks[uid] = asyncio.create_task(self._follow_pod(uid), name=f"logs-{uid}")

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 - a grace period
        """Let the streams finish for at most ``timeout`` seconds, then stop them."""
        tasks = list(self._tasks.values())
        if tasks:
            for ev in self._changed.values():
                ev.set()
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _wait_change(self, uid: str) -> None:
        ev = self._changed[uid]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ev.wait(), timeout=1.0)
        ev.clear()

    async def _follow_pod(self, uid: str) -> None:
        pod = self._pods[uid]
        meta = pod["metadata"]
        taskrun = (meta.get("labels") or {}).get("tekton.dev/taskRun") or meta["name"]
        steps = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []
                 if str(c.get("name", "")).startswith(STEP_PREFIX)]
        for container in steps:
            while (started := _started(self._pods[uid], container)) is False:
                await self._wait_change(uid)
            if started:
                prefix = f"[{taskrun}/{container[len(STEP_PREFIX):]}]"
                try:
                    await self._stream(meta["namespace"], meta["name"], container, prefix)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    # The Pod went away (cancellation, timeout): its logs end here.
                    self.printer.line(f"{prefix} (log stream ended: {exc})")

    async def _headers(self) -> dict[str, str]:
        cfg = self.client.config
        token = cfg.token
        if cfg.token_provider is not None:
            token = await cfg.token_provider(False)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            ssl = self.client.config.ssl_context()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=ssl if ssl is not None else True),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        return self._session

    async def _stream(self, namespace: str, pod: str, container: str, prefix: str) -> None:
        url = (f"{self.client.config.server.rstrip('/')}/api/v1/namespaces/{quote(namespace)}"
               f"/pods/{quote(pod)}/log")
        params = {"container": container, "follow": "true"}
        async with self._get_session().get(url, params=params,
                                           headers=await self._headers()) as resp:
            if resp.status != 200:
                body = (await resp.text())[:200]
                self.printer.line(f"{prefix} (no logs: HTTP {resp.status} {body})")
                return
            buf = b""
            async for chunk in resp.content.iter_any():
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    self.printer.line(f"{prefix} {raw.decode(errors='replace')}")
            if buf:
                self.printer.line(f"{prefix} {buf.decode(errors='replace')}")
