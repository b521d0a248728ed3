"""Health and readiness checks served the way Kubernetes components serve them.

``GET /healthz`` runs every check: 200 ``ok`` when all pass, else 500 with one line per check
(``[+]name ok`` / ``[-]name failed: reason withheld``) and ``healthz check failed``.
``?verbose`` prints the per-check lines on success too, ``?exclude=name`` skips a check, and
``GET /healthz/<name>`` runs one check, answering ``ok`` or the failure reason. ``/readyz``
behaves the same with the readiness checks.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = ["Checker", "CheckSet", "run_check"]

log = logging.getLogger("tekpy.runtime.manager")

Checker = Callable[[], "bool | Awaitable[bool | None] | None"]
"""A check passes unless it raises or returns ``False`` (it may be a coroutine function)."""


async def run_check(check: Checker) -> str | None:
    """Run one check; the failure reason, or ``None`` when it passes."""
    try:
        result = check()
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        return str(exc) or type(exc).__name__
    if result is False:
        return "check returned false"
    return None


class CheckSet:
    """Named checks behind one endpoint (``healthz`` or ``readyz``)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.checks: dict[str, Checker] = {}

    def add(self, name: str, check: Checker) -> None:
        if not name or "/" in name:
            raise ValueError(f"invalid check name {name!r}")
        if name in self.checks:
            raise ValueError(f"a {self.endpoint} check named {name!r} already exists")
        self.checks[name] = check

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for ``/<endpoint>`` and ``/<endpoint>/<name>``."""
        name = request.match_info.get("name", "").strip("/")
        if not name:
            return await self._aggregated(request)
        checks = self.checks or {"ping": _ping}
        check = checks.get(name)
        if check is None:
            return _text("404 page not found\n", 404)
        reason = await run_check(check)
        if reason is None:
            return _text("ok", 200)
        return _text(f"internal server error: {reason}\n", 500)

    async def _aggregated(self, request: web.Request) -> web.Response:
        excluded = set(request.query.getall("exclude", []))
        verbose = "verbose" in request.query
        lines: list[str] = []
        failed = False
        checks = self.checks or {"ping": _ping}
        for name in sorted(checks):
            if name in excluded:
                excluded.discard(name)
                lines.append(f"[+]{name} excluded: ok\n")
                continue
            reason = await run_check(checks[name])
            if reason is None:
                lines.append(f"[+]{name} ok\n")
            else:
                failed = True
                log.info("%s check failed check=%s reason=%s", self.endpoint, name, reason)
                lines.append(f"[-]{name} failed: reason withheld\n")
        if not failed and not verbose:
            return _text("ok", 200)
        if excluded:
            quoted = ",".join(f'"{n}"' for n in sorted(excluded))
            lines.append(f"warn: some health checks cannot be excluded: no matches for {quoted}\n")
        lines.append(f"{self.endpoint} check {'failed' if failed else 'passed'}\n")
        return _text("".join(lines), 500 if failed else 200)


def _ping() -> None:
    return None


def _text(body: str, status: int) -> web.Response:
    resp = web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
