"""``managedFields`` for the registry's writes: what a write to a resource may own, and the
checks and merge of a server-side apply (the field algebra is ``managedfields``)."""

from __future__ import annotations

from typing import Any

from . import errors, managedfields
from .registry import ResourceInfo
from .stamps import now_rfc3339

__all__ = ["applied_config_meta", "apply_config", "scope", "set_managed"]

_scopes: dict[tuple[int, str], tuple[ResourceInfo, managedfields.Scope]] = {}


def scope(info: ResourceInfo, subresource: str = "", spec: bool = True) -> managedfields.Scope:
    """What a write to ``info`` (or its ``subresource``) may own; ``spec=False`` for a new
    Namespace whose spec the server sets."""
    hit = _scopes.get((id(info), subresource))
    if hit is not None and hit[0] is info and spec:
        return hit[1]
    node = managedfields.crd_node(info.schema) if info.custom else \
        managedfields.builtin_node(info.group, info.kind)
    # the fields the endpoint resets are never owned through it
    ignore = ("spec",) if subresource == "status" else ("status",) if info.has_status else ()
    if not spec:
        ignore = (*ignore, "spec")
    skeleton = None if info.custom else managedfields.builtin_skeleton(info.group, info.kind)
    found = managedfields.Scope(node, info.api_version, subresource, ignore, skeleton)
    if spec:
        if len(_scopes) > 1024:
            _scopes.clear()
        _scopes[(id(info), subresource)] = (info, found)
    return found


def set_managed(meta: dict[str, Any], entries: list[dict[str, Any]] | None) -> None:
    """Store ``entries`` as the object's ``managedFields`` (none: the key goes)."""
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)


def applied_config_meta(info: ResourceInfo, config: Any) -> dict[str, Any]:
    """The metadata of an apply's configuration, after kube's checks of its shape (400s)."""
    if not isinstance(config, dict):
        raise errors.bad_request("the object provided is unrecognized (must be a YAML or "
                                 "JSON object)")
    gv = str(config.get("apiVersion") or "")
    group, _, version = gv.rpartition("/")
    if gv != info.api_version or config.get("kind") != info.kind:
        raise errors.bad_request(
            f"invalid object type: {group}/{version}, Kind={config.get('kind') or ''}")
    cmeta = config.get("metadata")
    if cmeta is None:
        cmeta = {}
    elif not isinstance(cmeta, dict):
        raise errors.bad_request("metadata must be an object")
    if cmeta.get("managedFields") is not None:
        raise errors.bad_request("metadata.managedFields must be nil")
    return cmeta


def apply_config(live: dict[str, Any] | None, config: dict[str, Any],
                 write_scope: managedfields.Scope, manager: str, *, force: bool
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``config`` applied by ``manager`` to ``live``: the merged object and its entries;
    conflicts with other managers' fields are kube's 409 unless ``force``."""
    try:
        return managedfields.apply(live, config, write_scope, manager, now_rfc3339(),
                                   force=force)
    except managedfields.ApplyConflict as exc:
        raise errors.ApiError(409, "Conflict", exc.message, {"causes": exc.causes()}) from None
