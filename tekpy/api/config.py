"""Tekton's configuration: the ``config-defaults`` and ``feature-flags`` ConfigMaps.

:class:`Config` is built from the two ConfigMaps' ``data`` dicts with Tekton's keys, defaults
and parsing rules (:meth:`Config.from_maps`); validation, defaulting and the reconcilers read
it. Unknown keys are ignored, as Tekton ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import yaml

__all__ = [
    "ALPHA",
    "BETA",
    "STABLE",
    "Config",
    "ConfigError",
    "Defaults",
    "FeatureFlags",
    "PER_FEATURE_FLAGS",
]

STABLE = "stable"
BETA = "beta"
ALPHA = "alpha"
_GATES = (STABLE, BETA, ALPHA)


class ConfigError(ValueError):
    """A ConfigMap value Tekton would refuse."""


def _bool(data: Mapping[str, str], key: str, default: bool) -> bool:
    if key not in data:
        return default
    text = str(data[key]).strip()
    # strconv.ParseBool's accepted spellings
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ConfigError(f'failed parsing feature flags config "{text}": invalid syntax for {key}')


def _choice(data: Mapping[str, str], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = str(data.get(key, default)).lower()
    if value not in allowed:
        raise ConfigError(f'invalid value for feature flag "{key}": "{value}"')
    return value


def _int(data: Mapping[str, str], key: str, default: int, what: str = "default config") -> int:
    if key not in data:
        return default
    try:
        return int(str(data[key]).strip())
    except ValueError:
        raise ConfigError(f'failed parsing {what} "{key}"') from None


# Per-feature flags: key -> stability. They are independent of ``enable-api-fields``.
PER_FEATURE_FLAGS: dict[str, str] = {
    "keep-pod-on-cancel": BETA,
    "enable-cel-in-whenexpression": ALPHA,
    "enable-param-enum": ALPHA,
    "enable-artifacts": ALPHA,
    "enable-concise-resolver-syntax": ALPHA,
    "enable-termination-message-compression": ALPHA,
    "enable-tekton-oci-bundles": ALPHA,
}


@attrs.frozen
class FeatureFlags:
    """The ``feature-flags`` ConfigMap, with Tekton's defaults."""

    enable_api_fields: str = BETA
    disable_creds_init: bool = False
    running_in_environment_with_injected_sidecars: bool = True
    await_sidecar_readiness: bool = True
    require_git_ssh_secret_known_hosts: bool = False
    send_cloudevents_for_runs: bool = True
    trusted_resources_verification_no_match_policy: str = "ignore"
    enable_provenance_in_status: bool = True
    results_from: str = "termination-message"
    max_result_size: int = 4096
    set_security_context: bool = False
    set_security_context_read_only_root_filesystem: bool = False
    coschedule: str = "workspaces"
    enforce_nonfalsifiability: str = "none"
    disable_inline_spec: str = ""
    enable_kubernetes_sidecar: bool = False
    enable_wait_exponential_backoff: bool = False
    keep_pod_on_cancel: bool = False
    enable_cel_in_whenexpression: bool = False
    enable_param_enum: bool = False
    enable_artifacts: bool = False
    enable_concise_resolver_syntax: bool = False
    enable_termination_message_compression: bool = False
    enable_tekton_oci_bundles: bool = False

    @classmethod
    def from_map(cls, data: Mapping[str, str]) -> FeatureFlags:
        """Parse the ConfigMap data as Tekton does (errors raise :class:`ConfigError`)."""
        max_result_size = _int(data, "max-result-size", 4096, "feature flags config")
        if max_result_size >= 1572864:
            raise ConfigError(
                f'invalid value for feature flag "results-from": "{max_result_size}". '
                "This is exceeding the CRD limit"
            )
        kw: dict[str, Any] = {
            "enable_api_fields": _choice(data, "enable-api-fields", BETA, _GATES),
            "results_from": _choice(
                data, "results-from", "termination-message",
                ("termination-message", "sidecar-logs"),
            ),
            "trusted_resources_verification_no_match_policy": _choice(
                data, "trusted-resources-verification-no-match-policy", "ignore",
                ("fail", "warn", "ignore"),
            ),
            "coschedule": _choice(
                data, "coschedule", "workspaces",
                ("disabled", "workspaces", "pipelineruns", "isolate-pipelinerun"),
            ),
            "enforce_nonfalsifiability": _choice(
                data, "enforce-nonfalsifiability", "none", ("none", "spire")
            ),
            "max_result_size": max_result_size,
            "disable_inline_spec": str(data.get("disable-inline-spec", "")),
        }
        for a in attrs.fields(cls):
            if a.type in (bool, "bool"):
                kw[a.name] = _bool(data, a.name.replace("_", "-"), a.default)
        return cls(**kw)

    def is_enabled(self, key: str) -> bool:
        """The value of a boolean flag by its ConfigMap key (``enable-param-enum``)."""
        return bool(getattr(self, key.replace("-", "_")))

    def inline_spec_disabled(self, where: str) -> bool:
        """Whether ``disable-inline-spec`` lists ``where`` (pipeline, pipelinerun, taskrun)."""
        return where in self.disable_inline_spec.split(",")


@attrs.frozen
class Defaults:
    """The ``config-defaults`` ConfigMap, with Tekton's defaults."""

    default_timeout_minutes: int = 60
    default_service_account: str = "default"
    default_managed_by_label_value: str = "tekton-pipelines"
    default_pod_template: dict[str, Any] | None = None
    default_affinity_assistant_pod_template: dict[str, Any] | None = None
    default_cloud_events_sink: str = ""
    default_task_run_workspace_binding: str = ""
    default_max_matrix_combinations_count: int = 256
    default_forbidden_env: tuple[str, ...] = ()
    default_resolver_type: str = ""
    default_container_resource_requirements: dict[str, Any] = attrs.field(factory=dict)
    default_imagepullbackoff_timeout: str = "0s"
    default_create_container_error_timeout: str = "0s"
    default_maximum_resolution_timeout: str = "1m0s"
    default_sidecar_log_polling_interval: str = "100ms"
    default_step_ref_concurrency_limit: int = 5

    @classmethod
    def from_map(cls, data: Mapping[str, str]) -> Defaults:
        """Parse the ConfigMap data as Tekton does (errors raise :class:`ConfigError`)."""
        kw: dict[str, Any] = {
            "default_timeout_minutes": _int(data, "default-timeout-minutes", 60),
            "default_max_matrix_combinations_count": _int(
                data, "default-max-matrix-combinations-count", 256
            ),
            "default_step_ref_concurrency_limit": _int(
                data, "default-step-ref-concurrency-limit", 5
            ),
        }
        for key, attr in (
            ("default-service-account", "default_service_account"),
            ("default-managed-by-label-value", "default_managed_by_label_value"),
            ("default-cloud-events-sink", "default_cloud_events_sink"),
            ("default-task-run-workspace-binding", "default_task_run_workspace_binding"),
            ("default-resolver-type", "default_resolver_type"),
            ("default-imagepullbackoff-timeout", "default_imagepullbackoff_timeout"),
            ("default-create-container-error-timeout", "default_create_container_error_timeout"),
            ("default-maximum-resolution-timeout", "default_maximum_resolution_timeout"),
            ("default-sidecar-log-polling-interval", "default_sidecar_log_polling_interval"),
        ):
            if key in data:
                kw[attr] = str(data[key])
        for key, attr in (
            ("default-pod-template", "default_pod_template"),
            ("default-affinity-assistant-pod-template", "default_affinity_assistant_pod_template"),
            ("default-container-resource-requirements", "default_container_resource_requirements"),
        ):
            if key in data:
                try:
                    kw[attr] = yaml.safe_load(str(data[key])) or {}
                except yaml.YAMLError:
                    raise ConfigError(f"failed to unmarshal {data[key]}") from None
        if "default-forbidden-env" in data:
            kw["default_forbidden_env"] = tuple(
                sorted({e.strip() for e in str(data["default-forbidden-env"]).split(",")})
            )
        return cls(**kw)


@attrs.frozen
class Config:
    """Both ConfigMaps; ``Config()`` is Tekton's out-of-the-box configuration."""

    defaults: Defaults = attrs.field(factory=Defaults)
    feature_flags: FeatureFlags = attrs.field(factory=FeatureFlags)

    @classmethod
    def from_maps(
        cls,
        defaults: Mapping[str, str] | None = None,
        feature_flags: Mapping[str, str] | None = None,
    ) -> Config:
        """Build from the ``data`` of ``config-defaults`` and ``feature-flags``."""
        return cls(Defaults.from_map(defaults or {}), FeatureFlags.from_map(feature_flags or {}))

    @classmethod
    def for_gate(cls, gate: str = BETA, **flags: str) -> Config:
        """A configuration at an ``enable-api-fields`` gate, with extra feature-flag keys."""
        data = {"enable-api-fields": gate}
        data.update({k.replace("_", "-"): v for k, v in flags.items()})
        return cls(feature_flags=FeatureFlags.from_map(data))

    @property
    def gate(self) -> str:
        """The ``enable-api-fields`` value."""
        return self.feature_flags.enable_api_fields
