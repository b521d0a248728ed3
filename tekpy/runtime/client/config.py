"""Client configuration and the loaders that build it from kubeconfig or a Pod's service account.

Parsing kubeconfig (contexts, exec credential plugins, auth providers, CA/cert data or files)
is delegated to kubernetes-asyncio's loaders; we only lift the result out of its
``Configuration`` into a small :class:`ClientConfig` and wrap its credential refresh in a
:class:`TokenProvider`.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from tekpy.runtime.client.lines import DEFAULT_MAX_LINE_BYTES
from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = [
    "ClientConfig",
    "ConfigError",
    "TokenProvider",
    "load_environment_config",
    "load_in_cluster_config",
    "load_kubeconfig",
]

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# client-go re-reads the projected service-account token at most once a minute.
TOKEN_FILE_REFRESH_SECONDS = 60.0


class ConfigError(Exception):
    """No usable configuration (missing kubeconfig, not in a cluster, unsupported auth)."""


class TokenProvider(Protocol):
    """Supplies a bearer token per request. ``refresh=True`` (after a 401) asks for a new one
    rather than a cached one."""

    async def __call__(self, refresh: bool = False) -> str | None: ...


@dataclass(slots=True)
class ClientConfig:
    """How to reach and authenticate to an API server.

    ``namespace`` is the default namespace of the kubeconfig context or of the Pod (for
    callers that want one; the client itself never guesses a namespace).
    ``token`` is a static bearer token; ``token_provider`` (which wins when both are set)
    yields a fresh one for each request. TLS trusts ``ca_data`` (PEM bytes) and/or
    ``ca_file``; ``cert_file``/``key_file`` authenticate with a client certificate;
    ``insecure`` skips server verification. ``qps``/``burst`` enable a client-side token
    bucket (off when ``qps`` is None). ``timeout`` bounds each non-watch request;
    ``watch_inactivity_timeout`` closes a watch that has been silent that long (longer than
    the server's ~1 minute bookmark period, so a healthy idle watch is never cut).
    """

    server: str
    token: str | None = None
    namespace: str | None = None
    token_provider: TokenProvider | None = None
    ca_data: bytes | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure: bool = False
    tls_server_name: str | None = None
    qps: float | None = None
    burst: int = 10
    timeout: float | None = 60.0
    connect_timeout: float = 10.0
    watch_inactivity_timeout: float = 90.0
    max_retries: int = 10
    user_agent: str = "tekpy/0.1"
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for an ``https`` server (None for plain ``http``)."""
        if not self.server.startswith("https"):
            return None
        ctx = ssl.create_default_context(
            cafile=self.ca_file,
            cadata=self.ca_data.decode() if self.ca_data else None,
        )
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.cert_file:
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith("Bearer "):
        return value[len("Bearer ") :]
    if value.startswith("Basic "):
        raise ConfigError("basic authentication is not supported (removed in Kubernetes 1.19)")
    return value


def _expired(expiry: Any, clock: Clock) -> bool:
    if expiry is None:
        return False
    if isinstance(expiry, datetime):
        when = expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)
        # Refresh ten seconds early, like client-go, so a token never expires mid-request.
        return (when - clock.now()).total_seconds() < 10
    return True


class _KubeconfigTokenProvider:
    """Token from a kubeconfig user: exec plugins re-run when their token expires or the
    server rejects it; auth providers (gcp, oidc) refresh through kubernetes-asyncio."""

    def __init__(self, loader: Any, token: str | None, clock: Clock) -> None:
        self._loader = loader
        self._token = token
        self._clock = clock

    async def __call__(self, refresh: bool = False) -> str | None:
        loader = self._loader
        user = getattr(loader, "_user", None)
        if user is not None and "exec" in user:
            expiry = getattr(loader, "exec_plugin_expiry", None)
            if refresh or self._token is None or _expired(expiry, self._clock):
                if hasattr(loader, "exec_plugin_expiry"):
                    del loader.exec_plugin_expiry  # make the loader run the plugin again
                await loader.load_from_exec_plugin()
                self._token = _bearer(getattr(loader, "token", None))
        elif loader.provider == "gcp" and refresh:
            await loader.load_gcp_token()
            self._token = _bearer(loader.token)
        elif loader.provider == "oidc" and refresh:
            await loader._load_oid_token()
            self._token = _bearer(loader.token)
        return self._token


class _TokenFileProvider:
    """A projected service-account token, re-read periodically (kubelet rotates it)."""

    def __init__(self, path: str, clock: Clock, period: float = TOKEN_FILE_REFRESH_SECONDS):
        self._path = path
        self._clock = clock
        self._period = period
        self._token: str | None = None
        self._read_at = 0.0

    async def __call__(self, refresh: bool = False) -> str | None:
        now = self._clock.monotonic()
        if refresh or self._token is None or now - self._read_at >= self._period:
            token = _read_token(self._path)
            if not token:
                raise ConfigError(f"token file {self._path} is empty")
            self._token, self._read_at = token, now
        return self._token


def _read_token(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def _kubeconfig_path(path: str | None) -> str:
    if path is None:
        path = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    if not any(os.path.exists(p) for p in path.split(os.pathsep) if p):
        raise ConfigError(f"kubeconfig {path} does not exist")
    return path


def _default_kubeconfig() -> str | None:
    default = os.path.expanduser("~/.kube/config")
    return default if os.path.exists(default) else None


def _from_configuration(
    cfg: Any, provider: TokenProvider | None, token: str | None
) -> ClientConfig:
    return ClientConfig(
        server=str(cfg.host).rstrip("/"),
        token=token,
        token_provider=provider,
        ca_file=cfg.ssl_ca_cert or None,
        cert_file=cfg.cert_file or None,
        key_file=cfg.key_file or None,
        insecure=not cfg.verify_ssl,
        tls_server_name=getattr(cfg, "tls_server_name", None) or None,
    )


async def load_kubeconfig(
    path: str | None = None, context: str | None = None, *, clock: Clock = REAL_CLOCK
) -> ClientConfig:
    """Read a kubeconfig (``path``, else ``$KUBECONFIG`` (``:``-separated files are merged),
    else ``~/.kube/config``) for ``context`` (default: its current context)."""
    from kubernetes_asyncio.client import Configuration
    from kubernetes_asyncio.config import ConfigException, load_kube_config

    path = _kubeconfig_path(path)
    cfg = Configuration()
    try:
        loader = await load_kube_config(
            config_file=path, context=context, client_configuration=cfg, persist_config=False
        )
    except ConfigException as e:
        raise ConfigError(str(e)) from e
    token = _bearer(cfg.api_key.get("BearerToken"))
    user = getattr(loader, "_user", None)
    dynamic = loader.provider in ("gcp", "oidc") or (user is not None and "exec" in user)
    provider = _KubeconfigTokenProvider(loader, token, clock) if dynamic else None
    config = _from_configuration(cfg, provider, None if dynamic else token)
    context_doc = (loader.current_context or {}).get("context") or {}
    config.namespace = context_doc.get("namespace") or None
    return config


def load_in_cluster_config(
    *,
    environ: Mapping[str, str] | None = None,
    token_file: str = f"{SERVICE_ACCOUNT_DIR}/token",
    ca_file: str = f"{SERVICE_ACCOUNT_DIR}/ca.crt",
    clock: Clock = REAL_CLOCK,
) -> ClientConfig:
    """The service-account configuration of a Pod: ``KUBERNETES_SERVICE_HOST``/``PORT``, the
    mounted CA, and the token file (re-read every minute, and at once after a 401)."""
    from kubernetes_asyncio.client import Configuration
    from kubernetes_asyncio.config import ConfigException
    from kubernetes_asyncio.config.incluster_config import InClusterConfigLoader

    cfg = Configuration()
    try:
        InClusterConfigLoader(
            token_filename=token_file,
            cert_filename=ca_file,
            try_refresh_token=False,
            environ=dict(environ if environ is not None else os.environ),
        ).load_and_set(cfg)
    except ConfigException as e:
        raise ConfigError(str(e)) from e
    config = _from_configuration(cfg, _TokenFileProvider(token_file, clock), None)
    ns_file = os.path.join(os.path.dirname(token_file), "namespace")
    if os.path.exists(ns_file):
        config.namespace = _read_token(ns_file) or None
    return config


async def load_environment_config(*, clock: Clock = REAL_CLOCK) -> ClientConfig:
    """controller-runtime's order: ``$KUBECONFIG``, then in-cluster, then ``~/.kube/config``."""
    if os.environ.get("KUBECONFIG"):
        return await load_kubeconfig(clock=clock)
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return load_in_cluster_config(clock=clock)
    default = _default_kubeconfig()
    if default is not None:
        return await load_kubeconfig(default, clock=clock)
    raise ConfigError("no KUBECONFIG, not running in a cluster, and no ~/.kube/config")
