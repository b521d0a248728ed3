"""Predicates: filters applied to informer events before a handler enqueues anything.

A predicate answers, per event kind, whether the event should go on to the handler:
``create(obj)``, ``update(old, new)``, ``delete(obj)``, ``generic(obj)``. Objects are plain
dicts. Every watch of a controller may carry several predicates; all must agree.

The built-ins follow controller-runtime: each filters update events only (create, delete
and generic pass), except :class:`LabelSelectorPredicate`, which tests the object of every
event (the new object of an update).

A periodic resync (informer resync period) arrives as ``update(old, new)`` with equal
``resourceVersion``: :class:`ResourceVersionChangedPredicate` drops it,
:class:`GenerationChangedPredicate` drops it too (the generation is unchanged), and a watch
without predicates lets it through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from tekpy.runtime.controller._selector import parse_selector

__all__ = [
    "AnnotationChangedPredicate",
    "Funcs",
    "GenerationChangedPredicate",
    "LabelChangedPredicate",
    "LabelSelectorPredicate",
    "Predicate",
    "ResourceVersionChangedPredicate",
    "and_",
    "new_predicate_funcs",
    "not_",
    "or_",
]

Obj = dict[str, Any]
log = logging.getLogger("tekpy.runtime.controller.predicates")


class Predicate(Protocol):
    """Decides whether an event reaches the handler."""

    def create(self, obj: Obj) -> bool:
        """An object was added (including the informer's initial list)."""
        ...

    def update(self, old: Obj, new: Obj) -> bool:
        """An object changed (or was resynced: equal ``resourceVersion``)."""
        ...

    def delete(self, obj: Obj) -> bool:
        """An object was deleted (the last known state)."""
        ...

    def generic(self, obj: Obj) -> bool:
        """An event from outside the cluster."""
        ...


class Funcs:
    """A predicate built from optional functions; an absent function lets events through."""

    def __init__(
        self,
        *,
        create: Callable[[Obj], bool] | None = None,
        update: Callable[[Obj, Obj], bool] | None = None,
        delete: Callable[[Obj], bool] | None = None,
        generic: Callable[[Obj], bool] | None = None,
    ) -> None:
        self._create = create
        self._update = update
        self._delete = delete
        self._generic = generic

    def create(self, obj: Obj) -> bool:
        return self._create(obj) if self._create else True

    def update(self, old: Obj, new: Obj) -> bool:
        return self._update(old, new) if self._update else True

    def delete(self, obj: Obj) -> bool:
        return self._delete(obj) if self._delete else True

    def generic(self, obj: Obj) -> bool:
        return self._generic(obj) if self._generic else True


def new_predicate_funcs(keep: Callable[[Obj], bool]) -> Funcs:
    """A predicate applying one object filter to every event (an update's new object)."""
    return Funcs(
        create=keep, update=lambda _old, new: keep(new), delete=keep, generic=keep
    )


def _meta(obj: Obj | None) -> Mapping[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


class _UpdateOnly(Funcs):
    """Base of the built-ins: create/delete/generic pass; ``changed`` decides updates."""

    field = ""

    def __init__(self) -> None:
        super().__init__()

    def update(self, old: Obj, new: Obj) -> bool:
        old_meta, new_meta = _meta(old), _meta(new)
        if old_meta is None or new_meta is None:
            log.error("update event without an old or new object: predicate=%s",
                      type(self).__name__)
            return False
        return self.changed(old_meta, new_meta)

    def changed(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return old.get(self.field) != new.get(self.field)


class ResourceVersionChangedPredicate(_UpdateOnly):
    """Passes updates whose ``metadata.resourceVersion`` changed (drops resyncs)."""

    field = "resourceVersion"


class GenerationChangedPredicate(_UpdateOnly):
    """Passes updates whose ``metadata.generation`` changed, i.e. spec changes; status and
    metadata-only updates (and resyncs) are dropped."""

    field = "generation"


class AnnotationChangedPredicate(_UpdateOnly):
    """Passes updates whose ``metadata.annotations`` changed."""

    def changed(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return (old.get("annotations") or {}) != (new.get("annotations") or {})


class LabelChangedPredicate(_UpdateOnly):
    """Passes updates whose ``metadata.labels`` changed."""

    def changed(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return (old.get("labels") or {}) != (new.get("labels") or {})


class LabelSelectorPredicate(Funcs):
    """Passes events whose object's labels match ``selector`` (a selector string such as
    ``"app=web,tier in (a,b)"`` or a ``LabelSelector`` dict with ``matchLabels`` /
    ``matchExpressions``). Raises ``ValueError`` for an invalid selector."""

    def __init__(self, selector: str | Mapping[str, Any]) -> None:
        self.selector = parse_selector(selector)

        def keep(obj: Obj) -> bool:
            meta = _meta(obj)
            return meta is not None and self.selector.matches(meta.get("labels"))

        super().__init__(
            create=keep, update=lambda _old, new: keep(new), delete=keep, generic=keep
        )


class _And:
    def __init__(self, predicates: tuple[Predicate, ...]) -> None:
        self.predicates = predicates

    def create(self, obj: Obj) -> bool:
        return all(p.create(obj) for p in self.predicates)

    def update(self, old: Obj, new: Obj) -> bool:
        return all(p.update(old, new) for p in self.predicates)

    def delete(self, obj: Obj) -> bool:
        return all(p.delete(obj) for p in self.predicates)

    def generic(self, obj: Obj) -> bool:
        return all(p.generic(obj) for p in self.predicates)


class _Or(_And):
    def create(self, obj: Obj) -> bool:
        return any(p.create(obj) for p in self.predicates)

    def update(self, old: Obj, new: Obj) -> bool:
        return any(p.update(old, new) for p in self.predicates)

    def delete(self, obj: Obj) -> bool:
        return any(p.delete(obj) for p in self.predicates)

    def generic(self, obj: Obj) -> bool:
        return any(p.generic(obj) for p in self.predicates)


class _Not:
    def __init__(self, predicate: Predicate) -> None:
        self.predicate = predicate

    def create(self, obj: Obj) -> bool:
        return not self.predicate.create(obj)

    def update(self, old: Obj, new: Obj) -> bool:
        return not self.predicate.update(old, new)

    def delete(self, obj: Obj) -> bool:
        return not self.predicate.delete(obj)

    def generic(self, obj: Obj) -> bool:
        return not self.predicate.generic(obj)


def and_(*predicates: Predicate) -> Predicate:
    """Passes an event when every predicate does (``and_()`` passes everything)."""
    return _And(predicates)


def or_(*predicates: Predicate) -> Predicate:
    """Passes an event when any predicate does (``or_()`` passes nothing)."""
    return _Or(predicates)


def not_(predicate: Predicate) -> Predicate:
    """Passes an event when ``predicate`` does not."""
    return _Not(predicate)
