"""List (with pagination from a consistent snapshot) and watch (streaming) responses."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from . import errors
from .context import Context
from .errors import ApiError
from .fielderrors import ErrorType, FieldError, aggregate_message
from .gojson import syntax_error
from .pure import Matcher, both, field_matcher, label_matcher
from .registry import ResourceInfo
from .store import Stored
from .tables import table_requested, to_table
from .watch import Watcher

__all__ = ["serve_list", "serve_watch"]

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def truthy(value: str | None) -> bool:
    """A boolean query parameter as Go's strconv.ParseBool reads it."""
    return value in ("1", "t", "T", "true", "TRUE", "True")


def _matcher(info: ResourceInfo, q: Any) -> Matcher | None:
    return both(label_matcher(q.get("labelSelector", "")),
                field_matcher(q.get("fieldSelector", ""), info.group, info.kind))


def _selected(ctx: Context, info: ResourceInfo, ns: str, matcher: Matcher | None) -> list[Stored]:
    items = ctx.store.sorted_items(info.storage_key, ns if info.namespaced and ns else None)
    if matcher is not None:
        return [s for s in items if matcher(s.obj)]
    return items


def _int_param(q: Any, name: str) -> int | None:
    v = q.get(name)
    if v in (None, ""):
        return None
    try:
        return int(v)
    except ValueError:
        if name == "resourceVersion":
            raise errors.bad_request(
                f'invalid resource version: resourceVersion: Invalid value: "{v}": '
                f'strconv.ParseUint: parsing "{v}": invalid syntax') from None
        raise errors.bad_request(f'strconv.ParseInt: parsing "{v}": invalid syntax') from None


def _list_options_invalid(error: FieldError) -> ApiError:
    return ApiError(422, "Invalid", aggregate_message("ListOptions.meta.k8s.io", "", [error]),
                    {"group": "meta.k8s.io", "kind": "ListOptions", "causes": [error.cause()]})


def _too_large(rv: int, current: int) -> ApiError:
    return ApiError(504, "Timeout",
                    f"Timeout: Too large resource version: {rv}, current: {current}",
                    {"causes": [{"reason": "ResourceVersionTooLarge",
                                 "message": "Too large resource version"}],
                     "retryAfterSeconds": 1})


def _check_list_rv(ctx: Context, q: Any) -> None:
    rv = _int_param(q, "resourceVersion")
    match = q.get("resourceVersionMatch", "")
    current = ctx.store.rv
    if match not in ("", "Exact", "NotOlderThan"):
        raise _list_options_invalid(FieldError(
            ErrorType.NOT_SUPPORTED, "resourceVersionMatch",
            'supported values: "Exact", "NotOlderThan", ""', match))
    if match and rv is None:
        raise _list_options_invalid(FieldError(
            ErrorType.FORBIDDEN, "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided"))
    if rv is None or rv == 0:
        if match == "Exact":
            raise errors.bad_request(
                'resourceVersionMatch "Exact" is forbidden for resourceVersion "0"')
        return
    if rv > current:
        raise _too_large(rv, current)
    if match == "Exact" and rv != current:
        # we keep no multi-version snapshots; an old exact read is reported as compacted
        raise errors.expired("The resourceVersion for the provided list is too old.")


def _encode_token(rv: int, snap: str, offset: int) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "snap": snap, "off": offset})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_B64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _bad_token(reason: str) -> ApiError:
    return errors.bad_request(f"invalid continue token: continue key is not valid: {reason}")


def _decode_token(token: str) -> tuple[int, str, int]:
    # as kube: unpadded URL-safe base64 of JSON, with Go's error texts
    data = token.encode()
    bad = next((i for i, c in enumerate(data) if c not in _B64URL), None)
    if bad is None and len(data) % 4 == 1:
        bad = len(data) - 1
    if bad is not None:
        raise _bad_token(f"illegal base64 data at input byte {bad}")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    try:
        d = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _bad_token(syntax_error(raw) or "malformed token") from None
    try:
        return int(d["rv"]), str(d["snap"]), int(d["off"])
    except (KeyError, TypeError, ValueError):
        raise _bad_token("server does not recognize this encoded version") from None


def serve_list(ctx: Context, request: web.BaseRequest, info: ResourceInfo, ns: str) -> web.Response:
    """A list (or one page of it) as the stored bytes joined, or as a Table."""
    q = request.query
    limit = _int_param(q, "limit") or 0
    token = q.get("continue", "")
    if token:
        rv, snap, offset = _decode_token(token)
        entry = ctx.snapshots.get(snap)
        if entry is None:
            raise errors.expired(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter.")
        ctx.snapshots.move_to_end(snap)
        items = entry[1]
    else:
        _check_list_rv(ctx, q)
        rv, offset, snap = ctx.store.rv, 0, ""
        items = _selected(ctx, info, ns, _matcher(info, q))
    page = items[offset:offset + limit] if limit > 0 else items[offset:]
    next_token = None
    remaining = len(items) - offset - len(page)
    if limit > 0 and remaining > 0:
        if not snap:
            snap = secrets.token_hex(8)
            ctx.snapshots[snap] = (rv, items)
            while len(ctx.snapshots) > ctx.settings.list_snapshots:
                ctx.snapshots.popitem(last=False)
        next_token = _encode_token(rv, snap, offset + len(page))
    elif snap:
        ctx.snapshots.pop(snap, None)
    if table_requested(request.headers.get("Accept", "")):
        table = to_table(info, [ctx.view(info, s.obj) for s in page], rv, next_token, q)
        resp = web.Response(body=orjson.dumps(table))
        resp.content_type = "application/json"
        return resp
    meta = b'{"resourceVersion":"' + str(rv).encode() + b'"'
    if next_token:
        meta += b',"continue":"' + next_token.encode() + b'","remainingItemCount":' + \
            str(remaining).encode()
    elif info.custom:  # kube's unstructured lists always carry the (empty) continue key
        meta += b',"continue":""'
    raws = [ctx.encode_item(info, s) for s in page]
    body = b"".join((
        b'{"kind":"', info.list_kind.encode(), b'","apiVersion":"', info.api_version.encode(),
        b'","metadata":', meta, b'},"items":[', b",".join(raws), b"]}",
    ))
    resp = web.Response(body=body)
    resp.content_type = "application/json"
    return resp


def _bookmark(info: ResourceInfo, rv: int, initial_end: bool = False) -> bytes:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return orjson.dumps({"type": "BOOKMARK", "object": {
        "kind": info.kind, "apiVersion": info.api_version, "metadata": meta}}) + b"\n"


def _transform(ctx: Context, info: ResourceInfo, request: web.BaseRequest
               ) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    if table_requested(request.headers.get("Accept", "")):
        q = request.query
        first = [True]

        def table(obj: dict[str, Any]) -> dict[str, Any]:
            # as kube: column definitions in the first event only
            headers, first[0] = first[0], False
            return to_table(info, [ctx.view(info, obj)], None, None, q, headers=headers)
        return table
    if ctx.registry.storage_api_version(info) != info.api_version:
        return lambda obj: ctx.view(info, obj)
    return None


async def serve_watch(
    ctx: Context, request: web.BaseRequest, info: ResourceInfo, ns: str
) -> web.StreamResponse:
    """A watch stream: initial state or missed events, then live events until it ends."""
    q = request.query
    store = ctx.store
    matcher = _matcher(info, q)
    rv_param = q.get("resourceVersion", "")
    send_initial = truthy(q.get("sendInitialEvents"))
    bookmarks = truthy(q.get("allowWatchBookmarks"))
    timeout = float(_int_param(q, "timeoutSeconds") or ctx.settings.watch_timeout)
    if send_initial and (q.get("resourceVersionMatch") != "NotOlderThan" or not bookmarks):
        raise errors.bad_request(
            "sendInitialEvents requires resourceVersionMatch=NotOlderThan and "
            "allowWatchBookmarks=true")
    w = Watcher(info.storage_key, ns if info.namespaced and ns else None, matcher,
                transform=_transform(ctx, info, request), max_buffer=ctx.settings.watcher_buffer)
    initial: list[bytes] = []
    # everything from here to hub.add runs without awaiting: the snapshot or the replayed
    # history and the live events that follow are gap-free and in resourceVersion order
    if rv_param in ("", "0") or send_initial:
        if send_initial and rv_param not in ("", "0") and int(rv_param) > store.rv:
            raise _too_large(int(rv_param), store.rv)
        initial = [w.line_for("ADDED", s, None) for s in _selected(ctx, info, ns, matcher)]
        if send_initial:
            initial.append(_bookmark(info, store.rv, initial_end=True))
    else:
        try:
            from_rv = int(rv_param)
        except ValueError:
            # kube fails this late (storage parses it), hence a 500 without reason
            raise ApiError(500, "", f'resourceVersion: Invalid value: "{rv_param}": '
                           f'strconv.ParseUint: parsing "{rv_param}": invalid syntax') from None
        if from_rv < store.compacted_rv:
            return await _error_event(request, errors.expired(
                f"too old resource version: {from_rv} ({store.compacted_rv})"))
        missed = []
        skey = info.storage_key
        for ev in reversed(store.history):
            if ev.rv <= from_rv:
                break
            if ev.skey == skey:
                missed.append(ev)
        for ev in reversed(missed):
            w.offer(ev, replay=True)
    ctx.hub.add(w)
    try:
        return await _stream(ctx, request, info, w, initial, deadline_in=timeout,
                             bookmarks=bookmarks)
    finally:
        ctx.hub.discard(w)
        w.close()


async def _error_event(request: web.BaseRequest, exc: ApiError) -> web.StreamResponse:
    # kube reports watch errors found after the request was accepted as an ERROR event
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    await resp.write(orjson.dumps({"type": "ERROR", "object": exc.status()}) + b"\n")
    await resp.write_eof()
    return resp


async def _stream(
    ctx: Context, request: web.BaseRequest, info: ResourceInfo, w: Watcher,
    initial: list[bytes], *, deadline_in: float, bookmarks: bool,
) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "application/json",
                                       "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    transport = request.transport
    if transport is not None:
        w.abort = transport.abort
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_in
    interval = ctx.settings.bookmark_interval
    next_bookmark = loop.time() + interval
    with contextlib.suppress(ConnectionError):
        for i in range(0, len(initial), 1000):
            await resp.write(b"".join(initial[i:i + 1000]))
        while not w.closed:
            if w.buf:
                data = w.take()
                w.writing = True
                await resp.write(data)
                w.writing = False
                continue
            now = loop.time()
            if now >= deadline:
                if bookmarks:  # a last bookmark tells the client where to resume
                    await resp.write(_bookmark(info, ctx.store.rv))
                break
            if bookmarks and now >= next_bookmark:
                w.push(_bookmark(info, ctx.store.rv))
                next_bookmark = now + interval
                continue
            until = min(deadline, next_bookmark) if bookmarks else deadline
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(w.wake.wait(), until - now)
        while w.buf and not w.overflowed:
            await resp.write(w.take())
        await resp.write_eof()
    return resp
