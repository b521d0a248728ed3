"""Applying a Task's ``stepTemplate`` to its steps (Tekton's strategic-merge semantics).

A field the step sets wins; an unset one comes from the template. ``env`` and ``envFrom``
merge by ``name`` (template entries first, the step's replace same-named ones) and
``volumeMounts``/``volumeDevices`` by ``mountPath``/``devicePath``; ``computeResources`` and
``securityContext`` merge key by key.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from tekpy.api.types import Step, StepTemplate

__all__ = ["merge_step_template"]

_BY_KEY = {"env": "name", "volume_mounts": "mountPath", "volume_devices": "devicePath"}


def _merge_list(base: list[Any], over: list[Any], key: str) -> list[Any]:
    out: dict[Any, Any] = {}
    loose: list[Any] = []
    for item in (*base, *over):
        if isinstance(item, dict) and key in item:
            k = item[key]
            out[k if isinstance(k, str) else repr(k)] = item
        else:
            loose.append(item)
    return [*out.values(), *loose]


def _merge_dict(base: dict[str, Any] | None, over: dict[str, Any] | None
                ) -> dict[str, Any] | None:
    if not base:
        return over
    if not over:
        return copy.deepcopy(base)
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge_dict(out[k], v)
        else:
            out[k] = v
    return out


def merge_step_template(template: StepTemplate | None, steps: list[Step]) -> list[Step]:
    """New steps with the template applied (the input steps are not modified)."""
    if template is None:
        return list(steps)
    out = []
    for step in steps:
        if step.ref is not None:
            # a StepAction step takes its container fields from the StepAction
            out.append(step)
            continue
        changes: dict[str, Any] = {}
        for a in attrs.fields(StepTemplate):
            if a.name == "extra":
                continue
            tv = getattr(template, a.name)
            sv = getattr(step, a.name)
            if a.name in _BY_KEY:
                if tv:
                    changes[a.name] = _merge_list(tv, sv, _BY_KEY[a.name])
            elif a.name == "env_from":
                if tv:
                    changes[a.name] = [*tv, *sv]
            elif a.name in ("compute_resources", "security_context"):
                merged = _merge_dict(tv, sv)
                if merged is not None:
                    changes[a.name] = merged
            elif not sv and tv:
                changes[a.name] = copy.deepcopy(tv)
        out.append(attrs.evolve(step, **changes) if changes else step)
    return out
