"""TaskRun status derivation (pure): Pod -> TaskRun status, and the reconciler's transitions."""

from tekpy.taskrun.status import reasons
from tekpy.taskrun.status.conditions import (
    format_time,
    get_condition,
    initialize,
    is_done,
    mark_running,
    parse_time,
)
from tekpy.taskrun.status.derive import derive_status
from tekpy.taskrun.status.lifecycle import (
    cancel,
    check_pod_failed,
    fail,
    has_timed_out,
    is_pod_archived,
    is_retriable,
    mark_pending,
    pod_creation_failure,
    retry,
    time_out,
)
from tekpy.taskrun.status.pod_state import sidecars_ready
from tekpy.taskrun.status.results import RunResult
from tekpy.taskrun.status.sidecarlogs import (
    RESULTS_CONTAINER,
    ResultTooLarge,
    parse_sidecar_log,
    results_log_ready,
)
from tekpy.taskrun.status.steps import sidecar_state

__all__ = [
    "RESULTS_CONTAINER",
    "ResultTooLarge",
    "RunResult",
    "cancel",
    "check_pod_failed",
    "derive_status",
    "fail",
    "format_time",
    "get_condition",
    "has_timed_out",
    "initialize",
    "is_done",
    "is_pod_archived",
    "is_retriable",
    "mark_pending",
    "mark_running",
    "parse_sidecar_log",
    "parse_time",
    "pod_creation_failure",
    "reasons",
    "results_log_ready",
    "retry",
    "sidecar_state",
    "sidecars_ready",
    "time_out",
]
