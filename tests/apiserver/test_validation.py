"""ObjectMeta validation reproduces kube-apiserver's rules and messages."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.local.apiserver.fielderrors import FieldError
from tekpy.local.apiserver.validation import (
    generated_name,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    name_is_dns1123_subdomain,
    name_validator_for,
    validate_object_meta,
    validate_object_meta_update,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
QUALIFIED_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)

PREDICATES = [
    ("subdomain ok", is_dns1123_subdomain, "a.b-c.d", []),
    ("subdomain upper", is_dns1123_subdomain, "Foo", [SUBDOMAIN_MSG]),
    (
        "subdomain too long",
        is_dns1123_subdomain,
        "a" * 254,
        ["must be no more than 253 characters"],
    ),
    ("label ok", is_dns1123_label, "ns-1", []),
    ("label with dots", is_dns1123_label, "a.b", ["must not contain dots"]),
    ("label bad", is_dns1123_label, "-a", [LABEL_MSG]),
    ("label too long", is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
    ("qualified ok", is_qualified_name, "example.com/My_name.1", []),
    ("qualified bad name", is_qualified_name, "a_", [QUALIFIED_MSG]),
    ("qualified empty prefix", is_qualified_name, "/a", ["prefix part must be non-empty"]),
    ("qualified bad prefix", is_qualified_name, "A/b", ["prefix part " + SUBDOMAIN_MSG]),
    (
        "qualified empty name",
        is_qualified_name,
        "a/",
        ["name part must be non-empty", QUALIFIED_MSG],
    ),
    (
        "qualified long name",
        is_qualified_name,
        "a" * 64,
        ["name part must be no more than 63 characters"],
    ),
    ("label value empty ok", is_valid_label_value, "", []),
    ("label value long", is_valid_label_value, "a" * 64, ["must be no more than 63 characters"]),
]


@pytest.mark.parametrize(
    ("name", "fn", "value", "want"), PREDICATES, ids=[p[0] for p in PREDICATES]
)
def test_predicates(name: str, fn: Any, value: str, want: list[str]) -> None:
    assert fn(value) == want


def _errs(meta: dict[str, Any], **kw: Any) -> list[str]:
    kw.setdefault("namespaced", True)
    return [str(e) for e in validate_object_meta(meta, **kw)]


META_CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    ("valid", {"name": "a", "namespace": "default"}, {}, []),
    (
        "name required",
        {"namespace": "default"},
        {},
        ["metadata.name: Required value: name or generateName is required"],
    ),
    (
        "bad name",
        {"name": "Foo", "namespace": "d"},
        {},
        [f'metadata.name: Invalid value: "Foo": {SUBDOMAIN_MSG}'],
    ),
    ("namespace required", {"name": "a"}, {}, ["metadata.namespace: Required value"]),
    (
        "namespace forbidden on cluster kinds",
        {"name": "a", "namespace": "x"},
        {"namespaced": False},
        ["metadata.namespace: Forbidden: not allowed on this type"],
    ),
    (
        "namespace names are labels",
        {"name": "a.b"},
        {"namespaced": False, "name_validator": name_validator_for("", "Namespace")},
        ['metadata.name: Invalid value: "a.b": must not contain dots'],
    ),
    (
        "generateName with trailing dash ok",
        {"generateName": "run-", "name": "run-abcde", "namespace": "d"},
        {},
        [],
    ),
    (
        "bad generateName",
        {"generateName": "Run-", "name": "run-x", "namespace": "d"},
        {},
        [f'metadata.generateName: Invalid value: "Run-": {SUBDOMAIN_MSG}'],
    ),
    (
        "bad label key and value",
        {"name": "a", "namespace": "d", "labels": {"a_": "b_"}},
        {},
        [
            f'metadata.labels: Invalid value: "a_": {QUALIFIED_MSG}',
            'metadata.labels: Invalid value: "b_": a valid label must be an empty string or '
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
            "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ],
    ),
    (
        "annotations too large",
        {"name": "a", "namespace": "d", "annotations": {"k": "v" * (256 * 1024)}},
        {},
        ["metadata.annotations: Too long: may not be more than 262144 bytes"],
    ),
    (
        "owner reference fields",
        {
            "name": "a",
            "namespace": "d",
            "ownerReferences": [
                {"apiVersion": "", "kind": ""},
                {"apiVersion": "a/b/c", "kind": "K", "name": "n", "uid": "u"},
                {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"},
            ],
        },
        {},
        [
            'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
            'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
            'metadata.ownerReferences.name: Invalid value: "": must not be empty',
            'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
            'metadata.ownerReferences.apiVersion: Invalid value: "a/b/c": '
            "version must not be empty",
            'metadata.ownerReferences[2]: Invalid value: {"apiVersion":"v1","kind":"Event",'
            '"name":"e","uid":"u"}: /v1, Kind=Event is disallowed from being an owner',
        ],
    ),
    (
        "finalizer names are qualified names",
        {"name": "a", "namespace": "d", "finalizers": ["example.com/ok", "bad finalizer"]},
        {},
        [f'metadata.finalizers: Invalid value: "bad finalizer": {QUALIFIED_MSG}'],
    ),
    (
        "orphan and foreground exclude each other",
        {"name": "a", "namespace": "d", "finalizers": ["orphan", "foregroundDeletion"]},
        {},
        [
            'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan '
            "and foregroundDeletion cannot be both set"
        ],
    ),
]


@pytest.mark.parametrize(("name", "meta", "kw", "want"), META_CASES, ids=[c[0] for c in META_CASES])
def test_validate_object_meta(
    name: str, meta: dict[str, Any], kw: dict[str, Any], want: list[str]
) -> None:
    assert _errs(meta, **kw) == want


def test_two_controllers_rejected() -> None:
    refs = [
        {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True},
    ]
    errs = validate_object_meta(
        {"name": "x", "namespace": "d", "ownerReferences": refs}, namespaced=True
    )
    assert len(errs) == 1 and isinstance(errs[0], FieldError)
    assert errs[0].message == (
        "Only one reference can have Controller set to true. "
        'Found "true" in references for A/a and B/b'
    )


def test_update_rules() -> None:
    old = {"name": "a", "namespace": "d", "uid": "u1", "resourceVersion": "5", "generation": 2}
    new = {**old, "uid": "u2", "resourceVersion": "", "generation": 1}
    assert [str(e) for e in validate_object_meta_update(new, old)] == [
        'metadata.resourceVersion: Invalid value: "": must be specified for an update',
        "metadata.generation: Invalid value: 1: must not be decremented",
        'metadata.uid: Invalid value: "u2": field is immutable',
    ]
    deleting = {**old, "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a"]}
    more = {**deleting, "finalizers": ["a", "b"]}
    assert [str(e) for e in validate_object_meta_update(more, deleting)] == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being "
        'deleted, found new finalizers []string{"b"}'
    ]


def test_names_per_kind_and_generated_names() -> None:
    assert name_validator_for("", "Pod") is name_is_dns1123_subdomain
    assert name_validator_for("rbac.authorization.k8s.io", "Role")("a/b", False) == [
        "may not contain '/'"
    ]
    assert generated_name("x" * 70, "abcde") == "x" * 58 + "abcde"
    assert generated_name("run-", "abcde") == "run-abcde"
