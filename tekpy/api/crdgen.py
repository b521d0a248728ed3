"""CustomResourceDefinitions generated from the model (``hack/gen-crds.py`` writes them).

Schemas are structural OpenAPI v3 derived from the attrs classes. They are closed where
Tekton's are closed (for kinds without older versions the API server prunes unknown fields;
see "Versions" for the others) and open
(``x-kubernetes-preserve-unknown-fields``) where Tekton's are open: param and result values
(string, array or object), plain Kubernetes parts (podTemplate, securityContext, volumes,
env, ...), embedded specs (a TaskRun's ``taskSpec``, a PipelineRun's ``pipelineSpec``, a
Pipeline task's ``taskSpec``, and their copies in ``status``), ``retriesStatus``, and
recursive spots (a PipelineTask's ``pipelineSpec``). An open field keeps its shape: a
list-typed one (``retriesStatus``) is an array of open objects, never an open object.

Versions: ``v1`` is served and stored; the original API's versions (``v1beta1``,
``v1alpha1``) are served with open schemas and ``conversion: None``, and tekpy converts
legacy shapes in the reconcilers (:func:`tekpy.api.legacy.looks_legacy`). Without a
conversion webhook kube-apiserver rewrites only ``apiVersion`` and then prunes the object by
the *storage* version's schema (and, on a read, by the requested version's), so a closed v1
schema would silently drop ``inputs``, ``outputs`` and every other field only older versions
have. The storage schema of a kind with older versions therefore keeps its properties and
types (``kubectl explain``, type checks on v1 writes) but sets
``x-kubernetes-preserve-unknown-fields`` on every object under ``spec`` and ``status``
(:func:`_keep_older_fields`): nothing is pruned, and tekpy's validation reports fields no
version knows as ``unknown field`` with their path (docs/api.md, "CRDs and stored versions").
"""

from __future__ import annotations

import types
import typing
from typing import Any

import attrs
import yaml

from tekpy.api.types import (
    ParamValue,
    Pipeline,
    PipelineResource,
    PipelineRun,
    StepAction,
    Task,
    TaskRun,
    TektonCondition,
)
from tekpy.api.types._base import json_name

__all__ = ["CRDS", "CrdInfo", "crd", "render_all"]

_OPEN_OBJECT: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_ANY: dict[str, Any] = {"x-kubernetes-preserve-unknown-fields": True}
# JSON paths (from the kind's root) that Tekton leaves open; a list-typed one becomes an
# array of open objects (see _open)
_OPEN_PATHS = {
    "TaskRun": {"spec.taskSpec", "status.taskSpec", "status.retriesStatus"},
    "PipelineRun": {"spec.pipelineSpec", "status.pipelineSpec"},
    "Pipeline": {"spec.tasks[].taskSpec", "spec.finally[].taskSpec"},
}
# attributes that are open wherever they appear (recursive or free-form)
_OPEN_ATTRS = {"pipeline_spec", "retries_status", "artifacts", "provenance", "ref_source",
               "feature_flags", "resource_ref", "spec"}


@attrs.frozen
class CrdInfo:
    """What one CRD needs besides the schema."""

    kind: str
    plural: str
    model: type
    storage: str
    legacy: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    run: bool = False


CRDS = (
    CrdInfo("Task", "tasks", Task, "v1", ("v1beta1", "v1alpha1")),
    CrdInfo("TaskRun", "taskruns", TaskRun, "v1", ("v1beta1", "v1alpha1"), ("tr", "trs"),
            run=True),
    CrdInfo("Pipeline", "pipelines", Pipeline, "v1", ("v1beta1", "v1alpha1")),
    CrdInfo("PipelineRun", "pipelineruns", PipelineRun, "v1", ("v1beta1", "v1alpha1"),
            ("pr", "prs"), run=True),
    CrdInfo("StepAction", "stepactions", StepAction, "v1beta1", ("v1alpha1",)),
    CrdInfo("PipelineResource", "pipelineresources", PipelineResource, "v1alpha1"),
    CrdInfo("Condition", "conditions", TektonCondition, "v1alpha1"),
)


def _doc(cls: type) -> str:
    return (cls.__doc__ or "").strip().split("\n")[0].replace("``", "")


def _open(tp: Any) -> dict[str, Any]:
    """An open schema that keeps the field's shape: a list stays an array (of open objects),
    so the API server still rejects a non-list and a list is not rejected as a non-object."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _open(members[0]) if len(members) == 1 else dict(_ANY)
    if origin in (list, tuple):
        return {"type": "array", "items": dict(_OPEN_OBJECT)}
    return dict(_OPEN_OBJECT)


def _schema(tp: Any, path: str, kind: str, stack: tuple[type, ...]) -> dict[str, Any]:
    if path in _OPEN_PATHS.get(kind, ()):
        return _open(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _schema(members[0], path, kind, stack) if len(members) == 1 else dict(_ANY)
    if tp is ParamValue or tp is Any:
        return dict(_ANY)
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if origin in (list, tuple):
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return {"type": "array", "items": _schema(item, path + "[]", kind, stack)}
    if origin is dict:
        kv = typing.get_args(tp)
        value = kv[1] if len(kv) == 2 else Any
        if value is Any:
            return dict(_OPEN_OBJECT)
        return {"type": "object",
                "additionalProperties": _schema(value, path + ".*", kind, stack)}
    if isinstance(tp, type) and attrs.has(tp):
        if tp in stack:
            return dict(_OPEN_OBJECT)
        return _object(tp, path, kind, (*stack, tp))
    return dict(_ANY)


def _object(cls: type, path: str, kind: str, stack: tuple[type, ...]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    for a in attrs.fields(cls):
        if a.name == "extra":
            continue
        name = json_name(a)
        sub = f"{path}.{name}" if path else name
        if a.name in _OPEN_ATTRS and path:
            props[name] = _open(hints[a.name])
        elif name == "metadata" and not path:
            props[name] = {"type": "object"}
        else:
            props[name] = _schema(hints[a.name], sub, kind, stack)
    out: dict[str, Any] = {"type": "object"}
    if _doc(cls):
        out["description"] = _doc(cls)
    out["properties"] = props
    return out


def _printer_columns() -> list[dict[str, Any]]:
    cond = '.status.conditions[?(@.type=="Succeeded")]'
    return [
        {"name": "Succeeded", "type": "string", "jsonPath": f"{cond}.status"},
        {"name": "Reason", "type": "string", "jsonPath": f"{cond}.reason"},
        {"name": "StartTime", "type": "date", "jsonPath": ".status.startTime"},
        {"name": "CompletionTime", "type": "date", "jsonPath": ".status.completionTime"},
    ]


def _open_version_schema(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"{kind} in the original API shape (converted by tekpy)",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": dict(_OPEN_OBJECT),
            "status": dict(_OPEN_OBJECT),
        },
    }


def _keep_older_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every object under ``spec`` and ``status`` preserving unknown fields.

    kube-apiserver prunes a non-storage version's object by the storage version's schema
    when it stores it (conversion ``None``), at any depth (a v1beta1 step's ``resources``,
    a v1alpha1 TaskRun's ``inputs``): only an object that preserves unknown fields keeps them.
    """
    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if "properties" in node:
            node["x-kubernetes-preserve-unknown-fields"] = True
        for sub in (node.get("properties") or {}).values():
            walk(sub)
        walk(node.get("items"))
        walk(node.get("additionalProperties"))

    for part in ("spec", "status"):
        walk(schema["properties"].get(part))
    return schema


def crd(info: CrdInfo) -> dict[str, Any]:
    """The CustomResourceDefinition of one kind."""
    versions = []
    for name in (info.storage, *info.legacy):
        schema = (_object(info.model, "", info.kind, (info.model,))
                  if name == info.storage or info.kind == "StepAction"
                  else _open_version_schema(info.kind))
        if name == info.storage and info.kind != "StepAction" and info.legacy:
            schema = _keep_older_fields(schema)
        version: dict[str, Any] = {
            "name": name,
            "served": True,
            "storage": name == info.storage,
            "schema": {"openAPIV3Schema": schema},
        }
        if info.run:
            version["additionalPrinterColumns"] = _printer_columns()
            version["subresources"] = {"status": {}}
        versions.append(version)
    names: dict[str, Any] = {
        "kind": info.kind,
        "plural": info.plural,
        "singular": info.kind.lower(),
        "categories": ["tekton", "tekton-pipelines"],
    }
    if info.short_names:
        names["shortNames"] = list(info.short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{info.plural}.tekton.dev",
            "labels": {"app.kubernetes.io/part-of": "tekton-pipelines",
                       "app.kubernetes.io/managed-by": "tekpy"},
        },
        "spec": {
            "group": "tekton.dev",
            "preserveUnknownFields": False,
            "versions": versions,
            "names": names,
            "scope": "Namespaced",
            "conversion": {"strategy": "None"},
        },
    }


HEADER = "# Generated by hack/gen-crds.py from tekpy.api's model. Do not edit.\n"


def render_all() -> dict[str, str]:
    """File name -> YAML text of every CRD."""
    out = {}
    for info in CRDS:
        text = yaml.safe_dump(crd(info), sort_keys=False, width=100)
        out[f"{info.plural}.yaml"] = HEADER + text
    return out
