"""The library's private Prometheus registry.

All ``tekpy.runtime`` metrics (work queue, reconcile, leader election, REST client) register
here rather than on prometheus-client's global default registry, so that an embedding
program's own metrics are not mixed in unless it chooses to (as controller-runtime's
``metrics.Registry``). The Manager serves this registry on ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

__all__ = ["REGISTRY"]

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)
