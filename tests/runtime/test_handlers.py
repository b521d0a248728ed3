"""Event handlers: which requests each informer event enqueues."""

from __future__ import annotations

from typing import Any

from tekpy.runtime.controller import (
    EnqueueRequestForObject,
    EnqueueRequestForOwner,
    EnqueueRequestsFromMapFunc,
    Request,
)


class ListQueue:
    def __init__(self) -> None:
        self.items: list[Request] = []

    def add(self, item: Request) -> None:
        self.items.append(item)


def obj(
    name: str, namespace: str = "ns", owners: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if owners is not None:
        meta["ownerReferences"] = owners
    return {"metadata": meta}


def ref(
    kind: str, name: str, api_version: str = "tekton.dev/v1", controller: bool = True
) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": f"uid-{name}",
        "controller": controller,
    }


def test_enqueue_for_object_every_event_kind() -> None:
    h = EnqueueRequestForObject()
    q = ListQueue()
    h.create(obj("a"), q, True)
    h.update(obj("b"), obj("c"), q)
    h.delete(obj("d", namespace=""), q)
    h.generic(obj("e"), q)
    h.create({"metadata": {}}, q)  # no name: nothing
    assert q.items == [Request("ns", "a"), Request("ns", "c"), Request("", "d"), Request("ns", "e")]


def test_owner_handler_maps_a_child_to_its_controller_in_the_childs_namespace() -> None:
    h = EnqueueRequestForOwner("tekton.dev/v1", "PipelineRun")
    q = ListQueue()
    child = obj(
        "tr", owners=[ref("PipelineRun", "other", controller=False), ref("PipelineRun", "pr")]
    )
    h.create(child, q)
    assert q.items == [Request("ns", "pr")]


def test_owner_handler_matches_group_and_kind_not_version() -> None:
    q = ListQueue()
    h = EnqueueRequestForOwner("tekton.dev", "PipelineRun")
    h.create(obj("a", owners=[ref("PipelineRun", "old-version", "tekton.dev/v1beta1")]), q)
    h.create(obj("b", owners=[ref("PipelineRun", "wrong-group", "example.com/v1")]), q)
    h.create(obj("c", owners=[ref("TaskRun", "wrong-kind")]), q)
    h.create(obj("d"), q)  # no owners
    assert q.items == [Request("ns", "old-version")]


def test_owner_handler_core_group_and_cluster_scoped_owner() -> None:
    q = ListQueue()
    EnqueueRequestForOwner("v1", "Pod").create(obj("x", owners=[ref("Pod", "p", "v1")]), q)
    EnqueueRequestForOwner("", "Node", cluster_scoped=True).create(
        obj("y", owners=[ref("Node", "n1", "v1")]), q
    )
    assert q.items == [Request("ns", "p"), Request("", "n1")]


def test_owner_handler_every_owner_when_not_only_controller() -> None:
    q = ListQueue()
    h = EnqueueRequestForOwner("tekton.dev", "PipelineRun", is_controller=False)
    h.create(
        obj("x", owners=[ref("PipelineRun", "a", controller=False), ref("PipelineRun", "b")]), q
    )
    assert q.items == [Request("ns", "a"), Request("ns", "b")]


def test_owner_handler_update_enqueues_old_and_new_owner_once_each() -> None:
    q = ListQueue()
    h = EnqueueRequestForOwner("tekton.dev", "PipelineRun")
    h.update(
        obj("x", owners=[ref("PipelineRun", "old")]),
        obj("x", owners=[ref("PipelineRun", "new")]),
        q,
    )
    h.update(
        obj("y", owners=[ref("PipelineRun", "same")]),
        obj("y", owners=[ref("PipelineRun", "same")]),
        q,
    )
    h.delete(obj("z", owners=[ref("PipelineRun", "gone")]), q)
    assert q.items == [
        Request("ns", "old"),
        Request("ns", "new"),
        Request("ns", "same"),
        Request("ns", "gone"),
    ]


def test_map_func_handler_dedups_across_old_and_new() -> None:
    def fan_out(o: dict[str, Any]) -> list[Request]:
        return [Request("ns", t) for t in o["metadata"].get("labels", {}).get("t", "").split()]

    q = ListQueue()
    h = EnqueueRequestsFromMapFunc(fan_out)
    old = {"metadata": {"name": "cm", "labels": {"t": "a b"}}}
    new = {"metadata": {"name": "cm", "labels": {"t": "b c"}}}
    h.update(old, new, q)
    h.create(new, q)
    h.delete(old, q)
    h.generic({"metadata": {"name": "x"}}, q)
    assert q.items == [Request("ns", n) for n in ("a", "b", "c", "b", "c", "a", "b")]


def test_request_helpers() -> None:
    r = Request("ns", "name")
    assert r.key == "ns/name" and str(r) == "ns/name"
    assert Request("", "cluster").key == "cluster"
    assert Request.from_key("ns/name") == r
    assert Request.from_key("cluster") == Request("", "cluster")
    assert Request.for_object(obj("name")) == r
    assert len({r, Request("ns", "name")}) == 1
