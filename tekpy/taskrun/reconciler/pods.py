"""The reconciler's writes to Pods and claims, and its lookups of them.

Reads come from the Pod informer's cache (through a lister); writes go to the API server.
Every write is idempotent so that a reconcile repeated after a crash or a conflict does no
harm: creation is by deterministic name (AlreadyExists -> adopt the Pod if this TaskRun
controls it), the ready annotation and the sidecar stop are skipped when already done, and a
delete of a missing Pod is success.
"""

from __future__ import annotations

import logging
from typing import Any

from tekpy.runtime.cache import Lister
from tekpy.runtime.client import (
    ApiError,
    Client,
    is_already_exists,
    is_not_found,
)
from tekpy.taskrun import (
    CANCEL_ANNOTATION,
    CANCEL_VALUE,
    READY_ANNOTATION,
    READY_VALUE,
    RESULTS_CONTAINER,
    STEP_PREFIX,
    BuiltPod,
    is_pod_archived,
)
from tekpy.taskrun.reconciler.kinds import (
    PODS,
    PVCS,
    SECRETS,
    SERVICEACCOUNTS,
    TASKRUN_LABEL,
)

__all__ = ["PodNotOwned", "PodOps", "is_controlled_by"]

log = logging.getLogger("tekpy.taskrun.reconciler")


class PodNotOwned(Exception):
    """A Pod with the TaskRun's deterministic name exists but another object controls it."""


def is_controlled_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    """Whether ``owner`` is ``obj``'s controller (``ownerReferences`` with ``controller``)."""
    uid = (owner.get("metadata") or {}).get("uid")
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("uid") == uid:
            return True
    return False


def _pod_failed(pod: dict[str, Any]) -> bool:
    # Tekton's DidTaskRunFail: the Pod failed, or a step exited non-zero
    st = pod.get("status") or {}
    if st.get("phase") == "Failed":
        return True
    for c in st.get("containerStatuses") or []:
        term = (c.get("state") or {}).get("terminated")
        if c.get("name", "").startswith(STEP_PREFIX) and term and term.get("exitCode", 0):
            return True
    return False


class PodOps:
    """Pod and claim operations of one reconciler (``pods`` lists the Pod informer)."""

    def __init__(self, client: Client, pods: Lister) -> None:
        self.client = client
        self.pods = pods

    def find(self, taskrun: dict[str, Any], status: dict[str, Any]) -> dict[str, Any] | None:
        """The Pod of the current attempt from the cache, or None.

        By ``status.podName`` when set; otherwise (a crash between creating the Pod and
        writing the status) a Pod labelled with the TaskRun, controlled by it, not failed
        and not an earlier attempt's -- as Tekton looks for it.
        """
        meta = taskrun.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        if status.get("podName"):
            return self.pods.get(status["podName"], ns)
        found = None
        for pod in self.pods.list(ns, {TASKRUN_LABEL: name}):
            pod_name = (pod.get("metadata") or {}).get("name", "")
            if is_controlled_by(pod, taskrun) and not _pod_failed(pod) and \
                    not is_pod_archived(pod_name, status):
                found = pod
        return found

    async def credentials(self, namespace: str, service_account: str
                          ) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
        """The ServiceAccount and the Secrets it lists (missing ones are left out)."""
        try:
            sa = await self.client.get(SERVICEACCOUNTS, service_account or "default",
                                       namespace=namespace)
        except ApiError as exc:
            if is_not_found(exc):
                return None, {}
            raise
        secrets: dict[str, dict[str, Any]] = {}
        for ref in sa.get("secrets") or []:
            name = ref.get("name")
            if not name:
                continue
            try:
                secrets[name] = await self.client.get(SECRETS, name, namespace=namespace)
            except ApiError as exc:
                if not is_not_found(exc):
                    raise
        return sa, secrets

    async def create_claims(self, built: BuiltPod, namespace: str) -> None:
        """Create the PersistentVolumeClaims of ``volumeClaimTemplate`` bindings (owned by
        the TaskRun); one that already exists is kept."""
        for claim in built.claims:
            try:
                await self.client.create(PVCS, claim, namespace=namespace)
            except ApiError as exc:
                if not is_already_exists(exc):
                    raise

    async def create(self, built: BuiltPod, taskrun: dict[str, Any]) -> dict[str, Any]:
        """Create the Pod; if it exists already, return it when this TaskRun controls it
        (raises :class:`PodNotOwned` otherwise). Other API errors propagate."""
        pod = built.pod
        ns = (pod.get("metadata") or {}).get("namespace", "")
        try:
            return await self.client.create(PODS, pod, namespace=ns)
        except ApiError as exc:
            if not is_already_exists(exc):
                raise
        name = pod["metadata"]["name"]
        existing = self.pods.get(name, ns) or await self.client.get(PODS, name, namespace=ns)
        if not is_controlled_by(existing, taskrun):
            raise PodNotOwned(f'pod "{name}" already exists and is not controlled by '
                              f'TaskRun "{(taskrun.get("metadata") or {}).get("name", "")}"')
        log.info("adopted existing pod namespace=%s pod=%s", ns, name)
        return existing

    async def mark_ready(self, pod: dict[str, Any]) -> dict[str, Any]:
        """Set ``tekton.dev/ready: READY`` (releases step 0 when sidecars are ready)."""
        meta = pod.get("metadata") or {}
        if (meta.get("annotations") or {}).get(READY_ANNOTATION) == READY_VALUE:
            return pod
        patch = {"metadata": {"annotations": {READY_ANNOTATION: READY_VALUE}}}
        return await self.client.patch(PODS, meta["name"], patch,
                                       namespace=meta.get("namespace"))

    async def stop_sidecars(self, pod: dict[str, Any], nop_image: str
                            ) -> dict[str, Any] | None:
        """Switch every running non-step container to ``nop_image`` (Tekton's way of
        stopping sidecars: the kubelet restarts the container into an image that exits at
        once). Returns the patched Pod, or None when nothing had to change."""
        if (pod.get("status") or {}).get("phase") != "Running":
            return None
        containers = (pod.get("spec") or {}).get("containers") or []
        ops: list[dict[str, Any]] = []
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            name = cs.get("name", "")
            # the results sidecar exits by itself once it has printed the results
            if name.startswith(STEP_PREFIX) or name == RESULTS_CONTAINER or \
                    (cs.get("state") or {}).get("running") is None:
                continue
            for i, c in enumerate(containers):
                if c.get("name") == name and c.get("image") != nop_image:
                    # the "test" op makes a concurrent change fail instead of hitting the
                    # wrong container
                    ops.append({"op": "test", "path": f"/spec/containers/{i}/name",
                                "value": name})
                    ops.append({"op": "replace", "path": f"/spec/containers/{i}/image",
                                "value": nop_image})
        if not ops:
            return None
        meta = pod.get("metadata") or {}
        try:
            return await self.client.patch(PODS, meta["name"], ops,
                                           namespace=meta.get("namespace"), patch_type="json")
        except ApiError as exc:
            if is_not_found(exc):
                return None
            raise

    async def delete(self, namespace: str, name: str) -> None:
        """Delete the Pod (stops a cancelled or timed-out run); a missing Pod is fine."""
        try:
            await self.client.delete(PODS, name, namespace=namespace)
        except ApiError as exc:
            if not is_not_found(exc):
                raise

    async def cancel_in_place(self, namespace: str, name: str) -> None:
        """``keep-pod-on-cancel``: ask the entrypoints to stop through the cancel
        annotation (projected into ``/tekton/downward/cancel``), keeping the Pod."""
        patch = {"metadata": {"annotations": {CANCEL_ANNOTATION: CANCEL_VALUE}}}
        try:
            await self.client.patch(PODS, name, patch, namespace=namespace)
        except ApiError as exc:
            if not is_not_found(exc):
                raise
