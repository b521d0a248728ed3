"""Tekton's reasons for a TaskRun's ``Succeeded`` condition, and the messages it pairs them
with (``pkg/apis/pipeline/v1/taskrun_types.go`` and ``pkg/pod/status.go``)."""

from __future__ import annotations

STARTED = "Started"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
TO_BE_RETRIED = "ToBeRetried"
CANCELLED = "TaskRunCancelled"
TIMED_OUT = "TaskRunTimeout"
PENDING = "TaskRunPending"
RESOLVING_TASK_REF = "ResolvingTaskRef"
IMAGE_PULL_FAILED = "TaskRunImagePullFailed"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
POD_CREATION_FAILED = "PodCreationFailed"
POD_ADMISSION_FAILED = "PodAdmissionFailed"
RESULT_LARGER_THAN_ALLOWED = "TaskRunResultLargerThanAllowedLimit"
STOP_SIDECAR_FAILED = "TaskRunStopSidecarFailed"
INVALID_PARAM_VALUE = "InvalidParamValue"
FAILED_RESOLUTION = "TaskRunResolutionFailed"
FAILED_VALIDATION = "TaskRunValidationFailed"
TASK_FAILED_VALIDATION = "TaskValidationFailed"
RESOURCE_VERIFICATION_FAILED = "ResourceVerificationFailed"
POD_EVICTED = "PodEvicted"
STEP_OOM = "StepOOM"
STEP_FAILED = "StepFailed"
SIDECAR_OOM = "SidecarOOM"
SIDECAR_FAILED = "SidecarFailed"
INIT_CONTAINER_OOM = "InitContainerOOM"
INIT_CONTAINER_FAILED = "InitContainerFailed"
FAILURE_IGNORED = "FailureIgnored"
# reasons of a Pod that is not running yet (condition stays Unknown)
EXCEEDED_NODE_RESOURCES = "ExceededNodeResources"
EXCEEDED_RESOURCE_QUOTA = "ExceededResourceQuota"
PULL_IMAGE_FAILED = "PullImageFailed"
POD_PENDING = "Pending"
COULDNT_CREATE_WORKSPACE_PVC = "CouldntCreateWorkspacePVC"

# step termination reasons the entrypoint reports
TERMINATION_TIMEOUT = "TimeoutExceeded"
TERMINATION_SKIPPED = "Skipped"
TERMINATION_CONTINUED = "Continued"
TERMINATION_CANCELLED = "Cancelled"

MSG_RUNNING = "Not all Steps in the Task have finished executing"
MSG_SUCCEEDED = "All Steps have completed executing"
MSG_PENDING_POD = "Pending"
MSG_EXCEEDED_NODE_RESOURCES = "TaskRun Pod exceeded available resources"
MSG_CONFIG_ERROR = "Failed to create pod due to config error"
MSG_SUBPATH_WAIT = "Waiting for subPath directory creation to complete"

FAILURE_REASONS = frozenset({
    FAILED, CANCELLED, TIMED_OUT, IMAGE_PULL_FAILED, CREATE_CONTAINER_CONFIG_ERROR,
    POD_CREATION_FAILED, POD_ADMISSION_FAILED, RESULT_LARGER_THAN_ALLOWED,
    STOP_SIDECAR_FAILED, INVALID_PARAM_VALUE, FAILED_RESOLUTION, FAILED_VALIDATION,
    TASK_FAILED_VALIDATION, RESOURCE_VERIFICATION_FAILED, POD_EVICTED, STEP_OOM, STEP_FAILED,
    SIDECAR_OOM, SIDECAR_FAILED, INIT_CONTAINER_OOM, INIT_CONTAINER_FAILED, FAILURE_IGNORED,
    COULDNT_CREATE_WORKSPACE_PVC,
})
