"""The checks every create and update of the registry runs: the body fits the endpoint,
then metadata, schema (custom resources) and per-kind validation, with kube's
``fieldValidation`` handling of unknown fields."""

from __future__ import annotations

from typing import Any

from . import errors, pure
from .builtin import drop_empty, immutable_errors
from .builtinfields import drop_fields, unknown_fields
from .configmaps import (
    content_errors,
    decode_secret,
    event_errors,
    finalizer_errors,
    lease_errors,
    secret_errors,
)
from .crds import crd_errors, prune_for_storage
from .podvalidation import pod_errors, pod_update_errors
from .registry import Registry, ResourceInfo
from .store import Stored

__all__ = ["check_type", "validate_write"]


def check_type(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """A body's ``kind``, ``apiVersion`` and ``metadata`` fit the endpoint (else 400)."""
    kind, av = obj.get("kind"), obj.get("apiVersion")
    if kind is not None and kind != info.kind:
        raise errors.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({info.kind})"
        )
    if av is not None and av != info.api_version:
        raise errors.bad_request(
            f"the API version in the data ({av}) does not match the expected API version "
            f"({info.api_version})"
        )
    if not isinstance(obj.get("metadata", {}), dict):
        raise errors.bad_request("metadata must be an object")

def validate_write(
    registry: Registry, info: ResourceInfo, obj: dict[str, Any], strict: str,
    old: Stored | None = None, warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Metadata, schema and kind validation of a create (``old`` None) or update; returns
    the object to store (pruned, defaulted). ``fieldValidation=Warn`` warnings are appended
    to ``warnings``."""
    if info.storage_key == "/secrets":
        decode_secret(obj)
    drop_empty(info, obj)
    name = obj["metadata"].get("name", "")
    errs = pure.validate_metadata(obj, info.namespaced, info.group, info.kind,
                                  old.meta if old is not None else None)
    if old is not None and errs:
        # kube checks metadata on update as common fields (create checks, then update
        # checks) and again in the kind's update validation (not core Events'): causes
        # repeat, the message lists each once
        created = pure.validate_metadata(obj, info.namespaced, info.group, info.kind)
        errs = [*created, *errs] if info.storage_key == "/events" else \
            [*created, *errs, *errs]
    unknown: list[str] = []
    if not info.custom:
        unknown = unknown_fields(info.storage_key, obj)
        if unknown and strict != "Strict":
            drop_fields(obj, unknown)  # the Go type has nowhere to keep them
    if info.custom:
        obj, schema_errs, unknown = pure.custom_resource_errors(
            obj, info.schema, info.preserve_unknown
        )
        errs += schema_errs
        obj = prune_for_storage(registry, info, obj)
    elif info.storage_key == "apiextensions.k8s.io/customresourcedefinitions":
        errs += crd_errors(obj)
    elif info.storage_key == "/pods":
        errs += pod_errors(obj) if old is None else pod_update_errors(old.obj, obj)
    if not info.custom:
        errs += finalizer_errors(obj) + content_errors(info, obj) + lease_errors(info, obj)
        errs += event_errors(info, obj)
        errs += secret_errors(info, old.obj if old is not None else None, obj)
    if old is not None:
        errs += immutable_errors(info, old.obj, obj)
    if errs:
        raise errors.invalid(info.group, info.kind, name, errs)
    if unknown and strict == "Strict":
        msg = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise errors.bad_request(
            f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: '
            f"strict decoding error: {msg}")
    if unknown and strict == "Warn" and warnings is not None:
        warnings.extend(f'unknown field "{p}"' for p in unknown)
    return obj
