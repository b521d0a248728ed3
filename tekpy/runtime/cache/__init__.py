"""tekpy.runtime.cache: informers, indexed caches and listers (client-go's tools/cache).

- :class:`Store` (alias :class:`Indexer`): objects by ``namespace/name`` key with indexes;
  :class:`CompactStore` keeps them as compact JSON (informers' default cache).
- :class:`Reflector`: list-then-watch loop with client-go's 410, backoff and re-watch rules.
- :class:`SharedInformer`: a cache plus buffered per-handler notifications.
- :class:`SharedInformerFactory`: one shared informer per (resource, namespace, selectors).
- :class:`Lister`: read-only views for reconcilers.
"""

from tekpy.runtime.cache.backoff import Backoff
from tekpy.runtime.cache.compact import CompactStore
from tekpy.runtime.cache.factory import SharedInformerFactory
from tekpy.runtime.cache.handlers import (
    HandlerRegistration,
    ResourceEventHandler,
    ResourceEventHandlerFuncs,
)
from tekpy.runtime.cache.informer import SharedInformer
from tekpy.runtime.cache.keys import (
    DeletedFinalStateUnknown,
    ObjectKeyError,
    meta_namespace_key,
    split_meta_namespace_key,
)
from tekpy.runtime.cache.labels import LabelSelectorError, parse_label_selector
from tekpy.runtime.cache.lister import Lister
from tekpy.runtime.cache.listwatch import ListerWatcher, ResourceListerWatcher
from tekpy.runtime.cache.reflector import Reflector, ReflectorStore, VeryShortWatchError
from tekpy.runtime.cache.store import (
    NAMESPACE_INDEX,
    Indexer,
    IndexFunc,
    KeyFunc,
    Store,
    meta_namespace_index_func,
)
from tekpy.runtime.cache.transform import TransformFunc, drop_managed_fields

__all__ = [
    "NAMESPACE_INDEX",
    "Backoff",
    "CompactStore",
    "DeletedFinalStateUnknown",
    "HandlerRegistration",
    "IndexFunc",
    "Indexer",
    "KeyFunc",
    "LabelSelectorError",
    "Lister",
    "ListerWatcher",
    "ObjectKeyError",
    "Reflector",
    "ReflectorStore",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "ResourceListerWatcher",
    "SharedInformer",
    "SharedInformerFactory",
    "Store",
    "TransformFunc",
    "VeryShortWatchError",
    "drop_managed_fields",
    "meta_namespace_index_func",
    "meta_namespace_key",
    "parse_label_selector",
    "split_meta_namespace_key",
]
