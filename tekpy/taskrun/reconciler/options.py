"""What the TaskRun reconciler is configured with (the controller's flags and ConfigMaps)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from tekpy.api import Config
from tekpy.taskrun import (
    DEFAULT_ENTRYPOINT_IMAGE,
    DEFAULT_IMAGE_COMMANDS,
    ImageCommand,
    PodBuilderConfig,
)

__all__ = ["DEFAULT_NOP_IMAGE", "ReconcilerOptions", "default_entrypoint_image"]

#: The image a finished run's sidecars are switched to (Tekton's ``-nop-image``): its
#: entrypoint exits 0 at once, so the kubelet restarts the container into it and it stops.
DEFAULT_NOP_IMAGE = "ghcr.io/tektoncd/pipeline/nop:latest"


def default_entrypoint_image() -> str:
    """The entrypoint image tekpy ships (``tekpy_entrypoint.DEFAULT_IMAGE``)."""
    try:
        from tekpy_entrypoint import DEFAULT_IMAGE
    except ImportError:  # pragma: no cover - the package is part of tekpy's distribution
        return DEFAULT_ENTRYPOINT_IMAGE
    return DEFAULT_IMAGE


@attrs.frozen
class ReconcilerOptions:
    """Tekton's ConfigMaps (``config``: ``feature-flags`` + ``config-defaults``) and images.

    ``image_commands`` tells the Pod builder the ENTRYPOINT/CMD of images whose steps set no
    ``command`` (tekpy does not query registries); by default
    :data:`~tekpy.taskrun.config.DEFAULT_IMAGE_COMMANDS`. ``managed_by`` selects the Pods the
    controller watches: every Pod it creates carries ``app.kubernetes.io/managed-by``.
    """

    config: Config = attrs.field(factory=Config)
    entrypoint_image: str = attrs.field(factory=default_entrypoint_image)
    nop_image: str = DEFAULT_NOP_IMAGE
    shell_image: str = "busybox"
    git_image: str = "alpine/git"
    release: str = "devel"
    image_commands: Mapping[str, ImageCommand] = attrs.field(
        factory=lambda: dict(DEFAULT_IMAGE_COMMANDS))
    # record a missing declared result as a failure (Tekton lets it pass)
    fail_on_missing_results: bool = False

    def pod_builder_config(self) -> PodBuilderConfig:
        """The Pod builder's configuration for these options."""
        return PodBuilderConfig(
            entrypoint_image=self.entrypoint_image, shell_image=self.shell_image,
            git_image=self.git_image, release=self.release,
            feature_flags=self.config.feature_flags, defaults=self.config.defaults,
            image_commands=dict(self.image_commands))
