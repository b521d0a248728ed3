"""Original-API Pipeline and PipelineRun -> the internal (v1) shape (JSON dicts)."""

from __future__ import annotations

import copy
from typing import Any

from tekpy.api.legacy.tasks import convert_ref, convert_task_spec, rewrite_variables

__all__ = ["convert_pipeline_run_spec", "convert_pipeline_spec"]


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list (anything else is left for the model to report)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _pipeline_task(pt: Any) -> Any:
    if not isinstance(pt, dict):
        return pt  # the model reports the wrong type with its path
    pt = dict(pt)
    if pt.get("taskRef"):
        pt["taskRef"] = convert_ref(pt["taskRef"])
    if isinstance(pt.get("taskSpec"), dict):
        embedded = dict(pt["taskSpec"])
        meta = embedded.pop("metadata", None)
        converted = convert_task_spec(embedded)
        if meta is not None:
            converted["metadata"] = meta
        pt["taskSpec"] = converted
    return pt


def convert_pipeline_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A v1alpha1/v1beta1 PipelineSpec -> internal (resources and conditions kept)."""
    spec = copy.deepcopy(spec or {})
    if not isinstance(spec, dict):
        return spec
    for key in ("tasks", "finally"):
        if isinstance(spec.get(key), list):
            spec[key] = [_pipeline_task(t) for t in spec[key]]
    return rewrite_variables(spec)


def convert_pipeline_run_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A v1alpha1/v1beta1 PipelineRunSpec -> internal."""
    spec = copy.deepcopy(spec or {})
    if not isinstance(spec, dict):
        return spec
    template = spec.pop("taskRunTemplate", None) or {}
    if not isinstance(template, dict):
        spec["taskRunTemplate"] = template
        return spec
    template = dict(template)
    sa = spec.pop("serviceAccountName", None) or spec.pop("serviceAccount", None)
    if sa:
        template.setdefault("serviceAccountName", sa)
    pod = spec.pop("podTemplate", None)
    if pod:
        template.setdefault("podTemplate", pod)
    if template:
        spec["taskRunTemplate"] = template
    timeout = spec.pop("timeout", None)
    if timeout is not None:
        spec.setdefault("timeouts", {}).setdefault("pipeline", timeout)
    run_specs = []
    for s in _dicts(spec.pop("serviceAccountNames", None)):
        run_specs.append({"pipelineTaskName": s.get("taskName", ""),
                          "serviceAccountName": s.get("serviceAccountName", "")})
    for s in _dicts(spec.get("taskRunSpecs")):
        s = dict(s)
        if "taskServiceAccountName" in s:
            s["serviceAccountName"] = s.pop("taskServiceAccountName")
        if "taskPodTemplate" in s:
            s["podTemplate"] = s.pop("taskPodTemplate")
        for old, new in (("stepOverrides", "stepSpecs"), ("sidecarOverrides", "sidecarSpecs")):
            if old in s:
                s[new] = [{"name": o.get("name", ""), "computeResources": o.get("resources", {})}
                          for o in _dicts(s.pop(old))]
        run_specs.append(s)
    if run_specs:
        spec["taskRunSpecs"] = run_specs
    if spec.get("pipelineRef"):
        spec["pipelineRef"] = convert_ref(spec["pipelineRef"], kind="pipeline")
    if isinstance(spec.get("pipelineSpec"), dict):
        spec["pipelineSpec"] = convert_pipeline_spec(spec["pipelineSpec"])
    return spec
