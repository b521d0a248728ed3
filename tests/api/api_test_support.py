"""Shared expectations of the API model tests."""

from __future__ import annotations

# The feature flags Tekton's alpha CI sets besides enable-api-fields=alpha.
ALPHA_FLAGS = {
    "enable-param-enum": "true",
    "enable-artifacts": "true",
    "enable-cel-in-whenexpression": "true",
}


def _api(feature: str) -> str:
    return f'{feature} requires "enable-api-fields" feature gate'


# Example files (relative to examples/v1) that Tekton rejects below their folder's gate, and
# the text naming the gate or feature flag that the rejection must contain. The other beta
# and alpha files use no gated field and are valid at every gate.
GATED = {
    "pipelineruns/alpha/consume-artifacts-from-task.yaml": "enable-artifacts",
    "pipelineruns/alpha/param-enum.yaml": "enable-param-enum",
    "pipelineruns/alpha/pipelinerun-with-cel-when-expressions.yaml":
        "enable-cel-in-whenexpression",
    "pipelineruns/alpha/pipelines-in-pipelines-ref-complex.yaml": _api("pipelineRef"),
    "pipelineruns/alpha/pipelines-in-pipelines-ref.yaml": _api("pipelineRef"),
    "pipelineruns/alpha/pipelines-in-pipelines.yaml": _api("pipelineSpec"),
    "pipelineruns/beta/git-resolver.yaml": _api("resolver params"),
    "pipelineruns/beta/http-resolver-credentials.yaml": _api("resolver params"),
    "pipelineruns/beta/http-resolver.yaml": _api("resolver params"),
    "pipelineruns/beta/ignore-task-error.yaml": _api("OnError"),
    "pipelineruns/beta/isolated-workspaces.yaml": _api("step workspaces"),
    "pipelineruns/beta/pipelinerun-with-matrix-and-results.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-and-taskrunspecs-param-substitution.yaml":
        _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-array-references.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-context-variables.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-emitting-results.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-include-explicit.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix-include.yaml": _api("matrix"),
    "pipelineruns/beta/pipelinerun-with-matrix.yaml": _api("matrix"),
    "taskruns/alpha/param-enum.yaml": "enable-param-enum",
    "taskruns/alpha/produce-consume-artifacts.yaml": "enable-artifacts",
    "taskruns/alpha/step-stream-results.yaml": _api("step stdout stream support"),
    "taskruns/alpha/step-stream-volumes.yaml": _api("step stdout stream support"),
    "taskruns/alpha/step-stream-workspace.yaml": _api("step stdout stream support"),
    "taskruns/alpha/task-artifacts.yaml": "enable-artifacts",
    "taskruns/beta/bundles-resolver.yaml": _api("resolver"),
    "taskruns/beta/git-resolver.yaml": _api("resolver"),
    "taskruns/beta/hub-resolver.yaml": _api("resolver"),
    "taskruns/beta/stepaction-git-resolver.yaml": _api("resolver params"),
    "taskruns/beta/workspace-isolation.yaml": _api("sidecar workspaces"),
}
