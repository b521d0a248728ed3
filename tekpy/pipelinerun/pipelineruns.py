"""Pipelines in pipelines (TEP-0056, alpha): the child PipelineRun (a raw dict) that a
PipelineTask with ``pipelineRef`` or ``pipelineSpec`` creates.

As Tekton: one child per PipelineTask, named like a TaskRun would be
(:func:`~tekpy.pipelinerun.names.taskrun_names`), in the parent's namespace, with one
controller ``ownerReference`` to the parent (so a child's change wakes the parent and the
child goes with it). Labels: the parent's, then ``tekton.dev/pipelineRun``,
``tekton.dev/pipelineRunUID``, ``tekton.dev/pipelineTask`` and ``tekton.dev/memberOf``; a
``pipelineRef`` child's ``tekton.dev/pipeline`` is the referenced Pipeline's name.
Annotations: the parent's. Spec: the parent's ``taskRunTemplate``, the PipelineTask's
(substituted) params, its workspaces bound from the parent's bindings (as for a TaskRun),
and the ``pipelineRef`` as written or the embedded ``pipelineSpec``. Neither the
PipelineTask's ``timeout``/``retries`` nor the parent's ``timeouts`` reach the child: it
runs with the default timeouts (a Tekton limitation kept as is).

Cycles: a ``pipelineRef`` naming a Pipeline already running in the chain of parents
(their ``tekton.dev/pipeline`` labels) is refused (:func:`cycle_message`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tekpy.api import unstructure
from tekpy.api.types import PipelineRun, PipelineTask
from tekpy.pipelinerun.taskruns import (
    MEMBER_OF_LABEL,
    PIPELINE_LABEL,
    PIPELINE_TASK_LABEL,
    PIPELINERUN_LABEL,
    PIPELINERUN_UID_LABEL,
    owner_reference,
    workspace_bindings,
)

__all__ = ["build_child_pipelinerun", "cycle_message", "is_child_pipeline"]

_DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def is_child_pipeline(pt: PipelineTask) -> bool:
    """The PipelineTask runs a Pipeline (``pipelineRef`` or ``pipelineSpec``)."""
    return pt.pipeline_ref is not None or pt.pipeline_spec is not None


def cycle_message(pt: PipelineTask, ancestors: Sequence[str]) -> str | None:
    """Tekton's message when ``pt``'s ``pipelineRef`` names a Pipeline in ``ancestors``
    (the ``tekton.dev/pipeline`` of this run, then of its parent, ...); None otherwise."""
    ref = pt.pipeline_ref
    if ref is None or not ref.name or ref.resolver:
        return None
    visited: list[str] = []
    for name in ancestors:
        if name == ref.name:
            return (f'detected cycle in pipeline-in-pipeline: pipeline "{ref.name}" is already '
                    f"running in ancestor chain [{' '.join(visited)}]")
        if name:
            visited.append(name)
    return None


def build_child_pipelinerun(pr: PipelineRun, pipeline_name: str, pt: PipelineTask, *,
                            final: bool, name: str) -> dict[str, Any]:
    """The child PipelineRun of one resolved PipelineTask (see the module docstring)."""
    labels = {**pr.labels, PIPELINE_LABEL: pr.labels.get(PIPELINE_LABEL, pipeline_name),
              PIPELINERUN_LABEL: pr.name, PIPELINERUN_UID_LABEL: pr.uid,
              PIPELINE_TASK_LABEL: pt.name, MEMBER_OF_LABEL: "finally" if final else "tasks"}
    if pt.pipeline_ref is not None and pt.pipeline_ref.name and not pt.pipeline_ref.resolver:
        labels[PIPELINE_LABEL] = pt.pipeline_ref.name
    annotations = {k: v for k, v in pr.annotations.items() if k not in _DROPPED_ANNOTATIONS}
    spec: dict[str, Any] = {}
    template = unstructure(pr.spec.task_run_template)
    if template:
        spec["taskRunTemplate"] = template
    if pt.params:
        spec["params"] = [unstructure(p) for p in pt.params]
    workspaces = workspace_bindings(pr, pt)
    if workspaces:
        spec["workspaces"] = workspaces
    if pt.pipeline_ref is not None:
        spec["pipelineRef"] = unstructure(pt.pipeline_ref)
    elif pt.pipeline_spec is not None:
        spec["pipelineSpec"] = unstructure(pt.pipeline_spec)
    meta: dict[str, Any] = {"name": name, "namespace": pr.namespace, "labels": labels,
                            "ownerReferences": [owner_reference(pr)]}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": meta,
            "spec": spec}
