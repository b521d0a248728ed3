"""Object semantics of kube-apiserver's registry: create, update, patch and delete.

Everything here is synchronous and works on dicts, so each request's read-check-write runs
without interleaving under asyncio (that is our optimistic-concurrency "transaction"). HTTP
concerns (parsing, content types, query parameters) live in ``handlers``; asynchronous
follow-ups (garbage collection, namespace cleanup) are queued to ``gc``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from . import errors, managedfields, pure
from .builtin import (
    default_pod,
    go_zero_values,
    normalize_pod_status,
    prepare_create,
)
from .builtinfields import strict_patch_error, unknown_fields
from .crds import default_crd, prune_for_storage
from .deleteoptions import DeleteOptions
from .fielderrors import ErrorType, FieldError
from .fieldowners import applied_config_meta, apply_config, scope, set_managed
from .microtime import microtime_patch_error
from .registry import Registry, ResourceInfo
from .stamps import new_uid, now_rfc3339
from .store import Store, Stored
from .writechecks import check_type, validate_write

__all__ = ["Api", "DeleteOptions", "now_rfc3339"]

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
UNDELETABLE_NAMESPACES = ("default", "kube-system", "kube-public")


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


def _spec_changed(info: ResourceInfo, old: dict[str, Any], new: dict[str, Any]) -> bool:
    skip = ("metadata", "status") if info.has_status else ("metadata",)
    return _without(old, *skip) != _without(new, *skip)


def _typed_first(obj: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """``obj`` with ``apiVersion`` and ``kind`` set and first: list items are served by
    slicing these two off the stored bytes (see ``Context.encode_item``)."""
    keys = iter(obj)
    if next(keys, None) == "apiVersion" and next(keys, None) == "kind":
        obj["apiVersion"], obj["kind"] = api_version, kind
        return obj
    out = {"apiVersion": api_version, "kind": kind}
    out.update((k, v) for k, v in obj.items() if k not in out)
    return out


def _storage_prefix(info: ResourceInfo) -> str:
    # etcd key prefix: built-in resources by name alone, custom ones under their group
    if info.custom or info.group == "apiextensions.k8s.io":
        return f"{info.group}/{info.plural}"
    return info.plural


class Api:
    """The registry operations over a ``Store``, raising ``ApiError`` like kube does."""

    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry
        # set by the garbage collector: receives follow-up work ("kind", key...)
        self.notify: Callable[[tuple[Any, ...]], None] = lambda item: None
        # set by the server: ends the watches of a resource that stops being served
        self.on_unserve: Callable[[str], None] = lambda skey: None
        # warnings (``Warning`` headers) of the request being served
        self.warnings: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def lookup(self, info: ResourceInfo, ns: str, name: str) -> Stored:
        s = self.store.get(info.storage_key, ns, name)
        if s is None:
            raise errors.not_found(info.group, info.plural, name)
        return s

    def _check_namespace(
        self, info: ResourceInfo, ns: str, creating: bool, name: str = ""
    ) -> None:
        if not info.namespaced:
            return
        nss = self.store.get("/namespaces", "", ns)
        if nss is None:
            raise errors.not_found("", "namespaces", ns)
        if creating and nss.obj["metadata"].get("deletionTimestamp"):
            # the admission check runs before generateName is applied, so a generated
            # name is still "" here, as in kube
            resource = f"{info.plural}.{info.group}" if info.group else info.plural
            details: dict[str, Any] = {"name": name} if name else {}
            details["kind"] = info.plural
            if info.group:
                details["group"] = info.group
            details["causes"] = [{"reason": "NamespaceTerminating",
                                  "message": f"namespace {ns} is being terminated",
                                  "field": "metadata.namespace"}]
            raise errors.forbidden(
                f'{resource} "{name}" is forbidden: unable to create new content in namespace '
                f"{ns} because it is being terminated", details)

    # -- create ----------------------------------------------------------------------------
    def create(
        self, info: ResourceInfo, ns: str, obj: dict[str, Any], *,
        dry_run: bool = False, field_validation: str = "Strict", manager: str | None = None,
    ) -> Stored:
        """Create ``obj`` (a fresh dict the caller gives away); ``manager`` (the request's
        field manager) records its managedFields entry, None writes them as given."""
        check_type(info, obj)
        meta = obj.setdefault("metadata", {})
        if info.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and body_ns != ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        self._check_namespace(info, ns, creating=True, name=str(meta.get("name") or ""))
        obj = _typed_first(obj, self.registry.storage_api_version(info), info.kind)
        meta = obj["metadata"]
        generated = not meta.get("name") and bool(meta.get("generateName"))
        if generated:
            meta["name"] = pure.generated_name(meta["generateName"])
        for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(key, None)
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = now_rfc3339()
        if info.tracks_generation:
            meta["generation"] = 1
        server_spec = info.storage_key == "/namespaces" and "spec" not in obj
        prepare_create(info, obj)
        obj = validate_write(self.registry, info, obj, field_validation,
                             warnings=self.warnings)
        if manager is not None:
            set_managed(obj["metadata"], managedfields.record_create(
                obj, scope(info, spec=not server_spec), manager, now_rfc3339()))
        skey = info.storage_key
        for _ in range(8):  # retry generated names that collide
            if self.store.get(skey, ns if info.namespaced else "", meta["name"]) is None:
                break
            if not generated:
                raise errors.already_exists(info.group, info.plural, meta["name"])
            meta["name"] = pure.generated_name(meta["generateName"])
        else:
            raise errors.already_exists(info.group, info.plural, meta["name"])
        if dry_run:
            return Stored(obj, orjson.dumps(obj), self.store.rv)
        stored = self.store.put(skey, obj, "ADDED")
        self._after_write(info, None, stored)
        return stored

    # -- update ----------------------------------------------------------------------------
    def update(
        self, info: ResourceInfo, ns: str, name: str, body: dict[str, Any], *,
        subresource: str | None = None, dry_run: bool = False,
        field_validation: str = "Strict", require_rv: bool = True,
        manager: str | None = None, applied: list[dict[str, Any]] | None = None,
    ) -> Stored:
        """PUT semantics: optimistic concurrency, status isolation, generation.

        ``manager`` records the write in managedFields; ``applied`` are the managedFields
        an apply computed (None: keep what the body says)."""
        check_type(info, body)
        meta = body.setdefault("metadata", {})
        # [] asks to clear managedFields; read it before empty lists are dropped
        reset = managedfields.is_reset(meta.get("managedFields"))
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL "
                f"({name})"
            )
        if info.namespaced and meta.get("namespace") and meta["namespace"] != ns:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        old = self.lookup(info, ns, name)
        uid = meta.get("uid")
        if uid and uid != old.meta.get("uid"):
            # kube's storage checks the uid as a precondition and reports it in its words
            key = "/".join(p for p in (_storage_prefix(info), ns if info.namespaced else "",
                                       name) if p)
            raise errors.conflict(
                info.group, info.plural, name,
                f"StorageError: invalid object, Code: 4, Key: /registry/{key}, "
                f"ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in "
                f"precondition: {uid}, UID in object meta: {old.meta.get('uid')}")
        rv = meta.get("resourceVersion")
        if rv and not str(rv).isdigit():
            # kube parses it as an unsigned integer first, and answers with Go's error
            raise errors.ApiError(
                500, "", f'strconv.ParseUint: parsing "{rv}": invalid syntax')
        if not rv:
            if require_rv and not info.unconditional_update:
                raise errors.invalid(info.group, info.kind, name, [FieldError(
                    ErrorType.INVALID, "metadata.resourceVersion",
                    "must be specified for an update", 0)])
        elif rv != old.meta.get("resourceVersion"):
            raise errors.conflict(info.group, info.plural, name)
        new = self._merge_for_update(info, old.obj, body, subresource)
        new["metadata"]["resourceVersion"] = old.meta.get("resourceVersion")
        if subresource != "status":
            new = validate_write(self.registry, info, new, field_validation, old,
                                 warnings=self.warnings)
        elif info.custom:
            new, errs, _ = pure.custom_resource_errors(new, info.schema, info.preserve_unknown,
                                                       status_only=True)
            new = prune_for_storage(self.registry, info, new)
            if errs:
                raise errors.invalid(info.group, info.kind, name, errs)
        if applied is not None:
            set_managed(new["metadata"], applied)
        elif manager is not None and reset and not subresource:
            set_managed(new["metadata"], None)
        elif manager is not None:
            set_managed(new["metadata"], managedfields.record_update(
                old.obj, new, scope(info, subresource or ""), manager, now_rfc3339()))
        return self._write_update(info, old, new, dry_run)

    def _merge_for_update(
        self, info: ResourceInfo, old: dict[str, Any], body: dict[str, Any], sub: str | None
    ) -> dict[str, Any]:
        ometa = old["metadata"]
        if sub == "finalize":  # namespaces/<n>/finalize writes spec.finalizers only
            new = dict(old)
            new["metadata"] = dict(ometa)
            new["spec"] = dict(old.get("spec") or {},
                               finalizers=list((body.get("spec") or {}).get("finalizers") or []))
            return new
        if sub == "status":
            new = dict(old)
            new["metadata"] = dict(ometa)
            if "status" in body:
                new["status"] = body["status"]
                if info.storage_key == "/pods":
                    normalize_pod_status(new["status"])
                elif info.storage_key == "/nodes":
                    go_zero_values(info, new)
            else:
                new.pop("status", None)
            return new
        new = _typed_first(body, old["apiVersion"], old["kind"])
        meta = new["metadata"]
        for key in ("uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation", "namespace", "name"):
            if key in ometa:
                meta[key] = ometa[key]
            else:
                meta.pop(key, None)
        if info.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if info.storage_key == "/pods":
            default_pod(new)  # kube defaults every decoded Pod, so a PUT compares equal
        elif info.storage_key == "apiextensions.k8s.io/customresourcedefinitions":
            default_crd(new)
        else:
            go_zero_values(info, new)  # Events, Nodes: what Go's encoding always writes
        if info.storage_key == "/namespaces":
            new["spec"] = old.get("spec", {})
            new["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = \
                ometa["name"]
        return new

    def _write_update(
        self, info: ResourceInfo, old: Stored, new: dict[str, Any], dry_run: bool
    ) -> Stored:
        ometa, meta = old.meta, new["metadata"]
        if info.tracks_generation and _spec_changed(info, old.obj, new):
            meta["generation"] = int(ometa.get("generation") or 1) + 1
        meta["resourceVersion"] = ometa.get("resourceVersion")
        if not meta.get("finalizers"):
            meta.pop("finalizers", None)
        if new == old.obj:
            return old  # no-op updates do not bump the resourceVersion (as in kube)
        if dry_run:
            return Stored(new, orjson.dumps(new), old.rv)
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and \
                not self._graceful_pending(info, new):
            # as kube: the update is not stored; watchers see one DELETED carrying the last
            # stored state, and the caller gets the object as it asked it to be
            gone = self._remove(info.storage_key, meta.get("namespace", ""), meta["name"])
            rv = gone.rv if gone is not None else old.rv
            meta["resourceVersion"] = str(rv)
            return Stored(new, orjson.dumps(new), rv)
        stored = self.store.put(info.storage_key, new, "MODIFIED")
        self._after_write(info, old, stored)
        return stored

    def _graceful_pending(self, info: ResourceInfo, obj: dict[str, Any]) -> bool:
        # a terminating pod stays until its node agent deletes it with grace 0
        return info.storage_key == "/pods" and bool(
            obj["metadata"].get("deletionGracePeriodSeconds"))

    # -- patch -----------------------------------------------------------------------------
    def patch(
        self, info: ResourceInfo, ns: str, name: str, patch_type: str, patch: Any, *,
        subresource: str | None = None, dry_run: bool = False,
        field_validation: str = "Strict", manager: str | None = None,
    ) -> Stored:
        if patch_type == "apply":
            return self.apply(info, ns, name, patch, manager=manager or "",
                              subresource=subresource, dry_run=dry_run,
                              field_validation=field_validation)[0]
        old = self.store.get(info.storage_key, ns if info.namespaced else "", name)
        if old is None:
            raise errors.not_found(info.group, info.plural, name)
        target = orjson.loads(old.raw)  # a private deep copy, cheaply
        patched = pure.apply_patch(patch_type, target, patch, info.group, info.version,
                                   info.kind, info.custom)
        pmeta = patched.get("metadata")
        if not isinstance(pmeta, dict):
            raise errors.bad_request("metadata must be an object")
        if not info.custom:  # kube decodes the patched object into the Go type
            undecodable = microtime_patch_error(info.group, info.kind, patched, patch,
                                                patch_type)
            if undecodable is not None:
                raise undecodable
        return self._update_patched(info, ns, name, patched, pmeta.get("resourceVersion"), old,
                                    subresource=subresource, dry_run=dry_run,
                                    field_validation=field_validation, manager=manager)

    def _update_patched(self, info: ResourceInfo, ns: str, name: str, obj: dict[str, Any],
                        sent_rv: Any, old: Stored, *, field_validation: str,
                        **update: Any) -> Stored:
        """The end of a patch or an apply of an existing object: the resourceVersion the
        client sent must be current, Strict refuses unknown fields, then an update."""
        if sent_rv and sent_rv != old.meta.get("resourceVersion"):
            raise errors.conflict(info.group, info.plural, name)
        obj["metadata"]["resourceVersion"] = old.meta.get("resourceVersion")
        if field_validation == "Strict" and not info.custom:
            unknown = unknown_fields(info.storage_key, obj)
            if unknown:
                raise strict_patch_error(obj, unknown)
        return self.update(info, ns, name, obj, field_validation=field_validation, **update)

    def apply(
        self, info: ResourceInfo, ns: str, name: str, config: Any, *, manager: str,
        force: bool = False, subresource: str | None = None, dry_run: bool = False,
        field_validation: str = "Strict",
    ) -> tuple[Stored, bool]:
        """Server-side apply of ``config`` by ``manager``; returns the object and whether
        the apply created it. Conflicts with other managers' fields are 409s unless
        ``force``."""
        cmeta = applied_config_meta(info, config)
        old = self.store.get(info.storage_key, ns if info.namespaced else "", name)
        if old is None and subresource is not None:
            raise errors.not_found(info.group, info.plural, name)
        live = orjson.loads(old.raw) if old is not None else None
        merged, entries = apply_config(live, config, scope(info, subresource or ""), manager,
                                       force=force)
        meta = merged.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL "
                f"({name})")
        if old is None:
            meta["name"] = name
            set_managed(meta, entries)
            return self.create(info, ns, merged, dry_run=dry_run,
                               field_validation=field_validation), True
        return self._update_patched(info, ns, name, merged, cmeta.get("resourceVersion"), old,
                                    subresource=subresource, dry_run=dry_run,
                                    field_validation=field_validation, applied=entries), False

    # -- delete ----------------------------------------------------------------------------
    def delete(
        self, info: ResourceInfo, ns: str, name: str, opts: DeleteOptions, *,
        dry_run: bool = False,
    ) -> tuple[Stored, bool]:
        """Delete or start deleting; returns the object and whether it is gone."""
        old = self.lookup(info, ns, name)
        meta = old.meta
        # as kube's BeforeDelete: the conflict names the kind, not the resource
        if opts.pre_uid is not None and opts.pre_uid != meta.get("uid"):
            raise errors.conflict(
                info.group, info.kind, name,
                f"the UID in the precondition ({opts.pre_uid}) does not match the UID in "
                f"record ({meta.get('uid')}). The object might have been deleted and then "
                "recreated")
        if opts.pre_rv is not None and opts.pre_rv != meta.get("resourceVersion"):
            raise errors.conflict(
                info.group, info.kind, name,
                f"the ResourceVersion in the precondition ({opts.pre_rv}) does not match the "
                f"ResourceVersion in record ({meta.get('resourceVersion')}). The object might "
                "have been modified")
        skey = info.storage_key
        finalizers = list(meta.get("finalizers") or ())
        if opts.propagation == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if opts.propagation == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        grace = self._grace(info, old.obj, opts)
        if skey == "/namespaces":
            if name in UNDELETABLE_NAMESPACES:
                raise errors.forbidden(
                    f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                    {"name": name, "kind": "namespaces"})
            return self._delete_namespace(old, dry_run), False
        if meta.get("deletionTimestamp"):
            # already terminating: only a shorter grace (or forced removal) changes anything
            if grace == 0 and not finalizers and not dry_run:
                gone = self._remove(skey, meta.get("namespace", ""), name)
                return gone or old, True
            return old, False
        final = None
        if skey == "/pods":
            # pods delete gracefully: even an immediate deletion stamps the object, and (kube
            # 1.33+) bumps its generation
            final = orjson.loads(old.raw)
            final["metadata"]["deletionTimestamp"] = now_rfc3339(grace)
            final["metadata"]["deletionGracePeriodSeconds"] = grace
            final["metadata"]["generation"] = int(meta.get("generation") or 1) + 1
        if not finalizers and not grace:
            if dry_run:
                return (Stored(final, orjson.dumps(final), old.rv) if final else old), True
            gone = self._remove(skey, meta.get("namespace", ""), name, final)
            assert gone is not None
            return gone, True
        new = final or orjson.loads(old.raw)
        new["metadata"]["deletionTimestamp"] = now_rfc3339(grace or 0)
        new["metadata"]["deletionGracePeriodSeconds"] = grace or 0
        if finalizers:
            new["metadata"]["finalizers"] = finalizers
        if dry_run:
            return Stored(new, orjson.dumps(new), old.rv), False
        stored = self.store.put(skey, new, "MODIFIED")
        self._after_write(info, old, stored)
        return stored, False

    def _grace(self, info: ResourceInfo, obj: dict[str, Any], opts: DeleteOptions) -> int:
        if info.storage_key != "/pods":
            return 0
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return 0  # nothing runs it: kube deletes unscheduled or finished pods at once
        if opts.grace is not None:
            return max(opts.grace, 0)
        return int(spec.get("terminationGracePeriodSeconds", 30))

    def _delete_namespace(self, old: Stored, dry_run: bool) -> Stored:
        if old.meta.get("deletionTimestamp"):
            return old
        new = orjson.loads(old.raw)
        new["metadata"]["deletionTimestamp"] = now_rfc3339()  # kube sets no grace period
        new["status"] = {"phase": "Terminating"}
        if dry_run:
            return Stored(new, orjson.dumps(new), old.rv)
        stored = self.store.put("/namespaces", new, "MODIFIED")
        self.notify(("namespace", old.meta["name"]))
        return stored

    def _remove(
        self, skey: str, ns: str, name: str, final: dict[str, Any] | None = None
    ) -> Stored | None:
        gone = self.store.remove(skey, ns, name, final)
        if gone is None:
            return None
        meta = gone.meta
        if skey == "apiextensions.k8s.io/customresourcedefinitions":
            self._drop_crd(gone.obj)
        self.notify(("removed", meta.get("uid", ""), tuple(
            r.get("uid", "") for r in meta.get("ownerReferences") or ())))
        if ns:
            nss = self.store.get("/namespaces", "", ns)
            if nss is not None and nss.meta.get("deletionTimestamp"):
                self.notify(("namespace", ns))
        return gone

    def remove_object(self, skey: str, ns: str, name: str) -> Stored | None:
        """Unconditional removal, for the garbage collector and namespace cleanup."""
        return self._remove(skey, ns, name)

    def put_object(self, skey: str, obj: dict[str, Any]) -> Stored:
        """An internal write (finalizer or ownerReference edits by the collector)."""
        old = self.store.get(skey, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            gone = self._remove(skey, meta.get("namespace", ""), meta["name"])
            return gone if gone is not None else Stored(obj, orjson.dumps(obj), self.store.rv)
        stored = self.store.put(skey, obj, "MODIFIED")
        infos = self.registry.by_storage_key(skey)
        if infos:
            self._after_write(infos[0], old, stored)
        return stored

    # -- follow-ups ------------------------------------------------------------------------
    def _after_write(self, info: ResourceInfo, old: Stored | None, new: Stored) -> None:
        skey = info.storage_key
        meta = new.meta
        if skey == "/namespaces" and old is None:
            self._ensure_default_sa(meta["name"])
        elif skey == "apiextensions.k8s.io/customresourcedefinitions":
            self.registry.set_crd(new.obj)
        if meta.get("deletionTimestamp"):
            fins = meta.get("finalizers") or ()
            if "foregroundDeletion" in fins or "orphan" in fins:
                self.notify(("terminating", meta.get("uid", "")))
        if meta.get("ownerReferences") and old is None:
            self.notify(("check", meta.get("uid", "")))

    def _ensure_default_sa(self, ns: str) -> None:
        if self.store.get("/serviceaccounts", ns, "default") is None:
            self.store.put("/serviceaccounts", {
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": ns, "uid": new_uid(),
                             "creationTimestamp": now_rfc3339()},
            }, "ADDED")

    def _drop_crd(self, crd: dict[str, Any]) -> None:
        """A deleted CRD stops being served and its objects go (see docs/apiserver.md)."""
        spec = crd.get("spec") or {}
        skey = f"{spec.get('group', '')}/{(spec.get('names') or {}).get('plural', '')}"
        for s in list(self.store.items(skey)):
            self._remove(skey, s.meta.get("namespace", ""), s.meta["name"])
        self.registry.remove_crd(crd["metadata"]["name"])
        self.on_unserve(skey)

    def bootstrap(self) -> None:
        """Create the namespaces every cluster starts with (and their service accounts)."""
        ns_info = self.registry.get("", "v1", "namespaces")
        assert ns_info is not None
        for ns in INITIAL_NAMESPACES:
            if self.store.get("/namespaces", "", ns) is None:
                self.create(ns_info, "", {"metadata": {"name": ns}})
        for s in self.store.items("apiextensions.k8s.io/customresourcedefinitions"):
            self.registry.set_crd(s.obj)
        # follow-ups a crash may have interrupted (they are level-based, so redoing is safe)
        for s in list(self.store.items("/namespaces")):
            if s.meta.get("deletionTimestamp"):
                self.notify(("namespace", s.meta["name"]))
            else:
                self._ensure_default_sa(s.meta["name"])
        for bucket in list(self.store.data.values()):
            for s in list(bucket.values()):
                meta = s.meta
                if meta.get("ownerReferences"):
                    self.notify(("check", meta.get("uid", "")))
                if meta.get("deletionTimestamp") and meta.get("finalizers"):
                    self.notify(("terminating", meta.get("uid", "")))
