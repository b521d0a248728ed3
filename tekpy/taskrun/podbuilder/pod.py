"""The Pod of a TaskRun: :func:`build_pod` puts the pieces of this package together.

The order follows Tekton's ``pod.Builder.Build``: workspaces mounted, credentials gathered,
the step template and per-step overrides merged, the ``prepare`` / ``place-scripts`` /
``working-dir-initializer`` init containers made, steps ordered under the entrypoint, the
internal volumes mounted, sidecars appended, then the Pod's metadata and the pod template.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.api.defaults import merge_pod_template
from tekpy.api.durations import parse_duration
from tekpy.api.merge import merge_step_template
from tekpy.api.types import Sidecar, Step, TaskRun, TaskSpec
from tekpy.taskrun.config import PodBuilderConfig
from tekpy.taskrun.names import (
    pod_name,
    sidecar_container_name,
    step_container_name,
)
from tekpy.taskrun.podbuilder import volumes as v
from tekpy.taskrun.podbuilder.compute import apply_default_requirements, task_level_resources
from tekpy.taskrun.podbuilder.containers import (
    sidecar_container,
    step_container,
    working_dir_init,
)
from tekpy.taskrun.podbuilder.creds import creds_init
from tekpy.taskrun.podbuilder.errors import PodBuildError
from tekpy.taskrun.podbuilder.podtemplate import (
    pod_template_replacements,
    substitute_pod_template,
)
from tekpy.taskrun.podbuilder.resultsidecar import needs_results_sidecar, results_sidecar
from tekpy.taskrun.podbuilder.scripts import place_scripts
from tekpy.taskrun.podbuilder.steps import order_steps, resolve_commands
from tekpy.taskrun.podbuilder.workspaces import (
    apply_workspaces,
    effective_bindings,
    owner_reference,
    workspace_volumes,
)

__all__ = ["BuiltPod", "build_pod", "pod_labels"]

RELEASE_ANNOTATION = "pipeline.tekton.dev/release"
MANAGED_BY = "app.kubernetes.io/managed-by"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
EXECUTION_MODE = "experimental.tekton.dev/execution-mode"
DEADLINE_FACTOR = 1.5
MAX_DEADLINE = 2**31 - 1

# podTemplate keys copied onto the PodSpec as they are
_TEMPLATE_KEYS = ("nodeSelector", "tolerations", "affinity", "securityContext",
                  "runtimeClassName", "automountServiceAccountToken", "schedulerName",
                  "hostNetwork", "hostUsers", "dnsPolicy", "dnsConfig", "enableServiceLinks",
                  "priorityClassName", "imagePullSecrets", "hostAliases",
                  "topologySpreadConstraints")


@attrs.define
class BuiltPod:
    """The Pod, the claims to create first (from ``volumeClaimTemplate`` bindings, owned by
    the TaskRun) and the ServiceAccount Secrets that were listed but not given."""

    pod: dict[str, Any]
    claims: list[dict[str, Any]] = attrs.Factory(list)
    missing_secrets: list[str] = attrs.Factory(list)


def pod_labels(taskrun: TaskRun, managed_by: str) -> dict[str, str]:
    """The TaskRun's labels plus Tekton's: ``tekton.dev/taskRun``, ``tekton.dev/taskRunUID``,
    ``tekton.dev/task`` (for a ``taskRef`` to a Task, when not already set) and
    ``app.kubernetes.io/managed-by`` (always the configured value)."""
    meta = taskrun.metadata
    labels = {str(k): str(val) for k, val in (meta.get("labels") or {}).items()}
    ref = taskrun.spec.task_ref
    if ref is not None and ref.name and ref.kind in ("", "Task"):
        labels.setdefault("tekton.dev/task", ref.name)
    labels["tekton.dev/taskRun"] = str(meta.get("name", ""))
    labels["tekton.dev/taskRunUID"] = str(meta.get("uid", ""))
    labels[MANAGED_BY] = managed_by
    return labels


def _timeout_seconds(taskrun: TaskRun, config: PodBuilderConfig) -> float:
    text = taskrun.spec.timeout
    if text is None:
        return config.defaults.default_timeout_minutes * 60.0
    try:
        return parse_duration(text)
    except ValueError:
        raise PodBuildError(f'invalid timeout "{text}"') from None


def _override_resources(items: list[Any], specs: list[Any]) -> list[Any]:
    """Apply ``stepSpecs``/``sidecarSpecs``: a matching name replaces computeResources."""
    if not specs:
        return items
    by_name = {s.name: s.compute_resources for s in specs}
    return [attrs.evolve(i, compute_resources=by_name[i.name]) if i.name in by_name else i
            for i in items]


def _ready_immediately(config: PodBuilderConfig, has_sidecars: bool) -> bool:
    ff = config.feature_flags
    if has_sidecars or ff.running_in_environment_with_injected_sidecars:
        return not ff.await_sidecar_readiness
    return True


def _add_step_mounts(containers: list[dict[str, Any]], base: list[dict[str, Any]],
                     volumes: list[dict[str, Any]], creds: bool) -> None:
    n = len(containers)
    # Every step mounts every run dir: n*n mounts. The n read-only mount dicts are built once
    # and shared by the containers (the Pod is a value to serialise, not to mutate).
    run_names = [f"{v.RUN_VOLUME}-{j}" for j in range(n)]
    run_paths = [f"{v.RUN_DIR}/{j}" for j in range(n)]
    read_only = [{"name": name, "mountPath": path, "readOnly": True}
                 for name, path in zip(run_names, run_paths)]
    base_paths = [posixpath.normpath(m["mountPath"]) for m in base]
    for i, c in enumerate(containers):
        mounts = c.setdefault("volumeMounts", [])
        if creds:
            vol, m = v.creds_volume(i)
            volumes.append(vol)
            mounts.append(m)
        volumes.append({"name": run_names[i], "emptyDir": {}})
        taken = {posixpath.normpath(m["mountPath"]) for m in mounts}
        mounts.extend(read_only[:i])
        mounts.append({"name": run_names[i], "mountPath": run_paths[i]})
        mounts.extend(read_only[i + 1:])
        mounts.extend(dict(m) for m, path in zip(base, base_paths) if path not in taken)


def _add_env(containers: list[dict[str, Any]], template: Mapping[str, Any],
             config: PodBuilderConfig, hermetic: bool) -> None:
    forbidden = set(config.defaults.default_forbidden_env)
    extra = [e for e in template.get("env") or [] if e.get("name") not in forbidden]
    for c in containers:
        if extra:
            c["env"] = [*(c.get("env") or []), *extra]
        if hermetic:
            c["env"] = [*(c.get("env") or []), {"name": "TEKTON_HERMETIC", "value": "1"}]


def _init_security_context(config: PodBuilderConfig, windows: bool) -> dict[str, Any] | None:
    """``set-security-context``: Tekton's restricted security context for its own init
    containers (so they run under the "restricted" Pod security standard)."""
    ff = config.feature_flags
    if not ff.set_security_context:
        return None
    if windows:
        return {"runAsNonRoot": True}
    ctx: dict[str, Any] = {"allowPrivilegeEscalation": False,
                           "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
                           "seccompProfile": {"type": "RuntimeDefault"}}
    if ff.set_security_context_read_only_root_filesystem:
        ctx["readOnlyRootFilesystem"] = True
    return ctx


def _check_volumes(volumes: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for vol in volumes:
        name = vol.get("name", "")
        if name in seen:
            raise PodBuildError(f"multiple volumes with same name \"{name}\": volumes[{name}]")
        seen.add(name)


def build_pod(taskrun: TaskRun, spec: TaskSpec, config: PodBuilderConfig | None = None, *,
              service_account: Mapping[str, Any] | None = None,
              secrets: Mapping[str, Mapping[str, Any]] | None = None) -> BuiltPod:
    """Build the Pod of the TaskRun's current attempt.

    ``spec`` is the TaskSpec with variables already substituted
    (:func:`tekpy.taskrun.resolve_task_spec`). ``service_account`` and ``secrets`` (by name)
    feed credential initialisation; without them no credentials are mounted. The attempt
    number is ``len(taskrun.status.retriesStatus)``. Raises :class:`PodBuildError`.

    The Pod is meant to be serialised: identical read-only ``/tekton/run`` mounts are one
    dict shared by the steps, so deep-copy it before mutating mounts in place.
    """
    cfg = config or PodBuilderConfig()
    ff = cfg.feature_flags
    meta = taskrun.metadata
    bindings, claims = effective_bindings(taskrun, spec)
    spec = apply_workspaces(spec, bindings, workspace_volumes(bindings))

    volumes = v.implicit_volumes()
    base_mounts = [v.bin_mount(True), *v.implicit_mounts()]
    common_args: list[str] = []
    creds = creds_init(None if ff.disable_creds_init else service_account, secrets or {},
                       require_known_hosts=ff.require_git_ssh_secret_known_hosts)
    common_args += creds.args
    volumes += creds.volumes
    base_mounts += creds.mounts
    log_results = needs_results_sidecar(ff.results_from, spec)
    if log_results:
        common_args += ["-result_from", "sidecar-logs"]
    if ff.enable_termination_message_compression and ff.results_from != "sidecar-logs":
        common_args.append("-compress_termination_message=true")

    steps: list[Step] = merge_step_template(spec.step_template, spec.steps)
    steps = _override_resources(steps, taskrun.spec.step_specs)
    sidecars: list[Sidecar] = _override_resources(list(spec.sidecars),
                                                  taskrun.spec.sidecar_specs)
    step_cs = [step_container(s) for s in steps]
    try:
        task_level_resources(step_cs, taskrun.spec.compute_resources)
    except ValueError as exc:
        raise PodBuildError(f"invalid computeResources: {exc}") from None
    sidecar_cs = [sidecar_container(s) for s in sidecars]

    names = [step_container_name(s.name, i) for i, s in enumerate(steps)]
    init: list[dict[str, Any]] = [{
        "name": "prepare",
        "image": cfg.entrypoint_image,
        "workingDir": "/",
        "command": [cfg.entrypoint_path, "init", cfg.entrypoint_path, v.ENTRYPOINT_BIN,
                    *names],
        "volumeMounts": [v.bin_mount(False), v.steps_mount()],
    }]
    scripts = place_scripts(cfg.shell_image, str(meta.get("uid") or meta.get("name", "")),
                            step_cs, sidecar_cs)
    if scripts is not None:
        init.append(scripts)
        volumes.append(v.scripts_volume())
    wd = working_dir_init(cfg.shell_image, step_cs, v.implicit_mounts())
    if wd is not None:
        init.append(wd)

    # the run's own template gets the params (as Tekton: before the default is merged in)
    own_template = substitute_pod_template(taskrun.spec.pod_template, pod_template_replacements(
        spec.params, {p.name: p.value for p in taskrun.spec.params}))
    template = merge_pod_template(own_template, cfg.default_pod_template) or {}
    windows = (own_template or {}).get("nodeSelector", {}).get(
        "kubernetes.io/os") == "windows"
    restricted = _init_security_context(cfg, windows)
    if restricted is not None:
        for c in init:
            c["securityContext"] = dict(restricted)
    resolve_commands(step_cs, cfg.image_commands)
    if log_results:
        # after place-scripts (it runs a command), mounting the run dirs to see steps finish
        logger = results_sidecar(spec, cfg.shell_image,
                                 cfg.defaults.default_sidecar_log_polling_interval)
        logger["volumeMounts"] = [*(v.run_mount(i, True) for i in range(len(step_cs))),
                                  *v.implicit_mounts()]
        sidecar_cs.append(logger)
    ready_now = _ready_immediately(cfg, bool(sidecar_cs))
    order_steps(step_cs, steps, spec.results, common_args, wait_for_ready=not ready_now,
                mount_downward_everywhere=ff.keep_pod_on_cancel)
    volumes.append(v.bin_volume())
    if not ready_now or ff.keep_pod_on_cancel:
        volumes.append(v.downward_volume(with_cancel=ff.keep_pod_on_cancel))

    hermetic = (meta.get("annotations") or {}).get(EXECUTION_MODE) == "hermetic" \
        and ff.enable_api_fields == "alpha"
    _add_env(step_cs, template, cfg, hermetic)
    _add_step_mounts(step_cs, base_mounts, volumes, creds=not ff.disable_creds_init)
    for c, name in zip(step_cs, names):
        c["name"] = name
    volumes += spec.volumes
    volumes += template.get("volumes") or []
    _check_volumes(volumes)
    for c in sidecar_cs:
        c["name"] = sidecar_container_name(c.get("name", ""))

    annotations = {str(k): str(val) for k, val in (meta.get("annotations") or {}).items()
                   if k not in (MANAGED_BY, LAST_APPLIED)}
    annotations[RELEASE_ANNOTATION] = cfg.release
    if ready_now:
        annotations[v.READY_ANNOTATION] = v.READY_VALUE
    timeout = _timeout_seconds(taskrun, cfg)
    deadline = MAX_DEADLINE if timeout == 0 else int(timeout * DEADLINE_FACTOR)

    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "initContainers": init,
        "containers": [*step_cs, *sidecar_cs],
        "volumes": volumes,
        "activeDeadlineSeconds": deadline,
    }
    if taskrun.spec.service_account_name:
        pod_spec["serviceAccountName"] = taskrun.spec.service_account_name
    for key in _TEMPLATE_KEYS:
        if template.get(key) not in (None, "", [], {}):
            pod_spec[key] = template[key]
    retries = len(taskrun.status.retries_status) if taskrun.status is not None else 0
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(str(meta.get("name", "")), retries),
            "namespace": meta.get("namespace", ""),
            "labels": pod_labels(taskrun, cfg.defaults.default_managed_by_label_value),
            "annotations": annotations,
            "ownerReferences": [owner_reference(taskrun)],
        },
        "spec": pod_spec,
    }
    apply_default_requirements(pod, cfg.defaults.default_container_resource_requirements)
    return BuiltPod(pod=pod, claims=claims, missing_secrets=creds.missing)
