"""tekpy.runtime.client: an asyncio Kubernetes REST client whose objects are plain dicts.

- :class:`Resource` names a collection (group, version, plural, kind, namespaced); common
  built-ins are provided (:data:`PODS`, :data:`CONFIGMAPS`, :data:`LEASES`, ...).
- :class:`Client` does get/list/list_all/watch/create/update/update_status/patch/delete with
  client-go's retry rules; build it from :class:`ClientConfig`, kubeconfig or in-cluster.
- :class:`RESTMapper` maps kinds to resources through discovery.
- :class:`ApiError` and the ``is_*`` predicates classify failures.
"""

from tekpy.runtime.client.client import DEFAULT_PAGE_SIZE, Client, PatchType
from tekpy.runtime.client.config import (
    ClientConfig,
    ConfigError,
    TokenProvider,
    load_environment_config,
    load_in_cluster_config,
    load_kubeconfig,
)
from tekpy.runtime.client.errors import (
    ApiError,
    WatchStalledError,
    is_already_exists,
    is_bad_request,
    is_conflict,
    is_expired,
    is_forbidden,
    is_gone,
    is_internal_error,
    is_invalid,
    is_not_found,
    is_server_timeout,
    is_service_unavailable,
    is_timeout,
    is_too_large_resource_version,
    is_too_many_requests,
    is_unauthorized,
)
from tekpy.runtime.client.lines import DEFAULT_MAX_LINE_BYTES, LineSplitter, LineTooLongError
from tekpy.runtime.client.mapper import NoKindMatchError, RESTMapper
from tekpy.runtime.client.ratelimit import TokenBucket
from tekpy.runtime.client.resource import (
    CONFIGMAPS,
    CRDS,
    DEPLOYMENTS,
    EVENTS,
    EVENTS_V1,
    LEASES,
    NAMESPACES,
    NODES,
    PODS,
    SECRETS,
    SERVICEACCOUNTS,
    SERVICES,
    Resource,
)
from tekpy.runtime.client.watch import WatchEvent, WatchStream

__all__ = [
    "CONFIGMAPS",
    "CRDS",
    "DEFAULT_MAX_LINE_BYTES",
    "DEFAULT_PAGE_SIZE",
    "DEPLOYMENTS",
    "EVENTS",
    "EVENTS_V1",
    "LEASES",
    "NAMESPACES",
    "NODES",
    "PODS",
    "SECRETS",
    "SERVICEACCOUNTS",
    "SERVICES",
    "ApiError",
    "Client",
    "ClientConfig",
    "ConfigError",
    "LineSplitter",
    "LineTooLongError",
    "NoKindMatchError",
    "PatchType",
    "RESTMapper",
    "Resource",
    "TokenBucket",
    "TokenProvider",
    "WatchEvent",
    "WatchStalledError",
    "WatchStream",
    "is_already_exists",
    "is_bad_request",
    "is_conflict",
    "is_expired",
    "is_forbidden",
    "is_gone",
    "is_internal_error",
    "is_invalid",
    "is_not_found",
    "is_server_timeout",
    "is_service_unavailable",
    "is_timeout",
    "is_too_large_resource_version",
    "is_too_many_requests",
    "is_unauthorized",
    "load_environment_config",
    "load_in_cluster_config",
    "load_kubeconfig",
]
