"""Resource quantities written back as kube-apiserver v1.34 writes them (values measured on
the real tier: a Node's capacity and a container's limits)."""

from __future__ import annotations

import pytest

from tekpy.local.apiserver.quantity import canonical


@pytest.mark.parametrize(("sent", "stored"), [
    ("0.5", "500m"), ("100m", "100m"), ("1000m", "1"), ("1.5", "1500m"), ("2000", "2k"),
    ("1000k", "1M"), ("1e3", "1e3"), ("1E3", "1E3"), ("12e2", "1200"), ("2.5E+3", "2500"),
    ("1Gi", "1Gi"), ("1.5Gi", "1536Mi"), ("0.5Gi", "512Mi"), ("1024Mi", "1Gi"),
    ("1000Mi", "1000Mi"), ("1.5Ki", "1536"), ("0.5Ki", "512"), ("1.0Gi", "1Gi"),
    ("10Ei", "9223372036854775807"), ("007", "007"), ("+1", "+1"), ("5.", "5."),
    ("0.000", "0"), ("1.000", "1"), ("100.0", "100"),
    # resource lists are rounded up to millis
    ("0.0001", "1m"), ("1n", "1m"), ("0.1m", "1m"), ("1.5e-3", "2e-3"),
    ("1.23456789", "1235m"), ("1e-10", "1e-3"),
])
def test_resource_list_quantities(sent: str, stored: str) -> None:
    assert canonical(sent, True) == stored


def test_other_quantities_keep_nanos_and_odd_text() -> None:
    assert canonical("1n") == "1n" and canonical("0.0001") == "100u"
    assert canonical("lots") == "lots"  # not a quantity: left for validation to report
