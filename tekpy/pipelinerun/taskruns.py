"""The TaskRun objects (raw dicts) a PipelineRun creates for one PipelineTask, and the
claims its ``volumeClaimTemplate`` workspaces need.

Labels: ``taskRunSpecs`` metadata, then the PipelineRun's labels plus
``tekton.dev/pipeline``, ``tekton.dev/pipelineRun``, ``tekton.dev/pipelineRunUID``,
``tekton.dev/pipelineTask`` and ``tekton.dev/memberOf`` (``tasks`` or ``finally``), then an
embedded spec's metadata, the first writer of a key winning (annotations alike; ``onError:
continue`` adds ``pipeline.tekton.dev/pipeline-task-on-error``). One
controller ``ownerReference`` to the PipelineRun, so child changes wake the parent and the
children go with it. Spec: ``taskRef`` or ``taskSpec``, params (a matrix combination's
params first), ``retries``, ``timeout`` (see :mod:`~tekpy.pipelinerun.timeouts`), the
service account and pod template of ``taskRunTemplate`` overridden by ``taskRunSpecs``,
step/sidecar specs, compute resources, the original API's resource bindings (with the
``from`` hand-over paths, see :mod:`~tekpy.pipelinerun.artifacts`),
and workspaces bound from the PipelineRun's bindings (an embedded ``taskSpec`` also gets the
workspaces its containers use, see :mod:`~tekpy.pipelinerun.propagation`; ``subPath`` joined; a
``volumeClaimTemplate`` becomes one claim per PipelineRun, owned by it).
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Sequence
from typing import Any

from tekpy.api import format_duration, unstructure
from tekpy.api.types import (
    Param,
    PipelineRun,
    PipelineTask,
    PipelineTaskRunSpec,
    WorkspacePipelineTaskBinding,
)
from tekpy.pipelinerun.artifacts import ARTIFACT_PVC_ANNOTATION
from tekpy.pipelinerun.matrix import Combination, params_of
from tekpy.pipelinerun.names import pvc_name
from tekpy.pipelinerun.propagation import workspaces_used

__all__ = ["LABELS", "build_taskruns", "claims_for", "owner_reference", "workspace_bindings"]

PIPELINE_LABEL = "tekton.dev/pipeline"
PIPELINERUN_LABEL = "tekton.dev/pipelineRun"
PIPELINERUN_UID_LABEL = "tekton.dev/pipelineRunUID"
PIPELINE_TASK_LABEL = "tekton.dev/pipelineTask"
MEMBER_OF_LABEL = "tekton.dev/memberOf"
LABELS = (PIPELINE_LABEL, PIPELINERUN_LABEL, PIPELINE_TASK_LABEL, MEMBER_OF_LABEL)
ON_ERROR_ANNOTATION = "pipeline.tekton.dev/pipeline-task-on-error"
_DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def owner_reference(pr: PipelineRun) -> dict[str, Any]:
    """The controller reference every child carries."""
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "name": pr.name,
            "uid": pr.uid, "controller": True, "blockOwnerDeletion": True}


def _run_spec(pr: PipelineRun, task: str) -> PipelineTaskRunSpec | None:
    for s in pr.spec.task_run_specs:
        if s.pipeline_task_name == task:
            return s
    return None


def _task_workspaces(pt: PipelineTask) -> list[WorkspacePipelineTaskBinding]:
    """The PipelineTask's workspaces plus, for an embedded ``taskSpec``, those its
    containers use under the same name (Tekton propagates them from the PipelineRun)."""
    listed = list(pt.workspaces)
    if pt.task_spec is None or pt.task_spec.spec is not None:  # custom tasks: no steps
        return listed
    have = {w.name for w in listed}
    listed += [WorkspacePipelineTaskBinding(name=n)
               for n in workspaces_used(pt.task_spec) if n not in have]
    return listed


def workspace_bindings(pr: PipelineRun, pt: PipelineTask) -> list[dict[str, Any]]:
    """The run's bindings for the PipelineTask's workspaces, under the names the task
    gives them (``subPath`` joined, a ``volumeClaimTemplate`` as its claim)."""
    bindings = {b.name: b for b in pr.spec.workspaces}
    out = []
    for w in _task_workspaces(pt):
        b = bindings.get(w.workspace or w.name)
        if b is None:
            continue  # an optional workspace the run does not bind
        raw = unstructure(b)
        raw["name"] = w.name
        sub = posixpath.join(b.sub_path, w.sub_path) if b.sub_path and w.sub_path \
            else (b.sub_path or w.sub_path)
        if sub:
            raw["subPath"] = sub
        if b.volume_claim_template is not None:
            raw.pop("volumeClaimTemplate", None)
            tmpl_name = str((b.volume_claim_template.get("metadata") or {}).get("name", ""))
            raw["persistentVolumeClaim"] = {"claimName": pvc_name(tmpl_name, b.name, pr.uid)}
        out.append(raw)
    return out


def claims_for(pr: PipelineRun) -> list[dict[str, Any]]:
    """A PersistentVolumeClaim for each ``volumeClaimTemplate`` binding, owned by the run."""
    out = []
    for b in pr.spec.workspaces:
        if b.volume_claim_template is None:
            continue
        tmpl = copy.deepcopy(b.volume_claim_template)
        meta = tmpl.get("metadata") or {}
        name = pvc_name(str(meta.get("name", "")), b.name, pr.uid)
        out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {**meta, "name": name, "namespace": pr.namespace,
                                 "ownerReferences": [owner_reference(pr)]},
                    "spec": tmpl.get("spec") or {}})
    return out


def _params(params: Sequence[Param]) -> list[dict[str, Any]]:
    return [unstructure(p) for p in params]


def build_taskruns(pr: PipelineRun, pipeline_name: str, pt: PipelineTask, *, final: bool,
                   names: Sequence[str], combos: Sequence[Combination],
                   timeout: float | None, resources: dict[str, Any] | None = None,
                   artifact_pvc: str = "") -> list[dict[str, Any]]:
    """The TaskRuns of one resolved PipelineTask: one per name (``combos`` gives each
    matrix TaskRun its extra params; empty for a plain task). ``resources`` is the
    original API's TaskRun ``resources`` (see :mod:`~tekpy.pipelinerun.artifacts`) and
    ``artifact_pvc`` the claim its ``paths`` live on (the ``tekpy.dev/artifact-pvc``
    annotation)."""
    run_spec = _run_spec(pr, pt.name)
    # Tekton's precedence (first writer wins): taskRunSpecs metadata, then the run's labels
    # and the system labels, then an embedded spec's metadata
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    if run_spec is not None and run_spec.metadata is not None:
        labels.update(run_spec.metadata.labels)
        annotations.update(run_spec.metadata.annotations)
    system = {**pr.labels, PIPELINE_LABEL: pr.labels.get(PIPELINE_LABEL, pipeline_name),
              PIPELINERUN_LABEL: pr.name, PIPELINERUN_UID_LABEL: pr.uid,
              PIPELINE_TASK_LABEL: pt.name, MEMBER_OF_LABEL: "finally" if final else "tasks"}
    for k, v in system.items():
        labels.setdefault(k, v)
    for k, v in pr.annotations.items():
        if k not in _DROPPED_ANNOTATIONS:
            annotations.setdefault(k, v)
    spec: dict[str, Any] = {}
    if pt.task_ref is not None:
        spec["taskRef"] = unstructure(pt.task_ref)
    elif pt.task_spec is not None:
        embedded = unstructure(pt.task_spec)
        extra_meta = embedded.pop("metadata", None) or {}
        for k, v in (extra_meta.get("labels") or {}).items():
            labels.setdefault(k, v)
        for k, v in (extra_meta.get("annotations") or {}).items():
            annotations.setdefault(k, v)
        spec["taskSpec"] = embedded
    if pt.on_error == "continue":  # the TaskRun then reports FailureIgnored
        annotations[ON_ERROR_ANNOTATION] = "continue"
    if artifact_pvc:  # read by the Pod builder to mount the claim for the copy steps
        annotations[ARTIFACT_PVC_ANNOTATION] = artifact_pvc
    template = pr.spec.task_run_template
    sa = (run_spec.service_account_name if run_spec and run_spec.service_account_name
          else template.service_account_name)
    if sa:
        spec["serviceAccountName"] = sa
    pod_template = run_spec.pod_template if run_spec and run_spec.pod_template is not None \
        else template.pod_template
    if pod_template:
        spec["podTemplate"] = copy.deepcopy(pod_template)
    if pt.retries:
        spec["retries"] = pt.retries
    if timeout is not None:
        spec["timeout"] = format_duration(timeout)
    if resources:
        spec["resources"] = copy.deepcopy(resources)
    workspaces = workspace_bindings(pr, pt)
    if workspaces:
        spec["workspaces"] = workspaces
    if run_spec is not None:
        if run_spec.step_specs:
            spec["stepSpecs"] = [unstructure(s) for s in run_spec.step_specs]
        if run_spec.sidecar_specs:
            spec["sidecarSpecs"] = [unstructure(s) for s in run_spec.sidecar_specs]
        if run_spec.compute_resources:
            spec["computeResources"] = copy.deepcopy(run_spec.compute_resources)
    out = []
    for i, name in enumerate(names):
        # as Tekton: the combination's params first, then the PipelineTask's
        params = (params_of(combos[i]) if i < len(combos) else []) + list(pt.params)
        meta: dict[str, Any] = {"name": name, "namespace": pr.namespace,
                                "labels": dict(labels),
                                "ownerReferences": [owner_reference(pr)]}
        if annotations:
            meta["annotations"] = dict(annotations)
        body = copy.deepcopy(spec)
        if params:
            body["params"] = _params(params)
        out.append({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": meta,
                    "spec": body})
    return out
