"""Validation kube applies to built-in kinds beyond ``ObjectMeta``: ConfigMap keys, Secret
decoding and type, Lease spec numbers and finalizer names."""

from __future__ import annotations

import base64
import re
from typing import Any

from . import errors
from .fielderrors import ErrorType, FieldError
from .registry import ResourceInfo

__all__ = ["content_errors", "decode_secret", "finalizer_errors", "lease_errors", "secret_errors"]

_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
            "'[-._a-zA-Z0-9]+')")
# finalizers kube's own controllers use without a domain
_STANDARD_FINALIZERS = frozenset(("kubernetes", "orphan", "foregroundDeletion"))


def _key_errors(path: str, keys: Any) -> list[FieldError]:
    errs = []
    for key in keys:
        if not isinstance(key, str):
            continue
        if len(key) > 253:
            errs.append(FieldError(ErrorType.INVALID, f"{path}[{key}]",
                                   "must be no more than 253 characters", key))
        if not _KEY.fullmatch(key):
            errs.append(FieldError(ErrorType.INVALID, f"{path}[{key}]", _KEY_MSG, key))
        elif key in (".", ".."):
            errs.append(FieldError(ErrorType.INVALID, f"{path}[{key}]",
                                   f"must not be '{key}'", key))
    return errs


def content_errors(info: ResourceInfo, obj: dict[str, Any]) -> list[FieldError]:
    """ConfigMap keys are config keys."""
    if info.storage_key != "/configmaps":
        return []
    data: dict[str, Any] = obj["data"] if isinstance(obj.get("data"), dict) else {}
    binary: dict[str, Any] = obj["binaryData"] if isinstance(obj.get("binaryData"), dict) else {}
    # kube also refuses more than 1 MiB of content (``[]: Too long``); not enforced yet
    # because tests/runtime streams a 2 MiB ConfigMap through the embedded server
    return _key_errors("data", data) + _key_errors("binaryData", binary)


def finalizer_errors(obj: dict[str, Any]) -> list[FieldError]:
    """Built-in kinds accept only standard or domain-qualified finalizer names."""
    meta = obj.get("metadata")
    fins = meta.get("finalizers") if isinstance(meta, dict) else None
    if not isinstance(fins, list):
        return []
    return [
        FieldError(ErrorType.INVALID, f"metadata.finalizers[{i}]",
                   "name is neither a standard finalizer name nor is it fully qualified", name)
        for i, name in enumerate(fins)
        if isinstance(name, str) and name not in _STANDARD_FINALIZERS and "/" not in name
    ]


def lease_errors(info: ResourceInfo, obj: dict[str, Any]) -> list[FieldError]:
    """A Lease's duration is positive and its transition count not negative."""
    if info.storage_key != "coordination.k8s.io/leases":
        return []
    spec: dict[str, Any] = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
    errs = []
    duration = spec.get("leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        errs.append(FieldError(ErrorType.INVALID, "spec.leaseDurationSeconds",
                               "must be greater than 0", duration))
    transitions = spec.get("leaseTransitions")
    if isinstance(transitions, int) and transitions < 0:
        errs.append(FieldError(ErrorType.INVALID, "spec.leaseTransitions",
                               "must be greater than or equal to 0", transitions))
    return errs


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def decode_secret(obj: dict[str, Any]) -> None:
    """What kube's decoding does to a Secret, in place: ``data`` must be base64 (Go's error
    text otherwise), and ``stringData`` is merged into ``data`` and dropped."""
    data = obj.get("data")
    if isinstance(data, dict):
        for value in data.values():
            if not isinstance(value, str):
                continue
            bad = next((i for i, c in enumerate(value) if c not in _B64), None)
            if bad is None and len(value) % 4:
                bad = len(value) - len(value) % 4
            if bad is not None:
                raise errors.bad_request(
                    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                    f"at input byte {bad}")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        merged = dict(data) if isinstance(data, dict) else {}
        for key, value in string_data.items():
            if isinstance(value, str):
                merged[key] = base64.b64encode(value.encode()).decode()
        obj["data"] = merged


_TYPE_KEYS = {"kubernetes.io/tls": ("tls.crt", "tls.key")}


def secret_errors(
    info: ResourceInfo, old: dict[str, Any] | None, obj: dict[str, Any]
) -> list[FieldError]:
    """A Secret's type cannot change, and typed Secrets carry their required keys."""
    if info.storage_key != "/secrets":
        return []
    errs = []
    kind = obj.get("type")
    if old is not None and kind != old.get("type"):
        errs.append(FieldError(ErrorType.INVALID, "type", "field is immutable", kind))
    data = obj.get("data") if isinstance(obj.get("data"), dict) else None
    for key in _TYPE_KEYS.get(str(kind), ()):
        if not data or key not in data:
            errs.append(FieldError(ErrorType.REQUIRED, f"data[{key}]"))
    return errs
