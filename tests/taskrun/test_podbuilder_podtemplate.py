"""Pod builder: params in the TaskRun's ``podTemplate`` (Tekton substitutes a fixed set of
fields, with the run's values over the Task's defaults, before the default template)."""

from __future__ import annotations

from typing import Any

import pytest
from taskrun_support import pod_for

from tekpy.api.config import Defaults
from tekpy.taskrun import PodBuilderConfig

STEP = {"image": "busybox", "command": ["true"]}
TASK_PARAMS = [
    {"name": "node", "default": "worker-0"},
    {"name": "arches", "type": "array", "default": ["amd64", "arm64"]},
    {"name": "where", "type": "object", "properties": {"zone": {}, "rack": {}},
     "default": {"zone": "z-default", "rack": "r-default"}},
]


def _pod_spec(template: dict[str, Any], params: list[dict[str, Any]] | None = None,
              default_template: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg = PodBuilderConfig(defaults=Defaults(default_pod_template=default_template))
    spec = {"params": params or [], "podTemplate": template,
            "taskSpec": {"params": TASK_PARAMS, "steps": [STEP]}}
    pod_spec: dict[str, Any] = pod_for(spec, cfg).pod["spec"]
    return pod_spec


@pytest.mark.parametrize(("template", "params", "path", "want"), [
    pytest.param({"nodeSelector": {"node-type": "$(params.node)"}},
                 [{"name": "node", "value": "worker-1"}],
                 ("nodeSelector",), {"node-type": "worker-1"}, id="run-value"),
    pytest.param({"nodeSelector": {"node-type": "$(params.node)"}}, [],
                 ("nodeSelector",), {"node-type": "worker-0"}, id="task-default"),
    pytest.param({"nodeSelector": {"$(params.node)": "yes"}}, [],
                 ("nodeSelector",), {"worker-0": "yes"}, id="selector-key"),
    pytest.param({"nodeSelector": {"arch": "$(params.arches[1])",
                                   "zone": "$(params.where.zone)",
                                   "rack": "$(params.where.rack)"}},
                 [{"name": "where", "value": {"zone": "z-run"}}],
                 ("nodeSelector",), {"arch": "arm64", "zone": "z-run", "rack": "r-default"},
                 id="array-element-and-merged-object-keys"),
    pytest.param({"nodeSelector": {"pool": "$(params.pool)"}},
                 [{"name": "pool", "value": "gpu"}],
                 ("nodeSelector",), {"pool": "gpu"}, id="undeclared-run-param"),
    pytest.param({"nodeSelector": {"x": "$(params['node'])", "y": "$(inputs.params.node)"}}, [],
                 ("nodeSelector",), {"x": "worker-0", "y": "worker-0"},
                 id="bracket-and-legacy-spellings"),
    pytest.param({"nodeSelector": {"n": "$(params.missing)"}}, [],
                 ("nodeSelector",), {"n": "$(params.missing)"}, id="unknown-stays"),
    pytest.param({"tolerations": [{"key": "k", "operator": "Equal", "value": "$(params.node)",
                                   "effect": "NoSchedule", "tolerationSeconds": 5}]}, [],
                 ("tolerations",), [{"key": "k", "operator": "Equal", "value": "worker-0",
                                     "effect": "NoSchedule", "tolerationSeconds": 5}],
                 id="toleration"),
    pytest.param({"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "arch", "operator": "In",
                                   "values": ["$(params.arches[0])"]}]}]}}}}, [],
                 ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                  "nodeSelectorTerms"),
                 [{"matchExpressions": [{"key": "arch", "operator": "In",
                                         "values": ["amd64"]}]}], id="node-affinity"),
    pytest.param({"schedulerName": "$(params.node)-scheduler"}, [],
                 ("schedulerName",), "worker-0-scheduler", id="embedded-in-text"),
    pytest.param({"volumes": [{"name": "v", "hostPath": {"path": "/$(params.node)"}}]}, [],
                 ("volumes",), [{"name": "v", "hostPath": {"path": "/$(params.node)"}}],
                 id="field-outside-the-set-stays"),
])
def test_params_in_the_pod_template(template: dict[str, Any], params: list[dict[str, Any]],
                                    path: tuple[str, ...], want: Any) -> None:
    got: Any = _pod_spec(template, params)
    for key in path:
        got = got[key]
    if path == ("volumes",):
        got = [v for v in got if v["name"] == "v"]
    assert got == want


def test_the_default_pod_template_is_not_substituted() -> None:
    # Tekton substitutes the run's template, then merges config-defaults' template in
    spec = _pod_spec({"nodeSelector": {"a": "$(params.node)"}},
                     default_template={"nodeSelector": {"b": "$(params.node)"},
                                       "schedulerName": "$(params.node)"})
    assert spec["nodeSelector"] == {"a": "worker-0"}
    assert spec["schedulerName"] == "$(params.node)"


def test_env_from_the_pod_template_gets_params() -> None:
    spec = _pod_spec({"env": [{"name": "NODE", "value": "$(params.node)"}]})
    env = {e["name"]: e.get("value") for e in spec["containers"][0].get("env", [])}
    assert env["NODE"] == "worker-0"
