"""The API collections the TaskRun reconciler reads and writes."""

from __future__ import annotations

from tekpy.runtime.client import PODS, SECRETS, SERVICEACCOUNTS, Resource

__all__ = [
    "MANAGED_BY_LABEL",
    "PIPELINERESOURCES",
    "PODS",
    "PVCS",
    "SECRETS",
    "SERVICEACCOUNTS",
    "STEPACTIONS",
    "TASKRUNS",
    "TASKRUN_LABEL",
    "TASKS",
]

TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")
TASKS = Resource("tekton.dev", "v1", "tasks", "Task")
STEPACTIONS = Resource("tekton.dev", "v1beta1", "stepactions", "StepAction")
PIPELINERESOURCES = Resource("tekton.dev", "v1alpha1", "pipelineresources", "PipelineResource")
PVCS = Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")

#: Every Pod tekpy (or Tekton) makes carries it; the Pod informer watches only those.
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
#: The label naming a Pod's TaskRun (used to find a Pod created before a crash).
TASKRUN_LABEL = "tekton.dev/taskRun"
