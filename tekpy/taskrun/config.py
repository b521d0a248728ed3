"""What the Pod builder needs besides the TaskRun and its TaskSpec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.api.config import Defaults, FeatureFlags

__all__ = [
    "DEFAULT_ENTRYPOINT_IMAGE",
    "DEFAULT_IMAGE_COMMANDS",
    "ENTRYPOINT_PATH",
    "ImageCommand",
    "PodBuilderConfig",
    "find_image_command",
]

try:
    # the image tekpy ships, with the executable where Tekton's ko-built image has it
    from tekpy_entrypoint import DEFAULT_IMAGE as DEFAULT_ENTRYPOINT_IMAGE
    from tekpy_entrypoint import IMAGE_BINARY_PATH as ENTRYPOINT_PATH
except ImportError:  # an editable install that sees tekpy_entrypoint as a namespace package
    DEFAULT_ENTRYPOINT_IMAGE = "tekpy/entrypoint:v0.1.0"
    ENTRYPOINT_PATH = "/ko-app/entrypoint"


@attrs.frozen
class ImageCommand:
    """An image's configured ``ENTRYPOINT`` and ``CMD`` (what Tekton reads from a registry).

    A step without ``command`` runs ``entrypoint`` (+ ``cmd`` when the step has no ``args``),
    or ``cmd`` when the image has no entrypoint, as Tekton's entrypoint lookup does.
    """

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()

    def command_for(self, has_args: bool) -> list[str]:
        """The command a step without ``command`` runs."""
        if not self.entrypoint:
            return list(self.cmd)
        if has_args:
            return list(self.entrypoint)
        return [*self.entrypoint, *self.cmd]


# Docker Hub's bash image: ENTRYPOINT docker-entrypoint.sh, CMD bash. The script runs bash
# with the arguments when there are none or the first is an option (``-c ...``), and
# otherwise execs the arguments as a command (``echo hi``). A local root file system standing
# in for the image has no such script, so the same rule is given to bash as a program; $0
# keeps the script's name for error messages.
_BASH_ENTRYPOINT_RULE = ('if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then set -- bash "$@"; fi; '
                        'exec "$@"')

# Official images (Docker Hub's busybox, alpine, ubuntu and bash): what the controller uses
# unless told otherwise. The first three set no ENTRYPOINT, only a shell as CMD.
DEFAULT_IMAGE_COMMANDS: Mapping[str, ImageCommand] = {
    "busybox": ImageCommand((), ("sh",)),
    "alpine": ImageCommand((), ("/bin/sh",)),
    "ubuntu": ImageCommand((), ("/bin/bash",)),
    "bash": ImageCommand(("bash", "-c", _BASH_ENTRYPOINT_RULE, "docker-entrypoint.sh"),
                         ("bash",)),
}


def _image_keys(image: str) -> list[str]:
    """``image`` as written, then without tag/digest, then also without registry host and
    ``library/`` (``mirror.gcr.io/library/busybox@sha256:..`` -> ``busybox``)."""
    keys = [image]
    repo = image.split("@", 1)[0]
    last = repo.rfind("/")
    colon = repo.rfind(":")
    if colon > last:
        repo = repo[:colon]
    keys.append(repo)
    first, sep, rest = repo.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        repo = rest
    keys.append(repo.removeprefix("library/"))
    return keys


def find_image_command(commands: Mapping[str, ImageCommand], image: str
                       ) -> ImageCommand | None:
    """The entry of ``commands`` for ``image``: the exact reference first, then the
    repository without tag or digest, then without registry host and ``library/``."""
    for key in _image_keys(image):
        if key in commands:
            return commands[key]
    return None


@attrs.frozen
class PodBuilderConfig:
    """Images, feature flags and defaults the Pod builder reads.

    ``image_commands`` maps an image reference to its :class:`ImageCommand` (see
    :func:`find_image_command` for how a step's image finds its entry). tekpy cannot query
    a registry, so a step that sets neither ``command`` nor ``script`` needs its image
    listed here; otherwise building the Pod fails
    with a ``TaskRunValidationFailed`` error that says so.
    """

    entrypoint_image: str = DEFAULT_ENTRYPOINT_IMAGE
    # the image of place-scripts and working-dir-initializer: it needs a POSIX shell
    shell_image: str = "busybox"
    git_image: str = "alpine/git"
    # the path of the entrypoint executable inside ``entrypoint_image``
    entrypoint_path: str = ENTRYPOINT_PATH
    release: str = "devel"
    feature_flags: FeatureFlags = attrs.field(factory=FeatureFlags)
    defaults: Defaults = attrs.field(factory=Defaults)
    image_commands: Mapping[str, ImageCommand] = attrs.field(factory=dict)

    @property
    def default_pod_template(self) -> dict[str, Any] | None:
        return self.defaults.default_pod_template
