"""Wiring the PipelineRun controller into a :class:`tekpy.runtime.manager.Manager`.

In the builder's words: *for PipelineRuns, owning TaskRuns and PipelineRuns (so a child's
change wakes its parent; a child PipelineRun runs a PipelineTask's Pipeline) and
PersistentVolumeClaims, with N workers*::

    setup_pipelinerun_controller(manager, config, threads=2)
"""

from __future__ import annotations

from typing import Any

from tekpy.api import Config
from tekpy.pipelinerun.reconciler.kinds import PIPELINERUNS, PVCS, TASKRUNS
from tekpy.pipelinerun.reconciler.metrics import PipelineRunMetrics
from tekpy.pipelinerun.reconciler.reconciler import PipelineRunReconciler
from tekpy.runtime.controller import Controller, ControllerBuilder

__all__ = ["CONTROLLER_NAME", "setup_pipelinerun_controller"]

CONTROLLER_NAME = "pipelinerun"
EVENT_COMPONENT = "pipelinerun-controller"


def setup_pipelinerun_controller(manager: Any, config: Config | None = None, *,
                                 threads: int = 2, metrics: PipelineRunMetrics | None = None
                                 ) -> tuple[Controller, PipelineRunReconciler]:
    """Build the reconciler on ``manager``'s client, informers, clock and event recorder,
    register its controller, and return both."""
    informers = manager.informers
    pipelineruns = informers.informer_for(PIPELINERUNS)
    taskruns = informers.informer_for(TASKRUNS)
    recorder = None
    make_recorder = getattr(manager, "event_recorder", None)
    if callable(make_recorder):
        recorder = make_recorder(EVENT_COMPONENT)
    reconciler = PipelineRunReconciler(
        manager.client, pipelineruns.lister(), taskruns.lister(), config=config,
        clock=manager.clock, recorder=recorder, metrics=metrics)
    controller = (
        ControllerBuilder(manager)
        .named(CONTROLLER_NAME)
        .for_(PIPELINERUNS)
        .owns(TASKRUNS)
        .owns(PIPELINERUNS)
        .owns(PVCS)
        .with_options(max_concurrent_reconciles=threads)
        .complete(reconciler)
    )
    return controller, reconciler
