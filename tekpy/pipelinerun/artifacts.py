"""PipelineResources of the original API in a PipelineRun: bindings and the ``from`` hand-over.

Each PipelineTask's ``resources.inputs``/``outputs`` name a Pipeline resource; the TaskRun
gets a ``resources`` binding per entry (the task-level name, with the PipelineRun's
``resourceRef`` or ``resourceSpec`` for that Pipeline resource), in the original API's
TaskRun shape, which the TaskRun reconciler converts on reading.

Hand-over, as the original design: when any PipelineTask has an input with ``from``, the run
gets one artifact PersistentVolumeClaim ``<pipelinerun>-pvc`` (owned by the run; size
``5Gi`` by default; no ``storageClassName`` unless configured, so the cluster's default
class applies). A producer's output binding that some ``from`` consumes carries ``paths:
[/pvc/<producer task>/<output name>]`` and a consumer's input binding carries one
``/pvc/<from task>/<producer's output name>`` per task in ``from``. Both TaskRuns carry the
annotation ``tekpy.dev/artifact-pvc: <claim>``; the Pod builder
(:mod:`tekpy.taskrun.podbuilder.handover`) mounts the claim at ``/pvc`` and turns the paths
into copy steps. Everything here is pure.
"""

from __future__ import annotations

from typing import Any

import attrs

from tekpy.api import unstructure
from tekpy.api.types import PipelineRun, PipelineSpec, PipelineTask
from tekpy.taskrun.podbuilder.handover import PVC_MOUNT
from tekpy.taskrun.podbuilder.resources import ARTIFACT_PVC_ANNOTATION

__all__ = ["ARTIFACT_PVC_ANNOTATION", "DEFAULT_STORAGE", "PVC_ROOT", "ArtifactStorage",
           "artifact_claim",
           "artifact_pvc_name", "needs_artifacts", "taskrun_resources"]

PVC_ROOT = PVC_MOUNT  # where the copy steps mount the claim


@attrs.frozen
class ArtifactStorage:
    """The artifact claim's settings (the original ``config-artifact-pvc`` keys ``size``
    and ``storageClassName``)."""

    size: str = "5Gi"
    storage_class_name: str = ""


DEFAULT_STORAGE = ArtifactStorage()

def artifact_pvc_name(pipelinerun: str) -> str:
    """The artifact claim of a PipelineRun: ``<pipelinerun>-pvc``."""
    return f"{pipelinerun}-pvc"


def _all_tasks(spec: PipelineSpec) -> list[PipelineTask]:
    return [*spec.tasks, *spec.finally_]


def needs_artifacts(spec: PipelineSpec) -> bool:
    """Whether some PipelineTask takes a resource ``from`` another task."""
    return any(i.from_ for pt in _all_tasks(spec) if pt.resources is not None
               for i in pt.resources.inputs)


def artifact_claim(pr: PipelineRun, owner: dict[str, Any],
                   storage: ArtifactStorage = DEFAULT_STORAGE) -> dict[str, Any]:
    """The artifact PersistentVolumeClaim of ``pr`` (ReadWriteOnce, owned by the run)."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": storage.size}}}
    if storage.storage_class_name:
        spec["storageClassName"] = storage.storage_class_name
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": artifact_pvc_name(pr.name), "namespace": pr.namespace,
                         "ownerReferences": [owner]},
            "spec": spec}


def _producer_output(spec: PipelineSpec, task: str, resource: str) -> str:
    """The output name under which PipelineTask ``task`` produces Pipeline ``resource``
    (validation guarantees there is one; the resource name otherwise)."""
    for pt in _all_tasks(spec):
        if pt.name == task and pt.resources is not None:
            for o in pt.resources.outputs:
                if o.resource == resource:
                    return o.name
    return resource


def _consumed(spec: PipelineSpec) -> set[tuple[str, str]]:
    """(producer task, Pipeline resource) pairs some ``from`` consumes."""
    return {(src, i.resource) for pt in _all_tasks(spec) if pt.resources is not None
            for i in pt.resources.inputs for src in i.from_}


def _binding(pr: PipelineRun, name: str, resource: str, paths: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for b in pr.spec.resources:
        if b.name == resource:
            if b.resource_spec is not None:
                out["resourceSpec"] = unstructure(b.resource_spec)
            else:
                out["resourceRef"] = dict(b.resource_ref or {})
            break
    if paths:
        out["paths"] = paths
    return out


def taskrun_resources(pr: PipelineRun, spec: PipelineSpec, pt: PipelineTask
                      ) -> tuple[dict[str, Any] | None, bool]:
    """The TaskRun ``resources`` of ``pt`` (``None`` without any) and whether they use the
    artifact claim (some binding has ``paths``)."""
    if pt.resources is None or not (pt.resources.inputs or pt.resources.outputs):
        return None, False
    consumed = _consumed(spec)
    inputs = [_binding(pr, i.name, i.resource,
                       [f"{PVC_ROOT}/{src}/{_producer_output(spec, src, i.resource)}"
                        for src in i.from_])
              for i in pt.resources.inputs]
    outputs = [_binding(pr, o.name, o.resource,
                        [f"{PVC_ROOT}/{pt.name}/{o.name}"]
                        if (pt.name, o.resource) in consumed else [])
               for o in pt.resources.outputs]
    out = {k: v for k, v in (("inputs", inputs), ("outputs", outputs)) if v}
    uses = any("paths" in b for b in (*inputs, *outputs))
    return out, uses
