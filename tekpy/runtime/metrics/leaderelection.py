"""Leader election metrics, with controller-runtime's names and labels."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from tekpy.runtime.metrics.registry import REGISTRY

__all__ = ["LEADER_ELECTION_MASTER_STATUS", "LEADER_ELECTION_SLOWPATH_TOTAL"]

LEADER_ELECTION_MASTER_STATUS = Gauge(
    "leader_election_master_status",
    "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, "
    "1 indicates master. 'name' is the string used to identify the lease. "
    "Please make sure to group by name.",
    ["name"],
    registry=REGISTRY,
)

LEADER_ELECTION_SLOWPATH_TOTAL = Counter(
    "leader_election_slowpath_total",
    "Total number of slow path exercised in renewing leader leases. 'name' is the string "
    "used to identify the lease. Please make sure to group by name.",
    ["name"],
    registry=REGISTRY,
)
