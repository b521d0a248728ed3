"""Deterministic names of the objects and containers a TaskRun produces.

Every name here is a pure function of its inputs, so that a retried reconcile computes the
same Pod, volume and claim names and never creates a duplicate. The rules are Tekton's (and
knative's, for child names):

- :func:`child_name` -- ``parent + suffix``, or, when that exceeds 63 characters, the parent
  truncated and followed by the md5 of the parent (knative's ``kmeta.ChildName``);
- :func:`pod_name` -- ``<taskrun>-pod``, ``<taskrun>-pod-retry<N>`` for the N-th retry;
- :func:`restrict_length` -- at most 63 characters, trailing non-alphanumerics dropped
  (container names);
- :func:`hashed_name` -- ``<prefix>-<fnv32a hex>`` (workspace and credential volumes);
- :func:`step_container_name` -- ``step-<name>`` or ``step-unnamed-<i>``.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "MAX_NAME_LENGTH",
    "SIDECAR_PREFIX",
    "STEP_PREFIX",
    "child_name",
    "fnv32a",
    "hashed_name",
    "pod_name",
    "restrict_length",
    "sidecar_container_name",
    "step_container_name",
]

MAX_NAME_LENGTH = 63
_MD5_HEX_LEN = 32
_HEAD = MAX_NAME_LENGTH - _MD5_HEX_LEN

STEP_PREFIX = "step-"
SIDECAR_PREFIX = "sidecar-"


def _trim_non_alnum(name: str) -> str:
    while name and not (name[-1].isascii() and name[-1].isalnum()):
        name = name[:-1]
    return name


def child_name(parent: str, suffix: str) -> str:
    """The name of a child object: ``parent + suffix`` kept within 63 characters."""
    if len(parent) <= MAX_NAME_LENGTH - len(suffix):
        return parent + suffix
    if _HEAD - len(suffix) <= 0:
        # the suffix alone leaves no room: hash everything, pad with the suffix's start
        digest = hashlib.md5((parent + suffix).encode(), usedforsecurity=False).hexdigest()
        out = parent[:_HEAD] + digest
        room = MAX_NAME_LENGTH - len(out)
        if room > 0:
            out += suffix[:room]
        return _trim_non_alnum(out)
    digest = hashlib.md5(parent.encode(), usedforsecurity=False).hexdigest()
    return parent[: _HEAD - len(suffix)] + digest + suffix


def pod_name(taskrun_name: str, retries: int = 0) -> str:
    """The Pod of a TaskRun attempt: ``<tr>-pod`` first, ``<tr>-pod-retry<N>`` after N
    archived attempts (``len(status.retriesStatus)``)."""
    suffix = "-pod" if retries <= 0 else f"-pod-retry{retries}"
    return child_name(taskrun_name, suffix)


def restrict_length(name: str) -> str:
    """At most 63 characters, without trailing characters that are not alphanumeric."""
    return _trim_non_alnum(name[:MAX_NAME_LENGTH])


def fnv32a(data: str) -> int:
    """The 32-bit FNV-1a hash of the UTF-8 bytes of ``data``."""
    h = 0x811C9DC5
    for b in data.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def hashed_name(prefix: str, name: str, length: int = 5) -> str:
    """``<prefix>-<hash>``: the FNV-1a hash of ``name`` in hex, cut or zero-padded to
    ``length`` characters (Tekton's ``GenerateHashedName``)."""
    suffix = format(fnv32a(name), "x")
    suffix = suffix[:length] if len(suffix) > length else suffix.ljust(length, "0")
    return f"{prefix}-{suffix}"


def step_container_name(name: str, index: int) -> str:
    """The container (and ``/tekton/steps`` link) name of step ``index``."""
    return restrict_length(f"{STEP_PREFIX}{name}" if name else f"{STEP_PREFIX}unnamed-{index}")


def sidecar_container_name(name: str) -> str:
    """The container name of a sidecar."""
    return restrict_length(f"{SIDECAR_PREFIX}{name}")
