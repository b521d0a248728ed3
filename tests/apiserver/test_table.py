"""Table responses carry kube's columns and cells for built-in kinds and custom resources."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tekpy.local.apiserver.jsonpath import JsonPathError
from tekpy.local.apiserver.table import columns_for, human_duration, row_cells, to_table

NOW = datetime(2024, 1, 10, 12, 0, 0, tzinfo=UTC)
CREATED = "2024-01-10T11:55:00Z"  # five minutes before NOW


def _meta(name: str = "x", **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": CREATED, **extra}


def _headers(
    group: str, kind: str, printer_columns: list[dict[str, Any]] | None = None
) -> list[tuple[str, str, int]]:
    return [(c.name, c.type, c.priority) for c in columns_for(group, kind, printer_columns or [])]


DURATIONS = [
    (0, "0s"),
    (-1.5, "0s"),
    (-5, "<invalid>"),
    (119, "119s"),
    (125, "2m5s"),
    (600, "10m"),
    (3 * 3600 + 5 * 60, "3h5m"),
    (10 * 3600, "10h"),
    (3 * 86400 + 4 * 3600, "3d4h"),
    (30 * 86400, "30d"),
    (3 * 365 * 86400 + 86400, "3y1d"),
    (9 * 365 * 86400, "9y"),
]


@pytest.mark.parametrize(("seconds", "text"), DURATIONS, ids=[t for _, t in DURATIONS])
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_pod_columns_and_priorities() -> None:
    assert _headers("", "Pod") == [
        ("Name", "string", 0),
        ("Ready", "string", 0),
        ("Status", "string", 0),
        ("Restarts", "string", 0),
        ("Age", "string", 0),
        ("IP", "string", 1),
        ("Node", "string", 1),
        ("Nominated Node", "string", 1),
        ("Readiness Gates", "string", 1),
    ]


def _pod(status: dict[str, Any], spec: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    spec = spec or {"containers": [{"name": "a"}, {"name": "b"}]}
    return {"metadata": _meta("p", **meta), "spec": spec, "status": status}


RUNNING = {"running": {"startedAt": CREATED}}
POD_CASES: list[tuple[str, dict[str, Any], list[Any]]] = [
    (
        "pending",
        _pod({"phase": "Pending"}),
        ["p", "0/2", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "running",
        _pod(
            {
                "phase": "Running",
                "podIPs": [{"ip": "10.0.0.5"}],
                "containerStatuses": [
                    {"name": "a", "ready": True, "restartCount": 0, "state": RUNNING},
                    {
                        "name": "b",
                        "ready": True,
                        "restartCount": 2,
                        "state": RUNNING,
                        "lastState": {
                            "terminated": {"exitCode": 1, "finishedAt": "2024-01-10T11:58:00Z"}
                        },
                    },
                ],
            },
            {"nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]},
        ),
        ["p", "2/2", "Running", "2 (2m ago)", "5m", "10.0.0.5", "n1", "<none>", "<none>"],
    ),
    (
        "waiting reason wins",
        _pod(
            {
                "phase": "Pending",
                "containerStatuses": [
                    {"name": "a", "state": {"waiting": {"reason": "ImagePullBackOff"}}}
                ],
            }
        ),
        ["p", "0/2", "ImagePullBackOff", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "completed",
        _pod(
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
                ],
            }
        ),
        ["p", "0/2", "Completed", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "exit code without reason",
        _pod(
            {
                "phase": "Failed",
                "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 3}}}],
            }
        ),
        ["p", "0/2", "ExitCode:3", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "init containers",
        _pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [{"name": "i", "state": {"running": {}}}],
            },
            {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]},
        ),
        ["p", "0/1", "Init:0/1", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "terminating",
        _pod({"phase": "Running"}, deletionTimestamp=CREATED),
        ["p", "0/2", "Terminating", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ),
    (
        "readiness gates",
        _pod(
            {"phase": "Running", "conditions": [{"type": "g1", "status": "True"}]},
            {
                "containers": [{"name": "a"}],
                "readinessGates": [{"conditionType": "g1"}, {"conditionType": "g2"}],
            },
        ),
        ["p", "0/1", "Running", "0", "5m", "<none>", "<none>", "<none>", "1/2"],
    ),
]


@pytest.mark.parametrize(("name", "pod", "cells"), POD_CASES, ids=[c[0] for c in POD_CASES])
def test_pod_cells(name: str, pod: dict[str, Any], cells: list[Any]) -> None:
    assert row_cells(columns_for("", "Pod"), pod, NOW) == cells


OTHER_KINDS: list[tuple[str, str, str, dict[str, Any], list[str], list[Any]]] = [
    (
        "namespace",
        "",
        "Namespace",
        {"metadata": _meta("ns"), "status": {"phase": "Active"}},
        ["Name", "Status", "Age"],
        ["ns", "Active", "5m"],
    ),
    (
        "configmap",
        "",
        "ConfigMap",
        {"metadata": _meta("c"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": ""}},
        ["Name", "Data", "Age"],
        ["c", 3, "5m"],
    ),
    (
        "secret",
        "",
        "Secret",
        {"metadata": _meta("s"), "type": "Opaque", "data": {"a": ""}},
        ["Name", "Type", "Data", "Age"],
        ["s", "Opaque", 1, "5m"],
    ),
    (
        "serviceaccount",
        "",
        "ServiceAccount",
        {"metadata": _meta("default"), "secrets": [{"name": "t"}]},
        ["Name", "Secrets", "Age"],
        ["default", 1, "5m"],
    ),
    (
        "lease",
        "coordination.k8s.io",
        "Lease",
        {"metadata": _meta("l"), "spec": {"holderIdentity": "me"}},
        ["Name", "Holder", "Age"],
        ["l", "me", "5m"],
    ),
    (
        "pvc",
        "",
        "PersistentVolumeClaim",
        {
            "metadata": _meta("data"),
            "spec": {"volumeName": "pv1", "storageClassName": "std"},
            "status": {
                "phase": "Bound",
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": "1Gi"},
            },
        },
        [
            "Name",
            "Status",
            "Volume",
            "Capacity",
            "Access Modes",
            "StorageClass",
            "VolumeAttributesClass",
            "Age",
            "VolumeMode",
        ],
        ["data", "Bound", "pv1", "1Gi", "RWO", "std", "<unset>", "5m", "<unset>"],
    ),
    (
        "node",
        "",
        "Node",
        {
            "metadata": _meta("n1", labels={"node-role.kubernetes.io/control-plane": ""}),
            "status": {
                "conditions": [{"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                "nodeInfo": {"kubeletVersion": "v1.30.0"},
            },
        },
        [
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            "Internal-IP",
            "External-IP",
            "OS-Image",
            "Kernel-Version",
            "Container-Runtime",
        ],
        [
            "n1",
            "Ready",
            "control-plane",
            "5m",
            "v1.30.0",
            "10.0.0.1",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>",
        ],
    ),
    (
        "event",
        "",
        "Event",
        {
            "metadata": _meta("p.17a"),
            "type": "Warning",
            "reason": "Failed",
            "message": " pull failed ",
            "involvedObject": {"kind": "Pod", "name": "p"},
            "source": {"component": "kubelet", "host": "n1"},
            "firstTimestamp": "2024-01-10T11:50:00Z",
            "lastTimestamp": CREATED,
            "count": 3,
        },
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name",
        ],
        ["5m", "Warning", "Failed", "pod/p", "", "kubelet, n1", "pull failed", "10m", 3, "p.17a"],
    ),
    (
        "crd uses the default convertor",
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        {"metadata": _meta("tasks.tekton.dev")},
        ["Name", "Created At"],
        ["tasks.tekton.dev", CREATED],
    ),
]


@pytest.mark.parametrize(
    ("name", "group", "kind", "obj", "headers", "cells"),
    OTHER_KINDS,
    ids=[c[0] for c in OTHER_KINDS],
)
def test_builtin_kinds(
    name: str, group: str, kind: str, obj: dict[str, Any], headers: list[str], cells: list[Any]
) -> None:
    columns = columns_for(group, kind, [])
    assert [c.name for c in columns] == headers
    assert row_cells(columns, obj, NOW) == cells


TASKRUN_COLUMNS = [
    {
        "name": "Succeeded",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Succeeded")].status',
    },
    {
        "name": "Reason",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Succeeded")].reason',
    },
    {"name": "StartTime", "type": "date", "jsonPath": ".status.startTime"},
    {"name": "Retries", "type": "integer", "jsonPath": ".spec.retries", "priority": 1},
    {"name": "Params", "type": "string", "jsonPath": ".spec.params[*].name"},
    {"name": "Spec", "type": "string", "jsonPath": ".spec.map"},
]


def test_custom_resource_columns() -> None:
    obj = {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": _meta("tr"),
        "spec": {
            "retries": 2.0,
            "params": [{"name": "a"}, {"name": "b"}],
            "map": {"k": "v", "n": 1},
        },
        "status": {
            "startTime": "2024-01-10T11:58:00Z",
            "conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}],
        },
    }
    columns = columns_for("tekton.dev", "TaskRun", TASKRUN_COLUMNS)
    assert [(c.name, c.type, c.priority) for c in columns][:4] == [
        ("Name", "string", 0),
        ("Succeeded", "string", 0),
        ("Reason", "string", 0),
        ("StartTime", "date", 0),
    ]
    assert columns[1].description == (
        "Custom resource definition column (in JSONPath format): "
        '.status.conditions[?(@.type=="Succeeded")].status'
    )
    # date cells are sent as ages; only the first JSONPath result is used; maps print as Go does
    assert row_cells(columns, obj, NOW) == ["tr", "True", "Succeeded", "2m", 2, "a", "map[k:v n:1]"]
    assert row_cells(columns, {"metadata": {"name": "empty"}}, NOW) == [
        "empty",
        None,
        None,
        None,
        None,
        None,
        None,
    ]


def test_custom_resource_without_columns_gets_age() -> None:
    columns = columns_for("example.com", "Widget", [])
    assert [(c.name, c.type) for c in columns] == [("Name", "string"), ("Age", "date")]
    assert row_cells(columns, {"metadata": _meta("w")}, NOW) == ["w", "5m"]


def test_bad_jsonpath_is_reported() -> None:
    with pytest.raises(JsonPathError):
        columns_for("example.com", "Widget", [{"name": "X", "type": "string", "jsonPath": ".a["}])


def test_full_table_shape() -> None:
    objs = [{"metadata": _meta("a")}, {"metadata": _meta("b"), "status": {"phase": "Succeeded"}}]
    table = to_table("", "Pod", objs, now=NOW, list_metadata={"resourceVersion": "7"})
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "7"}
    assert table["columnDefinitions"][0] == {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": table["columnDefinitions"][0]["description"],
        "priority": 0,
    }
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": _meta("a"),
    }
    assert "conditions" not in table["rows"][0]
    assert table["rows"][1]["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]
    full = to_table("", "Pod", objs, now=NOW, include_object="Object", include_headers=False)
    assert "columnDefinitions" not in full and full["rows"][0]["object"] == objs[0]
    assert to_table("", "Pod", objs, now=NOW, include_object="None")["rows"][0]["object"] is None
