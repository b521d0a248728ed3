"""The test plays the kubelet: it writes Pod statuses the way a node agent would, with
container states and Tekton's JSON termination messages. Plus small API helpers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tekpy.runtime.client import PODS, ApiError, Client, is_not_found
from tekpy.taskrun.reconciler import TASKRUNS, TASKS
from tekpy.testing import eventually
from tekpy.testing.crds import load_crds

CRD_DIR = Path(__file__).resolve().parents[2] / "manifests" / "crds"
WAIT = 15.0


def tekton_crds() -> list[dict[str, Any]]:
    """The checked-in CRDs of manifests/crds, as a stock install applies them."""
    return load_crds([CRD_DIR])


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def task(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": name},
            "spec": spec}


def taskrun(name: str, spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": name, **meta}, "spec": spec}


def condition(tr: dict[str, Any]) -> dict[str, Any]:
    for c in (tr.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


def termination_message(started: str, results: dict[str, str] | None = None,
                        exit_code: int | None = None) -> str:
    """Tekton's termination message: internal entries (type 3) and task results (type 1)."""
    entries: list[dict[str, Any]] = [{"key": "StartedAt", "value": started, "type": 3}]
    if exit_code:
        entries.append({"key": "ExitCode", "value": str(exit_code), "type": 3})
    for key, value in (results or {}).items():
        entries.append({"key": key, "value": value, "type": 1})
    return json.dumps(entries)


class Kubelet:
    """Writes Pod statuses through the ``status`` subresource, as a node agent does."""

    def __init__(self, client: Client, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    async def pod(self, name: str) -> dict[str, Any]:
        return await self.client.get(PODS, name, namespace=self.namespace)

    async def wait_pod(self, name: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            try:
                return await self.pod(name)
            except ApiError as exc:
                if is_not_found(exc):
                    return None
                raise
        return await eventually(found, WAIT, message=f"pod {name} created")

    async def wait_gone(self, name: str) -> None:
        async def gone() -> bool:
            try:
                pod = await self.pod(name)
            except ApiError as exc:
                return is_not_found(exc)
            return bool((pod.get("metadata") or {}).get("deletionTimestamp"))
        await eventually(gone, WAIT, message=f"pod {name} deleted")

    async def _write(self, pod: dict[str, Any], phase: str,
                     states: dict[str, tuple[dict[str, Any], bool]], now: datetime) -> None:
        statuses = []
        for c in pod["spec"]["containers"]:
            state, ready = states[c["name"]]
            statuses.append({"name": c["name"], "image": c["image"],
                             "imageID": f"docker-pullable://{c['image']}@sha256:{'0' * 64}",
                             "ready": ready, "restartCount": 0, "started": "running" in state,
                             "state": state})
        status = {"phase": phase, "containerStatuses": statuses, "startTime": ts(now),
                  "conditions": [{"type": "PodScheduled", "status": "True",
                                  "lastTransitionTime": ts(now)}]}
        await self.client.patch(PODS, pod["metadata"]["name"], {"status": status},
                                namespace=self.namespace, subresource="status")

    async def start(self, name: str, now: datetime, *, sidecars_ready: bool = True) -> None:
        """Every container running (sidecars ready when ``sidecars_ready``)."""
        pod = await self.pod(name)
        states = {c["name"]: ({"running": {"startedAt": ts(now)}},
                              sidecars_ready and not c["name"].startswith("step-"))
                  for c in pod["spec"]["containers"]}
        await self._write(pod, "Running", states, now)

    async def finish(self, name: str, now: datetime, *, exit_codes: dict[str, int] | None = None,
                     results: dict[str, dict[str, str]] | None = None,
                     sidecars_running: bool = False) -> None:
        """Every step terminated (``exit_codes``/``results`` by container name); the Pod ends
        Succeeded or Failed unless sidecars keep running."""
        pod = await self.pod(name)
        codes = exit_codes or {}
        states: dict[str, tuple[dict[str, Any], bool]] = {}
        for c in pod["spec"]["containers"]:
            cname = c["name"]
            if not cname.startswith("step-") and sidecars_running:
                states[cname] = ({"running": {"startedAt": ts(now)}}, True)
                continue
            code = codes.get(cname, 0)
            msg = termination_message(ts(now), (results or {}).get(cname), code)
            states[cname] = ({"terminated": {
                "exitCode": code, "reason": "Error" if code else "Completed",
                "startedAt": ts(now), "finishedAt": ts(now), "message": msg}}, False)
        failed = any(codes.values())
        phase = "Running" if sidecars_running else ("Failed" if failed else "Succeeded")
        await self._write(pod, phase, states, now)


async def get_taskrun(client: Client, namespace: str, name: str) -> dict[str, Any]:
    return await client.get(TASKRUNS, name, namespace=namespace)


async def wait_condition(client: Client, namespace: str, name: str, status: str,
                         reason: str | None = None) -> dict[str, Any]:
    """Wait until the TaskRun's Succeeded condition has ``status`` (and ``reason``)."""
    async def check() -> dict[str, Any] | None:
        tr = await get_taskrun(client, namespace, name)
        c = condition(tr)
        if c.get("status") == status and (reason is None or c.get("reason") == reason):
            return tr
        return None
    return await eventually(check, WAIT, message=f"TaskRun {name} {status}/{reason}")


async def create(client: Client, namespace: str, *objs: dict[str, Any]) -> None:
    for obj in objs:
        resource = TASKS if obj["kind"] == "Task" else TASKRUNS
        await client.create(resource, obj, namespace=namespace)
