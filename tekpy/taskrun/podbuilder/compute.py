"""Compute resources: the TaskRun's task-level ``computeResources`` and the
``default-container-resource-requirements`` defaults.

Task-level resources (Tekton's ``tasklevel``): every step gets the limits; requests are
divided evenly between the steps (memory and ephemeral storage in whole units, other
resources in thousandths), and a step without requests gets the divided limits when the
TaskRun gives no requests.

Defaults by container name (Tekton's ``defaultresourcerequirements`` transformer): an entry
named like a container, then ``prefix-<p>`` entries for containers named ``<p>-…``, then
``default``, fill the ``resources`` of containers that have none; Tekton's internal
containers (``prepare``, ``place-scripts``, ``working-dir-initializer``) take the most
specific entry even over resources they already have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

__all__ = ["apply_default_requirements", "divide_quantity", "task_level_resources"]

INTERNAL = frozenset({"prepare", "place-scripts", "working-dir-initializer",
                      "sidecar-tekton-log-results"})
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9),
            "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$")


def _parse(text: str) -> tuple[Decimal, bool]:
    """A quantity's value and whether it uses binary suffixes."""
    m = _QUANTITY.match(str(text).strip())
    if not m:
        raise ValueError(f"invalid quantity {text!r}")
    number, suffix, exp = Decimal(m.group(1)), m.group(2) or "", m.group(3)
    if exp is not None:
        return number * (Decimal(10) ** int(exp)), False
    if suffix in _BINARY:
        return number * _BINARY[suffix], True
    return number * _DECIMAL[suffix], False


def _format(value: Decimal, binary: bool, whole: bool) -> str:
    """Canonical text: the largest exact suffix of the quantity's kind."""
    if whole or value == value.to_integral_value():
        n = int(value)
        if binary:
            for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
                if n and n % _BINARY[suffix] == 0:
                    return f"{n // _BINARY[suffix]}{suffix}"
            return str(n)
        for suffix in ("E", "P", "T", "G", "M", "k"):
            if n and n % int(_DECIMAL[suffix]) == 0:
                return f"{n // int(_DECIMAL[suffix])}{suffix}"
        return str(n)
    milli = int((value * 1000).to_integral_value(ROUND_FLOOR))
    return f"{milli}m"


def divide_quantity(resource: str, text: str, parts: int) -> str:
    """``text`` divided by ``parts`` as Tekton divides it for ``resource``."""
    value, binary = _parse(text)
    if resource in ("memory", "ephemeral-storage"):
        return _format(Decimal(int(value) // parts), binary, whole=True)
    milli = int((value * 1000).to_integral_value(ROUND_FLOOR)) // parts
    return _format(Decimal(milli) / 1000, binary, whole=False)


def _divide(rl: Mapping[str, Any] | None, parts: int) -> dict[str, str] | None:
    if not rl or parts == 0:
        return None
    return {k: divide_quantity(k, str(v), parts) for k, v in rl.items()}


def task_level_resources(containers: list[dict[str, Any]], resources: Mapping[str, Any] | None
                         ) -> None:
    """Apply the TaskRun's ``computeResources`` to the step containers (in place)."""
    if not resources or not (resources.get("requests") or resources.get("limits")):
        return
    requests = _divide(resources.get("requests"), len(containers))
    limits_avg = _divide(resources.get("limits"), len(containers))
    for c in containers:
        res = dict(c.get("resources") or {})
        if not res.get("requests") and not resources.get("requests"):
            chosen = limits_avg
        else:
            chosen = requests
        res.pop("requests", None)
        if chosen:
            res["requests"] = chosen
        res.pop("limits", None)
        if resources.get("limits"):
            res["limits"] = dict(resources["limits"])
        if res:
            c["resources"] = res
        else:
            c.pop("resources", None)


def apply_default_requirements(pod: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    """Fill containers' ``resources`` from ``default-container-resource-requirements``."""
    if not defaults:
        return
    spec = pod["spec"]
    groups = (("init", spec.get("initContainers") or []), ("container", spec["containers"]))
    matched: set[tuple[str, int]] = set()
    exact = sorted(k for k in defaults if k != "default" and not k.startswith("prefix-"))
    prefixed = sorted(k for k in defaults if k.startswith("prefix-"))
    for key in exact:
        if not defaults[key]:
            continue
        for group, items in groups:
            for i, c in enumerate(items):
                if c["name"] == key and (not c.get("resources") or key in INTERNAL):
                    c["resources"] = dict(defaults[key])
                    if key in INTERNAL:
                        matched.add((group, i))
    for key in prefixed:
        if not defaults[key]:
            continue
        prefix = key.removeprefix("prefix-") + "-"
        for group, items in groups:
            for i, c in enumerate(items):
                internal = c["name"] in INTERNAL
                if c["name"].startswith(prefix) and (
                        not c.get("resources") or (internal and (group, i) not in matched)):
                    c["resources"] = dict(defaults[key])
                    if internal:
                        matched.add((group, i))
    default = defaults.get("default")
    if default:
        for group, items in groups:
            for i, c in enumerate(items):
                if not c.get("resources") or (c["name"] in INTERNAL
                                              and (group, i) not in matched):
                    c["resources"] = dict(default)
