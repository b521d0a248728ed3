"""Predicates on plain dict objects, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.runtime.controller import (
    AnnotationChangedPredicate,
    Funcs,
    GenerationChangedPredicate,
    LabelChangedPredicate,
    LabelSelectorPredicate,
    ResourceVersionChangedPredicate,
    and_,
    new_predicate_funcs,
    not_,
    or_,
)


def o(
    rv: str = "1",
    gen: int = 1,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": "x",
        "namespace": "ns",
        "resourceVersion": rv,
        "generation": gen,
    }
    if labels is not None:
        meta["labels"] = labels
    if annotations is not None:
        meta["annotations"] = annotations
    return {"metadata": meta}


UPDATE_CASES = [
    # (name, predicate, old, new, expected)
    ("rv changed", ResourceVersionChangedPredicate(), o("1"), o("2"), True),
    ("rv same (resync)", ResourceVersionChangedPredicate(), o("1"), o("1"), False),
    ("generation changed", GenerationChangedPredicate(), o("1", 1), o("2", 2), True),
    ("status only", GenerationChangedPredicate(), o("1", 1), o("2", 1), False),
    ("resync keeps generation", GenerationChangedPredicate(), o("1", 1), o("1", 1), False),
    (
        "annotations changed",
        AnnotationChangedPredicate(),
        o(annotations={"a": "1"}),
        o(annotations={"a": "2"}),
        True,
    ),
    ("annotations none vs empty", AnnotationChangedPredicate(), o(), o(annotations={}), False),
    ("labels changed", LabelChangedPredicate(), o(labels={"a": "1"}), o(labels={}), True),
    ("labels same", LabelChangedPredicate(), o(labels={"a": "1"}), o(labels={"a": "1"}), False),
]


@pytest.mark.parametrize(
    "name,predicate,old,new,expected", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES]
)
def test_update_filters(name: str, predicate: Any, old: Any, new: Any, expected: bool) -> None:
    assert predicate.update(old, new) is expected


@pytest.mark.parametrize(
    "predicate",
    [
        ResourceVersionChangedPredicate(),
        GenerationChangedPredicate(),
        AnnotationChangedPredicate(),
        LabelChangedPredicate(),
    ],
)
def test_change_predicates_pass_create_delete_generic(predicate: Any) -> None:
    assert predicate.create(o()) and predicate.delete(o()) and predicate.generic(o())


def test_update_without_an_object_is_rejected() -> None:
    assert ResourceVersionChangedPredicate().update(None, o()) is False  # type: ignore[arg-type]
    assert GenerationChangedPredicate().update(o(), None) is False  # type: ignore[arg-type]


SELECTOR_CASES = [
    ("app=web", {"app": "web"}, True),
    ("app=web", {"app": "db"}, False),
    ("app==web", {"app": "web"}, True),
    ("app!=web", {}, True),
    ("app!=web", {"app": "web"}, False),
    ("tier in (a, b)", {"tier": "b"}, True),
    ("tier in (a,b)", {"tier": "c"}, False),
    ("tier notin (a,b)", {}, True),
    ("tier notin (a,b)", {"tier": "a"}, False),
    ("managed", {"managed": ""}, True),
    ("managed", {}, False),
    ("!managed", {}, True),
    ("app=web,tier in (a,b),!legacy", {"app": "web", "tier": "a"}, True),
    ("app=web,tier in (a,b),!legacy", {"app": "web", "tier": "a", "legacy": "1"}, False),
    ("", {"anything": "x"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "web", "x": "y"}, True),
    ({"matchLabels": {"app": "web"}}, {}, False),
    (
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]},
        {"tier": "a"},
        True,
    ),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": "a"}, False),
    ({}, {}, True),
]


@pytest.mark.parametrize(
    "selector,labels,expected", SELECTOR_CASES, ids=[str(c[0]) for c in SELECTOR_CASES]
)
def test_label_selector(selector: Any, labels: dict[str, str], expected: bool) -> None:
    p = LabelSelectorPredicate(selector)
    assert p.create(o(labels=labels)) is expected
    assert p.delete(o(labels=labels)) is expected
    assert p.generic(o(labels=labels)) is expected
    # Updates are judged on the new object.
    assert p.update(o(labels={"zzz": "old"}), o(labels=labels)) is expected


@pytest.mark.parametrize(
    "bad",
    [
        "app=web=x",
        "tier in (a",
        "!app=web",
        {"matchExpressions": [{"key": "a", "operator": "In"}]},
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
        {"matchExpressions": [{"key": "a", "operator": "Near", "values": ["x"]}]},
    ],
)
def test_invalid_selectors_are_rejected(bad: Any) -> None:
    with pytest.raises(ValueError):
        LabelSelectorPredicate(bad)


def test_and_or_not() -> None:
    yes = Funcs()
    no = Funcs(
        create=lambda _o: False,
        update=lambda _a, _b: False,
        delete=lambda _o: False,
        generic=lambda _o: False,
    )
    for method, args in (
        ("create", (o(),)),
        ("update", (o(), o())),
        ("delete", (o(),)),
        ("generic", (o(),)),
    ):
        assert getattr(and_(yes, yes), method)(*args) is True
        assert getattr(and_(yes, no), method)(*args) is False
        assert getattr(and_(), method)(*args) is True
        assert getattr(or_(no, yes), method)(*args) is True
        assert getattr(or_(no, no), method)(*args) is False
        assert getattr(or_(), method)(*args) is False
        assert getattr(not_(no), method)(*args) is True
        assert getattr(not_(yes), method)(*args) is False


def test_composition_with_builtins_spec_or_label_changes() -> None:
    p = or_(GenerationChangedPredicate(), LabelChangedPredicate())
    assert p.update(o("1", 1, labels={}), o("2", 1, labels={"a": "b"})) is True
    assert p.update(o("1", 1, labels={}), o("2", 1, labels={})) is False
    assert p.update(o("1", 1), o("2", 2)) is True


def test_new_predicate_funcs_filters_every_event_kind() -> None:
    p = new_predicate_funcs(lambda obj: obj["metadata"]["namespace"] == "ns")
    other = {"metadata": {"name": "x", "namespace": "other"}}
    assert p.create(o()) and not p.create(other)
    assert p.update(other, o()) and not p.update(o(), other)
    assert p.delete(o()) and not p.delete(other)
    assert p.generic(o()) and not p.generic(other)
