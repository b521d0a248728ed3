"""``tekpy webhook`` registered with a real kube-apiserver: invalid Tekton objects are refused
at admission with tekpy's field paths, valid ones (and the original v1alpha1 API) admitted.

The real server is shared by the whole session, so the ValidatingWebhookConfiguration
selects this test's namespace only and is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tekpy.runtime.client import ApiError, Resource
from tekpy.testing import eventually
from tekpy.testing.crds import load_crds
from tekpy.testing.realapi.credentials import write_credentials

ROOT = Path(__file__).resolve().parents[2]
VWCS = Resource("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
                "ValidatingWebhookConfiguration", namespaced=False)
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")
TASKS_V1ALPHA1 = Resource("tekton.dev", "v1alpha1", "tasks", "Task")
WEBHOOK_NAME = "validation.webhook.tekpy.dev"

pytestmark = pytest.mark.crds(*load_crds([ROOT / "manifests" / "crds"]))


@pytest.fixture
def real_server_only(api_server_kind: str) -> None:
    if api_server_kind != "realapi":
        pytest.skip("the embedded API server runs no admission webhooks (docs/apiserver.md, "
                    "deliberate differences); this test needs the real kube-apiserver tier")


@pytest_asyncio.fixture
async def webhook_url(real_server_only: None, tmp_path: Path
                      ) -> AsyncIterator[tuple[str, bytes]]:
    """``tekpy webhook`` running as a subprocess: (its /validate URL, the CA's PEM)."""
    ca, cert, key, _, _ = write_credentials(tmp_path, "127.0.0.1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "webhook", "--cert", str(cert), "--key", str(key),
        "--port", "0", "--bind-address", "127.0.0.1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
        prefix = "tekpy webhook listening on "
        if not line.startswith(prefix):
            err = b""
            if proc.stderr is not None:
                with contextlib.suppress(TimeoutError):
                    err = await asyncio.wait_for(proc.stderr.read(), 10)
            pytest.fail(f"tekpy webhook did not start: {line!r} {err.decode()!r}")
        yield line.removeprefix(prefix) + "/validate", ca.read_bytes()
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def _webhook_configuration(name: str, url: str, ca_pem: bytes, namespace: str
                           ) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [{
            "name": WEBHOOK_NAME,
            "clientConfig": {"url": url, "caBundle": base64.b64encode(ca_pem).decode()},
            # kube-apiserver labels every namespace with its name: only this test's one
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "rules": [{
                "apiGroups": ["tekton.dev"], "apiVersions": ["*"],
                "operations": ["CREATE", "UPDATE"],
                "resources": ["tasks", "taskruns", "pipelines", "pipelineruns"],
                "scope": "Namespaced",
            }],
            "failurePolicy": "Fail",
            "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            "timeoutSeconds": 10,
        }],
    }


def _taskrun(name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": name},
            "spec": {"taskSpec": {"steps": [{"name": "say", "image": "busybox",
                                             "script": "echo hi"}]}, **extra}}


TYPO = {"serviceAcountName": "default"}


async def test_webhook_on_real_kube_apiserver(webhook_url: tuple[str, bytes], client: Any,
                                              namespace: str) -> None:
    url, ca_pem = webhook_url
    vwc_name = f"tekpy-webhook-test-{uuid.uuid4().hex[:8]}"
    await client.create(VWCS, _webhook_configuration(vwc_name, url, ca_pem, namespace))
    try:
        # kube-apiserver picks new configurations up asynchronously: probe with dry runs
        # (sideEffects None allows them) until the typo is refused.
        async def refused() -> ApiError:
            try:
                await client.create(TASKRUNS, _taskrun("probe", **TYPO), namespace=namespace,
                                    dry_run=True)
            except ApiError as exc:
                return exc
            raise AssertionError("the typo'd TaskRun was admitted")

        await eventually(refused, timeout=60, interval=0.2)

        with pytest.raises(ApiError) as info:
            await client.create(TASKRUNS, _taskrun("typo", **TYPO), namespace=namespace)
        err = info.value
        assert 400 <= err.status < 500, err
        assert f'admission webhook "{WEBHOOK_NAME}" denied the request' in err.message
        assert "validation failed: unknown field: spec.serviceAcountName" in err.message

        with pytest.raises(ApiError) as info:
            bad_step = _taskrun("bad-step")
            bad_step["spec"]["taskSpec"]["steps"][0]["name"] = "Bad_Name"
            await client.create(TASKRUNS, bad_step, namespace=namespace)
        assert 'invalid value "Bad_Name": spec.taskSpec.steps[0].name' in info.value.message

        created = await client.create(TASKRUNS, _taskrun("valid"), namespace=namespace)
        assert created["metadata"]["name"] == "valid"

        legacy = await client.create(TASKS_V1ALPHA1, {
            "apiVersion": "tekton.dev/v1alpha1", "kind": "Task",
            "metadata": {"name": "legacy"},
            "spec": {
                "inputs": {"params": [{"name": "greeting", "default": "hi"}],
                           "resources": [{"name": "source", "type": "git"}]},
                "steps": [{"name": "say", "image": "busybox", "command": ["echo"],
                           "args": ["$(inputs.params.greeting)"]}],
            },
        }, namespace=namespace)
        assert legacy["spec"]["inputs"]["params"][0]["name"] == "greeting"

        # an UPDATE is validated too
        created["spec"]["serviceAcountName"] = "default"
        with pytest.raises(ApiError) as info:
            await client.update(TASKRUNS, created, namespace=namespace)
        assert "unknown field: spec.serviceAcountName" in info.value.message
    finally:
        await client.delete(VWCS, vwc_name)
