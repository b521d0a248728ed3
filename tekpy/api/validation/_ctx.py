"""What every check needs: the configuration, and feature-gate helpers with Tekton's messages."""

from __future__ import annotations

import re

import attrs

from tekpy.api.config import ALPHA, BETA, STABLE, Config
from tekpy.api.errors import ErrorList, err_generic

__all__ = ["Ctx", "is_dns1123_label", "is_dns1123_subdomain", "is_qualified_name"]


@attrs.frozen
class Ctx:
    """Validation context: the :class:`Config` and whether the document was ``tekton.dev/v1``."""

    config: Config = attrs.field(factory=Config)
    # legacy documents (v1alpha1/v1beta1) may use the original API's fields
    legacy: bool = False

    def gate(self, feature: str, want: str) -> ErrorList:
        """Reject ``feature`` unless ``enable-api-fields`` allows the ``want`` stability."""
        current = self.config.gate
        msg = '%s requires "enable-api-fields" feature gate to be %s but it is "%s"'
        if want == BETA and current not in (BETA, ALPHA):
            return err_generic(msg % (feature, f'"{ALPHA}" or "{BETA}"', current))
        if want == ALPHA and current != ALPHA:
            return err_generic(msg % (feature, f'"{ALPHA}"', current))
        if want not in (STABLE, BETA, ALPHA):
            raise ValueError(f"invalid stability {want}")
        return ErrorList()

    def flag(self, key: str) -> bool:
        """A boolean feature flag by its ConfigMap key."""
        return self.config.feature_flags.is_enabled(key)


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def is_dns1123_label(value: str) -> bool:
    """Kubernetes' DNS-1123 label rule (at most 63 characters)."""
    return len(value) <= 63 and bool(_DNS1123_LABEL.match(value))


def is_dns1123_subdomain(value: str) -> bool:
    """Kubernetes' DNS-1123 subdomain rule (at most 253 characters)."""
    return len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


def is_qualified_name(value: str) -> list[str]:
    """Kubernetes' qualified-name rule; the problems found (empty when valid)."""
    name = value
    if "/" in value:
        prefix, _, name = value.partition("/")
        if not prefix or not is_dns1123_subdomain(prefix):
            return ["prefix part must be a DNS-1123 subdomain"]
    if not name:
        return ["name part must be non-empty"]
    if len(name) > 63:
        return ["name part must be no more than 63 characters"]
    if not _QUALIFIED_NAME.match(name):
        return [
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ]
    return []
