"""The builder: wire a controller to a manager in one sentence.

::

    ControllerBuilder(manager)
        .for_(PIPELINERUNS)                      # reconcile these (EnqueueRequestForObject)
        .owns(TASKRUNS)                          # ...and their controller when children change
        .watches(CONFIGMAPS, map_configmap)      # ...and whatever map_configmap(obj) returns
        .with_options(max_concurrent_reconciles=4)
        .complete(reconciler)

The builder uses only ``manager.informers`` (a ``SharedInformerFactory``:
``informer_for(resource, namespace=..., label_selector=...)``), ``manager.add(runnable)`` and
``manager.clock``. Informers come from the factory, so controllers watching the same
resource share one watch and one cache.

``for_`` has no default predicates (as controller-runtime): periodic resyncs reach the
reconciler. Pass ``predicates=[GenerationChangedPredicate()]`` to reconcile on spec changes
only, or ``ResourceVersionChangedPredicate()`` to drop resyncs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tekpy.runtime.controller.controller import Controller, Informer
from tekpy.runtime.controller.handlers import (
    EnqueueRequestForObject,
    EnqueueRequestForOwner,
    EnqueueRequestsFromMapFunc,
    EventHandler,
    MapFunc,
)
from tekpy.runtime.controller.predicates import Predicate
from tekpy.runtime.controller.reconcile import ReconcileFunc, Reconciler
from tekpy.runtime.workqueue import RateLimiter

__all__ = ["ControllerBuilder"]


class _ResourceLike(Protocol):
    """The fields of ``tekpy.runtime.client.Resource`` the builder reads."""

    @property
    def group(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def namespaced(self) -> bool: ...


@dataclass
class _Watch:
    resource: Any
    handler: EventHandler
    predicates: list[Predicate]
    informer_options: dict[str, Any] = field(default_factory=dict)


def _informer_options(namespace: str | None, label_selector: str | None) -> dict[str, Any]:
    # Only what the caller set, so the factory's own defaults apply otherwise.
    options: dict[str, Any] = {}
    if namespace is not None:
        options["namespace"] = namespace
    if label_selector is not None:
        options["label_selector"] = label_selector
    return options


class ControllerBuilder:
    """Builds a :class:`Controller`, registers its watches and adds it to ``manager``."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager
        self._name: str | None = None
        self._for: _ResourceLike | None = None
        self._for_watch: _Watch | None = None
        self._owns: list[tuple[_ResourceLike, list[Predicate], bool, dict[str, Any]]] = []
        self._watches: list[_Watch] = []
        self._global_predicates: list[Predicate] = []
        self._options: dict[str, Any] = {}
        self._errors: list[str] = []

    def named(self, name: str) -> ControllerBuilder:
        """Name the controller (default: the ``for_`` kind in lower case). The name labels
        metrics and logs, so keep it unique per process."""
        self._name = name
        return self

    def for_(
        self,
        resource: _ResourceLike,
        *,
        predicates: Sequence[Predicate] = (),
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ControllerBuilder:
        """Reconcile objects of ``resource``: each event enqueues the object's own request."""
        if self._for is not None:
            self._errors.append("for_() may only be called once")
            return self
        self._for = resource
        self._for_watch = _Watch(resource, EnqueueRequestForObject(), list(predicates),
                                 _informer_options(namespace, label_selector))
        return self

    def owns(
        self,
        resource: _ResourceLike,
        *,
        predicates: Sequence[Predicate] = (),
        match_every_owner: bool = False,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ControllerBuilder:
        """Also reconcile the ``for_`` object that controls a changed ``resource`` object
        (its ``ownerReferences`` entry with ``controller: true``; every owner of the
        ``for_`` kind with ``match_every_owner=True``)."""
        self._owns.append((resource, list(predicates), match_every_owner,
                           _informer_options(namespace, label_selector)))
        return self

    def watches(
        self,
        resource: Any,
        handler: EventHandler | MapFunc,
        *,
        predicates: Sequence[Predicate] = (),
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ControllerBuilder:
        """Also reconcile what ``handler`` maps ``resource`` events to: an event handler,
        or a function ``map_fn(obj) -> Iterable[Request]``."""
        if not all(hasattr(handler, m) for m in ("create", "update", "delete", "generic")):
            if not callable(handler):
                raise TypeError("watches() needs an event handler or a map function")
            handler = EnqueueRequestsFromMapFunc(handler)
        self._watches.append(_Watch(resource, handler, list(predicates),  # type: ignore[arg-type]
                                    _informer_options(namespace, label_selector)))
        return self

    def with_event_filter(self, predicate: Predicate) -> ControllerBuilder:
        """Apply ``predicate`` to every watch of this controller."""
        self._global_predicates.append(predicate)
        return self

    def with_options(
        self,
        *,
        max_concurrent_reconciles: int | None = None,
        rate_limiter: RateLimiter | None = None,
        cache_sync_timeout: float | None = None,
    ) -> ControllerBuilder:
        """Controller options; unset ones keep the :class:`Controller` defaults."""
        for key, value in (("max_concurrent_reconciles", max_concurrent_reconciles),
                           ("rate_limiter", rate_limiter),
                           ("cache_sync_timeout", cache_sync_timeout)):
            if value is not None:
                self._options[key] = value
        return self

    def build(self, reconciler: Reconciler | ReconcileFunc) -> Controller:
        """Create the controller, register its watches, add it to the manager; return it."""
        if self._errors:
            raise ValueError("; ".join(self._errors))
        if self._owns and self._for is None:
            raise ValueError("owns() can only be used together with for_()")
        if self._for is None and not self._watches:
            raise ValueError("no watches configured: use for_(), owns() or watches(), "
                             "or the controller will never be triggered")
        name = self._name or (self._for.kind.lower() if self._for is not None else None)
        if not name:
            raise ValueError("one of for_() or named() must be called")
        controller = Controller(name, reconciler, clock=self._manager.clock, **self._options)

        watches: list[_Watch] = []
        if self._for_watch is not None:
            watches.append(self._for_watch)
        for resource, predicates, every_owner, options in self._owns:
            assert self._for is not None
            owner = EnqueueRequestForOwner(
                self._for.group,
                self._for.kind,
                is_controller=not every_owner,
                cluster_scoped=not self._for.namespaced,
            )
            watches.append(_Watch(resource, owner, predicates, options))
        watches.extend(self._watches)
        informers = self._manager.informers
        for w in watches:
            informer: Informer = informers.informer_for(w.resource, **w.informer_options)
            controller.watch(informer, w.handler, *self._global_predicates, *w.predicates)
        self._manager.add(controller)
        return controller

    def complete(self, reconciler: Reconciler | ReconcileFunc) -> Controller:
        """Same as :meth:`build` (the builder sentence's usual ending)."""
        return self.build(reconciler)
