"""Label and field selectors follow kube-apiserver's grammar, semantics and messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.selectors import (
    SelectorError,
    label_selector_from_dict,
    label_selector_from_set,
    object_fields,
    parse_field_selector,
    parse_label_selector,
    supported_fields,
)

# (name, selector, labels, expected match)
MATCH_CASES = [
    ("empty selects all", "", {"a": "1"}, True),
    ("equals", "app=web", {"app": "web"}, True),
    ("equals other value", "app=web", {"app": "db"}, False),
    ("equals missing key", "app=web", {}, False),
    ("double equals", "app==web", {"app": "web"}, True),
    ("not equals other", "app!=web", {"app": "db"}, True),
    ("not equals same", "app!=web", {"app": "web"}, False),
    ("not equals missing key matches", "app!=web", {}, True),
    ("in", "env in (prod, dev)", {"env": "dev"}, True),
    ("in miss", "env in (prod,dev)", {"env": "qa"}, False),
    ("in missing key", "env in (prod)", {}, False),
    ("notin", "env notin (prod)", {"env": "dev"}, True),
    ("notin hit", "env notin (prod)", {"env": "prod"}, False),
    ("notin missing key matches", "env notin (prod)", {}, True),
    ("exists", "app", {"app": ""}, True),
    ("exists missing", "app", {"b": "x"}, False),
    ("does not exist", "!app", {"b": "x"}, True),
    ("does not exist present", "!app", {"app": "x"}, False),
    ("conjunction", "a=1,b!=2,!c", {"a": "1", "b": "3"}, True),
    ("conjunction fails on one", "a=1,b!=2,!c", {"a": "1", "c": "x"}, False),
    ("empty value", "a=", {"a": ""}, True),
    ("empty value in set", "a in (,x)", {"a": ""}, True),
    ("empty parens mean empty value", "a in ()", {"a": ""}, True),
    ("trailing empty element", "a in (x,)", {"a": ""}, True),
    ("in/notin as values", "a in (in,notin)", {"a": "notin"}, True),
    ("prefixed key", "example.com/app=x", {"example.com/app": "x"}, True),
    ("greater than", "n>5", {"n": "7"}, True),
    ("greater than not int", "n>5", {"n": "x"}, False),
    ("less than", "n<5", {"n": "7"}, False),
    ("whitespace", "  a  =  b  ,  c  ", {"a": "b", "c": "1"}, True),
]


@pytest.mark.parametrize(
    ("name", "text", "labels", "want"), MATCH_CASES, ids=[c[0] for c in MATCH_CASES]
)
def test_label_selector_matches(name: str, text: str, labels: dict[str, str], want: bool) -> None:
    assert parse_label_selector(text).matches(labels) is want


ERROR_CASES = [
    ("trailing comma", "a=b,", "found '', expected: identifier after ','"),
    (
        "two words",
        "a b",
        "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    ),
    ("missing paren", "a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("unclosed set", "a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("operator first", "=a", "found '=', expected: !, identifier, or 'end of string'"),
    ("bang alone", "!", "unable to parse requirement: found '', expected: identifier"),
    ("value after value", "a=b c", "found 'c', expected: ',' or 'end of string'"),
    (
        "two empty elements (a kube quirk)",
        "a in (,,)",
        "unable to parse requirement: found ')', expected: ',', or identifier",
    ),
    (
        "invalid key",
        "a_=b",
        'unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ),
    (
        "invalid value",
        "a=b_",
        'unable to parse requirement: values[0][a]: Invalid value: "b_": a valid label must be '
        "an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
        "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ),
    (
        "gt needs integer",
        "a>b",
        'unable to parse requirement: values[0]: Invalid value: "b": '
        "for 'Gt', 'Lt' operators, the value must be an integer",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_label_selector_errors(name: str, text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        parse_label_selector(text)
    assert str(exc.value) == message


def test_label_selector_sorts_and_prints_like_kube() -> None:
    sel = parse_label_selector("z in (b,a),!y,x=1,w")
    assert str(sel) == "w,x=1,!y,z in (a,b)"
    assert not sel.empty
    assert parse_label_selector("").empty


def test_requires_exact_match() -> None:
    sel = parse_label_selector("a=1,b in (2),c in (3,4)")
    assert sel.requires_exact_match("a") == "1"
    assert sel.requires_exact_match("b") == "2"
    assert sel.requires_exact_match("c") is None
    assert sel.requires_exact_match("d") is None


def test_label_selector_from_dict() -> None:
    sel = label_selector_from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "team", "operator": "Exists"},
            ],
        }
    )
    assert sel.matches({"app": "web", "tier": "fe", "team": "x"})
    assert not sel.matches({"app": "web", "tier": "fe", "team": "x", "legacy": "1"})
    assert not sel.matches({"app": "web", "tier": "fe", "team": "x", "env": "prod"})
    assert not sel.matches({"app": "web", "tier": "fe"})


def test_label_selector_from_dict_nil_and_empty() -> None:
    nothing = label_selector_from_dict(None)
    assert not nothing.matches({}) and not nothing.empty
    everything = label_selector_from_dict({})
    assert everything.matches({"a": "b"}) and everything.empty


def test_label_selector_from_dict_errors() -> None:
    with pytest.raises(SelectorError, match='"Gt" is not a valid label selector operator'):
        label_selector_from_dict({"matchExpressions": [{"key": "a", "operator": "Gt"}]})
    with pytest.raises(SelectorError, match="values set can't be empty"):
        label_selector_from_dict({"matchExpressions": [{"key": "a", "operator": "In"}]})
    with pytest.raises(SelectorError, match="values set must be empty"):
        label_selector_from_dict(
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}
        )


FIELD_CASES = [
    ("equals", "metadata.name=a", {"metadata.name": "a"}, True),
    ("double equals", "metadata.name==a", {"metadata.name": "a"}, True),
    ("not equals", "metadata.name!=a", {"metadata.name": "b"}, True),
    ("not equals same", "metadata.name!=a", {"metadata.name": "a"}, False),
    (
        "and",
        "metadata.name=a,metadata.namespace=n",
        {"metadata.name": "a", "metadata.namespace": "n"},
        True,
    ),
    (
        "and fails",
        "metadata.name=a,metadata.namespace=n",
        {"metadata.name": "a", "metadata.namespace": "x"},
        False,
    ),
    ("missing field is empty", "spec.nodeName=", {}, True),
    ("escaped comma", r"metadata.name=a\,b", {"metadata.name": "a,b"}, True),
    ("empty selects all", "", {"metadata.name": "x"}, True),
]


@pytest.mark.parametrize(
    ("name", "text", "fields", "want"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES]
)
def test_field_selector_matches(name: str, text: str, fields: dict[str, str], want: bool) -> None:
    assert parse_field_selector(text).matches(fields) is want


FIELD_ERRORS = [
    (
        "no operator",
        "metadata.name",
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    ),
    ("unsupported", "spec.foo=x", "field label not supported: spec.foo"),
    ("bad escape", r"metadata.name=a\b", "invalid field selector: invalid escape sequence: \\b"),
    (
        "unescaped equals",
        "metadata.name=a=b",
        "invalid field selector: unescaped character in value: 61",
    ),
    (
        "trailing backslash",
        "metadata.name=a\\",
        "invalid field selector: invalid escape sequence: \\",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "message"), FIELD_ERRORS, ids=[c[0] for c in FIELD_ERRORS]
)
def test_field_selector_errors(name: str, text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        parse_field_selector(text, supported_fields("", "Pod"))
    assert str(exc.value) == message


def test_field_selector_exact_match_and_pod_fields() -> None:
    fs = parse_field_selector("metadata.name=p1,status.phase!=Failed", supported_fields("", "Pod"))
    assert fs.requires_exact_match("metadata.name") == "p1"
    assert fs.requires_exact_match("status.phase") is None
    assert fs.requires_exact_match("metadata.namespace") is None
    pod = {
        "metadata": {"name": "p1", "namespace": "ns"},
        "spec": {"nodeName": "n1"},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]},
    }
    fields = object_fields("", "Pod", pod)
    assert fields["spec.nodeName"] == "n1"
    assert fields["status.podIPs"] == "10.0.0.1"
    assert fields["spec.hostNetwork"] == "false"
    assert fs.matches(fields)
    assert parse_field_selector("spec.nodeName=", supported_fields("", "Pod")).matches(
        object_fields("", "Pod", {"metadata": {"name": "x"}})
    )


def test_custom_resources_support_only_name_and_namespace() -> None:
    with pytest.raises(SelectorError, match=r"field label not supported: spec\.nodeName"):
        parse_field_selector("spec.nodeName=x", supported_fields("tekton.dev", "TaskRun"))


# --------------------------------------------------------------------------- properties
_keys = st.sampled_from(["a", "b", "app", "example.com/x"])
_values = st.sampled_from(["", "1", "x", "y-z", "in", "notin"])
_labels = st.dictionaries(_keys, _values, max_size=4)


@st.composite
def _requirement(draw: st.DrawFn) -> tuple[str, object]:
    """A selector term and an independent oracle for it."""
    key = draw(_keys)
    kind = draw(st.sampled_from(["eq", "neq", "in", "notin", "exists", "absent"]))
    if kind in ("in", "notin"):
        # Non-empty values: kube's own parser rejects runs of empty elements like "(,,)".
        vals = draw(st.lists(_values.filter(bool), min_size=1, max_size=3))
        text = f"{key} {kind} ({','.join(vals)})"
        return text, (kind, key, set(vals))
    if kind in ("eq", "neq"):
        val = draw(_values)
        op = draw(st.sampled_from(["=", "=="])) if kind == "eq" else "!="
        return f"{key}{op}{val}", (kind, key, {val})
    return (key if kind == "exists" else "!" + key), (kind, key, set())


def _oracle(term: object, labels: dict[str, str]) -> bool:
    kind, key, vals = term  # type: ignore[misc]
    present = key in labels
    if kind in ("eq", "in"):
        return present and labels[key] in vals
    if kind in ("neq", "notin"):
        return not present or labels[key] not in vals
    return present if kind == "exists" else not present


@given(st.lists(_requirement(), max_size=4), _labels)
def test_property_selector_is_conjunction_of_terms(
    terms: list[tuple[str, object]], labels: dict[str, str]
) -> None:
    sel = parse_label_selector(",".join(t for t, _ in terms))
    assert sel.matches(labels) == all(_oracle(o, labels) for _, o in terms)


@given(st.lists(_requirement(), max_size=4), _labels)
def test_property_string_form_round_trips(
    terms: list[tuple[str, object]], labels: dict[str, str]
) -> None:
    sel = parse_label_selector(",".join(t for t, _ in terms))
    again = parse_label_selector(str(sel))
    assert again.matches(labels) == sel.matches(labels)
    assert str(again) == str(sel)


@given(_labels)
def test_property_set_selector_matches_its_own_labels(labels: dict[str, str]) -> None:
    assert label_selector_from_set(labels).matches(labels)
    assert parse_label_selector(str(label_selector_from_set(labels))).matches(labels)


@given(st.text(alphabet="ab=!,() in\\", max_size=12))
def test_property_parser_never_crashes(text: str) -> None:
    try:
        parse_label_selector(text)
    except SelectorError:
        pass
    try:
        parse_field_selector(text)
    except SelectorError:
        pass


@given(
    st.dictionaries(st.sampled_from(["metadata.name", "metadata.namespace"]), st.text(max_size=5))
)
def test_property_field_selector_escaping_round_trips(fields: dict[str, str]) -> None:
    def escape(v: str) -> str:
        return v.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")

    text = ",".join(f"{k}={escape(v)}" for k, v in fields.items())
    fs = parse_field_selector(text, supported_fields("", "ConfigMap"))
    assert fs.matches(fields)
    assert parse_field_selector(str(fs)).matches(fields)


_pods = st.fixed_dictionaries(
    {
        "metadata": st.fixed_dictionaries({"name": st.sampled_from(["a", "b"])}),
        "spec": st.fixed_dictionaries(
            {}, optional={"nodeName": st.sampled_from(["n1", "n2"]), "hostNetwork": st.booleans()}
        ),
        "status": st.fixed_dictionaries(
            {}, optional={"phase": st.sampled_from(["Running", "Failed"])}
        ),
    }
)
_field_terms = st.lists(
    st.tuples(
        st.sampled_from(["metadata.name", "spec.nodeName", "status.phase", "spec.hostNetwork"]),
        st.sampled_from(["=", "!="]),
        st.sampled_from(["", "a", "n1", "Running", "true", "false"]),
    ),
    max_size=3,
)


@given(_pods, _field_terms)
def test_property_matches_object_equals_matching_all_fields(
    pod: dict[str, object], terms: list[tuple[str, str, str]]
) -> None:
    fs = parse_field_selector(
        ",".join(f"{f}{op}{v}" for f, op, v in terms), supported_fields("", "Pod")
    )
    assert fs.matches_object("", "Pod", pod) == fs.matches(object_fields("", "Pod", pod))
