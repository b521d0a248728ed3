"""Discovery-backed mapping between kinds and REST resources (client-go's RESTMapper).

Each group version's resource list (``/api/v1``, ``/apis/<group>/<version>``) is fetched on
first use and cached; a miss fetches that group version again once (a CRD may have just been
established) before failing with :class:`NoKindMatchError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tekpy.runtime.client.errors import ApiError, is_not_found
from tekpy.runtime.client.resource import Resource

if TYPE_CHECKING:
    from tekpy.runtime.client.client import Client

__all__ = ["NoKindMatchError", "RESTMapper"]


class NoKindMatchError(LookupError):
    """The server does not serve the requested kind or resource in that group version."""


def _split(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class RESTMapper:
    """Maps ``(apiVersion, kind)`` to a :class:`Resource` and back, from the server's discovery."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._by_gv: dict[str, dict[str, Resource]] = {}  # api_version -> kind -> Resource

    def invalidate(self) -> None:
        """Forget everything discovered (the next lookup asks the server again)."""
        self._by_gv.clear()

    async def _load(self, api_version: str) -> dict[str, Resource]:
        group, version = _split(api_version)
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            doc: Any = await self._client.request_json("GET", path)
        except ApiError as e:
            if is_not_found(e):
                self._by_gv[api_version] = {}
                return {}
            raise
        kinds: dict[str, Resource] = {}
        for r in doc.get("resources") or []:
            name = r.get("name", "")
            if "/" in name or not r.get("kind"):
                continue  # subresources (pods/status, pods/log) are not collections
            kinds.setdefault(
                r["kind"], Resource(group, version, name, r["kind"], bool(r.get("namespaced")))
            )
        self._by_gv[api_version] = kinds
        return kinds

    async def resources(self, api_version: str) -> list[Resource]:
        """Every collection served in ``api_version``."""
        kinds = self._by_gv.get(api_version)
        if kinds is None:
            kinds = await self._load(api_version)
        return list(kinds.values())

    async def resource_for(self, api_version: str, kind: str) -> Resource:
        """The collection holding objects of ``kind`` in ``api_version``."""
        kinds = self._by_gv.get(api_version)
        if kinds is None or kind not in kinds:
            kinds = await self._load(api_version)
        try:
            return kinds[kind]
        except KeyError:
            raise NoKindMatchError(f"no kind {kind!r} is served in {api_version}") from None

    async def resource_for_object(self, obj: dict[str, Any]) -> Resource:
        """The collection of an object, from its ``apiVersion`` and ``kind``."""
        return await self.resource_for(obj["apiVersion"], obj["kind"])

    async def kind_for(self, api_version: str, plural: str) -> str:
        """The kind of the objects in collection ``plural`` of ``api_version``."""
        for attempt in range(2):
            kinds = self._by_gv.get(api_version)
            if kinds is None or attempt:
                kinds = await self._load(api_version)
            for res in kinds.values():
                if res.plural == plural:
                    return res.kind
        raise NoKindMatchError(f"no resource {plural!r} is served in {api_version}")

    async def preferred_versions(self) -> dict[str, str]:
        """``group -> preferred apiVersion`` for every group the server serves (core: ``v1``)."""
        groups: dict[str, str] = {"": "v1"}
        doc: Any = await self._client.request_json("GET", "/apis")
        for g in doc.get("groups") or []:
            pref = (g.get("preferredVersion") or {}).get("groupVersion")
            if not pref and g.get("versions"):
                pref = g["versions"][0].get("groupVersion")
            if pref:
                groups[g["name"]] = pref
        return groups
