"""Resources handed between PipelineTasks with ``from``: copy steps on the artifact claim.

The PipelineRun planner (:mod:`tekpy.pipelinerun.artifacts`) writes ``paths`` on the
TaskRun's resource bindings and names the claim in the annotation
``tekpy.dev/artifact-pvc``. Here, as the original design's TaskRun controller did:

- an input binding with ``paths`` is not fetched (no clone): the step
  ``artifact-copy-from-<name>`` copies each path (``/pvc/<from task>/<resource>``), in order,
  into the input's directory (``/workspace/<name>`` or ``/workspace/<targetPath>``);
- an output binding with ``paths`` gets, after the Task's steps, the step
  ``upload-<name>`` copying the output (the input's directory when the Task also takes it
  as input, else ``/workspace/output/<name>``) to each path.

Only these steps mount the claim (volume ``artifact-pvc`` at ``/pvc``), so the Task's own
steps see the hand-over only through their resource directories.
"""

from __future__ import annotations

from typing import Any

from tekpy.api.types import Step, TaskResource

__all__ = ["COPY_FROM_PREFIX", "PVC_MOUNT", "PVC_VOLUME", "UPLOAD_PREFIX", "artifact_volume",
           "copy_in_step", "input_dir", "upload_step"]

COPY_FROM_PREFIX = "artifact-copy-from-"
UPLOAD_PREFIX = "upload-"
PVC_VOLUME = "artifact-pvc"
PVC_MOUNT = "/pvc"

# sources/destinations travel as newline-separated environment values, never in the script
_COPY_SCRIPT = """\
#!/bin/sh
set -eu
printf '%s\\n' "$TEKPY_FROM" | while IFS= read -r src; do
  [ -n "$src" ] || continue
  printf '%s\\n' "$TEKPY_TO" | while IFS= read -r dest; do
    [ -n "$dest" ] || continue
    mkdir -p "$dest"
    cp -R "$src"/. "$dest"/
    echo "Copied $src to $dest"
  done
done
"""


def artifact_volume(claim: str) -> dict[str, Any]:
    """The Pod volume of the artifact claim."""
    return {"name": PVC_VOLUME, "persistentVolumeClaim": {"claimName": claim}}


def input_dir(decl: TaskResource) -> str:
    """Where an input resource lives in the Pod."""
    return "/workspace/" + (decl.target_path or decl.name)


def _copy_step(name: str, sources: list[str], dests: list[str], image: str) -> Step:
    env = [{"name": "TEKPY_FROM", "value": "\n".join(sources)},
           {"name": "TEKPY_TO", "value": "\n".join(dests)}]
    return Step(name=name, image=image, env=env, script=_COPY_SCRIPT,
                volume_mounts=[{"name": PVC_VOLUME, "mountPath": PVC_MOUNT}])


def copy_in_step(decl: TaskResource, paths: list[str], image: str) -> Step:
    """The step filling input ``decl`` from the claim's ``paths`` (in order)."""
    return _copy_step(COPY_FROM_PREFIX + decl.name, list(paths), [input_dir(decl)], image)


def upload_step(decl: TaskResource, source: str, paths: list[str], image: str) -> Step:
    """The step copying output ``decl`` (found at ``source``) to the claim's ``paths``."""
    return _copy_step(UPLOAD_PREFIX + decl.name, [source], list(paths), image)
