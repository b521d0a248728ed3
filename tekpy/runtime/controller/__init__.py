"""Controllers: reconcile requests produced by watches, with controller-runtime's semantics.

* The contract: :class:`Request` (``namespace``, ``name``), :class:`Result`
  (``requeue``, ``requeue_after``), the :class:`Reconciler` protocol
  (``async reconcile(request) -> Result``) and :class:`TerminalError` (not retried).
* :class:`Controller`: a rate-limited work queue, ``max_concurrent_reconciles`` workers,
  ``watch(informer, handler, *predicates)``, ``async start()`` / ``async stop()``, and for
  bucket mode a ``key_filter`` (a :data:`KeyFilter`) applied at dequeue and ``resync()``.
* Event handlers (informer event -> requests): :class:`EnqueueRequestForObject`,
  :class:`EnqueueRequestForOwner`, :class:`EnqueueRequestsFromMapFunc`.
* Predicates (event filters): :class:`GenerationChangedPredicate`,
  :class:`ResourceVersionChangedPredicate`, :class:`LabelSelectorPredicate`,
  :class:`AnnotationChangedPredicate`, :class:`LabelChangedPredicate`, :class:`Funcs`,
  :func:`new_predicate_funcs`, :func:`and_`, :func:`or_`, :func:`not_`.
* :class:`ControllerBuilder`: ``ControllerBuilder(manager).for_(r).owns(r2)
  .watches(r3, map_fn).with_options(max_concurrent_reconciles=n).complete(reconciler)``.
"""

from tekpy.runtime.controller.builder import ControllerBuilder
from tekpy.runtime.controller.controller import Controller, Informer, KeyFilter
from tekpy.runtime.controller.handlers import (
    EnqueueRequestForObject,
    EnqueueRequestForOwner,
    EnqueueRequestsFromMapFunc,
    EventHandler,
    MapFunc,
    RequestQueue,
)
from tekpy.runtime.controller.predicates import (
    AnnotationChangedPredicate,
    Funcs,
    GenerationChangedPredicate,
    LabelChangedPredicate,
    LabelSelectorPredicate,
    Predicate,
    ResourceVersionChangedPredicate,
    and_,
    new_predicate_funcs,
    not_,
    or_,
)
from tekpy.runtime.controller.reconcile import (
    ReconcileFunc,
    Reconciler,
    Request,
    Result,
    TerminalError,
)

__all__ = [
    "AnnotationChangedPredicate",
    "Controller",
    "ControllerBuilder",
    "EnqueueRequestForObject",
    "EnqueueRequestForOwner",
    "EnqueueRequestsFromMapFunc",
    "EventHandler",
    "Funcs",
    "GenerationChangedPredicate",
    "Informer",
    "KeyFilter",
    "LabelChangedPredicate",
    "LabelSelectorPredicate",
    "MapFunc",
    "Predicate",
    "ReconcileFunc",
    "Reconciler",
    "Request",
    "RequestQueue",
    "ResourceVersionChangedPredicate",
    "Result",
    "TerminalError",
    "and_",
    "new_predicate_funcs",
    "not_",
    "or_",
]
