"""Fixtures of the PipelineRun integration tests: a Manager running both the PipelineRun
and the TaskRun controllers on a fake clock against the ``api_server`` fixture, in a fresh
namespace; the test plays the kubelet (T2's ``Kubelet`` helper from
``tests/taskrun_reconciler/trr_support.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest_asyncio
from prometheus_client import CollectorRegistry

# T2's kubelet stand-in and CRD loader (imported, not copied)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "taskrun_reconciler"))

from trr_support import Kubelet

from tekpy.api import Config
from tekpy.pipelinerun.reconciler import (
    PipelineRunMetrics,
    setup_pipelinerun_controller,
)
from tekpy.runtime.clock import FakeClock
from tekpy.runtime.manager import Manager
from tekpy.taskrun.reconciler import (
    ReconcilerOptions,
    TaskRunMetrics,
    setup_taskrun_controller,
)


@attrs.define
class PrEnv:
    client: Any
    namespace: str
    clock: FakeClock
    kubelet: Kubelet
    registry: CollectorRegistry


ALPHA = {"enable-api-fields": "alpha", "enable-cel-in-whenexpression": "true"}


@contextlib.asynccontextmanager
async def _environment(client: Any, namespace: str, config: Config) -> AsyncIterator[PrEnv]:
    # a little after the server's clock, so startTime never predates creationTimestamp
    start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    clock = FakeClock(start=start)
    manager = Manager(client, namespace=namespace, metrics_bind_address="0",
                      handle_signals=False, clock=clock, graceful_shutdown_timeout=5.0)
    registry = CollectorRegistry()
    setup_taskrun_controller(manager, ReconcilerOptions(
        config=config, entrypoint_image="tekpy/entrypoint:test", nop_image="tekpy/nop:test"),
        threads=2, metrics=TaskRunMetrics(registry))
    setup_pipelinerun_controller(manager, config, threads=2,
                                 metrics=PipelineRunMetrics(registry))
    task = asyncio.create_task(manager.start())
    waiter = asyncio.ensure_future(manager.elected.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=15,
                                 return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()
    assert waiter in done, "manager did not start"
    try:
        yield PrEnv(client, namespace, clock, Kubelet(client, namespace), registry)
    finally:
        manager.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=10)


@pytest_asyncio.fixture
async def prenv(client: Any, namespace: str) -> AsyncIterator[PrEnv]:
    """Both controllers with Tekton's default configuration (the beta gate)."""
    async with _environment(client, namespace, Config.from_maps({}, {})) as env:
        yield env


@pytest_asyncio.fixture
async def prenv_alpha(client: Any, namespace: str) -> AsyncIterator[PrEnv]:
    """Both controllers with the flags of Tekton's alpha CI that alpha features here need
    (``enable-api-fields: alpha``, ``enable-cel-in-whenexpression``)."""
    async with _environment(client, namespace, Config.from_maps({}, ALPHA)) as env:
        yield env
