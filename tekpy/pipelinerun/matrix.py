"""Matrix fan-out: the parameter combinations of a matrixed PipelineTask (Tekton's rules).

Combinations are built param by param, each new param's values multiplying the existing
combinations, the *first* param varying fastest (Tekton's ``distribute``). Each ``include``
entry then fills in (overwriting) every combination whose values it agrees with on the
keys they share; an entry that shares no value with any combination becomes a
combination of its own. A matrix with only ``include`` yields exactly the include entries.
Within a combination the params are ordered by name, as Tekton's ``toParams``.
"""

from __future__ import annotations

from tekpy.api.types import Matrix, Param, ParamValue

__all__ = ["Combination", "combinations", "has_empty_array"]

#: one combination: param name -> value (ordered by name)
Combination = dict[str, ParamValue]


def _include_combinations(matrix: Matrix) -> list[Combination]:
    return [{p.name: p.value for p in inc.params} for inc in matrix.include]


def combinations(matrix: Matrix | None) -> list[Combination]:
    """Every combination of ``matrix`` (empty when it has no params nor include)."""
    if matrix is None:
        return []
    includes = _include_combinations(matrix)
    if not matrix.params:
        return [{k: c[k] for k in sorted(c)} for c in includes]
    combos: list[Combination] = [{}]
    for p in matrix.params:
        values = p.value.array if p.value.type == "array" else (p.value.string,)
        # the new param's values form the outer loop, so earlier params vary fastest
        combos = [{**c, p.name: ParamValue.of(v)} for v in values for c in combos]
    for c in combos:  # an include fills in every combination it agrees with
        for inc in includes:
            if all(c[k] == v for k, v in inc.items() if k in c):
                c.update(inc)
    for inc in includes:  # and stands alone when it shares no value with any combination
        if inc and not any(c.get(k) == v for c in combos for k, v in inc.items() if k in c):
            combos.append(dict(inc))
    return [{k: c[k] for k in sorted(c)} for c in combos]


def has_empty_array(matrix: Matrix | None) -> bool:
    """Whether a matrix param resolved to an empty array (Tekton then skips the task)."""
    return matrix is not None and any(
        p.value.type == "array" and not p.value.array for p in matrix.params)


def params_of(combo: Combination) -> list[Param]:
    """A combination as TaskRun params."""
    return [Param(name=k, value=v) for k, v in combo.items()]
