"""Field ownership (``metadata.managedFields``) and server-side apply, as kube-apiserver
keeps them. Pure functions over plain JSON values; see ``ownership`` for the algorithms and
``fieldset`` for the ``fieldsV1`` encoding they work in."""

from .entries import Entry, decode, encode, is_reset
from .fieldset import (
    FieldSet,
    difference,
    intersection,
    is_member,
    path_string,
    paths,
    sorted_set,
    union,
)
from .merge import merge, prune
from .ownership import (
    BEFORE_FIRST_APPLY,
    ApplyConflict,
    Scope,
    apply,
    object_fields,
    record_create,
    record_update,
)
from .schema import DEDUCED, LEAF, Node, builtin_node, builtin_skeleton, crd_node
from .walk import applied_fields, compare, entry, fields_of

__all__ = [
    "BEFORE_FIRST_APPLY", "DEDUCED", "LEAF", "ApplyConflict", "Entry", "FieldSet", "Node",
    "Scope", "applied_fields", "apply", "builtin_node", "builtin_skeleton", "compare",
    "crd_node", "decode", "difference", "encode", "entry", "fields_of", "intersection",
    "is_member", "is_reset", "merge", "object_fields", "path_string", "paths", "prune",
    "record_create", "record_update", "sorted_set", "union",
]
