"""The Pod checks of kube-apiserver that controllers most often trip over.

Not all of ``ValidatePod``: containers (present, named as DNS-1123 labels, unique, with an
image), volumes (named, unique), volume mounts (naming a volume, with a path), the restart
policy, and on update the immutability of everything in ``spec`` but images,
``activeDeadlineSeconds``, ``tolerations`` and ``terminationGracePeriodSeconds``. Enough that
a Pod the embedded server accepts is not refused by a cluster for these reasons.
"""

from __future__ import annotations

from typing import Any

from .fielderrors import ErrorType, FieldError
from .validation import is_dns1123_label

__all__ = ["pod_errors", "pod_update_errors"]

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_MUTABLE = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")
_IMMUTABLE_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def _containers(spec: dict[str, Any], key: str, volumes: set[str], seen: set[str],
                errs: list[FieldError], required: bool) -> None:
    items = spec.get(key)
    if not items:
        if required:
            errs.append(FieldError(ErrorType.REQUIRED, f"spec.{key}", ""))
        return
    if not isinstance(items, list):
        errs.append(FieldError(ErrorType.TYPE_INVALID, f"spec.{key}", "must be a list", items))
        return
    for i, c in enumerate(items):
        path = f"spec.{key}[{i}]"
        if not isinstance(c, dict):
            errs.append(FieldError(ErrorType.TYPE_INVALID, path, "must be an object", c))
            continue
        name = c.get("name") or ""
        if not name:
            errs.append(FieldError(ErrorType.REQUIRED, f"{path}.name", ""))
        else:
            errs.extend(FieldError(ErrorType.INVALID, f"{path}.name", m, name)
                        for m in is_dns1123_label(str(name)))
            if name in seen:
                errs.append(FieldError(ErrorType.DUPLICATE, f"{path}.name", "", name))
            seen.add(name)
        if not c.get("image"):
            errs.append(FieldError(ErrorType.REQUIRED, f"{path}.image", ""))
        for j, m in enumerate(c.get("volumeMounts") or ()):
            mpath = f"{path}.volumeMounts[{j}]"
            if not isinstance(m, dict):
                continue
            if m.get("name") not in volumes:
                errs.append(FieldError(ErrorType.NOT_FOUND, f"{mpath}.name", "",
                                       m.get("name", "")))
            if not m.get("mountPath"):
                errs.append(FieldError(ErrorType.REQUIRED, f"{mpath}.mountPath", ""))


def pod_errors(pod: dict[str, Any]) -> list[FieldError]:
    """Problems kube-apiserver reports when creating this Pod."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return [FieldError(ErrorType.REQUIRED, "spec.containers", "")]
    errs: list[FieldError] = []
    volumes: set[str] = set()
    for i, v in enumerate(spec.get("volumes") or ()):
        name = v.get("name") if isinstance(v, dict) else None
        if not name:
            errs.append(FieldError(ErrorType.REQUIRED, f"spec.volumes[{i}].name", ""))
            continue
        errs.extend(FieldError(ErrorType.INVALID, f"spec.volumes[{i}].name", m, name)
                    for m in is_dns1123_label(str(name)))
        if name in volumes:
            errs.append(FieldError(ErrorType.DUPLICATE, f"spec.volumes[{i}].name", "", name))
        volumes.add(name)
    seen: set[str] = set()
    _containers(spec, "containers", volumes, seen, errs, required=True)
    _containers(spec, "initContainers", volumes, seen, errs, required=False)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in _RESTART_POLICIES:
        errs.append(FieldError(ErrorType.NOT_SUPPORTED, "spec.restartPolicy",
                               'supported values: "Always", "Never", "OnFailure"', policy))
    return errs


def _comparable(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = {k: v for k, v in spec.items() if k not in _MUTABLE}
    for key in ("containers", "initContainers"):
        if isinstance(out.get(key), list):
            out[key] = [dict(c, image=None) if isinstance(c, dict) else c for c in out[key]]
    return out


def pod_update_errors(old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    """The spec changes kube refuses on a Pod update."""
    if _comparable(old.get("spec")) == _comparable(new.get("spec")):
        return []
    old_n = len((old.get("spec") or {}).get("containers") or ())
    if len((new.get("spec") or {}).get("containers") or ()) != old_n:
        # kube checks this first and reports nothing else
        return [FieldError(ErrorType.FORBIDDEN, "spec.containers",
                           "pod updates may not add or remove containers")]
    return [FieldError(ErrorType.FORBIDDEN, "spec", _IMMUTABLE_MESSAGE)]
