"""Installing CustomResourceDefinitions in a test server and waiting until they are served."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tekpy.testing.eventually import eventually

if TYPE_CHECKING:
    from tekpy.runtime.client import Client, Resource

__all__ = ["install_crds", "load_crds"]

CrdSource = dict[str, Any] | str | Path


def load_crds(sources: Iterable[CrdSource]) -> list[dict[str, Any]]:
    """CRD dicts from dicts, YAML files (multi-document) or directories of YAML files."""
    crds: list[dict[str, Any]] = []
    for src in sources:
        if isinstance(src, dict):
            crds.append(src)
            continue
        path = Path(src)
        files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
        for file in files:
            for doc in yaml.safe_load_all(file.read_text()):
                if doc and doc.get("kind") == "CustomResourceDefinition":
                    crds.append(doc)
    return crds


def served_resources(crd: dict[str, Any]) -> list[Resource]:
    """The :class:`Resource` of every served version of ``crd``."""
    from tekpy.runtime.client import Resource

    spec = crd["spec"]
    names = spec["names"]
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    return [
        Resource(spec["group"], v["name"], names["plural"], names["kind"], namespaced=namespaced)
        for v in spec.get("versions", [])
        if v.get("served", True)
    ]


async def install_crds(
    client: Client,
    crds: Iterable[CrdSource],
    *,
    timeout: float = 30.0,  # noqa: ASYNC109 - a polling deadline
) -> list[Resource]:
    """Create ``crds`` (existing ones are left alone), wait until each is ``Established``
    and its served versions answer a list, and return their :class:`Resource` objects."""
    from tekpy.runtime.client import CRDS, ApiError

    resources: list[Resource] = []
    docs = load_crds(crds)
    for crd in docs:
        try:
            await client.create(CRDS, crd)
        except ApiError as exc:
            if exc.status != 409:
                raise
    for crd in docs:
        name = crd["metadata"]["name"]

        async def established(name: str = name) -> bool:  # bind the loop variable
            obj = await client.get(CRDS, name)
            conditions = (obj.get("status") or {}).get("conditions") or []
            return any(
                c.get("type") == "Established" and c.get("status") == "True" for c in conditions
            )

        await eventually(established, timeout=timeout, message=f"CRD {name} established")
        for resource in served_resources(crd):

            async def served(resource: Resource = resource) -> bool:
                try:
                    await client.list(resource, limit=1)
                except ApiError as exc:
                    if exc.status == 404:
                        return False
                    raise
                return True

            await eventually(served, timeout=timeout, message=f"{resource} served")
            resources.append(resource)
    return resources
