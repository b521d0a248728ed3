"""Differential testing: one request sequence, two servers, responses compared.

A scenario is an ``async def scenario(r: Recorder)`` that sends requests through ``r`` and
records each answer under a label. It runs once against kube-apiserver and once against the
embedded server, in a namespace of the same name on both; the recorded steps are normalised
(uids, timestamps, resourceVersion values, continue tokens and managedFields differ between
any two servers) and must be equal.

Known differences live in ``realapi_known.KNOWN_DIFFERENCES`` (scenario id -> reason). Each
one is a strict xfail, and ``test_known_differences_are_documented`` makes sure each id
appears in docs/compatibility.md, so nothing is waived silently.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from realapi_http import Api, Reply
from realapi_known import KNOWN_DIFFERENCES

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
# Resource versions quoted inside messages ("current: 812", "too old resource version: 1 (812)").
_RV_IN_MESSAGE = re.compile(r"(current: |\((?=\d+\))|resourceVersion\\*\":\\*\")\d+")
_TIMESTAMP_IN_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_VOLATILE_KEYS = {"uid": "<uid>", "resourceVersion": "<rv>", "continue": "<continue>"}


def normalize(value: Any, *, item_kinds: bool = False) -> Any:
    """Replace what legitimately differs between two servers with placeholders.

    Unless ``item_kinds``, a list's items lose ``kind`` and ``apiVersion``: whether items
    carry them is compared by one scenario (``list_items_kind``), so that this one
    difference does not hide every other one in scenarios that list.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("managedFields", "selfLink"):
                continue
            if key in _VOLATILE_KEYS and isinstance(item, str) and item:
                out[key] = _VOLATILE_KEYS[key]
            elif isinstance(item, str) and _TIMESTAMP.match(item):
                out[key] = "<ts>"
            elif key == "items" and isinstance(item, list) and not item_kinds:
                out[key] = [
                    normalize(_without_kind(x)) if isinstance(x, dict) else normalize(x)
                    for x in item
                ]
            else:
                out[key] = normalize(item, item_kinds=item_kinds)
        if "generateName" in out and isinstance(out.get("name"), str):
            out["name"] = out["generateName"] + "<random>"
        return out
    if isinstance(value, list):
        return [normalize(item, item_kinds=item_kinds) for item in value]
    if isinstance(value, str):
        value = _TIMESTAMP_IN_TEXT.sub("<ts>", _UUID.sub("<uid>", value))
        return _RV_IN_MESSAGE.sub(r"\1<rv>", value)
    return value


def _without_kind(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}


@dataclass
class Step:
    label: str
    status: int
    body: Any


@dataclass
class Recorder:
    """Sends a scenario's requests to one server and keeps normalised answers."""

    api: Api
    ns: str
    #: Makes older resourceVersions unusable: the embedded server's ``hooks.compact``, or
    #: ``RealApiServer.compact`` (etcd compaction) on kube-apiserver.
    compact: Callable[[], Any] | None = None
    steps: list[Step] = field(default_factory=list)
    #: Compare whether list items carry kind/apiVersion (see ``normalize``).
    item_kinds: bool = False

    def record(self, label: str, status: int, body: Any) -> None:
        self.steps.append(Step(label, status, normalize(body, item_kinds=self.item_kinds)))

    async def __call__(
        self, label: str, request: Awaitable[Reply], *, scrub: tuple[str, str] | None = None
    ) -> Reply:
        """Await ``request`` and record its answer; ``scrub`` is a (regex, replacement) pair
        for text that is random by design (a generated name's suffix)."""
        reply = await request
        body = reply.body
        if scrub is not None:
            body = json.loads(re.sub(scrub[0], scrub[1], json.dumps(body)))
        self.record(label, reply.status, body)
        return reply

    async def until(
        self,
        label: str,
        send: Callable[[], Awaitable[Reply]],
        done: Callable[[Reply], bool],
        within: float = 60.0,
    ) -> Reply:
        """Poll until ``done(reply)`` (controllers act asynchronously), record the last reply."""
        deadline = time.monotonic() + within
        while True:
            reply = await send()
            if done(reply) or time.monotonic() > deadline:
                self.record(label, reply.status, reply.body)
                return reply
            await asyncio.sleep(0.2)  # poll interval between checks of a condition

    @property
    def path(self) -> str:
        """Namespaced core path prefix, e.g. ``/api/v1/namespaces/<ns>``."""
        return f"/api/v1/namespaces/{self.ns}"


Scenario = Callable[[Recorder], Awaitable[None]]


class Scenarios:
    """An ordered registry of scenarios, turned into pytest params."""

    def __init__(self) -> None:
        self._items: dict[str, Scenario] = {}

    def add(self, fn: Scenario) -> Scenario:
        self._items[fn.__name__] = fn
        return fn

    def params(self) -> list[Any]:
        out = []
        for name, fn in self._items.items():
            marks = []
            if name in KNOWN_DIFFERENCES:
                reason = f"embedded differs: {KNOWN_DIFFERENCES[name]}"
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(fn, id=name, marks=marks))
        return out


_MISSING = "<missing>"


def _short(value: Any, limit: int = 240) -> str:
    text = value if value is _MISSING else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_diff(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where two JSON values differ, each as ``path: kube=... embedded=...``."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in list(a) + [k for k in b if k not in a]:
            out += json_diff(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b))
        return [line for i, (x, y) in pairs for line in json_diff(x, y, f"{path}[{i}]")]
    if a == b:
        return []
    return [f"  {path or '.'}: kube={_short(a)} embedded={_short(b)}"]


def describe(real: list[Step], embedded: list[Step]) -> list[str]:
    """Every difference between two recordings, step by step (empty when equal)."""
    lines: list[str] = []
    for i in range(max(len(real), len(embedded))):
        a = real[i] if i < len(real) else Step("<none>", 0, _MISSING)
        b = embedded[i] if i < len(embedded) else Step("<none>", 0, _MISSING)
        if a == b:
            continue
        head = f"step {i} {a.label!r}"
        if a.status != b.status:
            head += f": HTTP kube={a.status} embedded={b.status}"
        lines.append(head)
        lines += json_diff(a.body, b.body, "body")
    return lines


def compare(real: list[Step], embedded: list[Step]) -> None:
    """Assert both recordings are equal, listing every difference."""
    lines = describe(real, embedded)
    if lines:
        raise AssertionError("embedded differs from kube-apiserver:\n" + "\n".join(lines))


async def run_differential(
    scenario: Scenario,
    real: Api,
    embedded: Api,
    ns: str,
    embedded_hooks: Any = None,
    real_compact: Callable[[], Any] | None = None,
) -> None:
    """Run ``scenario`` on both servers (namespace ``ns`` created on each) and compare."""
    recorders = []
    compact = getattr(embedded_hooks, "compact", None)
    for api, hook in ((real, real_compact), (embedded, compact)):
        created = await api.post("/api/v1/namespaces", {"metadata": {"name": ns}})
        assert created.status == 201, created.body
        recorder = Recorder(api, ns, hook)
        try:
            await scenario(recorder)
        except Exception as exc:  # an answer the scenario did not expect: show, compare
            if api is real:
                raise
            recorder.record("scenario stopped", 0, f"{type(exc).__name__}: {exc}")
        recorders.append(recorder)
    compare(recorders[0].steps, recorders[1].steps)
