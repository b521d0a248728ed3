"""The TaskRun reconciler (the shell around :mod:`tekpy.taskrun`'s pure functions).

Public names:

- :class:`TaskRunReconciler` -- ``async reconcile(request)`` for a tekpy.runtime Controller;
- :class:`ReconcilerOptions` -- Tekton's ConfigMaps and the images (entrypoint, nop, shell);
- :func:`setup_taskrun_controller` -- wires it into a Manager (for TaskRuns, owning Pods and
  PersistentVolumeClaims);
- :class:`TaskRunMetrics` / :func:`default_metrics` -- Tekton's metric names;
- :data:`TASKRUNS`, :data:`TASKS` -- the collections it works on.

See ``docs/controller.md``.
"""

from tekpy.taskrun.reconciler.kinds import STEPACTIONS, TASKRUNS, TASKS
from tekpy.taskrun.reconciler.metrics import TaskRunMetrics, default_metrics
from tekpy.taskrun.reconciler.options import DEFAULT_NOP_IMAGE, ReconcilerOptions
from tekpy.taskrun.reconciler.reconciler import TaskRunReconciler
from tekpy.taskrun.reconciler.setup import setup_taskrun_controller

__all__ = [
    "DEFAULT_NOP_IMAGE",
    "STEPACTIONS",
    "TASKRUNS",
    "TASKS",
    "ReconcilerOptions",
    "TaskRunMetrics",
    "TaskRunReconciler",
    "default_metrics",
    "setup_taskrun_controller",
]
