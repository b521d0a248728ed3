"""The original API's PipelineResources: ``git`` inputs and ``image`` outputs as steps.

- A ``git`` input adds, before the Task's steps, a step ``git-source-<name>`` that clones the
  resource into ``/workspace/<name>`` (or ``/workspace/<targetPath>``) with the git CLI of
  :attr:`~tekpy.taskrun.config.PodBuilderConfig.git_image`: ``url``, ``revision`` (default:
  the remote's HEAD), ``refspec``, ``depth`` (default 1; 0 fetches everything),
  ``submodules`` (default true), ``sslVerify`` (default true) and ``httpProxy``,
  ``httpsProxy``, ``noProxy``. The commit it checked out is its step result ``commit``.
- An ``image`` output adds a step ``create-dir-<name>`` (before the steps) creating
  ``/workspace/output/<name>`` and, after the steps, ``image-digest-exporter-<name>``, which
  reads the digest of the first manifest of an OCI ``index.json`` written there, if any,
  into its step result ``digest``.

:func:`~tekpy.taskrun.status.derive_status` turns those step results into the original
``status.resourcesResult`` entries (``{key: commit|digest, value, resourceName}``). Params
are passed as environment variables, never spliced into the script.

Bindings with ``paths`` (set by the PipelineRun for resources passed with ``from``) are
handed over through the artifact claim instead: see :mod:`~.handover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.api.types import (
    PipelineResource,
    PipelineResourceSpec,
    Step,
    StepResult,
    TaskResource,
    TaskResourceBinding,
    TaskRun,
    TaskSpec,
)
from tekpy.taskrun.config import PodBuilderConfig
from tekpy.taskrun.podbuilder.errors import PodBuildError
from tekpy.taskrun.podbuilder.handover import (
    artifact_volume,
    copy_in_step,
    input_dir,
    upload_step,
)

__all__ = ["ARTIFACT_PVC_ANNOTATION", "GIT_STEP_PREFIX", "IMAGE_STEP_PREFIX", "BoundResources",
           "add_resource_steps", "bound_resources", "resource_values"]

#: The TaskRun annotation naming the PipelineRun's artifact claim (set by the planner).
ARTIFACT_PVC_ANNOTATION = "tekpy.dev/artifact-pvc"

GIT_STEP_PREFIX = "git-source-"
IMAGE_STEP_PREFIX = "image-digest-exporter-"
MKDIR_STEP_PREFIX = "create-dir-"

_GIT_SCRIPT = """\
#!/bin/sh
set -eu
mkdir -p "$TEKPY_GIT_DEST"
cd "$TEKPY_GIT_DEST"
[ -d .git ] || git init -q
[ "$GIT_SSL_VERIFY" = "false" ] && git config http.sslVerify false
git remote remove origin 2>/dev/null || true
git remote add origin "$GIT_URL"
set -- --recurse-submodules=no --update-head-ok --force
[ "$GIT_DEPTH" != "0" ] && set -- "$@" "--depth=$GIT_DEPTH"
if [ -n "$GIT_REFSPEC" ]; then
  # shellcheck disable=SC2086  # a refspec may hold several space-separated refs
  git fetch -q "$@" origin $GIT_REFSPEC
  git checkout -q -f "${GIT_REVISION:-FETCH_HEAD}"
else
  git fetch -q "$@" origin "${GIT_REVISION:-HEAD}"
  git checkout -q -f FETCH_HEAD
fi
if [ "$GIT_SUBMODULES" = "true" ] && [ -f .gitmodules ]; then
  if [ "$GIT_DEPTH" != "0" ]; then
    git submodule -q update --init --recursive --depth="$GIT_DEPTH"
  else
    git submodule -q update --init --recursive
  fi
fi
printf '%s' "$(git rev-parse HEAD)" > "$(step.results.commit.path)"
echo "Successfully cloned $GIT_URL @ $(git rev-parse HEAD) in path $TEKPY_GIT_DEST"
"""

_DIGEST_SCRIPT = """\
#!/bin/sh
set -eu
index="/workspace/output/$TEKPY_RESOURCE/index.json"
[ -f "$index" ] || exit 0
digest=$(grep -o '"digest"[[:space:]]*:[[:space:]]*"[^"]*"' "$index" | head -n 1 |
  sed 's/.*"\\([^"]*\\)"$/\\1/')
[ -n "$digest" ] && printf '%s' "$digest" > "$(step.results.digest.path)"
exit 0
"""


def _spec_of(binding: TaskResourceBinding, given: Mapping[str, Any]
             ) -> PipelineResourceSpec | None:
    if binding.resource_spec is not None:
        return binding.resource_spec
    name = str((binding.resource_ref or {}).get("name", ""))
    found = given.get(name)
    if isinstance(found, PipelineResource):
        return found.spec
    return found if isinstance(found, PipelineResourceSpec) else None


class BoundResources(dict[str, PipelineResourceSpec]):
    """Declared resource name -> bound PipelineResource, plus the ``from`` hand-over: the
    bindings' ``paths`` on the artifact ``claim`` (empty outside a hand-over)."""

    def __init__(self, claim: str = "") -> None:
        super().__init__()
        self.claim = claim
        self.input_paths: dict[str, list[str]] = {}
        self.output_paths: dict[str, list[str]] = {}


def bound_resources(taskrun: TaskRun, spec: TaskSpec,
                    resources: Mapping[str, PipelineResource | PipelineResourceSpec]
                    ) -> BoundResources:
    """Declared resource name -> the PipelineResource bound to it (``resourceRef`` looked
    up by name in ``resources``, or ``resourceSpec``), with the bindings' ``paths`` when the
    TaskRun names an artifact claim. Raises :class:`PodBuildError`
    (``TaskRunResolutionFailed``) for an unbound required resource or an unknown ref."""
    annotations = taskrun.metadata.get("annotations") or {}
    out = BoundResources(str(annotations.get(ARTIFACT_PVC_ANNOTATION, "")))
    if spec.resources is None:
        return out
    run = taskrun.spec.resources
    if out.claim and run is not None:  # paths mean nothing without the claim they live on
        out.input_paths = {b.name: list(b.paths) for b in run.inputs if b.paths}
        out.output_paths = {b.name: list(b.paths) for b in run.outputs if b.paths}
    bindings = {b.name: b for b in (*(run.inputs if run else ()),
                                     *(run.outputs if run else ()))}
    for decl in (*spec.resources.inputs, *spec.resources.outputs):
        b = bindings.get(decl.name)
        if b is None:
            if decl.optional:
                continue
            raise PodBuildError(f'resource "{decl.name}" is declared but not bound',
                                "TaskRunResolutionFailed")
        found = _spec_of(b, resources)
        if found is None:
            ref = (b.resource_ref or {}).get("name", "")
            raise PodBuildError(f'PipelineResource "{ref}" for resource "{decl.name}" was '
                                "not found", "TaskRunResolutionFailed")
        out[decl.name] = found
    return out


def resource_values(bound: Mapping[str, PipelineResourceSpec]) -> dict[str, dict[str, str]]:
    """``{resource: {param: value}}`` for ``$(inputs.resources.<r>.<param>)`` variables."""
    return {name: {p.name: p.value for p in res.params} for name, res in bound.items()}


def _env(pairs: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs.items()]


def _git_step(decl: TaskResource, res: PipelineResourceSpec, image: str) -> Step:
    dest = input_dir(decl)
    env = {
        "TEKPY_GIT_DEST": dest,
        "GIT_URL": res.param("url"),
        "GIT_REVISION": res.param("revision"),
        "GIT_REFSPEC": res.param("refspec"),
        "GIT_DEPTH": res.param("depth", "1"),
        "GIT_SUBMODULES": res.param("submodules", "true").lower(),
        "GIT_SSL_VERIFY": res.param("sslVerify", "true").lower(),
        "HOME": "/tekton/home",
    }
    for param, var in (("httpProxy", "HTTP_PROXY"), ("httpsProxy", "HTTPS_PROXY"),
                       ("noProxy", "NO_PROXY")):
        if res.param(param):
            env[var] = res.param(param)
    return Step(name=GIT_STEP_PREFIX + decl.name, image=image, env=_env(env),
                working_dir="/workspace", script=_GIT_SCRIPT,
                results=[StepResult(name="commit", type="string")])


def add_resource_steps(spec: TaskSpec, bound: Mapping[str, PipelineResourceSpec],
                       config: PodBuilderConfig) -> TaskSpec:
    """``spec`` with the steps of its bound ``git`` inputs and ``image`` outputs added, and,
    when ``bound`` is a :class:`BoundResources` with hand-over paths, the copy steps: an
    input taken ``from`` another task is copied from the claim instead of fetched, and an
    output another task takes is uploaded to it after the steps (and digest exporters)."""
    if spec.resources is None:
        return spec
    in_paths = bound.input_paths if isinstance(bound, BoundResources) else {}
    out_paths = bound.output_paths if isinstance(bound, BoundResources) else {}
    before: list[Step] = []
    after: list[Step] = []
    uploads: list[Step] = []
    inputs = {d.name: d for d in spec.resources.inputs}
    for decl in spec.resources.inputs:
        res = bound.get(decl.name)
        if res is None:
            continue
        if decl.name in in_paths:
            before.append(copy_in_step(decl, in_paths[decl.name], config.shell_image))
        elif (res.type or decl.type) == "git":
            before.append(_git_step(decl, res, config.git_image))
    for decl in spec.resources.outputs:
        res = bound.get(decl.name)
        if res is None:
            continue
        is_image = (res.type or decl.type) == "image"
        handed = decl.name in out_paths
        own_dir = decl.name not in inputs  # else the output is the input's directory
        if is_image or (handed and own_dir):
            before.append(Step(name=MKDIR_STEP_PREFIX + decl.name, image=config.shell_image,
                               command=["mkdir", "-p", f"/workspace/output/{decl.name}"]))
        if is_image:
            after.append(Step(name=IMAGE_STEP_PREFIX + decl.name, image=config.shell_image,
                              env=_env({"TEKPY_RESOURCE": decl.name}), script=_DIGEST_SCRIPT,
                              results=[StepResult(name="digest", type="string")]))
        if handed:
            source = f"/workspace/output/{decl.name}" if own_dir \
                else input_dir(inputs[decl.name])
            uploads.append(upload_step(decl, source, out_paths[decl.name],
                                       config.shell_image))
    if not before and not after and not uploads:
        return spec
    volumes = list(spec.volumes)
    if in_paths or out_paths:
        assert isinstance(bound, BoundResources)
        volumes.append(artifact_volume(bound.claim))
    return attrs.evolve(spec, steps=[*before, *spec.steps, *after, *uploads], volumes=volumes)
