"""The pure core of the TaskRun path: TaskRun -> Pod, and Pod -> TaskRun status.

Nothing here talks to the API server; the reconciler (the shell) reads objects, calls these
functions and writes what they return.

Building the Pod
    :func:`prepare_task_spec` inlines StepActions, turns the original API's git/image
    resources into steps and calls :func:`resolve_task_spec` (TaskRun + TaskSpec -> TaskSpec
    with ``$(...)`` replaced, and errors for unmatched references); then :func:`build_pod`
    (TaskRun + resolved TaskSpec + :class:`PodBuilderConfig` (with :class:`ImageCommand`
    entries for images whose steps set no command) [+ ServiceAccount and its
    Secrets] -> :class:`BuiltPod`: the Pod dict and the PersistentVolumeClaims to create
    first; :data:`DEFAULT_ENTRYPOINT_IMAGE` when none is configured;
    :data:`DEFAULT_IMAGE_COMMANDS` the commands of official shell images). Invalid input raises
    :class:`PodBuildError` (``.reason``, ``.message``).
    :func:`pod_name` gives the Pod's deterministic name for an attempt.
    :func:`inline_step_actions` (TaskSpec + TaskRun + the fetched StepActions -> TaskSpec
    with ``ref`` steps made concrete) is the StepAction part of :func:`prepare_task_spec`,
    for a caller that fetches StepActions itself.

Status
    :func:`derive_status` (TaskRun dict + Pod dict + resolved TaskSpec + now -> new status
    dict, read errors); :func:`initialize` (start time and ``Started``);
    :func:`get_condition` (the ``Succeeded`` condition) and :func:`is_done`;
    :func:`sidecars_ready` (when to set the ``tekton.dev/ready`` annotation); transitions
    :func:`cancel`, :func:`time_out`, :func:`has_timed_out`, :func:`mark_pending`,
    :func:`fail`, :func:`check_pod_failed`, :func:`pod_creation_failure`, :func:`retry`,
    :func:`is_retriable`, :func:`is_pod_archived`, :func:`mark_running`,
    :func:`sidecar_state`; reason constants in :mod:`reasons`; annotation names
    (:data:`READY_ANNOTATION`/:data:`READY_VALUE`, :data:`CANCEL_ANNOTATION`/
    :data:`CANCEL_VALUE`), container name prefixes (:data:`STEP_PREFIX`,
    :data:`SIDECAR_PREFIX`) and :func:`format_time` / :func:`parse_time` (status timestamps).
    ``results-from: sidecar-logs``: :func:`results_log_ready` (the Pod's results sidecar has
    exited, so its log, container :data:`RESULTS_CONTAINER`, is complete),
    :func:`parse_sidecar_log` (log + ``max-result-size`` -> :class:`RunResult` entries for
    :func:`derive_status`'s ``logged``; :class:`ResultTooLarge` for a line over the limit).

Stability: every name in ``__all__`` is the package's stable interface (the reconciler and
other shells import only these); submodules are internal and may change.
"""

from tekpy.taskrun.config import (
    DEFAULT_ENTRYPOINT_IMAGE,
    DEFAULT_IMAGE_COMMANDS,
    ImageCommand,
    PodBuilderConfig,
)
from tekpy.taskrun.names import SIDECAR_PREFIX, STEP_PREFIX, pod_name
from tekpy.taskrun.podbuilder import BuiltPod, PodBuildError, build_pod
from tekpy.taskrun.podbuilder.volumes import (
    CANCEL_ANNOTATION,
    CANCEL_VALUE,
    READY_ANNOTATION,
    READY_VALUE,
)
from tekpy.taskrun.resolve import prepare_task_spec, resolve_task_spec
from tekpy.taskrun.status import (
    RESULTS_CONTAINER,
    ResultTooLarge,
    RunResult,
    cancel,
    check_pod_failed,
    derive_status,
    fail,
    format_time,
    get_condition,
    has_timed_out,
    initialize,
    is_done,
    is_pod_archived,
    is_retriable,
    mark_pending,
    mark_running,
    parse_sidecar_log,
    parse_time,
    pod_creation_failure,
    reasons,
    results_log_ready,
    retry,
    sidecar_state,
    sidecars_ready,
    time_out,
)
from tekpy.taskrun.stepactions import inline_step_actions

__all__ = [
    "CANCEL_ANNOTATION",
    "CANCEL_VALUE",
    "DEFAULT_ENTRYPOINT_IMAGE",
    "DEFAULT_IMAGE_COMMANDS",
    "READY_ANNOTATION",
    "READY_VALUE",
    "RESULTS_CONTAINER",
    "SIDECAR_PREFIX",
    "STEP_PREFIX",
    "BuiltPod",
    "ImageCommand",
    "PodBuildError",
    "PodBuilderConfig",
    "ResultTooLarge",
    "RunResult",
    "build_pod",
    "cancel",
    "check_pod_failed",
    "derive_status",
    "fail",
    "format_time",
    "get_condition",
    "has_timed_out",
    "initialize",
    "inline_step_actions",
    "is_done",
    "is_pod_archived",
    "is_retriable",
    "mark_running",
    "mark_pending",
    "pod_creation_failure",
    "parse_sidecar_log",
    "parse_time",
    "pod_name",
    "prepare_task_spec",
    "reasons",
    "resolve_task_spec",
    "results_log_ready",
    "retry",
    "sidecar_state",
    "sidecars_ready",
    "time_out",
]
