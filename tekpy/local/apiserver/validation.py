"""ObjectMeta validation with kube-apiserver's rules and messages.

Two layers:

* string predicates that return kube's message list (empty when valid), mirroring
  ``k8s.io/apimachinery/pkg/util/validation``: :func:`is_qualified_name`,
  :func:`is_valid_label_value`, :func:`is_dns1123_subdomain`, :func:`is_dns1123_label`,
  :func:`is_path_segment_name`;
* ``validate_*`` functions that return ``list[FieldError]`` at kube's field paths, mirroring
  ``k8s.io/apimachinery/pkg/api/validation`` (``ValidateObjectMeta``, labels, annotations,
  owner references, finalizers) and ``ValidateObjectMetaUpdate``.

Name rules differ per kind; pick a validator with :func:`name_validator_for` (namespaces use
DNS-1123 labels, RBAC kinds path segments, almost everything else DNS-1123 subdomains).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from tekpy.local.apiserver.fielderrors import ErrorType, FieldError

__all__ = [
    "DNS1123_LABEL_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "MAX_GENERATED_NAME_BASE_LENGTH",
    "QUALIFIED_NAME_MAX_LENGTH",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "NameValidator",
    "generated_name",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_path_segment_name",
    "is_qualified_name",
    "is_valid_label_value",
    "name_is_dns1123_label",
    "name_is_dns1123_subdomain",
    "name_is_path_segment",
    "name_validator_for",
    "validate_annotations",
    "validate_finalizers",
    "validate_labels",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_owner_references",
]

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
#: Sum of the lengths of all annotation keys and values (``TotalAnnotationSizeLimitB``).
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
#: kube truncates a ``generateName`` prefix to 58 characters before appending 5 random ones.
MAX_GENERATED_NAME_BASE_LENGTH = 63 - 5

_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_FMT = f"({_QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)

_QUALIFIED_NAME_RE = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # kube's RegexError: the examples each end in "', " and are joined with " or ", which is
    # where the famous double space ("'MyName',  or 'my.name'") comes from.
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    listed = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {listed}regex used for validation is '{fmt}')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


_EMPTY_ERROR = "must be non-empty"


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: ``[prefix/]name`` with a DNS-1123 subdomain prefix (label keys etc.)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + _EMPTY_ERROR)
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + _EMPTY_ERROR)
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + _max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errs.append(
            "name part "
            + _regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """``IsValidLabelValue``: at most 63 characters, possibly empty."""
    errs: list[str] = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(_max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(
            _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errs


def is_dns1123_label(value: str) -> list[str]:
    """``IsDNS1123Label``: lowercase alphanumerics and '-', at most 63 characters."""
    errs: list[str] = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL_RE.fullmatch(value):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value):
            # A valid subdomain that is not a label can only be failing because of dots.
            errs.append("must not contain dots")
        else:
            errs.append(_regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: dot-separated DNS-1123 labels, at most 253 characters."""
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_path_segment_name(value: str) -> list[str]:
    """``IsValidPathSegmentName``: not ``.``/``..`` and without ``/`` or ``%`` (RBAC names)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{ch}'" for ch in ("/", "%") if ch in value]


#: ``(name, is_prefix) -> messages``: kube's ``ValidateNameFunc``.
NameValidator = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    # A generateName prefix may end in '-' because random characters follow it.
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns1123_subdomain(name: str, prefix: bool = False) -> list[str]:
    """``NameIsDNSSubdomain``: the rule for most kinds (pods, configmaps, CRs, ...)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1123_label(name: str, prefix: bool = False) -> list[str]:
    """``NameIsDNSLabel``: the rule for namespaces."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool = False) -> list[str]:
    """``ValidatePathSegmentName``: the rule for RBAC kinds."""
    if prefix:
        return [f"may not contain '{ch}'" for ch in ("/", "%") if ch in name]
    return is_path_segment_name(name)


_LABEL_NAME_KINDS = {("", "Namespace")}
_PATH_SEGMENT_GROUPS = {"rbac.authorization.k8s.io"}


def name_validator_for(group: str, kind: str) -> NameValidator:
    """The name rule kube applies to ``kind`` in API ``group`` ("" for core)."""
    if (group, kind) in _LABEL_NAME_KINDS:
        return name_is_dns1123_label
    if group in _PATH_SEGMENT_GROUPS:
        return name_is_path_segment
    return name_is_dns1123_subdomain


def generated_name(base: str, suffix: str) -> str:
    """The name kube derives from ``generateName`` and a 5-character random ``suffix``."""
    return base[:MAX_GENERATED_NAME_BASE_LENGTH] + suffix


def _invalid(path: str, value: Any, message: str) -> FieldError:
    return FieldError(ErrorType.INVALID, path, message, value)


def validate_labels(labels: Any, path: str = "metadata.labels") -> list[FieldError]:
    """Label keys are qualified names and values valid label values (``ValidateLabels``)."""
    if not labels:
        return []
    errs: list[FieldError] = []
    for key in sorted(labels):
        errs.extend(_invalid(path, key, m) for m in is_qualified_name(key))
        value = labels[key]
        if not isinstance(value, str):
            errs.append(_invalid(path, value, "must be a string"))
            continue
        errs.extend(_invalid(path, value, m) for m in is_valid_label_value(value))
    return errs


def validate_annotations(annotations: Any, path: str = "metadata.annotations") -> list[FieldError]:
    """Annotation keys are qualified names (case-insensitively); total size at most 256 KiB."""
    if not annotations:
        return []
    errs: list[FieldError] = []
    total = 0
    for key in sorted(annotations):
        errs.extend(_invalid(path, key, m) for m in is_qualified_name(key.lower()))
        value = annotations[key]
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(
            FieldError(
                ErrorType.TOO_LONG,
                path,
                f"may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes",
            )
        )
    return errs


def _parse_group_version(api_version: str) -> tuple[str, str] | None:
    """``schema.ParseGroupVersion``: ``v1`` or ``group/v1``; None when malformed."""
    parts = api_version.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def validate_owner_references(
    refs: Any, path: str = "metadata.ownerReferences"
) -> list[FieldError]:
    """apiVersion, kind, name and uid are required; at most one ``controller: true``."""
    if not refs:
        return []
    errs: list[FieldError] = []
    controller = ""
    for i, ref in enumerate(refs):
        at = f"{path}[{i}]"
        if not isinstance(ref, Mapping):
            errs.append(_invalid(at, ref, "must be an object"))
            continue
        api_version = str(ref.get("apiVersion") or "")
        kind = str(ref.get("kind") or "")
        gv = _parse_group_version(api_version)
        # as kube: field errors of a reference name the list, not the item (no index), and
        # an unparsable apiVersion is one without a version
        if gv is None or not gv[1]:
            errs.append(_invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        for fld in ("kind", "name", "uid"):
            if not ref.get(fld):
                errs.append(_invalid(f"{path}.{fld}", str(ref.get(fld) or ""),
                                     "must not be empty"))
        if gv == ("", "v1") and kind == "Event":
            errs.append(
                _invalid(at, dict(ref), "/v1, Kind=Event is disallowed from being an owner")
            )
        if ref.get("controller") is True:
            current = f"{kind}/{ref.get('name') or ''}"
            if controller:
                errs.append(
                    _invalid(
                        path,
                        list(refs),
                        "Only one reference can have Controller set to true. "
                        f'Found "true" in references for {controller} and {current}',
                    )
                )
            else:
                controller = current
    return errs


_ORPHAN = "orphan"
_FOREGROUND = "foregroundDeletion"


def validate_finalizers(finalizers: Any, path: str = "metadata.finalizers") -> list[FieldError]:
    """Finalizers are qualified names; ``orphan`` and ``foregroundDeletion`` exclude each other."""
    if not finalizers:
        return []
    errs: list[FieldError] = []
    for name in finalizers:
        if not isinstance(name, str):
            errs.append(_invalid(path, name, "must be a string"))
            continue
        errs.extend(_invalid(path, name, m) for m in is_qualified_name(name))
    if _ORPHAN in finalizers and _FOREGROUND in finalizers:
        errs.append(
            _invalid(
                path,
                list(finalizers),
                f"finalizer {_ORPHAN} and {_FOREGROUND} cannot be both set",
            )
        )
    return errs


def validate_object_meta(
    meta: Mapping[str, Any],
    *,
    namespaced: bool,
    name_validator: NameValidator = name_is_dns1123_subdomain,
    path: str = "metadata",
    maps: bool = True,
) -> list[FieldError]:
    """``ValidateObjectMeta`` for a create (call it after generating the name, as kube does).

    ``namespaced`` says whether the kind is namespaced: a namespaced object needs a valid
    namespace, a cluster-scoped one must not carry one. ``maps=False`` leaves labels and
    annotations out (for a caller that checks them its own way).
    """
    errs: list[FieldError] = []
    get = meta.get
    generate_name = get("generateName") or ""
    if generate_name:
        errs.extend(
            _invalid(f"{path}.generateName", generate_name, m)
            for m in name_validator(generate_name, True)
        )
    name = get("name") or ""
    if not name:
        errs.append(
            FieldError(ErrorType.REQUIRED, f"{path}.name", "name or generateName is required")
        )
    else:
        msgs = name_validator(name, False)
        if msgs:
            errs.extend(_invalid(f"{path}.name", name, m) for m in msgs)
    namespace = get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(FieldError(ErrorType.REQUIRED, f"{path}.namespace"))
        else:
            msgs = is_dns1123_label(namespace)
            if msgs:
                errs.extend(_invalid(f"{path}.namespace", namespace, m) for m in msgs)
    elif namespace:
        errs.append(
            FieldError(ErrorType.FORBIDDEN, f"{path}.namespace", "not allowed on this type")
        )
    generation = get("generation")
    if isinstance(generation, int) and generation < 0:
        errs.append(
            _invalid(f"{path}.generation", generation, "must be greater than or equal to 0")
        )
    # each validator accepts an absent value: skipped then (the common case for most)
    if maps and get("labels") is not None:
        errs.extend(validate_labels(get("labels"), f"{path}.labels"))
    if maps and get("annotations") is not None:
        errs.extend(validate_annotations(get("annotations"), f"{path}.annotations"))
    if get("ownerReferences") is not None:
        errs.extend(validate_owner_references(get("ownerReferences"),
                                              f"{path}.ownerReferences"))
    if get("finalizers") is not None:
        errs.extend(validate_finalizers(get("finalizers"), f"{path}.finalizers"))
    return errs


_IMMUTABLE = "field is immutable"
_IMMUTABLE_FIELDS = (
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], *, path: str = "metadata"
) -> list[FieldError]:
    """``ValidateObjectMetaUpdate``'s checks that compare the new metadata with the stored one.

    Run it on the object as it is about to be stored (after the server copied the fields a
    client may not set). Like kube's, it re-checks labels, annotations and owner references
    but not finalizer names (kinds that check those on update call
    :func:`validate_finalizers` too).
    """
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        added = [f for f in new.get("finalizers") or [] if f not in (old.get("finalizers") or [])]
        if added:
            listed = ", ".join(f'"{f}"' for f in sorted(set(added)))
            errs.append(
                FieldError(
                    ErrorType.FORBIDDEN,
                    f"{path}.finalizers",
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers []string{{{listed}}}",
                )
            )
    if not new.get("resourceVersion"):
        errs.append(
            _invalid(
                f"{path}.resourceVersion",
                new.get("resourceVersion") or "",
                "must be specified for an update",
            )
        )
    generation = new.get("generation")
    if isinstance(generation, int) and generation < 0:
        errs.append(
            _invalid(f"{path}.generation", generation, "must be greater than or equal to 0")
        )
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        errs.append(
            _invalid(f"{path}.generation", new.get("generation"), "must not be decremented")
        )
    for fld in _IMMUTABLE_FIELDS:
        if new.get(fld) != old.get(fld):
            errs.append(_invalid(f"{path}.{fld}", new.get(fld), _IMMUTABLE))
    errs.extend(validate_labels(new.get("labels"), f"{path}.labels"))
    errs.extend(validate_annotations(new.get("annotations"), f"{path}.annotations"))
    errs.extend(validate_owner_references(new.get("ownerReferences"), f"{path}.ownerReferences"))
    return errs
