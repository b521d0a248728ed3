"""The Manager's informer factory, optionally restricted to one namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tekpy.runtime.cache import SharedInformer, SharedInformerFactory

__all__ = ["NamespacedInformerFactory"]


class NamespacedInformerFactory(SharedInformerFactory):
    """A factory whose informers of namespaced resources watch ``default_namespace`` unless
    a caller names another namespace (controller-runtime's ``Cache.DefaultNamespaces``).

    Cluster-scoped resources are unaffected.
    """

    def __init__(self, client: Any, default_namespace: str, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.default_namespace = default_namespace

    def informer_for(
        self,
        resource: Any,
        *,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
    ) -> SharedInformer:
        if namespace is None and resource.namespaced:
            namespace = self.default_namespace
        return super().informer_for(
            resource,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
        )
