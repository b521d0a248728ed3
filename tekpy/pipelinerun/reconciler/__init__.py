"""The PipelineRun reconciler (the shell around :func:`tekpy.pipelinerun.plan`).

Public names: :class:`PipelineRunReconciler`, :func:`setup_pipelinerun_controller`,
:class:`PipelineRunMetrics` / :func:`default_metrics`, and the collections
:data:`PIPELINERUNS`, :data:`PIPELINES`.
"""

from tekpy.pipelinerun.reconciler.kinds import PIPELINERUNS, PIPELINES
from tekpy.pipelinerun.reconciler.metrics import PipelineRunMetrics, default_metrics
from tekpy.pipelinerun.reconciler.reconciler import PipelineRunReconciler
from tekpy.pipelinerun.reconciler.setup import setup_pipelinerun_controller

__all__ = [
    "PIPELINERUNS",
    "PIPELINES",
    "PipelineRunMetrics",
    "PipelineRunReconciler",
    "default_metrics",
    "setup_pipelinerun_controller",
]
