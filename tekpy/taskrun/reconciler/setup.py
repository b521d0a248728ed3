"""Wiring the TaskRun controller into a :class:`tekpy.runtime.manager.Manager`.

::

    manager = Manager(client, ...)
    setup_taskrun_controller(manager, ReconcilerOptions(...), threads=2)
    await manager.start()

It reads, in the builder's words: *for TaskRuns, owning Pods (only those labelled
``app.kubernetes.io/managed-by``) and PersistentVolumeClaims, with N workers*.
"""

from __future__ import annotations

from typing import Any

from tekpy.runtime.controller import Controller, ControllerBuilder
from tekpy.taskrun.reconciler.kinds import MANAGED_BY_LABEL, PODS, PVCS, TASKRUNS
from tekpy.taskrun.reconciler.metrics import TaskRunMetrics
from tekpy.taskrun.reconciler.options import ReconcilerOptions
from tekpy.taskrun.reconciler.reconciler import TaskRunReconciler

__all__ = ["CONTROLLER_NAME", "setup_taskrun_controller"]

CONTROLLER_NAME = "taskrun"
#: The Events' source component, as Tekton's controller reports it.
EVENT_COMPONENT = "taskrun-controller"


def setup_taskrun_controller(manager: Any, options: ReconcilerOptions | None = None, *,
                             threads: int = 2, metrics: TaskRunMetrics | None = None
                             ) -> tuple[Controller, TaskRunReconciler]:
    """Build the TaskRun reconciler on ``manager``'s client, informers, clock and event
    recorder, register its controller, and return both."""
    informers = manager.informers
    taskruns = informers.informer_for(TASKRUNS)
    pods = informers.informer_for(PODS, label_selector=MANAGED_BY_LABEL)
    recorder = None
    make_recorder = getattr(manager, "event_recorder", None)
    if callable(make_recorder):
        recorder = make_recorder(EVENT_COMPONENT)
    reconciler = TaskRunReconciler(
        manager.client, taskruns.lister(), pods.lister(), options=options,
        clock=manager.clock, recorder=recorder, metrics=metrics)
    controller = (
        ControllerBuilder(manager)
        .named(CONTROLLER_NAME)
        .for_(TASKRUNS)
        .owns(PODS, label_selector=MANAGED_BY_LABEL)
        .owns(PVCS)
        .with_options(max_concurrent_reconciles=threads)
        .complete(reconciler)
    )
    return controller, reconciler
