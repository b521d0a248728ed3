"""The deployment manifests (``manifests/``): they render with kustomize, say what the code
expects (flags, ports, images, every CRD), and on a real kube-apiserver they apply cleanly
under the ``restricted`` Pod Security level, and the controller runs a Pipeline with nothing
but the ServiceAccount and RBAC rules they grant."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

import tekpy
import tekpy_entrypoint
from tekpy.cli.main import build_parser
from tekpy.local.kubelet import AgentConfig, NodeAgent
from tekpy.runtime.client import SERVICEACCOUNTS, Resource
from tekpy.testing import eventually
from tekpy.testing.crds import load_crds

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "manifests"
SYSTEM_NS = "tekpy-pipelines"
SA = "tekpy-controller"
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")
PIPELINES = Resource("tekton.dev", "v1", "pipelines", "Pipeline")
PIPELINERUNS = Resource("tekton.dev", "v1", "pipelineruns", "PipelineRun")
EVENTS = Resource("", "v1", "events", "Event")

pytestmark = pytest.mark.crds(*load_crds([MANIFESTS / "crds"]))


def _kubectl(api_server: Any = None) -> str:
    found = shutil.which("kubectl")
    if found:
        return found
    binaries = getattr(api_server, "binaries", None)
    if binaries is not None and binaries.kubectl is not None:
        return str(binaries.kubectl)
    pytest.fail("no kubectl: hack/realapi.sh builds one when the machine has none")


def _rendered() -> list[dict[str, Any]]:
    out = subprocess.run([_kubectl(), "kustomize", str(MANIFESTS)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


# ---- what the manifests say, checked against the code -------------------------------------

def test_kustomization_installs_every_crd_and_the_controller() -> None:
    docs = _rendered()
    crds = {d["metadata"]["name"] for d in docs if d["kind"] == "CustomResourceDefinition"}
    shipped = {yaml.safe_load(p.read_text())["metadata"]["name"]
               for p in (MANIFESTS / "crds").glob("*.yaml")}
    assert crds == shipped  # a CRD added to manifests/crds must be listed in the kustomization
    kinds = sorted({d["kind"] for d in docs} - {"CustomResourceDefinition"})
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "Deployment", "Namespace", "Role",
                     "RoleBinding", "Service", "ServiceAccount"]
    for d in docs:
        if d["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding",
                             "CustomResourceDefinition"):
            assert d["metadata"]["namespace"] == SYSTEM_NS, d["metadata"]


def test_deployment_args_are_flags_of_tekpy_controller_and_images_match_this_version() -> None:
    docs = _rendered()
    deploy = _one(docs, "Deployment", "tekpy-controller")
    pod = deploy["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = build_parser().parse_args(container["args"])  # an unknown flag exits here
    assert args.leader_elect is True
    assert container["image"] == f"tekpy/controller:v{tekpy.__version__}"
    assert args.entrypoint_image == tekpy_entrypoint.DEFAULT_IMAGE
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert args.metrics_bind_address == f":{ports['http-metrics']}"
    assert args.health_probe_bind_address == f":{ports['probes']}"
    assert pod["serviceAccountName"] == SA
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert deploy["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = _one(docs, "Service", "tekpy-controller-metrics")
    assert service["spec"]["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http-metrics"]


def test_rbac_binds_the_deployments_service_account() -> None:
    docs = _rendered()
    for kind, role_kind in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        (binding,) = [d for d in docs if d["kind"] == kind]
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": SA,
                                        "namespace": SYSTEM_NS}]
        assert binding["roleRef"]["kind"] == role_kind
        _one(docs, role_kind, binding["roleRef"]["name"])  # the role it names exists
    rules = _one(docs, "ClusterRole", "tekpy-controller")["rules"]
    # nothing cluster-wide beyond reading secrets one by one: no list/watch of secrets
    for rule in rules:
        if "secrets" in rule["resources"]:
            assert rule["verbs"] == ["get"]
        assert "*" not in rule["verbs"] and "*" not in rule["resources"]


# ---- on a real kube-apiserver --------------------------------------------------------------

PIPELINE = {
    "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "rbac-check"},
    "spec": {
        "tasks": [
            {"name": "produce", "taskSpec": {
                "results": [{"name": "word"}],
                "steps": [{"name": "s", "image": "busybox",
                           "script": "printf hello > $(results.word.path)"}]}},
            {"name": "consume", "params": [{"name": "w", "value": "$(tasks.produce.results.word)"}],
             "taskSpec": {"params": [{"name": "w"}],
                          "steps": [{"name": "s", "image": "busybox",
                                     "command": ["test", "$(params.w)", "=", "hello"]}]}},
        ],
    },
}


def _run_kubectl(kubectl: str, kubeconfig: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kubectl, "--kubeconfig", kubeconfig, *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest_asyncio.fixture
async def installed(api_server: Any, api_server_kind: str) -> AsyncIterator[str]:
    """``kubectl apply -k manifests/`` on the real server; yields kubectl's path."""
    if api_server_kind != "realapi":
        pytest.skip("needs kube-apiserver: the embedded server serves no apps/v1 Deployments "
                    "and stores RBAC objects without enforcing them (docs/apiserver.md)")
    kubectl = _kubectl(api_server)
    admin = api_server.kubeconfig_path
    applied = await asyncio.to_thread(_run_kubectl, kubectl, admin, "apply", "-k", str(MANIFESTS))
    assert applied.returncode == 0, applied.stderr
    # The pod template passes the namespace's Pod Security level (restricted): kube-apiserver
    # warns `would violate PodSecurity "restricted:latest"` for a template that breaks it.
    assert "PodSecurity" not in applied.stderr, applied.stderr
    try:
        yield kubectl
    finally:
        # Not `delete -k`: the CRDs are shared by every test of the session.
        for args in (("delete", "namespace", SYSTEM_NS, "--wait=false"),
                     ("delete", "clusterrolebinding,clusterrole", "tekpy-controller")):
            await asyncio.to_thread(_run_kubectl, kubectl, admin, *args)


async def _service_account_token(client: Any) -> str:
    async def token() -> str | None:
        try:
            answer = await client.request_json(
                "POST", SERVICEACCOUNTS.path(SYSTEM_NS, SA, "token"),
                body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                      "spec": {"expirationSeconds": 3600}})
        except Exception:  # the ServiceAccount may not be visible yet
            return None
        return str(answer["status"]["token"])
    return str(await eventually(token, 30))


def _write_kubeconfig(api_server: Any, token: str, path: Path) -> str:
    from tekpy.testing.realapi.credentials import kubeconfig

    path.write_text(kubeconfig(api_server.url, Path(api_server.ca_file), token, SA))
    path.chmod(0o600)
    return str(path)


async def test_controller_runs_a_pipeline_with_only_its_service_accounts_rights(
        installed: str, api_server: Any, client: Any, namespace: str, bwrap: str,
        entrypoint_build: Path, tmp_path: Path) -> None:
    kubectl = installed
    sa_config = _write_kubeconfig(api_server, await _service_account_token(client),
                                  tmp_path / "sa.kubeconfig")

    # What the rules allow, asked of the server's authorizer.
    expectations = [
        (("list", "taskruns.tekton.dev", "--all-namespaces"), "yes"),
        (("watch", "pods", "--all-namespaces"), "yes"),
        (("patch", "pipelineruns.tekton.dev", "--subresource=status", "-n", namespace), "yes"),
        (("create", "events", "-n", namespace), "yes"),
        (("get", "pods", "--subresource=log", "-n", namespace), "yes"),
        (("update", "leases.coordination.k8s.io", "-n", SYSTEM_NS), "yes"),
        (("update", "leases.coordination.k8s.io", "-n", namespace), "no"),
        (("get", "secrets", "-n", namespace), "yes"),
        (("list", "secrets", "--all-namespaces"), "no"),
        (("create", "tasks.tekton.dev", "-n", namespace), "no"),
        (("delete", "namespaces"), "no"),
    ]
    for args, want in expectations:
        got = await asyncio.to_thread(_run_kubectl, kubectl, sa_config, "auth", "can-i", *args)
        assert got.stdout.strip() == want, (args, got.stdout, got.stderr)

    agent = NodeAgent(client, AgentConfig(node_name="node-deploy", data_dir=tmp_path / "kubelet",
                                          entrypoint_build=entrypoint_build))
    await agent.start()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "controller", "--kubeconfig", sa_config,
        "--namespace", namespace, "--leader-elect", "--leader-elect-namespace", SYSTEM_NS,
        "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        await client.create(PIPELINES, PIPELINE, namespace=namespace)
        await client.create(PIPELINERUNS, {
            "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": {"name": "rbac-check-run"},
            "spec": {"pipelineRef": {"name": "rbac-check"}}}, namespace=namespace)

        async def finished() -> dict[str, Any] | None:
            pr = await client.get(PIPELINERUNS, "rbac-check-run", namespace=namespace)
            conds = pr.get("status", {}).get("conditions") or []
            done = [c for c in conds if c["type"] == "Succeeded" and c["status"] != "Unknown"]
            return done[0] if done else None
        cond = await eventually(finished, 120)
        assert cond["status"] == "True", cond

        lease = await client.get(LEASES, "tekpy-controller", namespace=SYSTEM_NS)
        assert lease["spec"]["holderIdentity"]
        events = (await client.list(EVENTS, namespace=namespace))["items"]
        assert any(e["involvedObject"]["kind"] == "PipelineRun" for e in events)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=30)
        if proc.returncode is None:
            proc.kill()
        await agent.stop()
    assert proc.stderr is not None
    log = (await proc.stderr.read()).decode()
    assert proc.returncode == 0, log[-3000:]
    denied = [line for line in log.splitlines() if "forbidden" in line.lower()]
    assert denied == [], "\n".join(denied[:10])
