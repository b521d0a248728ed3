"""tekpy's model of the Tekton API: one typed, validated shape for every version.

Reading
    :func:`parse_documents` (YAML/JSON text -> :class:`ParsedDoc` per document, kind
    dispatched, legacy ``v1alpha1``/``v1beta1`` objects converted), :func:`parse_object`
    (one decoded dict), :func:`structure`/:func:`unstructure` (dict <-> model, lossless:
    unknown fields are kept in each object's ``extra``).

Types (attrs classes, :mod:`tekpy.api.types`)
    :class:`Task`, :class:`TaskRun`, :class:`Pipeline`, :class:`PipelineRun`,
    :class:`StepAction` and their nested types; the original API's
    :class:`PipelineResource` and :class:`TektonCondition`. Kubernetes parts (env,
    volumeMounts, podTemplate, ...) are plain dicts.

Configuration and defaults
    :class:`Config` (``Config.from_maps(defaults_data, feature_flags_data)``),
    :func:`set_defaults` / :func:`with_defaults`.

Validation
    :func:`validate` returns an :class:`ErrorList` of :class:`FieldError` (message + field
    paths such as ``spec.tasks[2].params[name]``), rendered as Tekton renders them.

Substitution
    :class:`Replacements` (built with :mod:`tekpy.api.variables` and
    :func:`param_replacements`), :func:`substitute` (any model object, one pass, never
    re-expanding values; array params expand in ``command``/``args``), and
    :func:`apply_task_run` / :func:`task_run_replacements` (a TaskSpec resolved for one
    TaskRun), :func:`apply_pipeline_spec` / :func:`apply_pipeline_task` /
    :func:`pipeline_run_replacements` (a Pipeline's tasks for one PipelineRun).

Original API
    :func:`convert_legacy`, :func:`looks_legacy` (``tekpy.api.legacy``); ``parse_documents``
    converts legacy documents itself.

Graph
    :func:`build_graph`, :func:`pipeline_task_deps` (DAG of a Pipeline's tasks).

Run-time checks (:mod:`tekpy.api.runchecks`)
    A run against its resolved Task/Pipeline: params given and typed, enum values,
    workspace bindings, step/sidecar overrides -- Tekton's messages.
"""

from tekpy.api.apply import apply_task_run, task_run_replacements
from tekpy.api.apply_pipeline import (
    apply_pipeline_spec,
    apply_pipeline_task,
    pipeline_run_replacements,
)
from tekpy.api.config import ALPHA, BETA, STABLE, Config, ConfigError, Defaults, FeatureFlags
from tekpy.api.converter import StructureError, converter, deep_copy, structure, unstructure
from tekpy.api.defaults import set_defaults, with_defaults
from tekpy.api.durations import format_duration, parse_duration
from tekpy.api.errors import ErrorList, FieldError
from tekpy.api.graph import Graph, GraphError, build_graph, pipeline_task_deps
from tekpy.api.legacy import CONVERTED_FROM, convert_legacy, is_converted, looks_legacy
from tekpy.api.merge import merge_step_template
from tekpy.api.parse import ParsedDoc, parse_documents, parse_object
from tekpy.api.substitution import Replacements, param_replacements, substitute
from tekpy.api.types import *  # noqa: F403
from tekpy.api.types import __all__ as _types_all
from tekpy.api.validation import validate

__all__ = [
    "ALPHA",
    "BETA",
    "CONVERTED_FROM",
    "STABLE",
    "Config",
    "ConfigError",
    "Defaults",
    "ErrorList",
    "FeatureFlags",
    "FieldError",
    "Graph",
    "GraphError",
    "ParsedDoc",
    "Replacements",
    "StructureError",
    "apply_pipeline_spec",
    "apply_pipeline_task",
    "apply_task_run",
    "build_graph",
    "convert_legacy",
    "converter",
    "deep_copy",
    "format_duration",
    "is_converted",
    "looks_legacy",
    "merge_step_template",
    "param_replacements",
    "parse_documents",
    "parse_duration",
    "parse_object",
    "pipeline_run_replacements",
    "pipeline_task_deps",
    "set_defaults",
    "structure",
    "substitute",
    "task_run_replacements",
    "unstructure",
    "validate",
    "with_defaults",
    *_types_all,
]
