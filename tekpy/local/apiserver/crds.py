"""CustomResourceDefinition specifics: the checks and status kube-apiserver gives a CRD."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fielderrors import ErrorType, FieldError
from .schema import check_structural, prune
from .stamps import now_rfc3339

if TYPE_CHECKING:
    from .registry import Registry, ResourceInfo

__all__ = ["crd_errors", "crd_status", "default_crd", "prune_for_storage", "prune_for_view"]


def default_crd(crd: dict[str, Any]) -> None:
    """kube's defaulting of a CustomResourceDefinition, in place (every decoded CRD)."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict):
        kind = names.get("kind")
        if not names.get("singular") and isinstance(kind, str):
            names["singular"] = kind.lower()
        if not names.get("listKind") and kind:
            names["listKind"] = f"{kind}List"
    conversion = spec.get("conversion")
    if conversion is None:
        spec["conversion"] = {"strategy": "None"}
    elif isinstance(conversion, dict):
        service = ((conversion.get("webhook") or {}).get("clientConfig") or {}).get("service")
        if isinstance(service, dict):
            service.setdefault("port", 443)


def crd_errors(crd: dict[str, Any]) -> list[FieldError]:
    """The CRD-level validation kube does before serving a resource."""
    errs: list[FieldError] = []
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [FieldError(ErrorType.REQUIRED, "spec", "")]
    group = spec.get("group") or ""
    names = spec.get("names") or {}
    plural = names.get("plural") or ""
    name = (crd.get("metadata") or {}).get("name", "")
    if not group:
        errs.append(FieldError(ErrorType.REQUIRED, "spec.group", ""))
    if not plural:
        errs.append(FieldError(ErrorType.REQUIRED, "spec.names.plural", ""))
    if not names.get("kind"):
        errs.append(FieldError(ErrorType.REQUIRED, "spec.names.kind", ""))
    if plural and group and name != f"{plural}.{group}":
        errs.append(FieldError(
            ErrorType.INVALID, "metadata.name", "must be spec.names.plural+\".\"+spec.group",
            name))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        errs.append(FieldError(
            ErrorType.NOT_SUPPORTED, "spec.scope",
            'supported values: "Cluster", "Namespaced"', spec.get("scope")))
    versions = spec.get("versions") or []
    if not versions:
        errs.append(FieldError(ErrorType.INVALID, "spec.versions", "must have exactly one "
                               "version marked as storage version", versions))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        errs.append(FieldError(ErrorType.INVALID, "spec.versions",
                               "must have exactly one version marked as storage version",
                               None))
    for i, v in enumerate(versions):
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            errs.append(FieldError(ErrorType.REQUIRED, f"spec.versions[{i}].schema.openAPIV3Schema",
                                   "schemas are required"))
            continue
        errs.extend(check_structural(schema, f"spec.versions[{i}].schema.openAPIV3Schema"))
    return errs


def crd_status(crd: dict[str, Any]) -> dict[str, Any]:
    """Accepted names and the Established condition (kube sets them asynchronously)."""
    spec = crd.get("spec") or {}
    names = dict(spec.get("names") or {})
    names.setdefault("singular", str(names.get("kind", "")).lower())
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    now = now_rfc3339()
    return {
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": [v["name"] for v in spec.get("versions") or [] if v.get("storage")],
    }


def prune_for_storage(registry: Registry, info: ResourceInfo,
                      obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` (written in ``info``'s version) pruned by the storage version's schema too.

    With ``conversion: None`` kube-apiserver rewrites only ``apiVersion`` and prunes by the
    storage version's schema before it stores; what that drops is never a Strict error.
    """
    version = registry.storage_version(info)
    if version == info.version:
        return obj
    stored = registry.get(info.group, version, info.plural)
    if stored is None or not stored.schema or stored.preserve_unknown:
        return obj
    return prune(obj, stored.schema)


def prune_for_view(info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """A stored custom resource served in another version: pruned by that version's schema."""
    if not info.custom or not info.schema or info.preserve_unknown:
        return obj
    return prune(obj, info.schema)
