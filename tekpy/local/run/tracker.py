"""Following the submitted runs: informers on PipelineRuns, TaskRuns and Pods of their
namespaces, keeping the latest state of each run, of the TaskRuns and child PipelineRuns
(pipelines in pipelines) a PipelineRun created (label ``tekton.dev/pipelineRun``, followed
down every level) and of their Pods (label ``tekton.dev/taskRun``), and telling listeners
(the progress view, the log follower) about every change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tekpy.local.run.submit import RunRef
from tekpy.runtime.cache import SharedInformerFactory
from tekpy.runtime.client import PODS, Client, Resource

__all__ = ["PIPELINERUNS", "TASKRUNS", "RunTracker", "condition", "is_done"]

PIPELINERUNS = Resource("tekton.dev", "v1", "pipelineruns", "PipelineRun")
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")

Obj = dict[str, Any]
Listener = Callable[[str, Obj], None]  # (kind, object)


def condition(obj: Obj | None) -> Obj:
    """The ``Succeeded`` condition of a run (empty when it has none yet)."""
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


def is_done(obj: Obj | None) -> bool:
    """True once the run's ``Succeeded`` condition is True or False."""
    return condition(obj).get("status") in ("True", "False")


class _Handler:
    def __init__(self, tracker: RunTracker, kind: str) -> None:
        self.tracker = tracker
        self.kind = kind

    def on_add(self, obj: Obj, is_in_initial_list: bool) -> None:
        self.tracker._seen(self.kind, obj)

    def on_update(self, old: Obj, new: Obj) -> None:
        self.tracker._seen(self.kind, new)

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, dict):
            self.tracker._seen(self.kind, obj, deleted=True)


class RunTracker:
    """The state of the submitted runs (``roots``) and everything they created.

    ``done`` is set once every root run has finished. Listeners get ``(kind, obj)`` for
    every add or update of a tracked object (kind ``PipelineRun``, ``TaskRun`` or ``Pod``);
    a deleted Pod is passed with ``metadata.deletionTimestamp`` as the server sent it.
    """

    def __init__(self, client: Client, roots: list[RunRef]) -> None:
        self.client = client
        self.roots = roots
        self.objects: dict[tuple[str, str, str], Obj] = {}
        self.listeners: list[Listener] = []
        self.done = asyncio.Event()
        self._root_keys = {(r.kind, r.namespace, r.name) for r in roots}
        self._pipelineruns = {(r.namespace, r.name) for r in roots if r.kind == "PipelineRun"}
        self._pods: dict[tuple[str, str], Obj] = {}
        # children seen before their parent PipelineRun was (separate watches)
        self._orphans: dict[tuple[str, str], dict[tuple[str, str], Obj]] = {}
        self._factory = SharedInformerFactory(client)

    async def start(self) -> None:
        """Start the informers and wait until their first lists are in."""
        for ns in sorted({r.namespace for r in self.roots}):
            for res in (PIPELINERUNS, TASKRUNS, PODS):
                inf = self._factory.informer_for(res, namespace=ns)
                inf.add_event_handler(_Handler(self, res.kind))
        await self._factory.start()
        await self._factory.wait_for_cache_sync(timeout=60)

    async def stop(self) -> None:
        """Stop the informers."""
        await self._factory.stop()

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        """The latest state of a tracked object."""
        return self.objects.get((kind, namespace, name))

    def taskruns_of(self, ref: RunRef) -> list[Obj]:
        """The TaskRuns of a root run: itself, or the ones its PipelineRun created."""
        if ref.kind == "TaskRun":
            tr = self.get("TaskRun", ref.namespace, ref.name)
            return [tr] if tr else []
        return sorted(
            (o for (k, ns, _), o in self.objects.items()
             if k == "TaskRun" and ns == ref.namespace
             and _labels(o).get("tekton.dev/pipelineRun") == ref.name),
            key=lambda o: str(o["metadata"].get("creationTimestamp", "")))

    def _tracked(self, kind: str, obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        if (kind, ns, name) in self._root_keys:
            return True
        labels = _labels(obj)
        if kind in ("TaskRun", "PipelineRun"):
            return (ns, labels.get("tekton.dev/pipelineRun", "")) in self._pipelineruns
        if kind == "Pod":
            return ("TaskRun", ns, labels.get("tekton.dev/taskRun", "")) in self.objects
        return False

    def _seen(self, kind: str, obj: Obj, deleted: bool = False) -> None:
        meta = obj["metadata"]
        ns = str(meta.get("namespace", ""))
        if kind == "Pod":
            # Informers are separate watches: a Pod may be seen before its TaskRun is.
            # Keep the latest one per TaskRun so it can be replayed when the TaskRun shows.
            self._pods[(ns, _labels(obj).get("tekton.dev/taskRun", ""))] = obj
        if not self._tracked(kind, obj):
            parent = _labels(obj).get("tekton.dev/pipelineRun")
            if kind in ("TaskRun", "PipelineRun") and parent and not deleted:
                self._orphans.setdefault((ns, parent), {})[(kind, str(meta["name"]))] = obj
            return
        key = (kind, ns, str(meta["name"]))
        new = key not in self.objects
        if kind == "PipelineRun" and (ns, key[2]) not in self._pipelineruns:
            self._pipelineruns.add((ns, key[2]))  # a child PipelineRun: follow its children
            for (child_kind, _), child in self._orphans.pop((ns, key[2]), {}).items():
                self._seen(child_kind, child)
        if not deleted:
            self.objects[key] = obj
        for listener in self.listeners:
            listener(kind, obj)
        if kind == "TaskRun" and new and (pod := self._pods.get((ns, key[2]))) is not None:
            self._seen("Pod", pod)
        if kind != "Pod" and all(is_done(self.objects.get(k)) for k in self._root_keys):
            self.done.set()


def _labels(obj: Obj) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})
