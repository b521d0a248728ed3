"""Original-API Task, TaskRun, Condition and PipelineResource -> the internal (v1) shape.

Works on JSON dicts: each function returns the v1-shaped dict the model structures.
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = [
    "convert_condition_spec",
    "convert_param_specs",
    "convert_ref",
    "convert_task_run_spec",
    "convert_task_spec",
    "rewrite_variables",
]

_INPUT_PARAMS = re.compile(r"\$\(\s*inputs\.params\.")


def rewrite_variables(value: Any) -> Any:
    """``$(inputs.params.x)`` -> ``$(params.x)`` in every string (resources keep theirs)."""
    if isinstance(value, str):
        return _INPUT_PARAMS.sub("$(params.", value) if "inputs.params" in value else value
    if isinstance(value, list):
        return [rewrite_variables(v) for v in value]
    if isinstance(value, dict):
        return {k: rewrite_variables(v) for k, v in value.items()}
    return value


def convert_container(c: Any) -> Any:
    """A legacy step/sidecar/template container: ``resources`` was the compute resources."""
    if not isinstance(c, dict):
        return c
    out = dict(c)
    if "resources" in out:
        out["computeResources"] = out.pop("resources")
    return out


def convert_param_specs(params: Any) -> list[Any]:
    """Param specs are unchanged in shape (type/default/description)."""
    return list(params) if isinstance(params, list) else []


def convert_ref(ref: Any, kind: str = "task") -> Any:
    """``bundle`` refs become the ``bundles`` resolver, as Tekton converts them."""
    if not isinstance(ref, dict):
        return ref
    out = dict(ref)
    bundle = out.pop("bundle", None)
    if bundle:
        out = {
            "resolver": "bundles",
            "params": [
                {"name": "bundle", "value": bundle},
                {"name": "name", "value": out.pop("name", "")},
                {"name": "kind", "value": kind},
            ],
        }
    return out


def convert_task_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A v1alpha1/v1beta1 TaskSpec (``inputs``/``outputs`` or ``resources``) -> internal."""
    spec = copy.deepcopy(spec or {})
    if not isinstance(spec, dict):
        return spec
    inputs = _obj(spec.pop("inputs", None))
    outputs = _obj(spec.pop("outputs", None))
    resources = _obj(spec.pop("resources", None))
    params = convert_param_specs(spec.get("params")) + convert_param_specs(inputs.get("params"))
    if params:
        spec["params"] = params
    res_in = _items(resources.get("inputs")) + _items(inputs.get("resources"))
    res_out = _items(resources.get("outputs")) + _items(outputs.get("resources"))
    if res_in or res_out:
        spec["resources"] = {k: v for k, v in (("inputs", res_in), ("outputs", res_out)) if v}
    results = _items(spec.get("results")) + _items(outputs.get("results"))
    if results:
        spec["results"] = [{k: v for k, v in r.items() if k != "path"}
                           if isinstance(r, dict) else r for r in results]
    for key in ("steps", "sidecars"):
        if isinstance(spec.get(key), list):
            spec[key] = [convert_container(s) for s in spec[key]]
    if spec.get("stepTemplate"):
        spec["stepTemplate"] = convert_container(spec["stepTemplate"])
    return rewrite_variables(spec)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _bindings(items: Any) -> list[Any]:
    return _items(items)


def convert_task_run_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A v1alpha1/v1beta1 TaskRunSpec -> internal."""
    spec = copy.deepcopy(spec or {})
    if not isinstance(spec, dict):
        return spec
    inputs = _obj(spec.pop("inputs", None))
    outputs = _obj(spec.pop("outputs", None))
    resources = _obj(spec.pop("resources", None))
    params = _items(spec.get("params")) + _items(inputs.get("params"))
    if params:
        spec["params"] = params
    res_in = _bindings(resources.get("inputs")) + _bindings(inputs.get("resources"))
    res_out = _bindings(resources.get("outputs")) + _bindings(outputs.get("resources"))
    if res_in or res_out:
        spec["resources"] = {k: v for k, v in (("inputs", res_in), ("outputs", res_out)) if v}
    if "serviceAccount" in spec and not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.pop("serviceAccount")
    for old, new in (("stepOverrides", "stepSpecs"), ("sidecarOverrides", "sidecarSpecs")):
        if old in spec:
            spec[new] = [_override(o) for o in _items(spec.pop(old))]
    if spec.get("taskRef"):
        spec["taskRef"] = convert_ref(spec["taskRef"])
    if isinstance(spec.get("taskSpec"), dict):
        spec["taskSpec"] = convert_task_spec(spec["taskSpec"])
    return spec


def _override(o: Any) -> Any:
    if not isinstance(o, dict):
        return o
    return {"name": o.get("name", ""), "computeResources": o.get("resources", {})}


def convert_condition_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """A Condition: its ``check`` container converted like a step."""
    spec = copy.deepcopy(spec or {})
    if not isinstance(spec, dict):
        return spec
    if isinstance(spec.get("check"), dict):
        spec["check"] = convert_container(spec["check"])
    return rewrite_variables(spec)
