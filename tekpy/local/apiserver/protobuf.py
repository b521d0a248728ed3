"""Decoding of the few protobuf request bodies kubectl sends for built-in kinds.

kubectl's typed clients (``kubectl create configmap|secret|namespace|serviceaccount``,
``kubectl auth can-i``) send ``application/vnd.kubernetes.protobuf``: the magic ``k8s\\0``
then a ``runtime.Unknown`` (TypeMeta, raw object bytes). Protobuf carries field numbers,
not names, so decoding needs each message's field table (from k8s.io/api's
``generated.proto``); we keep tables for those kinds only and answer 415 for the rest, and
always answer in JSON (which every client accepts).
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["MAGIC", "ProtobufUnsupported", "decode"]

MAGIC = b"k8s\x00"


class ProtobufUnsupported(ValueError):
    """The body is not protobuf we can decode."""


# message -> field number -> (JSON name, type); types: str, int, bool, map (string values),
# bmap (bytes values, base64 in JSON), [T] (repeated), or another message name
_MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "ObjectMeta": {
        1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"),
        5: ("uid", "str"), 6: ("resourceVersion", "str"), 7: ("generation", "int"),
        10: ("deletionGracePeriodSeconds", "int"), 11: ("labels", "map"),
        12: ("annotations", "map"), 13: ("ownerReferences", "[OwnerReference]"),
        14: ("finalizers", "[str]"),
    },
    "OwnerReference": {
        1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"), 5: ("apiVersion", "str"),
        6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool"),
    },
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "bmap"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "bmap"), 3: ("type", "str"),
        4: ("stringData", "map"), 5: ("immutable", "bool"),
    },
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "[str]")},
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"), 2: ("secrets", "[ObjectReference]"),
        3: ("imagePullSecrets", "[LocalObjectReference]"),
        4: ("automountServiceAccountToken", "bool"),
    },
    "ObjectReference": {
        1: ("kind", "str"), 2: ("namespace", "str"), 3: ("name", "str"), 4: ("uid", "str"),
        5: ("apiVersion", "str"), 6: ("resourceVersion", "str"), 7: ("fieldPath", "str"),
    },
    "LocalObjectReference": {1: ("name", "str")},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SSARSpec")},
    "SSARSpec": {
        1: ("resourceAttributes", "ResourceAttributes"),
        2: ("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: ("namespace", "str"), 2: ("verb", "str"), 3: ("group", "str"),
        4: ("version", "str"), 5: ("resource", "str"), 6: ("subresource", "str"),
        7: ("name", "str"),
    },
    "NonResourceAttributes": {1: ("path", "str"), 2: ("verb", "str")},
}
_KINDS = ("ConfigMap", "Secret", "Namespace", "ServiceAccount", "SelfSubjectAccessReview")


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(data):
            raise ProtobufUnsupported("truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ProtobufUnsupported("varint too long")


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs; varints as int, length-delimited as bytes."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.append((number, value))
        elif wire == 2:
            size, i = _varint(data, i)
            if i + size > len(data):
                raise ProtobufUnsupported("truncated field")
            out.append((number, data[i:i + size]))
            i += size
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ProtobufUnsupported(f"unsupported wire type {wire}")
    return out


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ProtobufUnsupported("expected a string")
    return value.decode()


def _message(data: bytes, name: str) -> dict[str, Any]:
    table = _MESSAGES[name]
    out: dict[str, Any] = {}
    for number, value in _fields(data):
        spec = table.get(number)
        if spec is None:
            continue  # fields the server ignores (timestamps, managedFields, status)
        key, typ = spec
        if typ == "str":
            out[key] = _text(value)
        elif typ in ("int", "bool"):
            if not isinstance(value, int):
                raise ProtobufUnsupported("expected a varint")
            out[key] = bool(value) if typ == "bool" else value
        elif typ in ("map", "bmap"):
            if not isinstance(value, bytes):
                raise ProtobufUnsupported("expected a map entry")
            entry = dict(_fields(value))
            v = entry.get(2, b"")
            if not isinstance(v, bytes):
                raise ProtobufUnsupported("expected a map value")
            text = base64.b64encode(v).decode() if typ == "bmap" else v.decode()
            out.setdefault(key, {})[_text(entry.get(1, b""))] = text
        elif typ.startswith("["):
            inner = typ[1:-1]
            item = _text(value) if inner == "str" else _message(_as_bytes(value), inner)
            out.setdefault(key, []).append(item)
        else:
            out[key] = _message(_as_bytes(value), typ)
    return out


def _as_bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ProtobufUnsupported("expected a message")
    return value


def decode(body: bytes) -> dict[str, Any]:
    """The JSON-shaped object of a kube protobuf body, or ``ProtobufUnsupported``."""
    if not body.startswith(MAGIC):
        raise ProtobufUnsupported("missing the k8s protobuf prefix")
    unknown = dict(_fields(body[len(MAGIC):]))
    type_meta = dict(_fields(_as_bytes(unknown.get(1, b""))))
    api_version = _text(type_meta.get(1, b""))
    kind = _text(type_meta.get(2, b""))
    if kind not in _KINDS:
        raise ProtobufUnsupported(f"protobuf bodies of kind {kind!r} are not supported")
    obj = _message(_as_bytes(unknown.get(2, b"")), kind)
    obj["apiVersion"], obj["kind"] = api_version, kind
    return obj
