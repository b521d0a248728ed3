"""The original API (``tekton.dev/v1alpha1``, and ``v1beta1`` where it differs).

:func:`convert_legacy` turns a decoded legacy document into the internal model -- the same
attrs classes ``tekton.dev/v1`` documents use -- so the reconcilers see one shape:

- Task ``inputs``/``outputs`` (and v1beta1 ``resources``) -> ``TaskSpec.params`` and
  ``TaskSpec.resources`` (declared PipelineResources); ``$(inputs.params.x)`` is rewritten
  to ``$(params.x)``, resource variables stay for the TaskRun builder;
- TaskRun ``inputs.resources``/``outputs.resources`` -> ``TaskRunSpec.resources``;
- Pipeline ``resources``, PipelineTask ``resources`` (with ``from``) and ``conditions`` are
  kept as typed fields; PipelineRun ``resources``, ``serviceAccountName``, ``podTemplate``,
  ``timeout`` map to their v1 places;
- ``PipelineResource`` and ``Condition`` objects become :class:`PipelineResource` and
  :class:`TektonCondition`.

The result has ``apiVersion: tekton.dev/v1`` and the annotation
:data:`CONVERTED_FROM` naming the original version.
"""

from __future__ import annotations

from typing import Any

from tekpy.api.converter import structure
from tekpy.api.legacy.pipelines import convert_pipeline_run_spec, convert_pipeline_spec
from tekpy.api.legacy.tasks import (
    convert_condition_spec,
    convert_task_run_spec,
    convert_task_spec,
)
from tekpy.api.types import (
    Pipeline,
    PipelineResource,
    PipelineRun,
    Task,
    TaskRun,
    TektonCondition,
)

__all__ = ["CONVERTED_FROM", "LEGACY_KINDS", "convert_legacy", "is_converted", "looks_legacy"]

_RUN_MARKERS = {
    "TaskRun": ("inputs", "outputs", "resources", "serviceAccount", "stepOverrides",
                "sidecarOverrides"),
    "PipelineRun": ("resources", "serviceAccountName", "serviceAccountNames", "serviceAccount",
                    "timeout", "podTemplate"),
}


def _task_spec_is_legacy(spec: Any) -> bool:
    return isinstance(spec, dict) and (
        "inputs" in spec or "outputs" in spec or isinstance(spec.get("resources"), dict))


def looks_legacy(raw: Any) -> bool:
    """Whether a document labelled v1 carries the original API's shape.

    With ``conversion: None`` the API server serves an object written as v1alpha1 under any
    version, so readers decide by shape; the reconcilers call this on stored objects.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("spec"), dict):
        return False
    kind, spec = raw.get("kind"), raw["spec"]
    if kind == "Task":
        return _task_spec_is_legacy(spec)
    if kind in _RUN_MARKERS and any(k in spec for k in _RUN_MARKERS[kind]):
        return True
    if kind == "TaskRun":
        return _task_spec_is_legacy(spec.get("taskSpec"))
    pipeline = spec.get("pipelineSpec") if kind == "PipelineRun" else spec
    if kind in ("Pipeline", "PipelineRun") and isinstance(pipeline, dict):
        tasks = [*(pipeline.get("tasks") or []), *(pipeline.get("finally") or [])]
        return "resources" in pipeline or any(
            isinstance(t, dict) and ("resources" in t or "conditions" in t
                                     or _task_spec_is_legacy(t.get("taskSpec")))
            for t in tasks)
    return False

CONVERTED_FROM = "tekpy.dev/converted-from"
LEGACY_KINDS = ("Task", "TaskRun", "Pipeline", "PipelineRun", "PipelineResource", "Condition")


def is_converted(obj: Any) -> bool:
    """Whether a model object came from a legacy document."""
    meta = getattr(obj, "metadata", None)
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return isinstance(annotations, dict) and CONVERTED_FROM in annotations


def convert_legacy(raw: dict[str, Any]) -> Any:
    """Convert a decoded v1alpha1/v1beta1 document into the internal model object."""
    kind = raw.get("kind")
    if kind not in LEGACY_KINDS:
        raise ValueError(f"no legacy conversion for kind {kind}")
    out = {k: v for k, v in raw.items() if k not in ("spec",)}
    meta = out.get("metadata") or {}
    if not isinstance(meta, dict):
        return structure(out, Task)  # raises StructureError naming "metadata"
    meta = dict(meta)
    annotations = meta.get("annotations") or {}
    annotations = dict(annotations) if isinstance(annotations, dict) else {}
    annotations[CONVERTED_FROM] = str(raw.get("apiVersion"))
    meta["annotations"] = annotations
    out["metadata"] = meta
    spec = raw.get("spec")
    cls: type
    if kind == "Task":
        out["spec"], cls = convert_task_spec(spec), Task
    elif kind == "TaskRun":
        out["spec"], cls = convert_task_run_spec(spec), TaskRun
    elif kind == "Pipeline":
        out["spec"], cls = convert_pipeline_spec(spec), Pipeline
    elif kind == "PipelineRun":
        out["spec"], cls = convert_pipeline_run_spec(spec), PipelineRun
    elif kind == "Condition":
        out["spec"], cls = convert_condition_spec(spec), TektonCondition
    else:
        out["spec"], cls = dict(spec or {}), PipelineResource
    if kind in ("Task", "TaskRun", "Pipeline", "PipelineRun"):
        out["apiVersion"] = "tekton.dev/v1"
    status = out.get("status")
    if isinstance(status, dict) and "taskResults" in status:
        status = dict(status)
        status["results"] = status.pop("taskResults")
        out["status"] = status
    return structure(out, cls)
