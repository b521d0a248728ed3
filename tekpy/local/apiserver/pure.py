"""Wiring of the server's pure helper modules (selectors, patch, schema, validation, table).

The helpers are separate modules written and tested on their own; this module adapts them to
what the handlers need (matchers over stored objects, ApiErrors instead of helper exceptions)
so the handlers stay free of helper details.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from . import patch as patches
from . import schema as structural
from . import validation
from .errors import ApiError, bad_request
from .fielderrors import FieldError
from .selectors import (
    SelectorError,
    object_fields,
    parse_field_selector,
    parse_label_selector,
    supported_fields,
)
from .selectors.fields import BUILTIN_GROUPS

__all__ = [
    "Matcher",
    "apply_patch",
    "both",
    "custom_resource_errors",
    "field_matcher",
    "generated_name",
    "label_matcher",
    "validate_metadata",
]

# kube avoids vowels and look-alikes in generated suffixes
_GEN_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

Matcher = Callable[[dict[str, Any]], bool]


def label_matcher(text: str) -> Matcher | None:
    """A predicate over objects for a ``labelSelector`` query (None when it selects all)."""
    if not text:
        return None
    try:
        sel = parse_label_selector(text)
    except SelectorError as exc:
        raise bad_request(str(exc)) from None
    if sel.empty:
        return None

    def match(obj: dict[str, Any]) -> bool:
        return bool(sel.matches(obj.get("metadata", {}).get("labels") or {}))

    return match


def field_matcher(text: str, group: str, kind: str) -> Matcher | None:
    """A predicate for a ``fieldSelector`` over the fields kube supports for the kind."""
    if not text:
        return None
    try:
        sel = parse_field_selector(text, supported_fields(group, kind),
                                   builtin=group in BUILTIN_GROUPS)
    except SelectorError as exc:
        raise bad_request(str(exc)) from None
    if sel.empty:
        return None
    name = sel.requires_exact_match("metadata.name")
    if len(sel.terms) == 1 and name is not None:  # the common single-object watch
        return lambda obj: bool(obj["metadata"].get("name") == name)

    def match(obj: dict[str, Any]) -> bool:
        return bool(sel.matches(object_fields(group, kind, obj)))

    return match


def both(a: Matcher | None, b: Matcher | None) -> Matcher | None:
    """The conjunction of two optional predicates."""
    if a is None:
        return b
    if b is None:
        return a
    return lambda o: a(o) and b(o)


def apply_patch(
    patch_type: str, target: dict[str, Any], patch: Any, group: str, version: str, kind: str,
    custom: bool,
) -> dict[str, Any]:
    """Apply a patch of a given type to an object (a new object is returned)."""
    try:
        if patch_type == "merge":
            result = patches.merge_patch(target, patch)
        elif patch_type == "json":
            result = patches.json_patch(target, patch)
        elif patch_type == "strategic":
            schema = None if custom else patches.strategic_schema_for(group, version, kind)
            if schema is None:
                raise patches.unsupported_media_type(patches.CUSTOM_RESOURCE_PATCH_TYPES)
            result = patches.strategic_merge_patch(target, patch, schema)
        else:
            raise bad_request(f"unsupported patch type {patch_type}")
    except patches.PatchError as exc:
        st = exc.status()
        raise ApiError(exc.code, st.get("reason", ""), st["message"], st.get("details")) \
            from None
    if not isinstance(result, dict):
        raise bad_request("the patch did not produce an object")
    return result


_HEAD_FIELDS = ("metadata.generateName", "metadata.name", "metadata.namespace",
                "metadata.generation")
# label and annotation sets repeat across objects (a controller stamps the same ones on
# thousands of children); their validation is the costly part of ObjectMeta's, so cache it
_meta_cache: dict[tuple[str, tuple[tuple[Any, Any], ...]], list[FieldError]] = {}
# keys seen valid, per map kind: sets that differ only in values (a label naming the parent
# object) miss the cache above but are then checked entry by entry without building errors
_valid_keys: dict[str, set[str]] = {"labels": set(), "annotations": set()}
_MAX_VALID_KEYS = 4096


def _entries_valid(which: str, value: dict[str, str]) -> bool:
    """Whether every entry of a label or annotation map is certainly valid (no errors).

    False means "not known valid": the full validation then decides and words the errors.
    """
    known = _valid_keys[which]
    if which == "annotations":
        # the size limit counts UTF-8 bytes: at most 4 per character
        if 4 * sum(len(k) + len(v) for k, v in value.items()) > \
                validation.TOTAL_ANNOTATION_SIZE_LIMIT:
            return False
    for k, v in value.items():
        if k not in known:
            if validation.is_qualified_name(k.lower() if which == "annotations" else k):
                return False
            if len(known) >= _MAX_VALID_KEYS:
                known.clear()
            known.add(k)
        if which == "labels" and validation.is_valid_label_value(v):
            return False
    return True


def _all_strings(value: dict[str, Any]) -> bool:
    for v in value.values():
        if not isinstance(v, str):
            return False
    return True


def _cached_map_errors(which: str, value: Any) -> list[FieldError]:
    validate = validation.validate_labels if which == "labels" else \
        validation.validate_annotations
    path = f"metadata.{which}"
    if not isinstance(value, dict) or not _all_strings(value):
        return list(validate(value, path))
    key = (which, tuple(value.items()))
    errs = _meta_cache.get(key)
    if errs is None:
        if _entries_valid(which, value):
            return []
        if len(_meta_cache) > 4096:
            _meta_cache.clear()
        errs = _meta_cache[key] = list(validate(value, path))
    return errs


def validate_metadata(
    obj: dict[str, Any], namespaced: bool, group: str, kind: str,
    old_meta: dict[str, Any] | None = None,
) -> list[FieldError]:
    """ObjectMeta validation (names, labels, annotations, ownerReferences, finalizers)."""
    meta = obj.get("metadata") or {}
    if old_meta is not None:
        return list(validation.validate_object_meta_update(meta, old_meta))
    errs = validation.validate_object_meta(
        meta, namespaced=namespaced, name_validator=validation.name_validator_for(group, kind),
        maps=False)
    if not errs:  # the common case: the maps' errors (usually none) are all there is
        labels = _cached_map_errors("labels", meta.get("labels"))
        annotations = _cached_map_errors("annotations", meta.get("annotations"))
        return [*labels, *annotations] if labels or annotations else errs
    head = [e for e in errs if e.field.startswith(_HEAD_FIELDS)]
    tail = [e for e in errs if not e.field.startswith(_HEAD_FIELDS)]
    return [*head, *_cached_map_errors("labels", meta.get("labels")),
            *_cached_map_errors("annotations", meta.get("annotations")), *tail]


def generated_name(base: str) -> str:
    """``generateName`` plus kube's 5 random characters (base truncated as kube does)."""
    return validation.generated_name(
        base, "".join(secrets.choice(_GEN_ALPHABET) for _ in range(5)))


def custom_resource_errors(
    obj: dict[str, Any], schema: dict[str, Any] | None, preserve_unknown: bool,
    *, status_only: bool = False,
) -> tuple[dict[str, Any], list[FieldError], list[str]]:
    """Default, prune and validate a custom resource as kube does.

    Returns the object to store, the validation errors and the pruned (unknown) field paths,
    which ``fieldValidation=Strict`` turns into an error and ``Warn`` into warnings.
    """
    if not schema:
        return obj, [], []
    obj = structural.apply_defaults(obj, schema)
    unknown: list[str] = []
    if not preserve_unknown:
        obj, unknown = structural.prune_fields(obj, schema)
    if status_only:  # a status update: kube validates the status alone
        return obj, structural.validate_status(obj, schema), unknown
    errors = list(structural.validate(obj, schema))
    return obj, errors, unknown
