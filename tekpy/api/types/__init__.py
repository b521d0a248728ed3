"""The typed model of Tekton's kinds (attrs classes), one module per kind."""

from tekpy.api.types import (
    common,
    container,
    pipeline,
    pipelinerun,
    resources,
    status,
    task,
    taskrun,
)
from tekpy.api.types.common import *  # noqa: F403
from tekpy.api.types.container import *  # noqa: F403
from tekpy.api.types.pipeline import *  # noqa: F403
from tekpy.api.types.pipelinerun import *  # noqa: F403
from tekpy.api.types.resources import *  # noqa: F403
from tekpy.api.types.status import *  # noqa: F403
from tekpy.api.types.task import *  # noqa: F403
from tekpy.api.types.taskrun import *  # noqa: F403

__all__ = [
    *common.__all__,
    *container.__all__,
    *pipeline.__all__,
    *pipelinerun.__all__,
    *resources.__all__,
    *status.__all__,
    *task.__all__,
    *taskrun.__all__,
]
