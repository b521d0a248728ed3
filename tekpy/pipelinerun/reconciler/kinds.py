"""The API collections the PipelineRun reconciler reads and writes."""

from __future__ import annotations

from tekpy.runtime.client import Resource

__all__ = ["PIPELINERUNS", "PIPELINES", "PVCS", "TASKRUNS", "TASKS"]

PIPELINERUNS = Resource("tekton.dev", "v1", "pipelineruns", "PipelineRun")
PIPELINES = Resource("tekton.dev", "v1", "pipelines", "Pipeline")
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")
TASKS = Resource("tekton.dev", "v1", "tasks", "Task")
PVCS = Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")
