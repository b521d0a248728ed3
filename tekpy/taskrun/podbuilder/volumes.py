"""Tekton's internal volumes and mounts, with Tekton's names and paths.

Every step mounts ``/tekton/bin`` read-only, ``/workspace``, ``/tekton/home``,
``/tekton/results``, ``/tekton/steps`` (read-only) and ``/tekton/artifacts``; step *i* mounts
``/tekton/run/<j>`` for every step *j*, writable only for ``j == i``; each step gets its own
``/tekton/creds`` (memory-backed emptyDir); step 0 mounts ``/tekton/downward`` when it must
wait for the ready annotation. Helpers return fresh dicts: callers may mutate them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BIN_DIR",
    "CANCEL_ANNOTATION",
    "CREDS_DIR",
    "DOWNWARD_DIR",
    "ENTRYPOINT_BIN",
    "READY_ANNOTATION",
    "READY_VALUE",
    "RESULTS_DIR",
    "RUN_DIR",
    "SCRIPTS_DIR",
    "STEPS_DIR",
    "TERMINATION_PATH",
    "WORKSPACE_DIR",
    "bin_mount",
    "creds_volume",
    "downward_mount",
    "downward_volume",
    "empty_dir",
    "implicit_mounts",
    "implicit_volumes",
    "run_mount",
    "run_volume",
]

BIN_DIR = "/tekton/bin"
ENTRYPOINT_BIN = BIN_DIR + "/entrypoint"
RUN_DIR = "/tekton/run"
DOWNWARD_DIR = "/tekton/downward"
TERMINATION_PATH = "/tekton/termination"
RESULTS_DIR = "/tekton/results"
STEPS_DIR = "/tekton/steps"
SCRIPTS_DIR = "/tekton/scripts"
HOME_DIR = "/tekton/home"
CREDS_DIR = "/tekton/creds"
ARTIFACTS_DIR = "/tekton/artifacts"
WORKSPACE_DIR = "/workspace"

READY_ANNOTATION = "tekton.dev/ready"
READY_VALUE = "READY"
CANCEL_ANNOTATION = "tekton.dev/cancel"
CANCEL_VALUE = "CANCEL"

BIN_VOLUME = "tekton-internal-bin"
RUN_VOLUME = "tekton-internal-run"
DOWNWARD_VOLUME = "tekton-internal-downward"
SCRIPTS_VOLUME = "tekton-internal-scripts"
STEPS_VOLUME = "tekton-internal-steps"
CREDS_HOME_PREFIX = "tekton-creds-init-home"

# (volume name, mount path, read-only) of the volumes every step mounts
_IMPLICIT = (
    ("tekton-internal-workspace", WORKSPACE_DIR, False),
    ("tekton-internal-home", HOME_DIR, False),
    ("tekton-internal-results", RESULTS_DIR, False),
    (STEPS_VOLUME, STEPS_DIR, True),
    ("tekton-internal-artifacts", ARTIFACTS_DIR, False),
)


def empty_dir(name: str, medium: str = "") -> dict[str, Any]:
    """An emptyDir volume."""
    return {"name": name, "emptyDir": {"medium": medium} if medium else {}}


def mount(name: str, path: str, read_only: bool = False) -> dict[str, Any]:
    """A volumeMount (``readOnly`` written only when true, as Kubernetes omits false)."""
    m: dict[str, Any] = {"name": name, "mountPath": path}
    if read_only:
        m["readOnly"] = True
    return m


def implicit_volumes() -> list[dict[str, Any]]:
    """The emptyDir volumes behind the implicit mounts."""
    return [empty_dir(name) for name, _, _ in _IMPLICIT]


def implicit_mounts() -> list[dict[str, Any]]:
    """The mounts every step gets unless it mounts something at the same path."""
    return [mount(name, path, ro) for name, path, ro in _IMPLICIT]


def bin_mount(read_only: bool) -> dict[str, Any]:
    """``/tekton/bin``: writable in ``prepare`` and ``place-scripts``, read-only in steps."""
    return mount(BIN_VOLUME, BIN_DIR, read_only)


def bin_volume() -> dict[str, Any]:
    return empty_dir(BIN_VOLUME)


def steps_mount() -> dict[str, Any]:
    """``/tekton/steps`` writable (for ``prepare``, which creates the links)."""
    return mount(STEPS_VOLUME, STEPS_DIR)


def run_volume(i: int) -> dict[str, Any]:
    return empty_dir(f"{RUN_VOLUME}-{i}")


def run_mount(i: int, read_only: bool) -> dict[str, Any]:
    return mount(f"{RUN_VOLUME}-{i}", f"{RUN_DIR}/{i}", read_only)


def creds_volume(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Step ``i``'s own ``/tekton/creds``: a memory-backed emptyDir and its mount."""
    name = f"{CREDS_HOME_PREFIX}-{i}"
    return empty_dir(name, "Memory"), mount(name, CREDS_DIR)


def downward_volume(with_cancel: bool = False) -> dict[str, Any]:
    """The downward API volume projecting the ready (and cancel) annotations as files."""
    items = [{"path": "ready",
              "fieldRef": {"fieldPath": f"metadata.annotations['{READY_ANNOTATION}']"}}]
    if with_cancel:
        items.append({"path": "cancel",
                      "fieldRef": {"fieldPath": f"metadata.annotations['{CANCEL_ANNOTATION}']"}})
    return {"name": DOWNWARD_VOLUME, "downwardAPI": {"items": items}}


def downward_mount() -> dict[str, Any]:
    return mount(DOWNWARD_VOLUME, DOWNWARD_DIR, True)


def scripts_volume() -> dict[str, Any]:
    return empty_dir(SCRIPTS_VOLUME)


def scripts_mount(read_only: bool) -> dict[str, Any]:
    return mount(SCRIPTS_VOLUME, SCRIPTS_DIR, read_only)
