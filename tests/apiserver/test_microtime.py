"""MicroTime fields of patched objects: Go's time.Parse errors, kube's 422."""

from __future__ import annotations

import pytest
from apiserver_helpers import Kube

from tekpy.local.apiserver.microtime import go_time_error

LAYOUT = "2006-01-02T15:04:05.000000Z07:00"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


@pytest.mark.parametrize(("value", "error"), [
    ("2026-01-02T03:04:05.123456Z", None),
    ("2026-01-02T03:04:05,123456-07:30", None),
    ("2026-01-02T3:04:05.123456Z", None),  # hours take one digit
    ("soon", f'parsing time "soon" as "{LAYOUT}": cannot parse "soon" as "2006"'),
    ("2026-01-02T03:04:05Z",
     f'parsing time "2026-01-02T03:04:05Z" as "{LAYOUT}": cannot parse "Z" as ".000000"'),
    ("2026/01", f'parsing time "2026/01" as "{LAYOUT}": cannot parse "/01" as "-"'),
    ("2026-13-02T03:04:05.000000Z", 'parsing time "2026-13-02T03:04:05.000000Z": month out '
                                    "of range"),
    ("2026-01-02T03:04:05.000000Zx",
     'parsing time "2026-01-02T03:04:05.000000Zx": extra text: "x"'),
    ("2026-01-02T03:04:05.000000+0100",
     f'parsing time "2026-01-02T03:04:05.000000+0100" as "{LAYOUT}": cannot parse "+0100" as '
     '"Z07:00"'),
])
def test_go_time_errors(value: str, error: str | None) -> None:
    assert go_time_error(value) == error


async def test_patched_lease_times(kube: Kube) -> None:
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "l"}, "spec": {"holderIdentity": "a"}}
    await kube.ok("POST", f"{LEASES}?fieldManager=m", lease)
    status, body = await kube.patch(f"{LEASES}/l", {"spec": {"renewTime": "soon"}})
    assert status == 422
    assert body["message"].startswith(' "" is invalid: patch: Invalid value: "{\\"apiVersion')
    assert '\\"managedFields\\":[{\\"manager\\":\\"m\\"' in body["message"]
    assert body["message"].endswith(f'": parsing time "soon" as "{LAYOUT}": cannot parse "soon" '
                                    'as "2006"')
    status, body = await kube.patch(f"{LEASES}/l", {"spec": {"renewTime": "soon"}}, "strategic")
    assert status == 422
    assert 'Invalid value: "map[spec:map[renewTime:soon]]"' in body["message"]
    status, body = await kube.patch(f"{LEASES}/l", {"spec": {"renewTime": 5}})
    assert status == 422 and body["message"].endswith(
        "json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type "
        "string")
    good = "2026-01-02T03:04:05.123456Z"
    body = await kube.ok("PATCH", f"{LEASES}/l", {"spec": {"renewTime": good}},
                         content_type="application/merge-patch+json")
    assert body["spec"]["renewTime"] == good
