"""Shared helpers of the TaskRun tests: loading example files and building their Pods."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tekpy.api import (
    Config,
    PipelineResource,
    StepAction,
    Task,
    TaskRun,
    parse_documents,
    with_defaults,
)
from tekpy.taskrun import (
    BuiltPod,
    ImageCommand,
    PodBuilderConfig,
    PodBuildError,
    build_pod,
    prepare_task_spec,
    resolve_task_spec,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES = SHARED / "tekton-examples" / "v1" / "taskruns"
SEED = SHARED / "seed-examples"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("TEKPY_UPDATE_GOLDENS") == "1"

# What Tekton would read from the registry for the images the examples run without a command
# (test fixtures: ENTRYPOINT and CMD of these public images).
_IMAGE_COMMANDS = {
    "bash": ImageCommand(("docker-entrypoint.sh",), ("bash",)),
    "busybox": ImageCommand((), ("sh",)),
    "ubuntu": ImageCommand((), ("/bin/bash",)),
    "crane": ImageCommand(("/ko-app/crane",), ()),
    "nop": ImageCommand(("/ko-app/nop",), ()),
}


def image_key(image: str) -> str:
    """``mirror.gcr.io/bash@sha256:..`` -> ``bash``."""
    repo = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return repo.split("-")[0]


# The flags Tekton's alpha CI sets beside enable-api-fields=alpha.
_ALPHA_FLAGS = {
    "enable-param-enum": "true",
    "enable-artifacts": "true",
    "enable-cel-in-whenexpression": "true",
}


def golden_config(gate: str, images: list[str]) -> PodBuilderConfig:
    cfg = Config.for_gate(gate, **(_ALPHA_FLAGS if gate == "alpha" else {}))
    commands = {i: _IMAGE_COMMANDS[image_key(i)] for i in images
                if image_key(i) in _IMAGE_COMMANDS}
    # images named explicitly: goldens do not change with the controller's defaults
    return PodBuilderConfig(release="golden", entrypoint_image="entrypoint:golden",
                            entrypoint_path="/ko-app/entrypoint", shell_image="shell:golden",
                            git_image="git:golden", feature_flags=cfg.feature_flags,
                            defaults=cfg.defaults, image_commands=commands)


def example_cases() -> list[tuple[str, int]]:
    """(relative path, TaskRun index in the file) for every TaskRun of the examples."""
    out = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        docs = parse_documents(path.read_text())
        n = sum(1 for d in docs if d.kind == "TaskRun")
        out += [(str(path.relative_to(EXAMPLES)), k) for k in range(n)]
    # the seed design's TaskRuns (original API, PipelineResources)
    for path in sorted(SEED.glob("*.yaml")):
        docs = parse_documents(path.read_text())
        n = sum(1 for d in docs if d.kind == "TaskRun")
        out += [(f"seed/{path.name}", k) for k in range(n)]
    return out


def _example_path(rel: str) -> Path:
    return SEED / rel.removeprefix("seed/") if rel.startswith("seed/") else EXAMPLES / rel


def _gate(rel: str) -> str:
    top = rel.split("/")[0]
    return top if top in ("alpha", "beta") else "beta"


def build_example(rel: str, index: int) -> dict[str, Any]:
    """Build the Pod of the ``index``-th TaskRun of an example file: the golden document."""
    docs = parse_documents(_example_path(rel).read_text())
    errors = [str(e) for d in docs for e in d.errors]
    assert not errors, errors
    tasks = {d.name: d.obj for d in docs if isinstance(d.obj, Task)}
    actions = {d.name: d.obj for d in docs if isinstance(d.obj, StepAction)}
    resources = {d.name: d.obj for d in docs if isinstance(d.obj, PipelineResource)}
    raws = {(d.kind, d.name): d.raw for d in docs}
    trs = [d.obj for d in docs if isinstance(d.obj, TaskRun)]
    gate = _gate(rel)
    tr = with_defaults(trs[index], Config.for_gate(gate))
    meta = tr.metadata
    meta.setdefault("name", str(meta.pop("generateName", "run-")) + "golden")
    meta.update(namespace="default", uid=f"uid-{meta['name']}")
    ref = tr.spec.task_ref
    if tr.spec.task_spec is not None:
        spec = tr.spec.task_spec
    elif ref is not None and ref.name in tasks:
        spec = tasks[ref.name].spec
    else:
        what = ref.resolver if ref is not None else "?"
        return {"error": {"reason": "TaskRunResolutionFailed",
                          "message": f"not resolvable offline (resolver {what})"}}
    sa = raws.get(("ServiceAccount", tr.spec.service_account_name))
    secrets = {name: raw for (kind, name), raw in raws.items() if kind == "Secret"}
    try:
        cfg = golden_config(gate, [])
        resolved, sub_errors = prepare_task_spec(tr, spec, cfg, step_actions=actions,
                                                 resources=resources)
        images = [s.image for s in resolved.steps] + [s.image for s in resolved.sidecars]
        if resolved.step_template is not None:
            images.append(resolved.step_template.image)
        built: BuiltPod = build_pod(tr, resolved, golden_config(gate, images),
                                    service_account=sa, secrets=secrets)
    except PodBuildError as exc:
        return {"error": {"reason": exc.reason, "message": exc.message}}
    out: dict[str, Any] = {"pod": built.pod}
    if built.claims:
        out["claims"] = built.claims
    if sub_errors:
        out["substitutionErrors"] = [str(e) for e in sub_errors]
    return out


def golden_path(rel: str, index: int) -> Path:
    return GOLDEN_DIR / f"{rel.replace('/', '__').removesuffix('.yaml')}.{index}.json"


def make_taskrun(spec: dict[str, Any], *, name: str = "tr", uid: str = "uid-1",
                 meta: dict[str, Any] | None = None, status: dict[str, Any] | None = None
                 ) -> TaskRun:
    """A defaulted TaskRun from a ``spec`` dict (tekton.dev/v1)."""
    from tekpy.api import structure

    m = {"name": name, "namespace": "ns", "uid": uid, **(meta or {})}
    raw: dict[str, Any] = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": m,
                           "spec": spec}
    if status is not None:
        raw["status"] = status
    return with_defaults(structure(raw, TaskRun))


def pod_for(spec: dict[str, Any], config: PodBuilderConfig | None = None,
            **kw: Any) -> BuiltPod:
    """Resolve and build the Pod of an inline-spec TaskRun."""
    sa = kw.pop("service_account", None)
    secrets = kw.pop("secrets", None)
    tr = make_taskrun(spec, **kw)
    assert tr.spec.task_spec is not None
    resolved, errors = resolve_task_spec(tr, tr.spec.task_spec)
    assert not errors, errors
    return build_pod(tr, resolved, config, service_account=sa, secrets=secrets)


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    for c in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no container {name}")


def mounts(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """mountPath -> mount."""
    return {m["mountPath"]: m for m in c.get("volumeMounts", [])}


def volume(pod: dict[str, Any], name: str) -> dict[str, Any]:
    for v in pod["spec"]["volumes"]:
        if v["name"] == name:
            return v
    raise AssertionError(f"no volume {name}")
