"""The error every patch function raises, carrying the Status kube-apiserver would return."""

from __future__ import annotations

from typing import Any

__all__ = ["PatchError", "UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type"]

_REASONS = {
    400: "BadRequest",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "",  # kube's StatusReasonUnknown for errors that are not API statuses
}

# kube answers JSON patch application failures with a generic 422 whose message does not
# carry the library's text (NewGenericServerResponse without causes).
_GENERIC_422 = "the server rejected our request due to an error in our request"

UNSUPPORTED_MEDIA_TYPE = 415


class PatchError(Exception):
    """A patch kube-apiserver would refuse.

    ``message`` is the patch library's text (what kube logs and, for most codes, returns),
    ``code`` the HTTP status kube answers with (400 malformed patch, 413 too many JSON
    patch operations, 415 patch type not supported for the resource, 422 a JSON patch that
    does not apply, 500 a strategic merge patch kube fails on internally). :meth:`status`
    builds the exact ``Status`` body.
    """

    def __init__(self, message: str, *, code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def reason(self) -> str:
        """The Status ``reason`` (``Invalid``, ``BadRequest``, ...; "" for 500)."""
        return _REASONS.get(self.code, "")

    @property
    def status_message(self) -> str:
        """The Status ``message`` kube sends for this error."""
        return _GENERIC_422 if self.code == 422 else self.message

    def status(self) -> dict[str, Any]:
        """The ``metav1.Status`` body kube-apiserver returns for this error."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.status_message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.code == 422:
            body["details"] = {}
        if not body["reason"]:
            del body["reason"]
        return body


def unsupported_media_type(accepted: list[str] | tuple[str, ...]) -> PatchError:
    """kube's 415 for a Content-Type the endpoint does not take (e.g. SMP on a CR)."""
    return PatchError(
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
        code=UNSUPPORTED_MEDIA_TYPE,
    )
