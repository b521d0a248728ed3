"""Structural OpenAPI v3 schemas of CustomResourceDefinitions, handled as kube-apiserver does.

For a custom resource write, kube defaults, prunes, then validates::

    obj = apply_defaults(obj, schema)      # defaults where fields are absent; drops bad nulls
    obj = prune(obj, schema)               # or prune_fields(...) -> (obj, unknown field paths)
    errors = validate(obj, schema)         # list[FieldError]; 422 Invalid when non-empty

and for a CRD create/update, ``check_structural(schema, path)`` lists what kube rejects.
``schema`` is a version's ``schema.openAPIV3Schema`` dict.
"""

from tekpy.local.apiserver.schema.defaults import apply_defaults
from tekpy.local.apiserver.schema.prune import OBJECT_META_FIELDS, prune, prune_fields
from tekpy.local.apiserver.schema.structural import check_structural
from tekpy.local.apiserver.schema.validate import validate, validate_status

__all__ = [
    "OBJECT_META_FIELDS",
    "apply_defaults",
    "check_structural",
    "prune",
    "prune_fields",
    "validate",
    "validate_status",
]
