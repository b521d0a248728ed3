"""Patch application for the embedded API server: merge, JSON and strategic merge patches.

All functions are pure (inputs are never modified) and raise :class:`PatchError`, whose
``code``/``status()`` give the Status kube-apiserver answers with::

    merge_patch(obj, patch)                                   # application/merge-patch+json
    json_patch(obj, ops)                                      # application/json-patch+json
    schema = strategic_schema_for(group, version, kind)       # None for custom resources ->
    strategic_merge_patch(obj, patch, schema)                 #   unsupported_media_type(...)
"""

from tekpy.local.apiserver.patch.errors import PatchError, unsupported_media_type
from tekpy.local.apiserver.patch.jsonpatch import MAX_JSON_PATCH_OPERATIONS, json_patch
from tekpy.local.apiserver.patch.merge import create_merge_patch, merge_patch
from tekpy.local.apiserver.patch.meta import (
    BUILTIN_PATCH_TYPES,
    CUSTOM_RESOURCE_PATCH_TYPES,
    OBJECT_META,
    PatchMeta,
    strategic_schema_for,
)
from tekpy.local.apiserver.patch.strategic import strategic_merge_patch

__all__ = [
    "BUILTIN_PATCH_TYPES",
    "CUSTOM_RESOURCE_PATCH_TYPES",
    "MAX_JSON_PATCH_OPERATIONS",
    "OBJECT_META",
    "PatchError",
    "PatchMeta",
    "create_merge_patch",
    "json_patch",
    "merge_patch",
    "strategic_merge_patch",
    "strategic_schema_for",
    "unsupported_media_type",
]
