"""Deterministic names of a PipelineRun's children.

``<pipelinerun>-<pipelinetask>`` for a single TaskRun, ``<pipelinerun>-<pipelinetask>-<i>``
for each TaskRun of a matrix, kept within 63 characters by knative's ``ChildName`` rule
(the PipelineRun's name truncated and followed by its md5). A retried reconcile therefore
computes the same names and never creates a duplicate.
"""

from __future__ import annotations

import hashlib

from tekpy.taskrun.names import MAX_NAME_LENGTH, child_name

__all__ = ["pvc_name", "taskrun_names"]


def taskrun_names(pipelinerun: str, pipeline_task: str, count: int = 1) -> list[str]:
    """The names of a PipelineTask's TaskRuns (``count`` > 1 for a matrix)."""
    if count == 1:
        return [child_name(pipelinerun, f"-{pipeline_task}")]
    out = []
    for i in range(count):
        name = child_name(pipelinerun, f"-{pipeline_task}-{i}")
        if not name.endswith(f"-{i}"):
            # the hashing lost the index: keep room for "-<i>" after the plain child name
            room = MAX_NAME_LENGTH - len(f"-{count}")
            name = child_name(pipelinerun, f"-{pipeline_task}")[:room] + f"-{i}"
        out.append(name)
    return out


def pvc_name(template_name: str, workspace: str, owner_uid: str) -> str:
    """The claim made from a ``volumeClaimTemplate``: ``<template name or pvc>-<hash>``,
    the hash being the first 10 hex digits of sha256(workspace + owner UID), as Tekton."""
    digest = hashlib.sha256((workspace + owner_uid).encode()).hexdigest()[:10]
    return f"{template_name or 'pvc'}-{digest}"
