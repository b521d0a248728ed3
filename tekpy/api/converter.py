"""The one cattrs converter between JSON values and the model classes.

- JSON names come from :func:`tekpy.api.types._base.json_name` (camelCase).
- Unknown keys are kept in each object's ``extra`` and written back, so a round trip
  loses nothing. Like Go's ``encoding/json``, a key that matches a field only when case is
  ignored (``mountpath``) fills that field.
- ``null`` means "not set", as in Go.
- Writing omits fields that hold their default (Go's ``omitempty``), except fields marked
  ``keep`` (Go fields without ``omitempty``).
- Plain Kubernetes values (:data:`K8sObject`, :data:`K8sList`) pass through untouched.

Structuring uses a fast converter; when it fails, the same data is structured again with a
detailed converter only to report where (:class:`StructureError` carries the paths).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from tekpy.api.types._base import K8sList, K8sObject, json_name, keeps_default
from tekpy.api.types.common import ParamValue

__all__ = ["StructureError", "converter", "deep_copy", "structure", "unstructure"]

T = TypeVar("T")

_PASSTHROUGH: frozenset[Any] = frozenset({Any})


class StructureError(ValueError):
    """A document does not fit the model; ``problems`` lists ``(path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and attrs.has(t) and t is not ParamValue


def _make_converter(detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed)

    conv.register_structure_hook_func(lambda t: t in _PASSTHROUGH, _passthrough)
    # registered later, so they take precedence over the passthrough
    conv.register_structure_hook_func(lambda t: t == K8sObject, _k8s_object)
    conv.register_structure_hook_func(lambda t: t == K8sList, _k8s_list)
    conv.register_unstructure_hook_func(lambda t: t in _PASSTHROUGH, lambda v: v)
    # plain Kubernetes JSON is written as it is held (not copied): see :func:`deep_copy`
    conv.register_unstructure_hook_func(lambda t: t in (K8sObject, K8sList), lambda v: v)
    conv.register_structure_hook(ParamValue, lambda v, _: ParamValue.of(v))
    conv.register_unstructure_hook(ParamValue, lambda v: v.to_json())
    conv.register_structure_hook(str, _structure_str)

    def structure_factory(cls: type) -> Callable[[Any, Any], Any]:
        fields = attrs.fields(cls)
        overrides = {
            f.name: override(rename=json_name(f)) for f in fields if f.name != "extra"
        }
        overrides["extra"] = override(omit=True)
        base: Any = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        known = frozenset(json_name(f) for f in fields if f.name != "extra")
        folded = {k.lower(): k for k in known}

        def hook(data: Any, _: Any) -> Any:
            if not isinstance(data, dict):
                raise TypeError(f"expected an object, got {type(data).__name__}")
            if data.keys() <= known and None not in data.values():
                return base(data, cls)
            clean: dict[str, Any] = {}
            extra: dict[str, Any] = {}
            for k, v in data.items():
                if k in known:
                    if v is not None:
                        clean[k] = v
                elif isinstance(k, str) and k.lower() in folded:
                    if v is not None:
                        clean.setdefault(folded[k.lower()], v)
                else:
                    extra[k] = v
            obj = base(clean, cls)
            if extra:
                object.__setattr__(obj, "extra", extra)
            return obj

        return hook

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        fields = attrs.fields(cls)
        overrides = {
            f.name: override(rename=json_name(f), omit_if_default=not keeps_default(f))
            for f in fields
            if f.name != "extra"
        }
        overrides["extra"] = override(omit=True)
        base: Any = make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
        has_extra = any(f.name == "extra" for f in fields)

        def hook(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = base(obj)
            if has_extra and obj.extra:
                for k, v in obj.extra.items():
                    out.setdefault(k, v)
            return out

        return hook

    conv.register_structure_hook_factory(_is_model, structure_factory)
    conv.register_unstructure_hook_factory(_is_model, unstructure_factory)
    return conv


def _passthrough(v: Any, _: Any) -> Any:
    return v


def _k8s_object(v: Any, _: Any) -> Any:
    # plain Kubernetes objects are kept as JSON, but must be objects
    if not isinstance(v, dict):
        raise TypeError(f"expected an object, got {type(v).__name__}")
    return v


def _k8s_list(v: Any, _: Any) -> Any:
    if not isinstance(v, list):
        raise TypeError(f"expected a list, got {type(v).__name__}")
    return v


def _structure_str(v: Any, _: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    raise TypeError(f"expected a string, got {type(v).__name__}")


converter = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def structure(data: Any, cls: type[T]) -> T:
    """Build a model object from a JSON value; raises :class:`StructureError` with paths."""
    try:
        return converter.structure(data, cls)
    except Exception:
        pass
    try:
        return _detailed.structure(data, cls)
    except Exception as exc:
        raise StructureError(_problems(exc)) from None


def deep_copy(obj: T) -> T:
    """An independent copy of a model object (plain Kubernetes dicts included)."""
    data = unstructure(obj)
    try:
        data = orjson.loads(orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        data = copy.deepcopy(data)
    return structure(data, type(obj))


def unstructure(obj: Any) -> Any:
    """The JSON value of a model object (``omitempty`` semantics, unknown fields restored)."""
    return converter.unstructure(obj)


def _problems(exc: BaseException) -> list[tuple[str, str]]:
    """Flatten cattrs' detailed errors into ``(json path, message)`` pairs."""
    out: list[tuple[str, str]] = []

    def walk(e: BaseException, path: str) -> None:
        if isinstance(e, cattrs.BaseValidationError):
            notes = getattr(e, "__notes__", None)
            for sub in e.exceptions:
                walk(sub, path + _note_path(sub))
            if not e.exceptions and notes:
                out.append((path, str(e)))
            return
        out.append((path, str(e)))

    walk(exc, "")
    return [(p.lstrip("."), m) for p, m in out] or [("", str(exc))]


def _note_path(e: BaseException) -> str:
    from cattrs.errors import AttributeValidationNote, IterableValidationNote

    for note in getattr(e, "__notes__", []):
        if isinstance(note, AttributeValidationNote):
            return "." + _camel(note.name)
        if isinstance(note, IterableValidationNote):
            return f"[{note.index}]"
    return ""


def _camel(name: str) -> str:
    parts = name.rstrip("_").split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
