"""Just enough schema for field ownership: which maps are granular, which lists associative.

kube reads these facts from OpenAPI (``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``,
``x-kubernetes-map-type``): built-in kinds get them from their Go types' tags, custom
resources from their CRD schema. Anything not described is *deduced* as kube does for
untyped parts: objects are granular maps, lists are atomic.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEDUCED", "LEAF", "Node", "builtin_node", "builtin_skeleton", "crd_node"]


class Node:
    """Type of one value. ``kind`` is ``deduced``, ``map``, ``listmap``, ``set`` or ``leaf``
    (scalars, atomic maps and lists). A ``map`` has typed ``fields`` and ``other`` for the
    rest; a ``listmap`` has key field names ``keys`` (and ``defaults`` for omitted key
    fields); lists have an ``elem`` type."""

    __slots__ = ("defaults", "elem", "fields", "keys", "kind", "other")

    def __init__(self, kind: str, fields: dict[str, Node] | None = None,
                 other: Node | None = None, keys: tuple[str, ...] = (),
                 elem: Node | None = None, defaults: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.fields: dict[str, Node] = fields or {}
        # DEDUCED itself is the first node made: it falls back on itself
        fallback = globals().get("DEDUCED", self)
        self.other: Node = other if other is not None else fallback
        self.keys = keys
        self.elem: Node = elem if elem is not None else fallback
        self.defaults: dict[str, Any] = defaults or {}

    def child(self, name: str) -> Node:
        """The type of field ``name`` of a map."""
        return self.fields.get(name, self.other)

    def __repr__(self) -> str:
        return f"Node({self.kind}, fields={sorted(self.fields)}, keys={self.keys})"


DEDUCED = Node("deduced")
LEAF = Node("leaf")


def _map(**fields: Node) -> Node:
    return Node("map", fields)


def _listmap(*keys: str, elem: Node | None = None, **defaults: Any) -> Node:
    return Node("listmap", keys=keys, elem=elem, defaults=defaults)


_SET = Node("set", elem=LEAF)

OBJECT_META = _map(ownerReferences=_listmap("uid"), finalizers=_SET, managedFields=LEAF)
_CONDITIONS = _listmap("type")
_CONTAINER = _map(
    ports=_listmap("containerPort", "protocol", protocol="TCP"),
    env=_listmap("name"),
    volumeMounts=_listmap("mountPath"),
    volumeDevices=_listmap("devicePath"),
)
_POD_SPEC = _map(
    volumes=_listmap("name"),
    initContainers=_listmap("name", elem=_CONTAINER),
    containers=_listmap("name", elem=_CONTAINER),
    ephemeralContainers=_listmap("name", elem=_CONTAINER),
    imagePullSecrets=_listmap("name"),
    hostAliases=_listmap("ip"),
    topologySpreadConstraints=_listmap("topologyKey", "whenUnsatisfiable"),
    schedulingGates=_listmap("name"),
    resourceClaims=_listmap("name"),
)
_POD_STATUS = _map(conditions=_CONDITIONS, podIPs=_listmap("ip"),
                   resourceClaimStatuses=_listmap("name"))
_STATUS_CONDITIONS = _map(conditions=_CONDITIONS)


def _kind(**fields: Node) -> Node:
    return _map(metadata=OBJECT_META, **fields)


_KINDS: dict[tuple[str, str], Node] = {
    ("", "Pod"): _kind(spec=_POD_SPEC, status=_POD_STATUS),
    ("", "PodTemplate"): _kind(template=_map(metadata=OBJECT_META, spec=_POD_SPEC)),
    ("", "ServiceAccount"): _kind(secrets=_listmap("name")),
    ("", "Service"): _kind(spec=_map(ports=_listmap("port", "protocol", protocol="TCP")),
                           status=_map(conditions=_CONDITIONS)),
    ("", "PersistentVolumeClaim"): _kind(status=_STATUS_CONDITIONS),
    ("", "Namespace"): _kind(status=_STATUS_CONDITIONS),
    ("", "Node"): _kind(spec=_map(podCIDRs=_SET),
                        status=_map(conditions=_CONDITIONS, addresses=_listmap("type"))),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _kind(status=_STATUS_CONDITIONS),
}
_META_ONLY = _kind()


def builtin_node(group: str, kind: str) -> Node:
    """The type of a built-in kind's objects."""
    return _KINDS.get((group, kind), _META_ONLY)


# The empty Go object of a built-in kind, as JSON (fields without ``omitempty``): kube
# records a create as the change from it, so these maps are not "added" by a create, and
# these zero values are not owned unless the object changes them.
_SKELETONS: dict[tuple[str, str], dict[str, Any]] = {
    ("", "Pod"): {"spec": {"containers": None}, "status": {}},
    ("", "Namespace"): {"spec": {}, "status": {}},
    ("", "Service"): {"spec": {}, "status": {"loadBalancer": {}}},
    ("", "PersistentVolumeClaim"): {"spec": {"resources": {}}, "status": {}},
    ("", "Node"): {"spec": {}, "status": {}},
    ("", "Event"): {"involvedObject": {}, "source": {}, "firstTimestamp": None,
                    "lastTimestamp": None, "eventTime": None, "reportingComponent": "",
                    "reportingInstance": ""},
    ("events.k8s.io", "Event"): {"eventTime": None},
    ("coordination.k8s.io", "Lease"): {"spec": {}},
    ("apiextensions.k8s.io", "CustomResourceDefinition"): {
        "spec": {"group": "", "names": {"plural": "", "kind": ""}, "scope": "",
                 "versions": None}, "status": {}},
    ("rbac.authorization.k8s.io", "Role"): {"rules": None},
    ("rbac.authorization.k8s.io", "ClusterRole"): {"rules": None},
    ("rbac.authorization.k8s.io", "RoleBinding"): {
        "roleRef": {"apiGroup": "", "kind": "", "name": ""}},
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): {
        "roleRef": {"apiGroup": "", "kind": "", "name": ""}},
}


def builtin_skeleton(group: str, kind: str) -> dict[str, Any] | None:
    """The empty Go object of a built-in kind (None when it has no non-empty field)."""
    return _SKELETONS.get((group, kind))


def _from_openapi(s: Any) -> Node:
    if not isinstance(s, dict):
        return DEDUCED
    if s.get("x-kubernetes-int-or-string"):
        return LEAF
    t = s.get("type")
    if t == "object" or "properties" in s or "additionalProperties" in s:
        if s.get("x-kubernetes-map-type") == "atomic":
            return LEAF
        props = s.get("properties") or {}
        fields = {k: _from_openapi(v) for k, v in props.items()}
        extra = s.get("additionalProperties")
        other = _from_openapi(extra) if isinstance(extra, dict) else DEDUCED
        return Node("map", fields, other)
    if t == "array":
        lt = s.get("x-kubernetes-list-type") or "atomic"
        elem = _from_openapi(s.get("items"))
        if lt == "map":
            return Node("listmap", keys=tuple(s.get("x-kubernetes-list-map-keys") or ()),
                        elem=elem)
        if lt == "set":
            return Node("set", elem=LEAF)
        return LEAF
    if t is None and s.get("x-kubernetes-preserve-unknown-fields"):
        return DEDUCED
    return LEAF


_crd_cache: dict[int, tuple[Any, Node]] = {}


def crd_node(schema: Any) -> Node:
    """The type of a custom resource's objects, from its version's ``openAPIV3Schema``."""
    if schema is None:
        return _META_ONLY
    hit = _crd_cache.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    node = _from_openapi(schema)
    if node.kind != "map":
        node = Node("map", {}, DEDUCED)
    node = Node("map", {**node.fields, "metadata": OBJECT_META, "apiVersion": LEAF,
                        "kind": LEAF}, node.other)
    if len(_crd_cache) > 256:  # schemas of deleted or updated CRDs
        _crd_cache.clear()
    _crd_cache[id(schema)] = (schema, node)
    return node
