"""HTTP front of the server: routing, authentication, decoding and the REST verbs.

One low-level aiohttp handler routes every request by splitting its path (faster than a
router and closer to kube's URL grammar); it maps the request to a verb and a resource,
applies test hooks, and calls ``Api`` (object semantics), ``lists`` (list/watch) or
``subresources`` (binding, log). Every failure becomes a kube ``Status`` body.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Mapping
from typing import Any

import orjson
import yaml
from aiohttp import web
from multidict import CIMultiDict

from . import errors, protobuf
from .context import Context
from .decoding import content_type_error, decode_error, object_error
from .discovery import AGGREGATED_V2, AGGREGATED_V2BETA1
from .errors import ApiError
from .fielderrors import ErrorType, FieldError, aggregate_message
from .gojson import duplicate_fields, syntax_error
from .lists import serve_list, serve_watch, truthy
from .openapi import openapi_v2, openapi_v3_group, openapi_v3_root
from .registry import Registry, ResourceInfo
from .semantics import DeleteOptions
from .store import Stored
from .subresources import serve_binding, serve_log
from .tables import table_requested, to_table

__all__ = ["Handler", "MAX_BODY"]

log = logging.getLogger(__name__)

MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's request size limit
JSON = "application/json"
PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
_NOT_FOUND = ApiError(404, "NotFound", "the server could not find the requested resource", {})


def json_response(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None,
                  content_type: str = JSON) -> web.Response:
    if headers is not None and "Content-Type" in headers:
        return web.Response(body=body, status=status, headers=headers)
    return web.Response(body=body, status=status, headers=headers, content_type=content_type)


def error_response(exc: ApiError) -> web.Response:
    return json_response(exc.body(), exc.code, exc.headers)


class _PlainNotFound(Exception):
    """A path no handler serves: Go's plain-text 404, not a Status."""


class Target:
    """What a resource URL designates."""

    __slots__ = ("info", "name", "ns", "sub")

    def __init__(self, info: ResourceInfo, ns: str, name: str, sub: str) -> None:
        self.info, self.ns, self.name, self.sub = info, ns, name, sub


class Handler:
    """The aiohttp request handler of one server instance."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._bearer = ("Bearer " + ctx.token).encode()

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        try:
            return await self._handle(request)
        except ApiError as exc:
            return error_response(exc)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as exc:  # never leak a traceback as a non-Status body
            log.exception("internal error serving %s %s", request.method, request.path)
            return error_response(errors.internal(f"internal error: {exc}"))

    # -- routing ---------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        auth = request.headers.get("Authorization", "")
        if not hmac.compare_digest(auth.encode(), self._bearer):
            return error_response(ApiError(401, "Unauthorized", "Unauthorized"))
        parts = [p for p in path.split("/") if p]
        if not parts:
            return json_response(orjson.dumps({"paths": ["/api", "/api/v1", "/apis", "/healthz",
                                                         "/livez", "/openapi/v2", "/openapi/v3",
                                                         "/readyz", "/version"]}))
        head = parts[0]
        if head == "api":
            if len(parts) == 1:
                return self._discovery_root(request, core=True)
            if parts[1] != "v1":
                raise _NOT_FOUND
            return await self._resource(request, "", "v1", parts[2:])
        if head == "apis":
            if len(parts) == 1:
                return self._discovery_root(request, core=False)
            if len(parts) == 2:
                doc = self.ctx.discovery.group(parts[1])
                if doc is None:
                    raise _NOT_FOUND
                return json_response(doc)
            return await self._resource(request, parts[1], parts[2], parts[3:])
        if head == "version":
            return json_response(self.ctx.discovery.version())
        if head == "openapi":
            return self._openapi(parts[1:])
        raise _NOT_FOUND

    def _discovery_root(self, request: web.BaseRequest, core: bool) -> web.Response:
        accept = request.headers.get("Accept", "")
        d = self.ctx.discovery
        if "as=APIGroupDiscoveryList" in accept:
            ctype = AGGREGATED_V2 if "v=v2;" in accept or "v=v2," in accept or \
                accept.endswith("v=v2") else AGGREGATED_V2BETA1
            return json_response(d.aggregated(core, ctype), headers={"Content-Type": ctype})
        if core:
            return json_response(d.core_versions(f"{self.ctx.host}:{self.ctx.port}"))
        return json_response(d.group_list())

    def _openapi(self, rest: list[str]) -> web.Response:
        reg = self.ctx.registry
        if rest == ["v2"]:
            return json_response(openapi_v2(reg))
        if rest == ["v3"]:
            return json_response(openapi_v3_root(reg))
        if len(rest) >= 3 and rest[0] == "v3":
            doc = openapi_v3_group(reg, "/".join(rest[1:]))
            if doc is not None:
                return json_response(doc)
        raise _NOT_FOUND

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        reg = self.ctx.registry
        ns = ""
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
            ns, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise _NOT_FOUND
        info = reg.get(group, version, rest[0])
        if info is None or (ns and not info.namespaced):
            if group and all(i.custom for i in reg.resources_in(group, version)):
                raise _PlainNotFound  # kube's CRD handler passes it on to Go's 404
            raise _NOT_FOUND
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in info.subresources:
            if info.custom:
                raise errors.not_found(info.group, info.plural, name)
            raise _NOT_FOUND
        return Target(info, ns, name, sub)

    async def _resource(
        self, request: web.BaseRequest, group: str, version: str, rest: list[str]
    ) -> web.StreamResponse:
        if not self.ctx.registry.serves(group, version):
            # no such group/version: Go's plain "404 page not found"
            return web.Response(status=404, text="404 page not found\n")
        if not rest:
            doc = self.ctx.discovery.resource_list(group, version)
            assert doc is not None
            return json_response(doc)
        try:
            t = self._target(group, version, rest)
        except _PlainNotFound:
            return web.Response(status=404, text="404 page not found\n")
        method = request.method
        q = request.query
        verb = _verb(method, t, q)
        hooks = self.ctx.hooks
        if hooks.active:
            delay = hooks.latency(verb, t.info.plural)
            if delay:
                await asyncio.sleep(delay)
            failure = hooks.failure(verb, t.info.plural)
            if failure is not None:
                raise failure
        if verb in ("list", "watch", "get") and t.sub == "log":
            return await serve_log(self.ctx, request, t.info, t.ns, t.name)
        if verb == "list":
            return serve_list(self.ctx, request, t.info, t.ns)
        if verb == "watch":
            return await serve_watch(self.ctx, request, t.info, t.ns)
        if verb == "get":
            s = self.ctx.api.lookup(t.info, t.ns, t.name)
            return self._object(request, t.info, s)
        if verb not in t.info.verbs:
            raise errors.method_not_allowed()
        dry_run = _dry_run(q, verb)
        strict = _field_validation(q, verb)
        api = self.ctx.api
        if verb == "create":
            if t.sub == "binding":
                return serve_binding(self.ctx, t.info, t.ns, t.name, await _body(request))
            if t.sub:
                raise errors.method_not_allowed()
            dups = _dup_check(q, t.info, strict)
            body = await _body(request, dups=dups, info=t.info, registry=self.ctx.registry)
            if t.info.plural == "selfsubjectaccessreviews":
                # no authorization here: the token holder may do everything
                body["status"] = {"allowed": True, "reason": "tekpy: no authorization"}
                return json_response(orjson.dumps(body), 201)
            api.warnings = []  # set after the last await: warnings belong to this request
            _duplicates(api, t.info, dups, strict)
            s = api.create(t.info, t.ns, body, dry_run=dry_run, field_validation=strict,
                           manager=_manager(request, verb))
            return self._object(request, t.info, s, 201, write=True)
        if verb == "update":
            dups = _dup_check(q, t.info, strict)
            body = await _body(request, dups=dups, info=t.info, registry=self.ctx.registry)
            api.warnings = []
            _duplicates(api, t.info, dups, strict)
            s = api.update(t.info, t.ns, t.name, body, subresource=t.sub or None,
                           dry_run=dry_run, field_validation=strict,
                           manager=_manager(request, verb))
            return self._object(request, t.info, s, write=True)
        if verb == "patch":
            ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
            ptype = PATCH_TYPES.get(ctype)
            if ptype is None:
                # kube's patch handler answers with the bare HTTP status text
                raise ApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
            manager = _manager(request, verb, apply=ptype == "apply")
            patch = await _patch_body(request, ptype)
            api.warnings = []
            if ptype == "apply":
                s, created = api.apply(t.info, t.ns, t.name, patch, manager=manager,
                                       force=truthy(q.get("force")), subresource=t.sub or None,
                                       dry_run=dry_run, field_validation=strict)
                return self._object(request, t.info, s, 201 if created else 200, write=True)
            s = api.patch(t.info, t.ns, t.name, ptype, patch, subresource=t.sub or None,
                          dry_run=dry_run, field_validation=strict, manager=manager)
            return self._object(request, t.info, s, write=True)
        if verb == "delete":
            opts = await _delete_options(request)
            api.warnings = []
            s, _gone = api.delete(t.info, t.ns, t.name, opts, dry_run=dry_run)
            return self._deleted(request, t.info, s)
        if verb == "deletecollection":
            return await self._delete_collection(request, t, dry_run)
        raise errors.method_not_allowed()

    # -- responses -------------------------------------------------------------------------
    def _headers(self) -> CIMultiDict[str] | None:
        w = self.ctx.api.warnings
        if not w:
            return None
        quoted = (m.replace("\\", "\\\\").replace('"', '\\"') for m in w)
        # as kube: one Warning header per warning
        return CIMultiDict(("Warning", f'299 - "{m}"') for m in quoted)

    def _object(
        self, request: web.BaseRequest, info: ResourceInfo, s: Stored, status: int = 200,
        *, write: bool = False,
    ) -> web.Response:
        headers = self._headers() if write else None
        if table_requested(request.headers.get("Accept", "")):
            table = to_table(info, [s.obj], s.rv, None, request.query)
            return json_response(orjson.dumps(table), status, headers)
        return json_response(self.ctx.encode(info, s), status, headers)

    def _deleted(self, request: web.BaseRequest, info: ResourceInfo, s: Stored) -> web.Response:
        if info.custom or info.plural in ("pods", "namespaces", "customresourcedefinitions") \
                or s.meta.get("deletionTimestamp"):
            return self._object(request, info, s)
        details: dict[str, Any] = {"name": s.meta["name"], "kind": info.plural,
                                   "uid": s.meta.get("uid")}
        if info.group:
            details["group"] = info.group
        return json_response(orjson.dumps({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": details}))

    async def _delete_collection(
        self, request: web.BaseRequest, t: Target, dry_run: bool
    ) -> web.Response:
        from .pure import both, field_matcher, label_matcher

        q = request.query
        matcher = both(label_matcher(q.get("labelSelector", "")),
                       field_matcher(q.get("fieldSelector", ""), t.info.group, t.info.kind))
        opts = await _delete_options(request)
        items = [s for s in self.ctx.store.items(t.info.storage_key,
                                                 t.ns if t.info.namespaced and t.ns else None)
                 if matcher is None or matcher(s.obj)]
        out = []
        for s in items:
            try:
                d, _ = self.ctx.api.delete(t.info, s.meta.get("namespace", ""), s.meta["name"],
                                           opts, dry_run=dry_run)
                out.append(self.ctx.encode_item(t.info, d))
            except ApiError as exc:
                if exc.code != 404:
                    raise
        body = (b'{"kind":"' + t.info.list_kind.encode() + b'","apiVersion":"'
                + t.info.api_version.encode() + b'","metadata":{"resourceVersion":"'
                + str(self.ctx.store.rv).encode() + b'"},"items":[' + b",".join(out) + b"]}")
        return json_response(body)


def _verb(method: str, t: Target, q: Any) -> str:
    if method == "GET":
        if t.name:
            return "get"
        return "watch" if truthy(q.get("watch")) else "list"
    if method == "POST":
        if t.name and t.sub != "binding":
            raise errors.method_not_allowed()
        return "create"
    if method == "PUT":
        if not t.name:
            raise errors.method_not_allowed()
        return "update"
    if method == "PATCH":
        if not t.name:
            raise errors.method_not_allowed()
        return "patch"
    if method == "DELETE":
        return "delete" if t.name else "deletecollection"
    raise errors.method_not_allowed()


# the options type kube decodes a write's query parameters into, per verb
_OPTIONS_KIND = {"create": "CreateOptions", "update": "UpdateOptions", "patch": "PatchOptions",
                 "delete": "DeleteOptions", "deletecollection": "DeleteOptions"}


_MAX_MANAGER = 128  # kube's FieldManagerMaxLength


def _manager(request: web.BaseRequest, verb: str, *, apply: bool = False) -> str:
    """The write's field manager: ``fieldManager``, else the User-Agent up to its first
    ``/`` (printable characters, at most 128 bytes), as kube derives it."""
    q = request.query
    given = q.get("fieldManager", "")
    kind = _OPTIONS_KIND[verb]
    errs = []
    if len(given.encode()) > _MAX_MANAGER:
        errs.append(FieldError(ErrorType.TOO_LONG, "fieldManager",
                               f"may not be more than {_MAX_MANAGER} bytes"))
    if apply and not given:
        errs.append(FieldError(ErrorType.REQUIRED, "fieldManager", "is required for apply patch"))
    if not apply and verb == "patch" and "force" in q:
        errs.append(FieldError(ErrorType.FORBIDDEN, "force",
                               "may not be specified for non-apply patch"))
    if errs:
        raise ApiError(422, "Invalid", aggregate_message(f"{kind}.meta.k8s.io", "", errs),
                       {"group": "meta.k8s.io", "kind": kind,
                        "causes": [e.cause() for e in errs]})
    if given:
        return str(given)
    agent = request.headers.get("User-Agent", "").split("/", 1)[0]
    if agent.isprintable() and len(agent) <= _MAX_MANAGER and agent.isascii():
        return agent  # the usual case, without the loop below
    out = ""
    for ch in agent:
        if not ch.isprintable():
            continue
        if len((out + ch).encode()) > _MAX_MANAGER:
            break
        out += ch
    return out


def _dry_run(q: Any, verb: str) -> bool:
    values = q.getall("dryRun", ())
    if any(v != "All" for v in values):
        raise errors.options_invalid(_OPTIONS_KIND.get(verb, "CreateOptions"), "dryRun",
                                     list(values), ("All",))
    return bool(values)


def _field_validation(q: Any, verb: str) -> str:
    v = q.get("fieldValidation", "")
    if v in ("Strict", "Warn", "Ignore"):
        return str(v)
    if v and verb in ("create", "update", "patch"):
        raise errors.options_invalid(_OPTIONS_KIND[verb], "fieldValidation", v,
                                     ("", "Ignore", "Strict", "Warn"))
    return "Warn"  # kube's default when the client does not say


async def _read_body(request: web.BaseRequest) -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise ApiError(413, "RequestEntityTooLarge",
                       f"Request entity too large: limit is {MAX_BODY}")
    if length == 0:
        return b""
    if length is not None:  # the common case: one read of a known size
        try:
            return await request.content.readexactly(length)
        except asyncio.IncompleteReadError as exc:
            raise errors.bad_request("the request body ended early") from exc
    chunks = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "RequestEntityTooLarge",
                           f"Request entity too large: limit is {MAX_BODY}")
        chunks.append(chunk)
    return b"".join(chunks)


def _dup_check(q: Any, info: ResourceInfo, strict: str) -> list[str] | None:
    # duplicate keys need a slower second parse: only when the client asked for field
    # validation explicitly (kubectl does), never on tekpy's own hot path
    if "fieldValidation" in q and strict != "Ignore" and not info.custom:
        return []
    return None


def _duplicates(api: Any, info: ResourceInfo, dups: list[str] | None, strict: str) -> None:
    if not dups:
        return
    found = [f'duplicate field "{d}"' for d in dups]
    if strict == "Strict":
        raise errors.bad_request(
            f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: '
            f"strict decoding error: {', '.join(found)}")
    api.warnings.extend(found)


async def _body(request: web.BaseRequest, *, yaml_ok: bool = False,
                want: type | None = dict, dups: list[str] | None = None,
                info: ResourceInfo | None = None, registry: Registry | None = None) -> Any:
    """The decoded body; JSON duplicate keys are appended to ``dups`` when given.

    With ``info`` (a create or update of that resource), the body is refused as kube's
    decoder refuses it (media type, syntax, kind, Go field types)."""
    ctype = request.headers.get("Content-Type", "")
    if info is not None:
        unsupported = content_type_error(ctype)
        if unsupported is not None:
            raise unsupported
    if "protobuf" in ctype or "cbor" in ctype:
        raw = await _read_body(request)
        try:
            if "cbor" in ctype:
                raise protobuf.ProtobufUnsupported("CBOR")
            return protobuf.decode(raw)
        except (protobuf.ProtobufUnsupported, UnicodeDecodeError):
            raise ApiError(
                415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types "
                f"include: application/json, application/yaml (got {ctype.split(';')[0]})"
            ) from None
    raw = await _read_body(request)
    try:
        if yaml_ok or "yaml" in ctype:
            value = yaml.safe_load(raw)
        else:
            value = orjson.loads(raw)
            if dups is not None:
                dups.extend(duplicate_fields(raw))
    except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        if info is not None and not isinstance(exc, yaml.YAMLError):
            raise decode_error(info, raw) from None
        raise errors.bad_request(f"the object provided is unrecognized or malformed: {exc}") \
            from None
    if info is not None and registry is not None:
        refused = object_error(info, registry, value, raw)
        if refused is not None:
            raise refused
    if want is not None and not isinstance(value, want):
        raise errors.bad_request("the object provided is unrecognized (must be a JSON object)")
    return value


async def _patch_body(request: web.BaseRequest, ptype: str) -> Any:
    if ptype not in ("merge", "json"):
        return await _body(request, yaml_ok=ptype == "apply", want=None)
    raw = await _read_body(request)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # kube decodes these patches with Go's decoder and names its error
        msg = syntax_error(raw) or "unexpected end of JSON input"
        raise errors.bad_request(f"error decoding patch: {msg}") from None


async def _delete_options(request: web.BaseRequest) -> DeleteOptions:
    raw: dict[str, Any] = {}
    if request.can_read_body:
        data = await _read_body(request)
        if data.strip():
            try:
                raw = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise errors.bad_request(f"malformed DeleteOptions: {exc}") from None
            if not isinstance(raw, dict):
                raise errors.bad_request("malformed DeleteOptions")
    q = request.query
    if "propagationPolicy" in q:
        raw["propagationPolicy"] = q["propagationPolicy"]
    if "gracePeriodSeconds" in q:
        try:
            raw["gracePeriodSeconds"] = int(q["gracePeriodSeconds"])
        except ValueError:
            raise errors.bad_request("gracePeriodSeconds must be an integer") from None
    if "orphanDependents" in q:
        raw["orphanDependents"] = q["orphanDependents"] == "true"
    return DeleteOptions(raw)
