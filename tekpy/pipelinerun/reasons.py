"""Tekton's PipelineRun condition reasons, skip reasons and fixed messages.

The strings are Tekton's (``pipelinerun_types.go`` and the reconciler), so users and
dashboards recognise them.
"""

from __future__ import annotations

__all__ = [
    "CANCELLED", "CANCELLED_BY_PIPELINE_MSG", "CANCELLED_RUNNING_FINALLY",
    "CEL_EVALUATION_FAILED", "COMPLETED", "CREATE_RUN_FAILED",
    "COULDNT_GET_PIPELINE", "COULDNT_GET_PIPELINE_RESULT", "COULDNT_GET_TASK", "FAILED",
    "INVALID_GRAPH", "INVALID_TASK_RESULT_REFERENCE", "INVALID_WORKSPACE_BINDINGS",
    "OBJECT_PARAMETER_MISS_KEYS", "PARAMETER_MISSING", "PARAMETER_TYPE_MISMATCH", "PENDING",
    "RUNNING", "SKIP_EMPTY_MATRIX", "SKIP_FINALLY_TIMEOUT", "SKIP_GRACEFULLY_CANCELLED",
    "SKIP_GRACEFULLY_STOPPED", "SKIP_MISSING_RESULTS", "SKIP_PARENT", "SKIP_PIPELINE_TIMEOUT",
    "SKIP_STOPPING", "SKIP_TASKS_TIMEOUT", "SKIP_WHEN", "SPEC_CANCELLED",
    "SPEC_CANCELLED_RUN_FINALLY", "SPEC_PENDING", "SPEC_STOPPED_RUN_FINALLY", "STARTED",
    "STOPPED_RUNNING_FINALLY", "STOPPING", "SUCCEEDED", "TASKRUN_CANCELLED", "TIMED_OUT",
    "TIMED_OUT_BY_PIPELINE_MSG", "TIMED_OUT_RUNNING_FINALLY", "TIMEOUT_SKIPS",
    "VALIDATION_FAILED",
]

# -- Succeeded condition reasons ------------------------------------------------------------
STARTED = "Started"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
COMPLETED = "Completed"  # succeeded with some tasks skipped
FAILED = "Failed"
CANCELLED = "Cancelled"
PENDING = "PipelineRunPending"
TIMED_OUT = "PipelineRunTimeout"
STOPPING = "PipelineRunStopping"
TIMED_OUT_RUNNING_FINALLY = "PipelineRunTimeoutRunningFinally"
CANCELLED_RUNNING_FINALLY = "CancelledRunningFinally"
STOPPED_RUNNING_FINALLY = "StoppedRunningFinally"
COULDNT_GET_PIPELINE = "CouldntGetPipeline"
COULDNT_GET_TASK = "CouldntGetTask"
INVALID_GRAPH = "PipelineInvalidGraph"
VALIDATION_FAILED = "PipelineValidationFailed"
PARAMETER_MISSING = "ParameterMissing"
PARAMETER_TYPE_MISMATCH = "ParameterTypeMismatch"
INVALID_WORKSPACE_BINDINGS = "InvalidWorkspaceBindings"
OBJECT_PARAMETER_MISS_KEYS = "ObjectParameterMissKeys"
INVALID_TASK_RESULT_REFERENCE = "InvalidTaskResultReference"
COULDNT_GET_PIPELINE_RESULT = "CouldntGetPipelineResult"
CEL_EVALUATION_FAILED = "CELEvaluationFailed"
CREATE_RUN_FAILED = "CreateRunFailed"

# -- spec.status values ---------------------------------------------------------------------
SPEC_CANCELLED = "Cancelled"
SPEC_CANCELLED_RUN_FINALLY = "CancelledRunFinally"
SPEC_STOPPED_RUN_FINALLY = "StoppedRunFinally"
SPEC_PENDING = "PipelineRunPending"

# -- skip reasons (status.skippedTasks[].reason) --------------------------------------------
SKIP_WHEN = "When Expressions evaluated to false"
SKIP_PARENT = "Parent Tasks were skipped"
SKIP_STOPPING = "PipelineRun was stopping"
SKIP_GRACEFULLY_CANCELLED = "PipelineRun was gracefully cancelled"
SKIP_GRACEFULLY_STOPPED = "PipelineRun was gracefully stopped"
SKIP_MISSING_RESULTS = "Results were missing"
SKIP_PIPELINE_TIMEOUT = "PipelineRun timeout has been reached"
SKIP_TASKS_TIMEOUT = "PipelineRun Tasks timeout has been reached"
SKIP_FINALLY_TIMEOUT = "PipelineRun Finally timeout has been reached"
SKIP_EMPTY_MATRIX = "Matrix Parameters have an empty array"

#: skip reasons that make the run fail (Tekton's ``SkippedDueToTimeout``)
TIMEOUT_SKIPS = frozenset({SKIP_PIPELINE_TIMEOUT, SKIP_TASKS_TIMEOUT, SKIP_FINALLY_TIMEOUT})

# -- TaskRun spec.statusMessage when the PipelineRun cancels a child -----------------------
CANCELLED_BY_PIPELINE_MSG = "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
TIMED_OUT_BY_PIPELINE_MSG = "TaskRun cancelled as the PipelineRun it belongs to has timed out."
TASKRUN_CANCELLED = "TaskRunCancelled"
