"""How kube-apiserver refuses a create or update body it cannot decode, in its words.

kube decodes a body in two steps: it reads ``apiVersion`` and ``kind`` first (a JSON syntax
error or a non-object fails here: ``couldn't get version/kind; json parse error: ...``), then
decodes into the Go type of that kind (a kind of another resource fails to convert, a field of
the wrong JSON type fails the decoder). Its handler wraps the error as ``<Kind> in version
"<v>" cannot be handled as a <Kind>: ...`` when the kind is known, else as ``the object
provided is unrecognized (must be of type <Kind>): ... (<start of the body>)``.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .errors import ApiError
from .fielderrors import ErrorType, FieldError
from .gojson import syntax_error
from .gotypes import metadata_type_error, type_error
from .registry import Registry, ResourceInfo

__all__ = ["content_type_error", "decode_error", "object_error"]

_JSON_TYPES = ("", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_FIND_KIND = ('struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
              'Kind string "json:\\"kind,omitempty\\"" }')
_SCHEME = "pkg/runtime/scheme.go:110"
# the Go package of each built-in group's internal types, as conversion errors name them
_INTERNAL_PACKAGE = {"": "core", "events.k8s.io": "core", "coordination.k8s.io": "coordination",
                     "apiextensions.k8s.io": "apiextensions",
                     "rbac.authorization.k8s.io": "rbac",
                     "authorization.k8s.io": "authorization"}


# kinds every built-in group version registers besides its resources' kinds and lists
_META_KINDS = frozenset(("Status", "WatchEvent", "ListOptions", "GetOptions", "DeleteOptions",
                         "CreateOptions", "UpdateOptions", "PatchOptions"))
# core/v1 kinds the embedded server does not serve
_CORE_KINDS = frozenset(("Binding", "ComponentStatus", "Endpoints", "LimitRange",
                         "PersistentVolume", "PodTemplate", "ReplicationController",
                         "ResourceQuota", "PodLogOptions", "PodExecOptions", "PodAttachOptions",
                         "PodPortForwardOptions", "PodProxyOptions", "NodeProxyOptions",
                         "ServiceProxyOptions", "RangeAllocation", "SerializedReference",
                         "PodStatusResult", "EphemeralContainers"))


def _registered(registry: Registry, group: str, version: str, kind: str) -> bool:
    """Whether kube's scheme knows ``kind`` in that built-in group version."""
    infos = [i for i in registry.resources_in(group, version) if not i.custom]
    if not infos:
        return False
    base = kind[:-4] if kind.endswith("List") else kind
    return kind in _META_KINDS or any(i.kind in (kind, base) for i in infos) or (
        not group and base in _CORE_KINDS)


def content_type_error(content_type: str) -> ApiError | None:
    """415 for a create or update body in a media type kube does not decode."""
    if content_type.split(";", 1)[0].strip().lower() in _JSON_TYPES:
        return None
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: " + ", ".join(_JSON_TYPES[1:]))


def _summary(raw: bytes) -> str:
    if not raw:
        return "<empty>"
    if raw[:1] == b"{":
        return raw.decode(errors="replace") if len(raw) <= 30 else \
            raw[:30].decode(errors="replace") + " ..."
    return raw.hex() if len(raw) <= 30 else raw[:30].hex() + " ..."


def _unrecognized(info: ResourceInfo, why: str, raw: bytes) -> ApiError:
    return errors.bad_request(f"the object provided is unrecognized (must be of type "
                              f"{info.kind}): {why} ({_summary(raw)})")


def decode_error(info: ResourceInfo, raw: bytes) -> ApiError:
    """The 400 for a body that is not JSON (``raw`` failed to parse)."""
    why = syntax_error(raw) or "unexpected end of JSON input"
    return _unrecognized(info, f"couldn't get version/kind; json parse error: {why}", raw)


def object_error(
    info: ResourceInfo, registry: Registry, value: Any, raw: bytes
) -> ApiError | None:
    """The 400 for a decoded body kube would refuse before validating it, or None."""
    if not isinstance(value, dict):
        what = {str: "string", bool: "bool", list: "array"}.get(type(value), "number")
        return _unrecognized(info, f"couldn't get version/kind; json parse error: json: cannot "
                             f"unmarshal {what} into Go value of type {_FIND_KIND}", raw)
    av, kind = value.get("apiVersion"), value.get("kind")
    for key, got in (("apiVersion", av), ("kind", kind)):
        if got is not None and not isinstance(got, str):
            what = {bool: "bool", list: "array", dict: "object"}.get(type(got), "number")
            return _unrecognized(info, f"couldn't get version/kind; json parse error: json: "
                                 f"cannot unmarshal {what} into Go struct field .{key} of type "
                                 "string", raw)
    av, kind = av or "", kind or info.kind
    if av.count("/") > 1:
        return _unrecognized(info, f"unexpected GroupVersion string: {av}", raw)
    group, _, version = av.rpartition("/")
    if not av:
        group, version = info.group, info.version
    prefix = f'{kind} in version "{version}" cannot be handled as a {info.kind}: '
    if info.custom:
        return _custom_error(info, value, kind, prefix)
    if (group, version) != (info.group, info.version) or kind != info.kind:
        if not _registered(registry, group, version, kind):
            return errors.bad_request(
                f'{prefix}no kind "{kind}" is registered for version "{av or version}" in '
                f'scheme "{_SCHEME}"')
        package = _INTERNAL_PACKAGE.get(info.group, info.group.split(".")[0])
        if kind != info.kind or _INTERNAL_PACKAGE.get(group) != package:
            return errors.bad_request(
                f"{prefix}converting ({version}.{kind}) to ({package}.{info.kind}): "
                "unknown conversion")
        return None  # another version of the same kind: converted (checked later)
    why = type_error(info.storage_key, value)
    if why is not None:
        return errors.bad_request(prefix + why)
    return None


def _custom_error(info: ResourceInfo, value: dict[str, Any], kind: str,
                  prefix: str) -> ApiError | None:
    why = metadata_type_error(value)
    if why is not None:
        return errors.bad_request(prefix + why)
    if kind != info.kind:  # the CRD's validator names the kind sent
        meta = value.get("metadata")
        name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
        return errors.invalid(info.group, kind, name, [
            FieldError(ErrorType.INVALID, "kind", f"must be {info.kind}", kind)])
    return None  # the apiVersion is checked later, with the CRD's versions
