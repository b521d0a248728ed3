"""Kubernetes Events for controllers: an asynchronous recorder with client-go's correlation.

Public names: :class:`EventRecorder`, :class:`EventCorrelator`, ``NORMAL``, ``WARNING``,
:func:`object_reference`.
"""

from tekpy.runtime.events.correlator import EventCorrelator
from tekpy.runtime.events.recorder import NORMAL, WARNING, EventRecorder, object_reference

__all__ = ["NORMAL", "WARNING", "EventCorrelator", "EventRecorder", "object_reference"]
