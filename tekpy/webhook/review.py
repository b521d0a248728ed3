"""Answering one ``admission.k8s.io/v1`` AdmissionReview for a Tekton object.

:func:`review` is pure: a decoded AdmissionReview (and the Tekton configuration) in, the
AdmissionReview answer out. It never raises, whatever it is given: a review it cannot read is
answered with a denial that says what is wrong with it.

What it checks mirrors Tekton's validating webhook (knative's resource validation):

- ``CREATE`` and ``UPDATE`` of the object itself are validated: the object is read into
  tekpy's model (the original ``v1alpha1`` API is recognised even when served as ``v1``,
  as the reconcilers recognise it) and checked with :func:`tekpy.api.validate`.
- ``DELETE``, ``CONNECT`` and writes of a subresource (``status``) are allowed: Tekton
  validates the spec a user writes, never the status the controller reports.
- An ``UPDATE`` of an object that is being deleted is allowed, so removing finalizers of
  an object stored before the webhook existed is never blocked.

A denial is the Status of a ``400 BadRequest`` whose message reads like Tekton's:
``validation failed: <message>: <path>, <path>`` with one line per distinct message (knative's
``apis.FieldError`` text, which :class:`tekpy.api.ErrorList` renders).
"""

from __future__ import annotations

from typing import Any

from tekpy.api import Config, parse_object, validate
from tekpy.api.parse import GROUP, TEKTON_KINDS

__all__ = ["ADMISSION_API_VERSION", "HANDLED_KINDS", "denial", "review"]

ADMISSION_API_VERSION = "admission.k8s.io/v1"

#: Kinds of ``tekton.dev`` this webhook validates (every kind tekpy models).
HANDLED_KINDS = frozenset(TEKTON_KINDS)

_VALIDATED_OPERATIONS = ("CREATE", "UPDATE")


class _Malformed(Exception):
    """The review itself (not the object under review) cannot be read."""


def review(admission_review: Any, config: Config | None = None) -> dict[str, Any]:
    """The AdmissionReview answering ``admission_review`` (a decoded JSON value).

    ``config`` is Tekton's configuration (feature gates decide which fields are allowed);
    the defaults when None.
    """
    uid = _uid(admission_review)
    try:
        request = _request(admission_review)
        message = _check(request, config or Config())
    except _Malformed as exc:
        return denial(uid, f"malformed AdmissionReview: {exc}")
    except Exception as exc:  # a bug must deny one request, not kill the server
        return denial(uid, f"internal error validating the object: {type(exc).__name__}: {exc}",
                      code=500, reason="InternalError")
    if message:
        return denial(uid, message)
    return _answer(uid, {"uid": uid, "allowed": True})


def denial(uid: str, message: str, *, code: int = 400,
           reason: str = "BadRequest") -> dict[str, Any]:
    """A denying AdmissionReview answer carrying a ``Status`` (``400 BadRequest`` by default,
    what knative's webhook answers for an invalid object)."""
    status = {"metadata": {}, "status": "Failure", "message": message, "reason": reason,
              "code": code}
    return _answer(uid, {"uid": uid, "allowed": False, "status": status})


def _answer(uid: str, response: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": ADMISSION_API_VERSION, "kind": "AdmissionReview",
            "response": response}


def _uid(admission_review: Any) -> str:
    """The request's uid, or "" when there is none to echo."""
    if isinstance(admission_review, dict):
        request = admission_review.get("request")
        if isinstance(request, dict) and isinstance(request.get("uid"), str):
            return str(request["uid"])
    return ""


def _request(admission_review: Any) -> dict[str, Any]:
    """The ``request`` of a well-formed review; raises :class:`_Malformed` otherwise."""
    if not isinstance(admission_review, dict):
        raise _Malformed(f"expected a JSON object, got {type(admission_review).__name__}")
    api_version = admission_review.get("apiVersion")
    kind = admission_review.get("kind")
    if api_version != ADMISSION_API_VERSION or kind != "AdmissionReview":
        raise _Malformed(f"expected apiVersion {ADMISSION_API_VERSION} and kind "
                         f"AdmissionReview, got apiVersion {api_version!r} and kind {kind!r}")
    request = admission_review.get("request")
    if not isinstance(request, dict):
        raise _Malformed("request is missing or not an object")
    if not isinstance(request.get("uid"), str) or not request["uid"]:
        raise _Malformed("request.uid is missing or not a string")
    if not isinstance(request.get("operation"), str):
        raise _Malformed("request.operation is missing or not a string")
    if not isinstance(request.get("kind"), dict):
        raise _Malformed("request.kind is missing or not an object")
    return request


def _check(request: dict[str, Any], config: Config) -> str:
    """The denial message for the request, or "" when it is allowed."""
    operation = request["operation"]
    if operation not in _VALIDATED_OPERATIONS or request.get("subResource"):
        return ""
    gvk = request["kind"]
    group, version, kind = (str(gvk.get(k) or "") for k in ("group", "version", "kind"))
    if group != GROUP or kind not in HANDLED_KINDS:
        return f"unhandled kind: {group}/{version}, Kind={kind}"
    obj = request.get("object")
    if not isinstance(obj, dict):
        raise _Malformed(f"request.object is missing or not an object for {operation}")
    metadata = obj.get("metadata")
    if operation == "UPDATE" and isinstance(metadata, dict) and metadata.get("deletionTimestamp"):
        return ""
    # kube-apiserver always sends apiVersion/kind; a hand-made review may leave them out
    if "apiVersion" not in obj or "kind" not in obj:
        obj = {"apiVersion": f"{group}/{version}", "kind": kind, **obj}
    model, errors = parse_object(obj, detect_legacy=True)
    if errors:
        return f"decoding request failed: {errors}"
    if model is None:
        return f"unhandled kind: {group}/{version}, Kind={kind}"
    errors = validate(model, config)
    return f"validation failed: {errors}" if errors else ""
