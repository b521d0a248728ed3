"""The PipelineRun path: a pure planner and a thin reconciler shell.

Public names:

- :func:`plan` -> :class:`Plan` (TaskRuns and child PipelineRuns to create,
  :class:`Patch` es for children to cancel, claims to create, the new status,
  ``requeue_after``); :func:`fail` for runs that cannot start;
- the pieces it is made of, each usable alone: :class:`Facts` (scheduling and skipping),
  :func:`combinations` (matrix fan-out), :func:`allows_all` (``when``, CEL included),
  :func:`taskrun_names`, :func:`build_taskruns`, :func:`build_child_pipelinerun` (pipelines
  in pipelines), :func:`pipeline_condition`;
- :mod:`tekpy.pipelinerun.reasons`: Tekton's reasons and skip reasons;
- :mod:`tekpy.pipelinerun.reconciler`: the shell (``setup_pipelinerun_controller``).

See ``docs/pipelinerun.md``.
"""

from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.facts import Facts, Resolution, Stop
from tekpy.pipelinerun.matrix import combinations
from tekpy.pipelinerun.names import pvc_name, taskrun_names
from tekpy.pipelinerun.pipelineruns import build_child_pipelinerun
from tekpy.pipelinerun.planner import Patch, Plan, fail, plan
from tekpy.pipelinerun.status import Counts, count, pipeline_condition
from tekpy.pipelinerun.taskruns import build_taskruns, claims_for
from tekpy.pipelinerun.timeouts import Timeouts, taskrun_timeout, timeouts_of
from tekpy.pipelinerun.when import allows, allows_all

__all__ = [
    "Counts", "Facts", "Patch", "Plan", "Resolution", "Stop", "Timeouts", "allows",
    "allows_all", "build_child_pipelinerun", "build_taskruns", "claims_for", "combinations",
    "count", "fail",
    "pipeline_condition", "plan", "pvc_name", "reasons", "taskrun_names", "taskrun_timeout",
    "timeouts_of",
]
