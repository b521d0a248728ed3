"""Discovery documents: legacy (/api, /apis, per group-version) and aggregated (v2).

Responses depend only on the registry, so they are encoded once per registry generation.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from .registry import Registry, ResourceInfo

__all__ = ["Discovery", "AGGREGATED_V2", "AGGREGATED_V2BETA1"]

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

VERSION_INFO = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-tekpy",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_SUB_VERBS = {
    "status": ["get", "patch", "update"],
    "binding": ["create"],
    "log": ["get"],
    "finalize": ["update"],
    "scale": ["get", "patch", "update"],
}


# resources kube stores as another version's kind (events.k8s.io events are core Events)
_STORED_AS = {
    ("events.k8s.io", "events"): ("", "v1", "Event"),
    # kube still stores CRDs in apiextensions.k8s.io/v1beta1
    ("apiextensions.k8s.io", "customresourcedefinitions"):
        ("apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition"),
}
# resources without storage (reviews answered at once) have no storageVersionHash
_NOT_STORED = frozenset({("authorization.k8s.io", "selfsubjectaccessreviews")})


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """kube's ``storageVersionHash``: base64 of the first 8 bytes of the SHA-256 of
    ``<group>/<version>/<kind>`` of the kind objects are stored as."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _scope(info: ResourceInfo) -> str:
    return "Namespaced" if info.namespaced else "Cluster"


def _legacy_resources(registry: Registry, infos: list[ResourceInfo]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in sorted(infos, key=lambda i: i.plural):
        r: dict[str, Any] = {
            "name": i.plural, "singularName": i.singular, "namespaced": i.namespaced,
            "kind": i.kind, "verbs": list(i.verbs),
        }
        if i.short_names:
            r["shortNames"] = list(i.short_names)
        if i.categories:
            r["categories"] = list(i.categories)
        if (i.group, i.plural) not in _NOT_STORED:
            stored = _STORED_AS.get((i.group, i.plural))
            if stored is None:
                stored = (i.group, registry.storage_version(i), i.kind)
            r["storageVersionHash"] = storage_version_hash(*stored)
        out.append(r)
        for sub in i.subresources:
            kind = {"binding": "Binding", "log": "Pod", "scale": "Scale"}.get(sub, i.kind)
            entry: dict[str, Any] = {
                "name": f"{i.plural}/{sub}", "singularName": "", "namespaced": i.namespaced,
                "kind": kind, "verbs": _SUB_VERBS.get(sub, ["get"]),
            }
            if sub == "scale":
                entry.update(group="autoscaling", version="v1")
            out.append(entry)
    return out


def _aggregated_resource(i: ResourceInfo) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resource": i.plural,
        "responseKind": {"group": i.group, "version": i.version, "kind": i.kind},
        "scope": _scope(i),
        "singularResource": i.singular,
        "verbs": list(i.verbs),
    }
    if i.short_names:
        r["shortNames"] = list(i.short_names)
    if i.categories:
        r["categories"] = list(i.categories)
    subs = []
    for sub in i.subresources:
        kind = {"binding": "Binding", "log": "Pod"}.get(sub, i.kind)
        group, version = (i.group, i.version)
        if sub == "scale":
            kind, group, version = "Scale", "autoscaling", "v1"
        subs.append({
            "subresource": sub,
            "responseKind": {"group": group, "version": version, "kind": kind},
            "verbs": _SUB_VERBS.get(sub, ["get"]),
        })
    if subs:
        r["subresources"] = subs
    return r


class Discovery:
    """Encoded discovery responses, rebuilt when the registry changes."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._generation = -1
        self._cache: dict[str, bytes] = {}

    def _cached(self, key: str, build: Any) -> bytes:
        if self._generation != self.registry.generation:
            self._cache.clear()
            self._generation = self.registry.generation
        data = self._cache.get(key)
        if data is None:
            data = orjson.dumps(build())
            self._cache[key] = data
        return data

    def version(self) -> bytes:
        return orjson.dumps(VERSION_INFO)

    def core_versions(self, address: str) -> bytes:
        return self._cached("api", lambda: {
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
        })

    def _group(self, name: str, versions: list[str]) -> dict[str, Any]:
        vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {"name": name, "versions": vs, "preferredVersion": vs[0]}

    def group_list(self) -> bytes:
        def build() -> dict[str, Any]:
            groups = self.registry.groups()
            return {
                "kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self._group(g, vs) for g, vs in sorted(groups.items()) if g],
            }
        return self._cached("apis", build)

    def group(self, name: str) -> bytes | None:
        versions = self.registry.groups().get(name)
        if not name or not versions:
            return None
        return self._cached(f"g/{name}", lambda: dict(
            self._group(name, versions), kind="APIGroup", apiVersion="v1"))

    def resource_list(self, group: str, version: str) -> bytes | None:
        infos = self.registry.resources_in(group, version)
        if not infos:
            return None
        gv = f"{group}/{version}" if group else version

        def build() -> dict[str, Any]:
            doc: dict[str, Any] = {"kind": "APIResourceList", "apiVersion": "v1",
                                   "groupVersion": gv,
                                   "resources": _legacy_resources(self.registry, infos)}
            if not group:
                del doc["apiVersion"]  # as kube: the core list carries no apiVersion
            return doc
        return self._cached(f"r/{gv}", build)

    def aggregated(self, core: bool, content_type: str) -> bytes:
        """``APIGroupDiscoveryList`` for /api (core) or /apis (named groups)."""
        api_version = "apidiscovery.k8s.io/" + ("v2beta1" if "v2beta1" in content_type else "v2")

        def build() -> dict[str, Any]:
            items = []
            for g, versions in sorted(self.registry.groups().items()):
                if bool(g) == core:
                    continue
                items.append({
                    "metadata": {"name": g, "creationTimestamp": None},
                    "versions": [{
                        "version": v,
                        "resources": [
                            _aggregated_resource(i)
                            for i in sorted(self.registry.resources_in(g, v),
                                            key=lambda i: i.plural)
                        ],
                        "freshness": "Current",
                    } for v in versions],
                })
            return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version,
                    "metadata": {}, "items": items}
        return self._cached(f"agg/{core}/{api_version}", build)
