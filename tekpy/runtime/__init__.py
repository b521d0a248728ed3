"""tekpy.runtime: an asyncio controller library with client-go and controller-runtime semantics.

This package knows nothing about Tekton. See docs/runtime.md for the guide and reference.

The most used names are re-exported here and imported lazily on first use, so
``import tekpy.runtime`` stays cheap::

    from tekpy.runtime import Client, ControllerBuilder, Manager, Request, Result
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tekpy.runtime.cache import Lister, SharedInformerFactory
    from tekpy.runtime.client import ApiError, Client, Resource
    from tekpy.runtime.clock import REAL_CLOCK, Clock, FakeClock
    from tekpy.runtime.controller import (
        Controller,
        ControllerBuilder,
        Reconciler,
        Request,
        Result,
        TerminalError,
    )
    from tekpy.runtime.events import EventRecorder
    from tekpy.runtime.leaderelection import LeaderElectionConfig, LeaderElector, LeaseLock
    from tekpy.runtime.manager import Manager

_EXPORTS = {
    "ApiError": "tekpy.runtime.client",
    "Client": "tekpy.runtime.client",
    "Resource": "tekpy.runtime.client",
    "Lister": "tekpy.runtime.cache",
    "SharedInformerFactory": "tekpy.runtime.cache",
    "Clock": "tekpy.runtime.clock",
    "FakeClock": "tekpy.runtime.clock",
    "REAL_CLOCK": "tekpy.runtime.clock",
    "Controller": "tekpy.runtime.controller",
    "ControllerBuilder": "tekpy.runtime.controller",
    "Reconciler": "tekpy.runtime.controller",
    "Request": "tekpy.runtime.controller",
    "Result": "tekpy.runtime.controller",
    "TerminalError": "tekpy.runtime.controller",
    "EventRecorder": "tekpy.runtime.events",
    "LeaderElectionConfig": "tekpy.runtime.leaderelection",
    "LeaderElector": "tekpy.runtime.leaderelection",
    "LeaseLock": "tekpy.runtime.leaderelection",
    "Manager": "tekpy.runtime.manager",
}

__all__ = [
    "ApiError",
    "Client",
    "Clock",
    "Controller",
    "ControllerBuilder",
    "EventRecorder",
    "FakeClock",
    "LeaderElectionConfig",
    "LeaderElector",
    "LeaseLock",
    "Lister",
    "Manager",
    "REAL_CLOCK",
    "Reconciler",
    "Request",
    "Resource",
    "Result",
    "SharedInformerFactory",
    "TerminalError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tekpy.runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
