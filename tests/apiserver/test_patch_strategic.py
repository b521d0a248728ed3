"""Strategic merge patch with Kubernetes' merge keys and directives."""

from __future__ import annotations

from typing import Any

import pytest
from _json_strategies import json_objects
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.patch import (
    CUSTOM_RESOURCE_PATCH_TYPES,
    PatchError,
    merge_patch,
    strategic_merge_patch,
    strategic_schema_for,
    unsupported_media_type,
)

POD_SCHEMA = strategic_schema_for("", "v1", "Pod")


def _pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def _c(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, **fields}


# (name, original, patch, expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "container merged by name keeps the others in place",
        _pod(containers=[_c("a", image="1"), _c("b", image="1"), _c("c", image="1")]),
        {"spec": {"containers": [_c("b", image="2")]}},
        _pod(containers=[_c("a", image="1"), _c("b", image="2"), _c("c", image="1")]),
    ),
    (
        "new container goes first (kube's documented order)",
        _pod(containers=[_c("nginx", image="nginx")]),
        {"spec": {"containers": [_c("redis", image="redis")]}},
        _pod(containers=[_c("redis", image="redis"), _c("nginx", image="nginx")]),
    ),
    (
        "delete a container by merge key",
        _pod(containers=[_c("a"), _c("b")]),
        {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}},
        _pod(containers=[_c("b")]),
    ),
    (
        "replace a whole list",
        _pod(containers=[_c("a"), _c("b")]),
        {"spec": {"containers": [{"$patch": "replace"}, _c("z")]}},
        _pod(containers=[_c("z")]),
    ),
    (
        "env merged by name inside a container",
        _pod(containers=[_c("a", env=[{"name": "X", "value": "1"}, {"name": "Y", "value": "1"}])]),
        {"spec": {"containers": [_c("a", env=[{"name": "Y", "value": "2"}])]}},
        _pod(containers=[_c("a", env=[{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}])]),
    ),
    (
        "ports merged by containerPort",
        _pod(containers=[_c("a", ports=[{"containerPort": 80, "name": "http"}])]),
        {"spec": {"containers": [_c("a", ports=[{"containerPort": 80, "protocol": "TCP"}])]}},
        _pod(
            containers=[_c("a", ports=[{"containerPort": 80, "name": "http", "protocol": "TCP"}])]
        ),
    ),
    (
        "volumeMounts merged by mountPath",
        _pod(containers=[_c("a", volumeMounts=[{"mountPath": "/a", "name": "v1"}])]),
        {"spec": {"containers": [_c("a", volumeMounts=[{"mountPath": "/a", "readOnly": True}])]}},
        _pod(
            containers=[_c("a", volumeMounts=[{"mountPath": "/a", "name": "v1", "readOnly": True}])]
        ),
    ),
    (
        "volumes with retainKeys drop the old source",
        _pod(volumes=[{"name": "v", "configMap": {"name": "cm"}}]),
        {"spec": {"volumes": [{"name": "v", "$retainKeys": ["emptyDir", "name"], "emptyDir": {}}]}},
        _pod(volumes=[{"name": "v", "emptyDir": {}}]),
    ),
    (
        "tolerations have no merge key and are replaced",
        _pod(tolerations=[{"key": "a"}, {"key": "b"}]),
        {"spec": {"tolerations": [{"key": "c"}]}},
        _pod(tolerations=[{"key": "c"}]),
    ),
    (
        "null deletes a key",
        {"metadata": {"name": "p", "labels": {"a": "1", "b": "2"}}},
        {"metadata": {"labels": {"a": None}}},
        {"metadata": {"name": "p", "labels": {"b": "2"}}},
    ),
    (
        "map replace directive",
        _pod(securityContext={"runAsUser": 1, "fsGroup": 2}),
        {"spec": {"securityContext": {"$patch": "replace", "runAsGroup": 3}}},
        _pod(securityContext={"runAsGroup": 3}),
    ),
    (
        "map delete directive empties the map",
        _pod(securityContext={"runAsUser": 1}),
        {"spec": {"securityContext": {"$patch": "delete"}}},
        _pod(securityContext={}),
    ),
    (
        "finalizers merge as a set, new ones first",
        {"metadata": {"finalizers": ["a", "b"]}},
        {"metadata": {"finalizers": ["c", "a"]}},
        {"metadata": {"finalizers": ["c", "a", "b"]}},
    ),
    (
        "deleteFromPrimitiveList removes finalizers",
        {"metadata": {"finalizers": ["a", "b", "c"]}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}},
        {"metadata": {"finalizers": ["a", "c"]}},
    ),
    (
        "setElementOrder reorders",
        _pod(containers=[_c("a", image="1"), _c("b", image="1")]),
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [_c("a", image="2")],
            }
        },
        _pod(containers=[_c("b", image="1"), _c("a", image="2")]),
    ),
    (
        # kube edits the stored list in place while deleting and appending, and orders the
        # server-only items by that edited array: "z" lands before the new "w".
        "setElementOrder with a delete and an addition",
        _pod(containers=[_c("x"), _c("y", image="b"), _c("z", image="c")]),
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "y"}, {"name": "w"}],
                "containers": [_c("w"), {"name": "x", "$patch": "delete"}],
            }
        },
        _pod(containers=[_c("y", image="b"), _c("z", image="c"), _c("w")]),
    ),
    (
        "setElementOrder for primitives",
        {"metadata": {"finalizers": ["a", "b"]}},
        {"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}},
        {"metadata": {"finalizers": ["b", "c", "a"]}},
    ),
    (
        "ownerReferences merged by uid",
        {"metadata": {"ownerReferences": [{"uid": "1", "name": "x"}]}},
        {
            "metadata": {
                "ownerReferences": [{"uid": "1", "controller": True}, {"uid": "2", "name": "y"}]
            }
        },
        {
            "metadata": {
                "ownerReferences": [
                    {"uid": "1", "name": "x", "controller": True},
                    {"uid": "2", "name": "y"},
                ]
            }
        },
    ),
    (
        "status conditions merged by type",
        {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "False"},
                    {"type": "Init", "status": "True"},
                ]
            }
        },
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "True"},
                    {"type": "Init", "status": "True"},
                ]
            }
        },
    ),
    (
        "nulls inside a new subtree are dropped",
        {"metadata": {"name": "p"}},
        {"spec": {"a": {"b": None, "c": 1}}},
        {"metadata": {"name": "p"}, "spec": {"a": {"c": 1}}},
    ),
    (
        "unknown lists are replaced",
        {"spec": {"args": ["a", "b"]}},
        {"spec": {"args": ["c"]}},
        {"spec": {"args": ["c"]}},
    ),
    (
        "empty patch list leaves a merge list alone",
        _pod(containers=[_c("a")]),
        {"spec": {"containers": []}},
        _pod(containers=[_c("a")]),
    ),
    (
        "type change replaces",
        {"spec": {"x": [1]}},
        {"spec": {"x": {"a": 1}}},
        {"spec": {"x": {"a": 1}}},
    ),
]


@pytest.mark.parametrize(("name", "original", "patch", "want"), CASES, ids=[c[0] for c in CASES])
def test_strategic_merge_patch(
    name: str, original: dict[str, Any], patch: dict[str, Any], want: dict[str, Any]
) -> None:
    before = repr(original), repr(patch)
    assert strategic_merge_patch(original, patch, POD_SCHEMA) == want
    assert (repr(original), repr(patch)) == before


ERRORS = [
    (
        "missing merge key",
        _pod(containers=[_c("a")]),
        {"spec": {"containers": [{"image": "x"}]}},
        500,
        "map: map[image:x] does not contain declared merge key: name",
    ),
    (
        "bad retainKeys",
        _pod(volumes=[{"name": "v"}]),
        {"spec": {"volumes": [{"name": "v", "$retainKeys": ["name"], "emptyDir": {}}]}},
        400,
        "invalid patch format of retainKeys",
    ),
    (
        "unknown map directive",
        {"spec": {}},
        {"spec": {"$patch": "frob"}},
        500,
        "unknown patch type: frob in map: map[$patch:frob]",
    ),
    (
        "list of lists",
        {"metadata": {"finalizers": ["a"]}},
        {"metadata": {"finalizers": [["b"]]}},
        422,
        "lists of lists are not supported",
    ),
]


@pytest.mark.parametrize(
    ("name", "original", "patch", "code", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_errors(
    name: str, original: dict[str, Any], patch: dict[str, Any], code: int, message: str
) -> None:
    with pytest.raises(PatchError) as exc:
        strategic_merge_patch(original, patch, POD_SCHEMA)
    assert (exc.value.code, exc.value.message) == (code, message)


def test_non_object_patch_is_bad_request() -> None:
    with pytest.raises(PatchError) as exc:
        strategic_merge_patch({}, [1], POD_SCHEMA)
    assert exc.value.code == 400


def test_schemas_for_builtin_kinds_and_custom_resources() -> None:
    for group, kind in [
        ("", "Pod"),
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "ServiceAccount"),
        ("", "PersistentVolumeClaim"),
        ("", "Namespace"),
        ("", "Node"),
        ("", "Event"),
        ("coordination.k8s.io", "Lease"),
    ]:
        schema = strategic_schema_for(group, "v1", kind)
        assert schema is not None
        assert schema.field("metadata").field("ownerReferences").merge_key == "uid"
    assert strategic_schema_for("tekton.dev", "v1", "TaskRun") is None
    err = unsupported_media_type(CUSTOM_RESOURCE_PATCH_TYPES)
    assert err.code == 415 and err.status()["reason"] == "UnsupportedMediaType"
    assert err.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )
    node = strategic_schema_for("", "v1", "Node")
    assert node is not None and node.field("status").field("addresses").merge_key == "type"


# --------------------------------------------------------------------------- properties
def _no_directive_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not k.startswith("$") and _no_directive_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_no_directive_keys(v) for v in value)
    return True


@given(json_objects(), json_objects())
def test_property_without_patch_metadata_it_is_a_merge_patch(
    original: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert strategic_merge_patch(original, patch, None) == merge_patch(original, patch)


_NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
_containers = st.lists(
    st.fixed_dictionaries({"name": _NAMES, "image": st.sampled_from(["1", "2"])}),
    max_size=4,
    unique_by=lambda c: c["name"],
)
_patch_containers = st.lists(
    st.fixed_dictionaries(
        {"name": _NAMES}, optional={"image": st.sampled_from(["3"]), "tty": st.booleans()}
    ),
    max_size=4,
    unique_by=lambda c: c["name"],
)


@given(_containers, _patch_containers)
def test_property_list_merge_by_key(
    original: list[dict[str, Any]], patch: list[dict[str, Any]]
) -> None:
    out = strategic_merge_patch(
        _pod(containers=original), {"spec": {"containers": patch}}, POD_SCHEMA
    )
    merged = out["spec"]["containers"]
    names = [c["name"] for c in merged]
    orig_by_name = {c["name"]: c for c in original}
    patch_by_name = {c["name"]: c for c in patch}
    # every name exactly once: the union of both lists
    assert sorted(names) == sorted(set(orig_by_name) | set(patch_by_name))
    for c in merged:
        assert c == {**orig_by_name.get(c["name"], {}), **patch_by_name.get(c["name"], {})}
    # relative order of patch items and of server-only items is preserved
    patch_names = [c["name"] for c in patch]
    assert [n for n in names if n in patch_by_name] == patch_names
    server_only = [c["name"] for c in original if c["name"] not in patch_by_name]
    assert [n for n in names if n not in patch_by_name] == server_only


@given(_containers, _patch_containers)
def test_property_idempotent(original: list[dict[str, Any]], patch: list[dict[str, Any]]) -> None:
    body = {"spec": {"containers": patch}, "metadata": {"finalizers": [c["name"] for c in patch]}}
    once = strategic_merge_patch(_pod(containers=original), body, POD_SCHEMA)
    assert strategic_merge_patch(once, body, POD_SCHEMA) == once


@given(_containers, st.lists(_NAMES, unique=True, max_size=3))
def test_property_delete_directive_removes_exactly_those(
    original: list[dict[str, Any]], doomed: list[str]
) -> None:
    patch = {"spec": {"containers": [{"name": n, "$patch": "delete"} for n in doomed]}}
    out = strategic_merge_patch(_pod(containers=original), patch, POD_SCHEMA)
    assert out["spec"]["containers"] == [c for c in original if c["name"] not in doomed]


@given(st.lists(_NAMES, unique=True, max_size=4), st.lists(_NAMES, unique=True, max_size=4))
def test_property_primitive_merge_list_is_a_set_union(have: list[str], add: list[str]) -> None:
    out = strategic_merge_patch(
        {"metadata": {"finalizers": have}}, {"metadata": {"finalizers": add}}, POD_SCHEMA
    )
    got = out["metadata"].get("finalizers", [])
    assert sorted(got) == sorted(set(have) | set(add))
    assert len(got) == len(set(got))
    removed = strategic_merge_patch(
        out, {"metadata": {"$deleteFromPrimitiveList/finalizers": add}}, POD_SCHEMA
    )
    assert removed["metadata"]["finalizers"] == [f for f in got if f not in add]
