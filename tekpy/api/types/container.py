"""Steps, the step template and sidecars: Kubernetes containers with Tekton's additions.

Plain Kubernetes parts (env, envFrom, volumeMounts, computeResources, securityContext,
probes, ...) stay JSON values (:data:`K8sObject` / :data:`K8sList`).
"""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sList, K8sObject, extra_field
from tekpy.api.types.common import Param, Ref, StepResult, WhenExpression, WorkspaceUsage

__all__ = ["Sidecar", "Step", "StepOutputConfig", "StepTemplate"]


@attrs.define
class StepOutputConfig:
    """Where a step's stdout or stderr is also written (``stdoutConfig.path``)."""

    path: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class Step:
    """One step of a Task: a container run in order, or a reference to a StepAction."""

    name: str = ""
    display_name: str = ""
    image: str = ""
    command: list[str] = attrs.Factory(list)
    args: list[str] = attrs.Factory(list)
    working_dir: str = ""
    env_from: K8sList = attrs.Factory(list)
    env: K8sList = attrs.Factory(list)
    compute_resources: K8sObject = attrs.Factory(dict)
    volume_mounts: K8sList = attrs.Factory(list)
    volume_devices: K8sList = attrs.Factory(list)
    image_pull_policy: str = ""
    security_context: K8sObject | None = None
    script: str = ""
    timeout: str | None = None
    workspaces: list[WorkspaceUsage] = attrs.Factory(list)
    on_error: str = ""
    stdout_config: StepOutputConfig | None = None
    stderr_config: StepOutputConfig | None = None
    ref: Ref | None = None
    params: list[Param] = attrs.Factory(list)
    results: list[StepResult] = attrs.Factory(list)
    when: list[WhenExpression] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class StepTemplate:
    """Container fields every step inherits unless the step sets them."""

    image: str = ""
    command: list[str] = attrs.Factory(list)
    args: list[str] = attrs.Factory(list)
    working_dir: str = ""
    env_from: K8sList = attrs.Factory(list)
    env: K8sList = attrs.Factory(list)
    compute_resources: K8sObject = attrs.Factory(dict)
    volume_mounts: K8sList = attrs.Factory(list)
    volume_devices: K8sList = attrs.Factory(list)
    image_pull_policy: str = ""
    security_context: K8sObject | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class Sidecar:
    """A container that runs beside the steps for the whole TaskRun."""

    name: str = ""
    image: str = ""
    command: list[str] = attrs.Factory(list)
    args: list[str] = attrs.Factory(list)
    working_dir: str = ""
    ports: K8sList = attrs.Factory(list)
    env_from: K8sList = attrs.Factory(list)
    env: K8sList = attrs.Factory(list)
    compute_resources: K8sObject = attrs.Factory(dict)
    volume_mounts: K8sList = attrs.Factory(list)
    volume_devices: K8sList = attrs.Factory(list)
    liveness_probe: K8sObject | None = None
    readiness_probe: K8sObject | None = None
    startup_probe: K8sObject | None = None
    lifecycle: K8sObject | None = None
    termination_message_path: str = ""
    termination_message_policy: str = ""
    image_pull_policy: str = ""
    security_context: K8sObject | None = None
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False
    script: str = ""
    workspaces: list[WorkspaceUsage] = attrs.Factory(list)
    restart_policy: str | None = None
    extra: dict[str, Any] = extra_field()
