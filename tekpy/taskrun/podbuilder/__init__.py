"""The pure Pod builder: TaskRun + resolved TaskSpec + config -> Pod (see :func:`build_pod`)."""

from tekpy.taskrun.podbuilder.errors import PodBuildError
from tekpy.taskrun.podbuilder.pod import BuiltPod, build_pod, pod_labels

__all__ = ["BuiltPod", "PodBuildError", "build_pod", "pod_labels"]
