"""Strategic-merge-patch metadata: which lists merge, by which key, for each built-in kind.

kube reads this from the Go struct tags (``patchStrategy``/``patchMergeKey``) of its types;
we keep the same facts as a small tree of :class:`PatchMeta` per kind. A field absent from
the tree is a plain field: maps merge recursively, lists are replaced.

Custom resources have no such metadata, and kube-apiserver refuses strategic merge patches
for them with 415 (:data:`CUSTOM_RESOURCE_PATCH_TYPES` lists what it accepts instead).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = [
    "BUILTIN_PATCH_TYPES",
    "CUSTOM_RESOURCE_PATCH_TYPES",
    "OBJECT_META",
    "PatchMeta",
    "strategic_schema_for",
]

#: Patch Content-Types kube-apiserver takes for built-in kinds.
BUILTIN_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
#: Patch Content-Types it takes for custom resources, in the order its 415 message lists them.
CUSTOM_RESOURCE_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)


@attrs.frozen
class PatchMeta:
    """Patch metadata of one field and, through ``fields``, of the fields inside it.

    ``strategy`` is kube's comma-separated ``patchStrategy`` (``merge``, ``replace``,
    ``retainKeys``, ``merge,retainKeys``); ``merge_key`` the ``patchMergeKey`` of a list of
    objects (empty for a merging list of primitives such as finalizers). For a list field,
    ``fields`` describes its elements.
    """

    strategy: str = ""
    merge_key: str = ""
    fields: Mapping[str, PatchMeta] = attrs.field(factory=dict)
    name: str = ""

    def field(self, name: str) -> PatchMeta:
        """Metadata of child ``name`` (an empty, plain one if unknown)."""
        return self.fields.get(name) or PatchMeta(name=name)

    @property
    def merges(self) -> bool:
        """Whether a list field merges (``patchStrategy`` includes ``merge``)."""
        return "merge" in self.strategy.split(",")

    @property
    def replaces(self) -> bool:
        """Whether a map field is replaced wholesale (``patchStrategy: replace``)."""
        return "replace" in self.strategy.split(",")


def _m(strategy: str = "", key: str = "", **fields: PatchMeta) -> PatchMeta:
    return PatchMeta(strategy, key, fields)


def _named(meta: PatchMeta, name: str) -> PatchMeta:
    return attrs.evolve(meta, name=name, fields={k: _named(v, k) for k, v in meta.fields.items()})


OBJECT_META = _m(ownerReferences=_m("merge", "uid"), finalizers=_m("merge"))

_CONTAINER = {
    "ports": _m("merge", "containerPort"),
    "env": _m("merge", "name"),
    "volumeMounts": _m("merge", "mountPath"),
    "volumeDevices": _m("merge", "devicePath"),
}
_POD_SPEC = _m(
    volumes=_m("merge,retainKeys", "name"),
    initContainers=PatchMeta("merge", "name", _CONTAINER),
    containers=PatchMeta("merge", "name", _CONTAINER),
    ephemeralContainers=PatchMeta("merge", "name", _CONTAINER),
    imagePullSecrets=_m("merge", "name"),
    hostAliases=_m("merge", "ip"),
    topologySpreadConstraints=_m("merge", "topologyKey"),
    schedulingGates=_m("merge", "name"),
    resourceClaims=_m("merge,retainKeys", "name"),
)
_POD_STATUS = _m(
    conditions=_m("merge", "type"),
    podIPs=_m("merge", "ip"),
    hostIPs=_m("merge", "ip"),
    resourceClaimStatuses=_m("merge,retainKeys", "name"),
)
_CONDITIONS_STATUS = _m(conditions=_m("merge", "type"))


def _kind(**fields: PatchMeta) -> PatchMeta:
    return _named(PatchMeta(fields={"metadata": OBJECT_META, **fields}), "")


_META_ONLY = _kind()
_KINDS: dict[tuple[str, str], PatchMeta] = {
    ("", "Pod"): _kind(spec=_POD_SPEC, status=_POD_STATUS),
    ("", "PodTemplate"): _kind(template=_m(metadata=OBJECT_META, spec=_POD_SPEC)),
    ("", "ConfigMap"): _META_ONLY,
    ("", "Secret"): _META_ONLY,
    ("", "ServiceAccount"): _kind(secrets=_m("merge", "name")),
    ("", "PersistentVolumeClaim"): _kind(status=_CONDITIONS_STATUS),
    ("", "Namespace"): _kind(status=_CONDITIONS_STATUS),
    ("", "Node"): _kind(
        spec=_m(podCIDRs=_m("merge")),
        status=_m(conditions=_m("merge", "type"), addresses=_m("merge", "type")),
    ),
    ("", "Event"): _META_ONLY,
    ("events.k8s.io", "Event"): _META_ONLY,
    ("coordination.k8s.io", "Lease"): _META_ONLY,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _META_ONLY,
    ("rbac.authorization.k8s.io", "Role"): _META_ONLY,
    ("rbac.authorization.k8s.io", "ClusterRole"): _META_ONLY,
    ("rbac.authorization.k8s.io", "RoleBinding"): _META_ONLY,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _META_ONLY,
}


def strategic_schema_for(group: str, version: str, kind: str) -> PatchMeta | None:
    """Patch metadata for a built-in kind, or None when the kind takes no strategic patch.

    None means a custom resource (or a kind we do not serve): answer the request with
    ``unsupported_media_type(CUSTOM_RESOURCE_PATCH_TYPES)`` (415), as kube-apiserver does.
    ``version`` is accepted for symmetry; the metadata is the same for all served versions.
    """
    del version
    return _KINDS.get((group, kind))
