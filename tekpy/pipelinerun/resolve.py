"""Resolving one PipelineTask against what the run knows now (results, statuses).

The default :class:`~tekpy.pipelinerun.facts.Resolver`: the task's params, matrix,
``when`` and embedded spec are substituted (run params and context, task results,
``$(tasks.<t>.matrix.length)``, and for finally tasks ``$(tasks.<t>.status|reason)`` and
``$(tasks.status)``), then its ``when`` expressions (CEL ones evaluated: an error is
recorded) and matrix are judged and the producers of results it references but no
successful task produced are listed.
"""

from __future__ import annotations

from tekpy.api import Replacements, apply_pipeline_task
from tekpy.api.graph import task_result_refs
from tekpy.api.types import PipelineTask
from tekpy.api.variables import (
    matrix_length_variables,
    task_result_variables,
    task_status_variables,
)
from tekpy.pipelinerun.facts import Facts, Resolution, Resolver
from tekpy.pipelinerun.matrix import has_empty_array
from tekpy.pipelinerun.when import CelError, allows_all

__all__ = ["make_resolver"]


def make_resolver(base: Replacements) -> Resolver:
    """A resolver substituting ``base`` (params, context, workspaces) plus the facts."""
    def replacements(facts: Facts, final: bool) -> Replacements:
        key = f"replacements-{final}"
        if key in facts.memo:
            cached: Replacements = facts.memo[key]
            return cached
        results = facts.results()
        r = Replacements().update(base).update(task_result_variables(results))
        for name in facts.order:
            if facts.task(name).is_matrixed() and facts.runs[name]:
                lengths = {k: len(v.array) for k, v in results.get(name, {}).items()}
                r.update(matrix_length_variables(name, len(facts.runs[name]), lengths))
        if final:
            statuses = {n: (facts.task_status(n), facts.task_reason(n)) for n in facts.tasks}
            r.update(task_status_variables(statuses, facts.aggregate_status()))
        facts.memo[key] = r
        return r

    def resolve(facts: Facts, pt: PipelineTask) -> Resolution:
        results = facts.results()
        missing = tuple(dict.fromkeys(
            ref.pipeline_task for ref in task_result_refs(pt)
            if ref.result not in results.get(ref.pipeline_task, {})))
        # unresolvable references stay as text (a when input then matches nothing)
        new, _errors = apply_pipeline_task(pt, replacements(facts, facts.is_final(pt.name)))
        try:
            when_false, cel_error = not allows_all(new.when), ""
        except CelError as exc:  # the run fails (the planner reads cel_error)
            when_false, cel_error = False, str(exc)
        return Resolution(new, when_false=when_false, missing_from=missing,
                          empty_matrix=has_empty_array(new.matrix), cel_error=cel_error)

    return resolve
