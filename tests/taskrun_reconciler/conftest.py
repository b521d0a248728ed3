"""Fixtures of the TaskRun reconciler tests: a Manager running the controller on a fake
clock, against the ``api_server`` fixture (embedded or real kube-apiserver), in a fresh
namespace with the Tekton CRDs installed (``pytestmark`` of each module)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry
from trr_support import Kubelet

from tekpy.api import Config
from tekpy.runtime.clock import FakeClock
from tekpy.runtime.manager import Manager
from tekpy.taskrun.reconciler import (
    ReconcilerOptions,
    TaskRunMetrics,
    TaskRunReconciler,
    setup_taskrun_controller,
)


@attrs.define
class Env:
    """What a test works with: the client, its namespace, the clock, the kubelet stand-in,
    the reconciler and a private metrics registry."""

    client: Any
    namespace: str
    clock: FakeClock
    kubelet: Kubelet
    reconciler: TaskRunReconciler
    registry: CollectorRegistry
    manager: Manager


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "feature_flags(**flags): Tekton feature-flags of the "
                                       "controller the env fixture runs")


@pytest_asyncio.fixture
async def env(client: Any, namespace: str, request: pytest.FixtureRequest
              ) -> AsyncIterator[Env]:
    # The fake clock starts a little after the server's clock, so startTime never predates
    # the creationTimestamp the server stamps.
    start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    clock = FakeClock(start=start)
    manager = Manager(client, namespace=namespace, metrics_bind_address="0",
                      handle_signals=False, clock=clock, graceful_shutdown_timeout=5.0)
    registry = CollectorRegistry()
    marker = request.node.get_closest_marker("feature_flags")
    flags = {k.replace("_", "-"): v for k, v in (marker.kwargs if marker else {}).items()}
    options = ReconcilerOptions(config=Config.from_maps({}, flags),
                                entrypoint_image="tekpy/entrypoint:test",
                                nop_image="tekpy/nop:test")
    _, reconciler = setup_taskrun_controller(manager, options, threads=2,
                                             metrics=TaskRunMetrics(registry))
    task = asyncio.create_task(manager.start())
    waiter = asyncio.ensure_future(manager.elected.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=15,
                                 return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()  # raises the start failure
    assert waiter in done, "manager did not start"
    try:
        yield Env(client, namespace, clock, Kubelet(client, namespace), reconciler,
                  registry, manager)
    finally:
        manager.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=10)
