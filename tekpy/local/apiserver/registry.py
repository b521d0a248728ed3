"""The resources the server serves: built-in kinds plus those defined by CRDs.

A ``ResourceInfo`` is one (group, version, plural) endpoint. Versions of one resource share a
storage key (``group/plural``), as kube stores a resource once whatever version it is read in.
CRDs are registered and unregistered as they are created, updated and deleted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = ["ResourceInfo", "Registry", "version_priority_key", "STANDARD_VERBS"]

STANDARD_VERBS: tuple[str, ...] = (
    "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
)


@attrs.frozen
class ResourceInfo:
    """One served endpoint and what kube's discovery says about it."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    # subresources served under .../<name>/<sub>: "status", "binding", "log", "finalize"
    subresources: tuple[str, ...] = ()
    # whether metadata.generation tracks spec changes
    tracks_generation: bool = False
    # update (PUT) without metadata.resourceVersion is allowed (false for custom resources)
    unconditional_update: bool = True
    # CRD-defined resources
    custom: bool = False
    schema: Any = None  # openAPIV3Schema (dict) of this version, custom resources only
    printer_columns: tuple[dict[str, Any], ...] = ()
    preserve_unknown: bool = False  # schema without structure: nothing is pruned
    crd_name: str | None = None

    # computed once: both are read several times per request
    @functools.cached_property
    def storage_key(self) -> str:
        return f"{self.group}/{self.plural}"

    @functools.cached_property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority_key(version: str) -> tuple[int, int, int, str]:
    """Sort key giving kube's version priority (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > foo)."""
    m = _VERSION_RE.match(version)
    if not m:
        return (3, 0, 0, version)
    major = int(m.group(1))
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (stage, -major, -minor, version)


def _b(group: str, plural: str, singular: str, kind: str, **kw: Any) -> ResourceInfo:
    version = kw.pop("version", "v1")
    for key in ("short_names", "categories", "subresources"):
        if key in kw:
            kw[key] = tuple(kw[key])
    return ResourceInfo(group, version, plural, singular, kind, **kw)


BUILTINS: tuple[ResourceInfo, ...] = (
    # namespaces cannot be deleted as a collection (kube serves no deletecollection)
    _b("", "namespaces", "namespace", "Namespace", namespaced=False, short_names=["ns"],
       subresources=["status", "finalize"],
       verbs=tuple(v for v in STANDARD_VERBS if v != "deletecollection")),
    # pods track generation as in kube 1.33+ (the real-server tier runs 1.34)
    _b("", "pods", "pod", "Pod", short_names=["po"], categories=["all"],
       subresources=["status", "binding", "log"], tracks_generation=True),
    _b("", "configmaps", "configmap", "ConfigMap", short_names=["cm"]),
    _b("", "secrets", "secret", "Secret"),
    _b("", "serviceaccounts", "serviceaccount", "ServiceAccount", short_names=["sa"]),
    _b("", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim",
       short_names=["pvc"], subresources=["status"]),
    _b("", "services", "service", "Service", short_names=["svc"], categories=["all"],
       subresources=["status"]),
    _b("", "events", "event", "Event", short_names=["ev"]),
    _b("", "nodes", "node", "Node", namespaced=False, short_names=["no"],
       subresources=["status"]),
    _b("events.k8s.io", "events", "event", "Event", short_names=["ev"]),
    _b("coordination.k8s.io", "leases", "lease", "Lease"),
    _b("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
       "CustomResourceDefinition", namespaced=False, short_names=["crd", "crds"],
       categories=["api-extensions"], subresources=["status"], tracks_generation=True),
    _b("authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
       "SelfSubjectAccessReview", namespaced=False, verbs=("create",)),
    _b("rbac.authorization.k8s.io", "roles", "role", "Role"),
    _b("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding"),
    _b("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole",
       namespaced=False),
    _b("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
       "ClusterRoleBinding", namespaced=False),
)


def infos_from_crd(crd: dict[str, Any]) -> list[ResourceInfo]:
    """The served endpoints a CustomResourceDefinition defines (one per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    plural = names.get("plural", "")
    kind = names.get("kind", "")
    out = []
    for v in spec.get("versions") or []:
        if not v.get("served", False):
            continue
        subs = v.get("subresources") or {}
        schema = ((v.get("schema") or {}).get("openAPIV3Schema")) or None
        out.append(ResourceInfo(
            group=group,
            version=v.get("name", ""),
            plural=plural,
            singular=names.get("singular") or kind.lower(),
            kind=kind,
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            # the scale subresource is not served (see docs/apiserver.md)
            subresources=("status",) if "status" in subs else (),
            tracks_generation=True,
            unconditional_update=False,
            custom=True,
            schema=schema,
            printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
            preserve_unknown=bool(schema and schema.get("x-kubernetes-preserve-unknown-fields")),
            crd_name=(crd.get("metadata") or {}).get("name"),
        ))
    return out


class Registry:
    """Lookup of served resources by URL coordinates, kept current as CRDs change."""

    def __init__(self, builtins: Iterable[ResourceInfo] = BUILTINS) -> None:
        self._by_path: dict[tuple[str, str, str], ResourceInfo] = {}
        self._crd_paths: dict[str, list[tuple[str, str, str]]] = {}
        self._crd_storage_versions: dict[str, str] = {}
        self.generation = 0  # bumped on every change, so discovery can be cached
        self._served: set[tuple[str, str]] = set()
        self._served_at = -1  # the generation ``_served`` was computed at
        for info in builtins:
            self._by_path[(info.group, info.version, info.plural)] = info

    def get(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        return self._by_path.get((group, version, plural))

    def all(self) -> list[ResourceInfo]:
        return list(self._by_path.values())

    def by_storage_key(self, key: str) -> list[ResourceInfo]:
        return [i for i in self._by_path.values() if i.storage_key == key]

    def groups(self) -> dict[str, list[str]]:
        """Group name -> served versions, most preferred first (core group is ``""``)."""
        out: dict[str, set[str]] = {}
        for g, v, _ in self._by_path:
            out.setdefault(g, set()).add(v)
        return {g: sorted(vs, key=version_priority_key) for g, vs in out.items()}

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        return [i for (g, v, _), i in self._by_path.items() if g == group and v == version]

    def serves(self, group: str, version: str) -> bool:
        """Whether any resource is served at ``group/version`` (checked on every request)."""
        if self._served_at != self.generation:
            self._served = {(g, v) for g, v, _ in self._by_path}
            self._served_at = self.generation
        return (group, version) in self._served

    def storage_version(self, info: ResourceInfo) -> str:
        """The version objects of this resource are stored in (CRDs: the ``storage`` one)."""
        if info.crd_name and info.crd_name in self._crd_storage_versions:
            return self._crd_storage_versions[info.crd_name]
        return info.version

    def storage_api_version(self, info: ResourceInfo) -> str:
        version = self.storage_version(info)
        return f"{info.group}/{version}" if info.group else version

    def set_crd(self, crd: dict[str, Any]) -> None:
        """Serve (or re-serve after an update) the resource a CRD defines."""
        name = (crd.get("metadata") or {}).get("name", "")
        self.remove_crd(name)
        infos = infos_from_crd(crd)
        paths = []
        for info in infos:
            path = (info.group, info.version, info.plural)
            if path in self._by_path and not self._by_path[path].custom:
                continue  # a CRD never shadows a built-in
            self._by_path[path] = info
            paths.append(path)
        self._crd_paths[name] = paths
        for v in (crd.get("spec") or {}).get("versions") or []:
            if v.get("storage"):
                self._crd_storage_versions[name] = v.get("name", "")
        self.generation += 1

    def remove_crd(self, name: str) -> None:
        for path in self._crd_paths.pop(name, []):
            self._by_path.pop(path, None)
        self._crd_storage_versions.pop(name, None)
        self.generation += 1
