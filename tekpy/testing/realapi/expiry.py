"""Which requests a compacted history turns into 410 Expired, worded as kube-apiserver does.

``hooks.compact()`` on the real tier compacts etcd, but kube-apiserver's watch cache keeps
serving recent resourceVersions from memory, so whether a resume then fails would depend on
the cache's window. The fault proxy therefore records the compacted revision and answers,
for any resourceVersion older than it, exactly what kube-apiserver answers when the version
is out of its window (and what the embedded server's ``hooks.compact()`` answers):

- a watch resuming from it: HTTP 200 and one ``ERROR`` event carrying Status 410
  ``Expired`` ``too old resource version: <rv> (<compacted>)`` (the watch cache's error);
- a list with ``resourceVersionMatch=Exact`` at it: 410 ``Expired`` ``The resourceVersion
  for the provided list is too old.`` (etcd's compacted-read error);
- a list continued with a token issued at it: 410 ``Expired`` ``The provided continue
  parameter is too old ...``.

Everything else (``resourceVersion`` unset, ``"0"``, not a number, not older; watches with
``sendInitialEvents=true``; lists that may be served at a newer version) goes to
kube-apiserver untouched, as does any parameter error it has to report itself.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import orjson

from tekpy.local.apiserver.errors import ApiError

__all__ = ["expired_list", "expired_watch"]

LIST_TOO_OLD = "The resourceVersion for the provided list is too old."
CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter."
)
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})


def _older(raw: str | None, compacted: int) -> int | None:
    """``raw`` as a number when it names a version before ``compacted``, else None."""
    if not raw or not raw.isdigit():
        return None
    rv = int(raw)
    return rv if 0 < rv < compacted else None


def expired_watch(query: Mapping[str, str], compacted: int) -> ApiError | None:
    """The error a watch with these query parameters gets once ``compacted``, or None."""
    if query.get("sendInitialEvents") in _TRUE:
        return None  # starts from the current state: no history needed
    rv = _older(query.get("resourceVersion"), compacted)
    if rv is None:
        return None
    return ApiError(410, "Expired", f"too old resource version: {rv} ({compacted})")


def expired_list(query: Mapping[str, str], compacted: int) -> ApiError | None:
    """The error a list with these query parameters gets once ``compacted``, or None."""
    token = query.get("continue")
    if token:
        rv = _token_rv(token)
        if rv is not None and 0 < rv < compacted:
            return ApiError(410, "Expired", CONTINUE_TOO_OLD)
        return None
    if query.get("resourceVersionMatch") != "Exact":
        return None  # NotOlderThan or unset: kube serves a newer state
    if _older(query.get("resourceVersion"), compacted) is None:
        return None
    return ApiError(410, "Expired", LIST_TOO_OLD)


def _token_rv(token: str) -> int | None:
    # kube's continue token: unpadded URL-safe base64 of {"v":..., "rv": N, "start": ...};
    # a token we cannot read is kube-apiserver's to reject.
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        return None
    rv = data.get("rv") if isinstance(data, dict) else None
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else None
