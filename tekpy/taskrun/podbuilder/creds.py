"""Credential initialisation from the ServiceAccount's annotated Secrets (Tekton's creds-init).

For every Secret the ServiceAccount lists (each once, in order):

- ``kubernetes.io/basic-auth`` Secrets annotated ``tekton.dev/docker-*`` give
  ``-basic-docker=<secret>=<url>`` and, annotated ``tekton.dev/git-*``,
  ``-basic-git=<secret>=<url>`` (annotation values sorted);
- ``kubernetes.io/ssh-auth`` Secrets annotated ``tekton.dev/git-*`` give ``-ssh-git=...``;
- ``kubernetes.io/dockerconfigjson`` and ``kubernetes.io/dockercfg`` Secrets give
  ``-docker-config=<secret>`` / ``-docker-cfg=<secret>``.

A matching Secret is mounted at ``/tekton/creds-secrets/<secret>`` from a volume named
``tekton-creds-<fnv32a(secret)[:8]>`` in every step; the flags go to every step's entrypoint.
The function is pure: the caller reads the ServiceAccount and its Secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.taskrun.names import hashed_name
from tekpy.taskrun.podbuilder.errors import PodBuildError

__all__ = ["CredsInit", "SECRETS_DIR", "creds_init"]

SECRETS_DIR = "/tekton/creds-secrets"
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKERCFG = "kubernetes.io/dockercfg"
_GIT = "tekton.dev/git-"
_DOCKER = "tekton.dev/docker-"


@attrs.define
class CredsInit:
    """Entrypoint flags, volumes and mounts for the annotated Secrets; ``missing`` names the
    Secrets the ServiceAccount lists that were not given (Tekton warns with an event)."""

    args: list[str] = attrs.Factory(list)
    volumes: list[dict[str, Any]] = attrs.Factory(list)
    mounts: list[dict[str, Any]] = attrs.Factory(list)
    missing: list[str] = attrs.Factory(list)


def _annotated(secret: Mapping[str, Any], prefix: str) -> list[str]:
    ann = (secret.get("metadata") or {}).get("annotations") or {}
    return sorted(str(val) for key, val in ann.items() if str(key).startswith(prefix))


def _flags(secret: Mapping[str, Any], name: str) -> list[str]:
    kind = secret.get("type", "")
    out: list[str] = []
    # docker first, then git: Tekton's builder order
    if kind == BASIC_AUTH:
        out += [f"-basic-docker={name}={url}" for url in _annotated(secret, _DOCKER)]
    elif kind == DOCKER_CONFIG_JSON:
        out.append(f"-docker-config={name}")
    elif kind == DOCKERCFG:
        out.append(f"-docker-cfg={name}")
    if kind in (BASIC_AUTH, SSH_AUTH):
        flag = "basic-git" if kind == BASIC_AUTH else "ssh-git"
        out += [f"-{flag}={name}={url}" for url in _annotated(secret, _GIT)]
    return out


def creds_init(service_account: Mapping[str, Any] | None, secrets: Mapping[str, Any], *,
               require_known_hosts: bool = False) -> CredsInit:
    """Credential flags, volumes and mounts from a ServiceAccount and its Secrets (by name)."""
    out = CredsInit()
    if not service_account:
        return out
    seen: set[str] = set()
    used: set[str] = set()
    for entry in service_account.get("secrets") or []:
        name = str((entry or {}).get("name") or "")
        if not name or name in seen:
            continue
        seen.add(name)
        secret = secrets.get(name)
        if secret is None:
            out.missing.append(name)
            continue
        if (require_known_hosts and secret.get("type") == SSH_AUTH
                and "known_hosts" not in (secret.get("data") or {})
                and "known_hosts" not in (secret.get("stringData") or {})):
            raise PodBuildError(
                'TaskRun validation failed. Git SSH Secret must have "known_hosts" included '
                'when feature flag "require-git-ssh-secret-known-hosts" is set to true')
        flags = _flags(secret, name)
        if not flags:
            continue
        out.args += flags
        vol = hashed_name("tekton-creds", name, 8)
        while vol in used:
            vol = hashed_name("tekton-creds", vol + "$", 8)
        used.add(vol)
        out.mounts.append({"name": vol, "mountPath": f"{SECRETS_DIR}/{name}"})
        out.volumes.append({"name": vol, "secret": {"secretName": name}})
    if not out.args:
        return CredsInit(missing=out.missing)
    return out
