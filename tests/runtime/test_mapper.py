"""RESTMapper over the embedded server's discovery, including CRDs established later."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tekpy.runtime.client import (
    CONFIGMAPS,
    CRDS,
    LEASES,
    NAMESPACES,
    Client,
    NoKindMatchError,
    Resource,
)


def crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "listKind": "WidgetList",
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


async def test_builtin_kinds(client: Client) -> None:
    m = client.mapper
    assert await m.resource_for("v1", "ConfigMap") == CONFIGMAPS
    assert await m.resource_for("v1", "Namespace") == NAMESPACES
    assert await m.resource_for("coordination.k8s.io/v1", "Lease") == LEASES
    assert await m.kind_for("v1", "configmaps") == "ConfigMap"
    assert await m.resource_for_object({"apiVersion": "v1", "kind": "Pod"}) == Resource(
        "", "v1", "pods", "Pod"
    )
    assert all("/" not in r.plural for r in await m.resources("v1"))
    with pytest.raises(NoKindMatchError):
        await m.resource_for("v1", "Nope")
    with pytest.raises(NoKindMatchError):
        await m.resource_for("nothere.example.com/v1", "Thing")
    prefs = await m.preferred_versions()
    assert prefs[""] == "v1" and prefs["coordination.k8s.io"] == "coordination.k8s.io/v1"


async def test_crd_kind_found_after_a_miss_refreshes_discovery(client: Client) -> None:
    m = client.mapper
    with pytest.raises(NoKindMatchError):
        await m.resource_for("example.com/v1", "Widget")
    await client.create(CRDS, crd())

    # The CRD becomes served asynchronously (Established); each miss asks the server again.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    found: list[Resource] = []
    while not found:
        try:
            found.append(await m.resource_for("example.com/v1", "Widget"))
        except NoKindMatchError:
            assert loop.time() < deadline, "CRD never became discoverable"
            await asyncio.sleep(0.01)
    assert found == [Resource("example.com", "v1", "widgets", "Widget", True)]
    assert await m.kind_for("example.com/v1", "widgets") == "Widget"
