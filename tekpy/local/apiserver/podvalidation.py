"""The Pod checks of kube-apiserver that controllers most often trip over.

Not all of ``ValidatePod``: containers (present, named as DNS-1123 labels, unique, with an
image), volumes (named, unique), volume mounts (naming a volume, with a path), the restart
policy, and on update the immutability of everything in ``spec`` but images,
``activeDeadlineSeconds`` (only shortened), ``tolerations`` and ``schedulingGates``, with kube's
diff of the two specs in the message. Enough that a Pod the embedded server accepts is not
refused by a cluster for these reasons.
"""

from __future__ import annotations

from typing import Any

from .fielderrors import ErrorType, FieldError
from .memo import Memo
from .poddiff import pod_spec_diff
from .quantity import parse
from .validation import is_dns1123_label

__all__ = ["pod_errors", "pod_update_errors"]

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_MAX_INT32 = 2**31 - 1
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
        errs.extend(_resource_errors(c.get("resources"), f"{path}.resources"))
        for j, m in enumerate(c.get("volumeMounts") or ()):
            mpath = f"{path}.volumeMounts[{j}]"
            if not isinstance(m, dict):
                continue
            if m.get("name") not in volumes:
                errs.append(FieldError(ErrorType.NOT_FOUND, f"{mpath}.name", "",
                                       m.get("name", "")))
            if not m.get("mountPath"):
                errs.append(FieldError(ErrorType.REQUIRED, f"{mpath}.mountPath", ""))


def _overcommit_allowed(name: str) -> bool:
    native = "/" not in name or name.startswith("kubernetes.io/")
    return native and not name.startswith("hugepages-")


def _resource_errors(resources: Any, path: str) -> list[FieldError]:
    """A request may not exceed its limit (nor differ from it, for extended resources)."""
    if not isinstance(resources, dict):
        return []
    limits, requests = resources.get("limits"), resources.get("requests")
    if not isinstance(limits, dict) or not isinstance(requests, dict):
        return []
    errs = []
    for name, request in requests.items():
        limit = limits.get(name)
        got, cap = parse(request) if isinstance(request, str) else None, \
            parse(limit) if isinstance(limit, str) else None
        if got is None or cap is None:
            continue
        if got[0] != cap[0] and not _overcommit_allowed(name):
            message = f"must be equal to {name} limit of {limit}"
        elif got[0] > cap[0]:
            message = f"must be less than or equal to {name} limit of {limit}"
        else:
            continue
        errs.append(FieldError(ErrorType.INVALID, f"{path}.requests", message, request))
    return errs


# specs found valid (the Pods of one Task repeat theirs): a pure function of the spec
_valid: Memo[bool] = Memo()


def pod_errors(pod: dict[str, Any]) -> list[FieldError]:
    """Problems kube-apiserver reports when creating this Pod."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return [FieldError(ErrorType.REQUIRED, "spec.containers", "")]
    key = _valid.key(spec)
    if _valid.get(key):
        return []
    errs = _spec_errors(spec)
    if not errs:
        _valid.put(key, True)
    return errs


def _spec_errors(spec: dict[str, Any]) -> list[FieldError]:
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


def _munged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with what a Pod update may change taken from ``old`` (kube's munged spec)."""
    out = dict(new)
    for key in ("containers", "initContainers"):
        olds, news = old.get(key) or [], new.get(key)
        if isinstance(news, list):
            out[key] = [
                dict(c, image=olds[i].get("image")) if isinstance(c, dict) and i < len(olds)
                and isinstance(olds[i], dict) else c
                for i, c in enumerate(news)
            ]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        if key in old:
            out[key] = old[key]
        else:
            out.pop(key, None)
    grace = old.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace < 0 and out.get("terminationGracePeriodSeconds") == 1:
        out["terminationGracePeriodSeconds"] = grace
    return out


def _deadline_errors(old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    path = "spec.activeDeadlineSeconds"
    deadline, before = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if isinstance(deadline, int):
        if not 0 <= deadline <= _MAX_INT32:
            return [FieldError(ErrorType.INVALID, path,
                               f"must be between 0 and {_MAX_INT32}, inclusive", deadline)]
        if isinstance(before, int) and before < deadline:
            return [FieldError(ErrorType.INVALID, path,
                               "must be less than or equal to previous value", deadline)]
    elif deadline is None and before is not None:
        return [FieldError(ErrorType.INVALID, path,
                           "must not update from a positive integer to nil value", None)]
    return []


def pod_update_errors(old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    """The spec changes kube refuses on a Pod update (``ValidatePodUpdate``)."""
    old_spec, new_spec = old.get("spec"), new.get("spec")
    if old_spec == new_spec or not isinstance(old_spec, dict) or not isinstance(new_spec, dict):
        return []
    for key in ("containers", "initContainers"):
        if len(new_spec.get(key) or ()) != len(old_spec.get(key) or ()):
            # kube checks this first and reports nothing else
            return [FieldError(ErrorType.FORBIDDEN, f"spec.{key}",
                               "pod updates may not add or remove containers")]
    errs = _deadline_errors(old_spec, new_spec)
    if errs and new_spec.get("activeDeadlineSeconds") is not None:
        return errs  # kube stops at a bad deadline
    munged = _munged(old_spec, new_spec)
    if munged != old_spec:
        diff = pod_spec_diff(old_spec, munged)
        errs.append(FieldError(ErrorType.FORBIDDEN, "spec", f"{_IMMUTABLE_MESSAGE}\n{diff}"))
    return errs
