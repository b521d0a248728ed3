"""Defaulting, as Tekton's webhook applies it before validation.

:func:`set_defaults` mutates the object in place (call :func:`with_defaults` for a copy):

- param specs get a type (from ``type``, ``properties``, the default's type, else string) and
  object properties default to string; results likewise;
- task refs without a resolver get ``kind: Task``; refs without name and resolver get
  ``default-resolver-type``;
- TaskRun: ``timeout`` from ``default-timeout-minutes``, ``serviceAccountName`` from
  ``default-service-account``, ``podTemplate`` merged with ``default-pod-template``, the
  ``app.kubernetes.io/managed-by`` label from ``default-managed-by-label-value``;
- PipelineRun: ``timeouts.pipeline`` from ``default-timeout-minutes``, the task-run template's
  service account and pod template likewise.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from tekpy.api.config import Config
from tekpy.api.converter import deep_copy
from tekpy.api.durations import format_duration
from tekpy.api.types import (
    OBJECT,
    ParamSpec,
    Pipeline,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    PropertySpec,
    StepAction,
    Task,
    TaskRun,
    TaskSpec,
    TimeoutFields,
)
from tekpy.api.types.common import ResultFields

__all__ = ["MANAGED_BY_LABEL", "merge_pod_template", "set_defaults", "with_defaults"]

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"

T = TypeVar("T")


def with_defaults(obj: T, config: Config | None = None) -> T:
    """A defaulted deep copy of ``obj``."""
    out: T = deep_copy(obj)
    set_defaults(out, config)
    return out


def set_defaults(obj: Any, config: Config | None = None) -> None:
    """Apply Tekton's defaults to a model object in place."""
    cfg = config or Config()
    if isinstance(obj, Task):
        _task_spec(obj.spec, cfg)
    elif isinstance(obj, TaskRun):
        _task_run(obj, cfg)
    elif isinstance(obj, Pipeline):
        _pipeline_spec(obj.spec, cfg)
    elif isinstance(obj, PipelineRun):
        _pipeline_run(obj, cfg)
    elif isinstance(obj, StepAction):
        for p in obj.spec.params:
            param_spec_defaults(p)
        for r in obj.spec.results:
            result_defaults(r)


def param_spec_defaults(p: ParamSpec) -> None:
    """Infer a param's type and default its object properties to string."""
    if not p.type:
        if p.properties is not None:
            p.type = OBJECT
        elif p.default is None:
            p.type = "string"
        else:
            p.type = p.default.type
    if p.properties:
        for key, prop in list(p.properties.items()):
            if not prop.type:
                p.properties[key] = PropertySpec(type="string")


def result_defaults(r: ResultFields) -> None:
    """Results default to string, or object when they declare properties."""
    if not r.type:
        r.type = "object" if r.properties is not None else "string"
    if r.properties:
        for key, prop in list(r.properties.items()):
            if not prop.type:
                r.properties[key] = PropertySpec(type="string")


def _task_spec(spec: TaskSpec, cfg: Config) -> None:
    for s in spec.steps:
        if s.ref is not None and not s.ref.name and not s.ref.resolver:
            s.ref.resolver = cfg.defaults.default_resolver_type
        for sr in s.results:
            result_defaults(sr)
    for p in spec.params:
        param_spec_defaults(p)
    for tr in spec.results:
        result_defaults(tr)


def _pipeline_task(pt: PipelineTask, cfg: Config) -> None:
    if pt.task_ref is not None:
        if not pt.task_ref.name and not pt.task_ref.resolver:
            pt.task_ref.resolver = cfg.defaults.default_resolver_type
        if not pt.task_ref.kind and not pt.task_ref.resolver:
            pt.task_ref.kind = "Task"
    if pt.task_spec is not None:
        _task_spec(pt.task_spec, cfg)
    if pt.pipeline_spec is not None:
        _pipeline_spec(pt.pipeline_spec, cfg)


def _pipeline_spec(spec: PipelineSpec, cfg: Config) -> None:
    for p in spec.params:
        param_spec_defaults(p)
    for pt in (*spec.tasks, *spec.finally_):
        _pipeline_task(pt, cfg)


def _default_timeout(cfg: Config) -> str:
    return format_duration(cfg.defaults.default_timeout_minutes * 60)


def merge_pod_template(tpl: dict[str, Any] | None, default: dict[str, Any] | None
                       ) -> dict[str, Any] | None:
    """Merge a pod template over the default one (fields of ``tpl`` win; env and
    volumes merge by name, as Tekton's MergePodTemplateWithDefault does)."""
    if not default:
        return tpl
    if tpl is None:
        return copy.deepcopy(default)
    out = copy.deepcopy(default)
    for key, value in tpl.items():
        if key in ("env", "volumes") and isinstance(value, list):
            merged = {e.get("name"): e for e in out.get(key, []) if isinstance(e, dict)}
            for e in value:
                if isinstance(e, dict):
                    merged[e.get("name")] = e
            out[key] = list(merged.values())
        else:
            out[key] = value
    return out


def _task_run(tr: TaskRun, cfg: Config) -> None:
    spec = tr.spec
    if spec.task_ref is not None:
        if not spec.task_ref.name and not spec.task_ref.resolver:
            spec.task_ref.resolver = cfg.defaults.default_resolver_type
        if not spec.task_ref.kind and not spec.task_ref.resolver:
            spec.task_ref.kind = "Task"
    if spec.timeout is None:
        spec.timeout = _default_timeout(cfg)
    if not spec.service_account_name and cfg.defaults.default_service_account:
        spec.service_account_name = cfg.defaults.default_service_account
    spec.pod_template = merge_pod_template(spec.pod_template, cfg.defaults.default_pod_template)
    if spec.task_spec is not None:
        _task_spec(spec.task_spec, cfg)
    labels = tr.metadata.setdefault("labels", {})
    if isinstance(labels, dict):
        labels.setdefault(MANAGED_BY_LABEL, cfg.defaults.default_managed_by_label_value)


def _pipeline_run(pr: PipelineRun, cfg: Config) -> None:
    spec = pr.spec
    if spec.pipeline_ref is not None:
        if not spec.pipeline_ref.name and not spec.pipeline_ref.resolver:
            spec.pipeline_ref.resolver = cfg.defaults.default_resolver_type
    if spec.timeouts is None:
        spec.timeouts = TimeoutFields()
    if spec.timeouts.pipeline is None:
        spec.timeouts.pipeline = _default_timeout(cfg)
    tpl = spec.task_run_template
    if not tpl.service_account_name and cfg.defaults.default_service_account:
        tpl.service_account_name = cfg.defaults.default_service_account
    tpl.pod_template = merge_pod_template(tpl.pod_template, cfg.defaults.default_pod_template)
    if spec.pipeline_spec is not None:
        _pipeline_spec(spec.pipeline_spec, cfg)
