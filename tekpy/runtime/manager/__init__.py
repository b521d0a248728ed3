"""The Manager: runs informers, controllers and probe/metrics servers with leader election.

Public names: :class:`Manager`, :class:`LeaderElectionLost`, :class:`GracefulShutdownTimeout`,
the :class:`Runnable` protocol and the :class:`CheckSet`/``Checker`` health-check types.
"""

from tekpy.runtime.manager.healthz import Checker, CheckSet
from tekpy.runtime.manager.manager import GracefulShutdownTimeout, LeaderElectionLost, Manager
from tekpy.runtime.manager.runnables import Runnable

__all__ = [
    "CheckSet",
    "Checker",
    "GracefulShutdownTimeout",
    "LeaderElectionLost",
    "Manager",
    "Runnable",
]
