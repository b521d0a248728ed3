"""Workspace bindings: volumes, mounts and the claims of ``volumeClaimTemplate`` bindings.

- A ``volumeClaimTemplate`` binding becomes a PersistentVolumeClaim owned by the TaskRun,
  named ``<template name or "pvc">-<sha256(workspace + taskrun uid)[:10]>``; the binding is
  then treated as a ``persistentVolumeClaim`` binding of that claim.
- Each binding gets a volume named ``ws-<fnv32a(workspace)>``; two bindings of the same claim
  share one volume.
- A workspace is mounted at its declared ``mountPath`` (default ``/workspace/<name>``) with the
  binding's ``subPath`` and the declaration's ``readOnly``: into every step (through the step
  template) and sidecar, or, when a step or sidecar lists it under ``workspaces``, only into
  those (isolated workspaces, optionally at their own ``mountPath``).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from tekpy.api.substitution import Replacements, param_replacements, substitute
from tekpy.api.types import (
    Sidecar,
    Step,
    StepTemplate,
    TaskRun,
    TaskSpec,
    WorkspaceBinding,
    WorkspaceDeclaration,
)
from tekpy.taskrun.names import hashed_name

__all__ = [
    "apply_workspaces",
    "claim_name",
    "effective_bindings",
    "owner_reference",
    "workspace_volumes",
]

_SOURCES = (
    ("persistent_volume_claim", "persistentVolumeClaim"),
    ("empty_dir", "emptyDir"),
    ("config_map", "configMap"),
    ("secret", "secret"),
    ("projected", "projected"),
    ("csi", "csi"),
)


def owner_reference(taskrun: TaskRun) -> dict[str, Any]:
    """The controller ownerReference to the TaskRun (Pods and claims carry it)."""
    meta = taskrun.metadata
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def claim_name(template_name: str, workspace: str, owner_uid: str) -> str:
    """The name of the claim made from a binding's ``volumeClaimTemplate``."""
    digest = hashlib.sha256((workspace + owner_uid).encode()).hexdigest()[:10]
    return f"{template_name or 'pvc'}-{digest}"


def _with_params(bindings: list[WorkspaceBinding], spec: TaskSpec | None, taskrun: TaskRun
                 ) -> list[WorkspaceBinding]:
    """Bindings with ``$(params.x)`` replaced (claim, ConfigMap and Secret names, subPath...),
    as Tekton applies the run's params to its workspace bindings."""
    if spec is None or not bindings:
        return bindings
    r = param_replacements(spec.params, {p.name: p.value for p in taskrun.spec.params})
    if not r.strings:
        return bindings
    return [substitute(b, Replacements(strings=r.strings))[0] for b in bindings]


def effective_bindings(taskrun: TaskRun, spec: TaskSpec | None = None
                       ) -> tuple[list[WorkspaceBinding], list[dict[str, Any]]]:
    """The TaskRun's bindings with ``$(params…)`` applied (when the TaskSpec is given) and
    templates replaced by claims, and those claims."""
    out: list[WorkspaceBinding] = []
    claims: list[dict[str, Any]] = []
    meta = taskrun.metadata
    for b in _with_params(list(taskrun.spec.workspaces), spec, taskrun):
        tpl = b.volume_claim_template
        if tpl is None:
            out.append(b)
            continue
        tmeta = dict(tpl.get("metadata") or {})
        name = claim_name(str(tmeta.get("name", "")), b.name, str(meta.get("uid", "")))
        tmeta.update(name=name, namespace=meta.get("namespace", ""),
                     ownerReferences=[owner_reference(taskrun)])
        claim = {k: copy.deepcopy(val) for k, val in tpl.items() if k != "metadata"}
        claim.update(apiVersion="v1", kind="PersistentVolumeClaim", metadata=tmeta)
        claims.append(claim)
        out.append(WorkspaceBinding(name=b.name, sub_path=b.sub_path,
                                    persistent_volume_claim={"claimName": name}))
    return out, claims


def workspace_volumes(bindings: Sequence[WorkspaceBinding]) -> dict[str, dict[str, Any]]:
    """Workspace name -> the Pod volume backing it."""
    out: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    by_claim: dict[str, dict[str, Any]] = {}
    for b in bindings:
        name = hashed_name("ws", b.name)
        while name in used:
            name = hashed_name("ws", name + "$")
        used.add(name)
        for attr, key in _SOURCES:
            source = getattr(b, attr)
            if source is None:
                continue
            if attr == "persistent_volume_claim":
                claim = str(source.get("claimName", ""))
                if claim in by_claim:
                    out[b.name] = by_claim[claim]
                    break
                by_claim[claim] = out[b.name] = {"name": name, key: copy.deepcopy(source)}
            else:
                out[b.name] = {"name": name, key: copy.deepcopy(source)}
            break
    return out


def _declaration(spec: TaskSpec, name: str) -> WorkspaceDeclaration:
    for ws in spec.workspaces:
        if ws.name == name:
            return ws
    return WorkspaceDeclaration(name=name)


def _with_mount(c: Any, vm: dict[str, Any], usage_only: str | None) -> Any:
    """``c`` with ``vm`` appended to its mounts (at the usage's path when isolated)."""
    if usage_only is not None:
        for u in c.workspaces:
            if u.name == usage_only:
                m = dict(vm)
                if u.mount_path:
                    m["mountPath"] = u.mount_path
                return attrs.evolve(c, volume_mounts=[*c.volume_mounts, m])
        return c
    if isinstance(c, Sidecar) and any(m.get("mountPath") == vm["mountPath"]
                                      for m in c.volume_mounts):
        return c
    return attrs.evolve(c, volume_mounts=[*c.volume_mounts, vm])


def apply_workspaces(spec: TaskSpec, bindings: Sequence[WorkspaceBinding],
                     volumes: Mapping[str, dict[str, Any]]) -> TaskSpec:
    """A copy of ``spec`` with the bound workspaces mounted and their volumes added."""
    if not bindings:
        return spec
    isolated = {u.name for s in spec.steps for u in s.workspaces}
    isolated |= {u.name for c in spec.sidecars for u in c.workspaces}
    declared = list(spec.workspaces)
    known = {w.name for w in declared}
    template = spec.step_template or StepTemplate()
    steps: list[Step] = list(spec.steps)
    sidecars: list[Sidecar] = list(spec.sidecars)
    pod_volumes = list(spec.volumes)
    added: set[str] = set()
    for b in bindings:
        if b.name not in known:
            # bindings of undeclared workspaces are propagated (Tekton's implicit workspaces)
            declared.append(WorkspaceDeclaration(name=b.name))
            known.add(b.name)
        decl = _declaration(spec, b.name)
        vol = volumes.get(b.name)
        if vol is None:
            continue
        vm: dict[str, Any] = {"name": vol["name"], "mountPath": decl.get_mount_path()}
        if decl.read_only:
            vm["readOnly"] = True
        if b.sub_path:
            vm["subPath"] = b.sub_path
        if b.name in isolated:
            steps = [_with_mount(s, vm, b.name) for s in steps]
            sidecars = [_with_mount(s, vm, b.name) for s in sidecars]
        else:
            template = attrs.evolve(template, volume_mounts=[*template.volume_mounts, vm])
            sidecars = [_with_mount(s, vm, None) for s in sidecars]
        if vol["name"] not in added:
            pod_volumes.append(vol)
            added.add(vol["name"])
    return attrs.evolve(spec, workspaces=declared, step_template=template, steps=steps,
                        sidecars=sidecars, volumes=pod_volumes)
