"""OpenAPI documents (v2 and v3) as far as kubectl needs them.

kubectl reads OpenAPI v3 to learn that the server validates fields itself (the
``fieldValidation`` query parameter on each resource's operations) and for ``explain``.
Custom resources carry their CRD schema; built-in kinds are described loosely (an object
that preserves unknown fields), since the server does not validate their bodies' structure.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from .registry import Registry, ResourceInfo

__all__ = ["openapi_v2", "openapi_v3_root", "openapi_v3_group"]

_INFO = {"title": "Kubernetes", "version": "v1.32.0"}
_cache: dict[tuple[int, int, str], bytes] = {}


def _schema_name(info: ResourceInfo) -> str:
    group = ".".join(reversed(info.group.split("."))) if info.group else "io.k8s.api.core"
    return f"{group}.{info.version}.{info.kind}"


def _gvk(info: ResourceInfo) -> dict[str, str]:
    return {"group": info.group, "version": info.version, "kind": info.kind}


def _schema(info: ResourceInfo) -> dict[str, Any]:
    if info.schema:
        schema = dict(info.schema)
        props = dict(schema.get("properties") or {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
        schema["properties"] = props
    else:
        schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                  "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                 "metadata": {"type": "object"}}}
    schema["x-kubernetes-group-version-kind"] = [_gvk(info)]
    return schema


def _params(v3: bool) -> list[dict[str, Any]]:
    out = []
    for name in ("dryRun", "fieldManager", "fieldValidation"):
        p: dict[str, Any] = {"name": name, "in": "query", "uniqueItems": True}
        if v3:
            p["schema"] = {"type": "string"}
        else:
            p["type"] = "string"
        out.append(p)
    return out


def _paths(infos: list[ResourceInfo], v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for info in infos:
        prefix = f"/apis/{info.group}/{info.version}" if info.group else "/api/v1"
        scope = "/namespaces/{namespace}" if info.namespaced else ""
        gvk = _gvk(info)

        def op(action: str) -> dict[str, Any]:
            return {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,  # noqa: B023
                    "parameters": _params(v3), "responses": {"200": {"description": "OK"}}}

        paths[f"{prefix}{scope}/{info.plural}"] = {
            "post": op("post"), "get": op("list"), "parameters": _params(v3)}
        paths[f"{prefix}{scope}/{info.plural}/{{name}}"] = {
            "get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete"),
            "parameters": _params(v3)}
    return paths


def openapi_v2(reg: Registry) -> bytes:
    key = (reg.generation, 2, "")
    if key not in _cache:
        infos = reg.all()
        _cache[key] = orjson.dumps({
            "swagger": "2.0", "info": _INFO, "paths": _paths(infos, v3=False),
            "definitions": {_schema_name(i): _schema(i) for i in infos},
        })
    return _cache[key]


def _gv_path(info: ResourceInfo) -> str:
    return f"apis/{info.group}/{info.version}" if info.group else "api/v1"


def openapi_v3_group(reg: Registry, gv_path: str) -> bytes | None:
    key = (reg.generation, 3, gv_path)
    if key not in _cache:
        infos = [i for i in reg.all() if _gv_path(i) == gv_path]
        if not infos:
            return None
        _cache[key] = orjson.dumps({
            "openapi": "3.0.0", "info": _INFO, "paths": _paths(infos, v3=True),
            "components": {"schemas": {_schema_name(i): _schema(i) for i in infos}},
        })
    return _cache[key]


def openapi_v3_root(reg: Registry) -> bytes:
    paths = {}
    for gv in sorted({_gv_path(i) for i in reg.all()}):
        doc = openapi_v3_group(reg, gv) or b""
        digest = hashlib.sha512(doc).hexdigest()[:32].upper()
        paths[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={digest}"}
    return orjson.dumps({"paths": paths})
