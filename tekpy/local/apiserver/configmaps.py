"""Validation kube applies to built-in kinds beyond ``ObjectMeta``: ConfigMap keys, Secret
decoding and type, Lease spec numbers and finalizer names."""

from __future__ import annotations

import base64
import re
from typing import Any

from . import errors
from .fielderrors import ErrorType, FieldError
from .registry import ResourceInfo
from .validation import is_qualified_name

__all__ = ["content_errors", "decode_secret", "event_errors", "finalizer_errors", "lease_errors",
           "secret_errors"]

_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
            "'[-._a-zA-Z0-9]+')")
# kube's limit on a ConfigMap's or Secret's content (core.MaxSecretSize)
MAX_DATA_SIZE = 1024 * 1024
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
    errs = _key_errors("data", data)
    errs.extend(FieldError(ErrorType.INVALID, f"data[{key}]",
                           "duplicate of key present in binaryData", key)
                for key in data if key in binary)
    errs += _key_errors("binaryData", binary)
    size = sum(_utf8_len(v) for v in data.values()) + sum(_b64_len(v) for v in binary.values())
    if size > MAX_DATA_SIZE:  # the error names the whole object: path ""
        errs.append(FieldError(ErrorType.TOO_LONG, "[]",
                               f"may not be more than {MAX_DATA_SIZE} bytes"))
    return errs


def _utf8_len(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    return len(value) if value.isascii() else len(value.encode())


def _b64_len(value: Any) -> int:
    """The decoded size of a base64 string."""
    if not isinstance(value, str):
        return 0
    return len(value) * 3 // 4 - len(value[-2:]) + len(value[-2:].rstrip("="))


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


# events.k8s.io/v1 field names of the fields kube's Event validation reads (core/v1 names)
_EVENTS_V1 = {"involvedObject": "regarding", "message": "note",
              "reportingComponent": "reportingController"}
_REASON_LIMIT, _NOTE_LIMIT, _ACTION_LIMIT, _INSTANCE_LIMIT = 128, 1024, 128, 128


def event_errors(info: ResourceInfo, obj: dict[str, Any]) -> list[FieldError]:
    """kube's Event validation of a create or update (``legacyValidateEvent``): an event
    without ``eventTime`` must sit in its object's namespace; one with it must name its
    reporter, action and reason."""
    if info.plural != "events" or info.group not in ("", "events.k8s.io"):
        return []
    names = _EVENTS_V1 if info.group else {}

    def get(field: str) -> Any:
        return obj.get(names.get(field, field))

    involved = get("involvedObject")
    involved_ns = str((involved if isinstance(involved, dict) else {}).get("namespace") or "")
    ns = str(obj["metadata"].get("namespace") or "")
    reporter = "reportingController" if info.group else "reportingComponent"
    errs: list[FieldError] = []

    def mismatch() -> None:
        errs.append(FieldError(ErrorType.INVALID, "involvedObject.namespace",
                               "does not match event.namespace", involved_ns))

    if not obj.get("eventTime"):
        if (not involved_ns and ns not in ("", "default")) or (involved_ns and ns != involved_ns):
            mismatch()
        return errs
    if not involved_ns and ns not in ("default", "kube-system"):
        mismatch()
    controller = str(get("reportingComponent") or "")
    if not controller:
        errs.append(FieldError(ErrorType.REQUIRED, reporter))
    errs.extend(FieldError(ErrorType.INVALID, reporter, m, controller)
                for m in is_qualified_name(controller))
    for field, limit in (("reportingInstance", _INSTANCE_LIMIT), ("action", _ACTION_LIMIT),
                         ("reason", _REASON_LIMIT)):
        value = str(obj.get(field) or "")
        if not value:
            errs.append(FieldError(ErrorType.REQUIRED, field))
        if len(value) > limit:
            errs.append(FieldError(ErrorType.INVALID, field,
                                   f"can have at most {limit} characters", ""))
    if len(str(get("message") or "")) > _NOTE_LIMIT:
        errs.append(FieldError(ErrorType.INVALID, "message",
                               f"can have at most {_NOTE_LIMIT} characters", ""))
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
    if data and sum(_b64_len(v) for v in data.values()) > MAX_DATA_SIZE:
        errs.append(FieldError(ErrorType.TOO_LONG, "data",
                               f"may not be more than {MAX_DATA_SIZE} bytes"))
    for key in _TYPE_KEYS.get(str(kind), ()):
        if not data or key not in data:
            errs.append(FieldError(ErrorType.REQUIRED, f"data[{key}]"))
    return errs
