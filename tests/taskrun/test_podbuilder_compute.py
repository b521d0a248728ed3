"""Compute resources: task-level computeResources and default container requirements."""

from __future__ import annotations

import pytest
from taskrun_support import container, pod_for

from tekpy.api.config import Defaults
from tekpy.taskrun import PodBuilderConfig, PodBuildError
from tekpy.taskrun.podbuilder.compute import divide_quantity

SH = {"image": "busybox", "command": ["true"]}


@pytest.mark.parametrize(("resource", "text", "parts", "expected"), [
    ("cpu", "1", 3, "333m"),
    ("cpu", "2", 2, "1"),
    ("cpu", "500m", 2, "250m"),
    ("cpu", "1.5", 1, "1500m"),
    ("memory", "1Gi", 2, "512Mi"),
    ("memory", "1Gi", 3, "357913941"),
    ("memory", "100M", 2, "50M"),
    ("ephemeral-storage", "1e3", 2, "500"),
])
def test_divide_quantity(resource: str, text: str, parts: int, expected: str) -> None:
    assert divide_quantity(resource, text, parts) == expected


def test_task_level_compute_resources_are_split_between_steps() -> None:
    spec = {"taskSpec": {"steps": [SH, {**SH, "computeResources": {"requests": {"cpu": "9"}}}]},
            "computeResources": {"requests": {"cpu": "1", "memory": "1Gi"},
                                 "limits": {"cpu": "2"}}}
    pod = pod_for(spec).pod
    for i in range(2):
        assert container(pod, f"step-unnamed-{i}")["resources"] == {
            "requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "2"}}
    # only limits: steps without requests get the divided limits
    pod = pod_for({"taskSpec": {"steps": [SH, SH]},
                   "computeResources": {"limits": {"memory": "2Gi"}}}).pod
    assert container(pod, "step-unnamed-0")["resources"] == {
        "requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    with pytest.raises(PodBuildError, match="invalid computeResources"):
        pod_for({"taskSpec": {"steps": [SH]},
                 "computeResources": {"requests": {"cpu": "lots"}}})


def test_default_container_resource_requirements() -> None:
    small = {"requests": {"cpu": "10m"}}
    mid = {"requests": {"cpu": "100m"}}
    big = {"requests": {"cpu": "1"}}
    defaults = Defaults(default_container_resource_requirements={
        "place-scripts": small, "prefix-sidecar": mid, "default": big})
    own = {"requests": {"cpu": "7"}}
    pod = pod_for({"taskSpec": {
        "steps": [{"image": "a", "script": "x"}, {**SH, "computeResources": own}],
        "sidecars": [{"name": "db", "image": "redis"}]}},
        PodBuilderConfig(defaults=defaults)).pod
    assert container(pod, "place-scripts")["resources"] == small
    assert container(pod, "prepare")["resources"] == big
    assert container(pod, "sidecar-db")["resources"] == mid
    assert container(pod, "step-unnamed-0")["resources"] == big
    assert container(pod, "step-unnamed-1")["resources"] == own
