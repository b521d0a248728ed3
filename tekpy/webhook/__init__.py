"""tekpy's validating admission webhook: Tekton objects are checked when they are written.

tekpy's CRDs keep unknown fields under ``spec``/``status`` (so the original ``v1alpha1`` API
survives storage as ``v1``), so kube-apiserver no longer rejects a typo at ``kubectl
apply``. Like Tekton's validating webhook, this one rejects invalid objects at admission,
with every problem and its field path (docs/webhook.md).

:func:`review` answers one AdmissionReview (pure); :class:`WebhookServer` / :func:`serve`
serve ``POST /validate`` and ``GET /healthz`` over HTTPS.
"""

from tekpy.webhook.review import ADMISSION_API_VERSION, HANDLED_KINDS, denial, review
from tekpy.webhook.server import WebhookServer, make_app, serve

__all__ = [
    "ADMISSION_API_VERSION",
    "HANDLED_KINDS",
    "WebhookServer",
    "denial",
    "make_app",
    "review",
    "serve",
]
