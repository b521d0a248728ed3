"""Leader election on coordination.k8s.io/v1 Leases, with client-go's algorithm.

Public names: :class:`LeaderElector`, :class:`LeaderElectionConfig`, :class:`LeaseLock`,
:class:`LeaderElectionRecord`, the :class:`Lock` protocol and ``JITTER_FACTOR``; for
Knative-style sharding, :class:`BucketedElection`, :class:`BucketSet` and
:func:`bucket_names` (the key -> bucket hash is in :mod:`.keyhash`; the Manager's
``leader_election_buckets`` wires it all into controllers).
"""

from tekpy.runtime.leaderelection.buckets import BucketedElection, BucketSet, bucket_names
from tekpy.runtime.leaderelection.elector import (
    JITTER_FACTOR,
    LeaderElectionConfig,
    LeaderElector,
)
from tekpy.runtime.leaderelection.leaselock import LeaseLock, Lock
from tekpy.runtime.leaderelection.record import LeaderElectionRecord

__all__ = [
    "JITTER_FACTOR",
    "BucketSet",
    "BucketedElection",
    "LeaderElectionConfig",
    "LeaderElectionRecord",
    "LeaderElector",
    "LeaseLock",
    "Lock",
    "bucket_names",
]
