"""Label and field selectors with kube-apiserver's grammar, matching and error messages.

Used by the server's list/watch handlers (``labelSelector=`` / ``fieldSelector=`` query
parameters) and by anyone evaluating a ``metav1.LabelSelector``::

    sel = parse_label_selector("app=web,tier in (a,b),!legacy")
    sel.matches(obj["metadata"].get("labels") or {})

    fs = parse_field_selector("metadata.name=foo", supported_fields("", "Pod"))
    fs.matches_object("", "Pod", obj)          # or fs.matches(object_fields("", "Pod", obj))
    fs.requires_exact_match("metadata.name")   # -> "foo" (single-object watches)

Every malformed selector raises :class:`SelectorError` whose ``str()`` is kube's message
(the server returns it in a 400 BadRequest Status).
"""

from tekpy.local.apiserver.selectors.errors import SelectorError
from tekpy.local.apiserver.selectors.fields import (
    FieldSelector,
    FieldTerm,
    field_value,
    object_fields,
    parse_field_selector,
    supported_fields,
)
from tekpy.local.apiserver.selectors.labels import (
    LabelSelector,
    Requirement,
    label_selector_from_dict,
    label_selector_from_set,
    parse_label_selector,
)

__all__ = [
    "FieldSelector",
    "FieldTerm",
    "LabelSelector",
    "Requirement",
    "SelectorError",
    "field_value",
    "label_selector_from_dict",
    "label_selector_from_set",
    "object_fields",
    "parse_field_selector",
    "parse_label_selector",
    "supported_fields",
]
