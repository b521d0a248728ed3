"""REST client metrics, with client-go's names and labels (so existing dashboards work).

``rest_client_requests_total{code,method,host}`` counts every HTTP attempt (``code`` is
``<error>`` when no response arrived); ``rest_client_request_duration_seconds{verb,host}``
times them, with client-go's buckets.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from tekpy.runtime.metrics.registry import REGISTRY

__all__ = ["REQUESTS_TOTAL", "REQUEST_DURATION_SECONDS", "REQUEST_RETRIES_TOTAL"]

REQUESTS_TOTAL = Counter(
    "rest_client_requests",
    "Number of HTTP requests, partitioned by status code, method, and host.",
    ["code", "method", "host"],
    registry=REGISTRY,
)

REQUEST_DURATION_SECONDS = Histogram(
    "rest_client_request_duration_seconds",
    "Request latency in seconds. Broken down by verb, and host.",
    ["verb", "host"],
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0),
    registry=REGISTRY,
)

REQUEST_RETRIES_TOTAL = Counter(
    "rest_client_request_retries",
    "Number of request retries, partitioned by status code, verb, and host.",
    ["code", "verb", "host"],
    registry=REGISTRY,
)
