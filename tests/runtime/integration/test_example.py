"""The guide's example controller (examples/namespace_configmap.py) runs as written."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import signal
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tekpy.runtime.client import CONFIGMAPS, NAMESPACES, Client
from tekpy.runtime.manager import Manager
from tekpy.testing import eventually, install_crds

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "namespace_configmap.py"
GUIDE = ROOT / "docs" / "runtime.md"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("namespace_configmap", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def make_namespace(client: Client, name: str, labels: dict[str, str]) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    await client.create(NAMESPACES, body)


async def config_map(client: Client, ns: str, name: str = "team-config") -> dict[str, Any] | None:
    try:
        return await client.get(CONFIGMAPS, name, namespace=ns)
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


def policy(
    name: str, data: dict[str, str], team: str = "blue", cm: str = "team-config"
) -> dict[str, Any]:
    # Policies are cluster-scoped: tests sharing a real server use distinct teams and names.
    return {
        "apiVersion": "example.tekpy.dev/v1",
        "kind": "ConfigMapPolicy",
        "metadata": {"name": name},
        "spec": {"namespaceSelector": {"team": team}, "configMapName": cm, "data": data},
    }


async def test_example_controller_converges_namespaces(client: Client) -> None:
    ex = load_example()
    [policies] = await install_crds(client, [ex.CRD])
    await make_namespace(client, "blue-1", {"team": "blue"})
    await make_namespace(client, "red-1", {"team": "red"})
    created = await client.create(policies, policy("blue", {"color": "blue"}))

    mgr = Manager(client, metrics_bind_address="0", handle_signals=False)
    ex.setup(mgr)
    task = asyncio.create_task(mgr.start())
    try:
        cm = await eventually(lambda: config_map(client, "blue-1"))
        assert cm["data"] == {"color": "blue"}
        [ref] = cm["metadata"]["ownerReferences"]
        assert ref["uid"] == created["metadata"]["uid"] and ref["controller"] is True
        assert await config_map(client, "red-1") is None

        async def status() -> dict[str, Any]:
            return dict((await client.get(policies, "blue")).get("status") or {})

        await eventually(lambda: _has(status(), "namespaces", ["blue-1"]))

        # A namespace gaining the label gets the ConfigMap; one losing it loses it.
        await make_namespace(client, "blue-2", {"team": "blue"})
        await eventually(lambda: config_map(client, "blue-2"))
        await client.patch(NAMESPACES, "blue-1", {"metadata": {"labels": {"team": "red"}}})
        await eventually(lambda: _is_none(config_map(client, "blue-1")))
        await eventually(lambda: _has(status(), "namespaces", ["blue-2"]))

        # Tampering is repaired; a spec change rolls out (removed keys included).
        await client.patch(CONFIGMAPS, "team-config", {"data": {"x": "y"}}, namespace="blue-2")
        await eventually(lambda: _data(client, "blue-2", {"color": "blue"}))
        await client.patch(policies, "blue", {"spec": {"data": {"color": "navy"}}})
        await eventually(lambda: _data(client, "blue-2", {"color": "navy"}))
        # The status write follows the ConfigMap writes of the same reconcile.
        async def observed_generation_2() -> dict[str, Any]:
            st = await status()
            assert st.get("observedGeneration") == 2
            return st

        st = await eventually(observed_generation_2)
        assert st["conditions"][0]["type"] == "Ready"
    finally:
        mgr.stop()
        await asyncio.wait_for(task, 10)


async def test_example_runs_as_a_program(api_server: Any, client: Client) -> None:
    await make_namespace(client, "green", {"team": "green"})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        "--kubeconfig",
        api_server.kubeconfig_path,
        "--install-crd",
        "--metrics-bind-address",
        "127.0.0.1:0",
        "--health-probe-bind-address",
        "0",
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ex = load_example()
        [policies] = await install_crds(client, [ex.CRD])  # waits until the CRD is served
        await client.create(policies, policy("p", {"k": "v"}, "green", "green-config"))
        cm = await eventually(lambda: config_map(client, "green", "green-config"), timeout=30)
        assert cm["data"] == {"k": "v"}
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_guide_embeds_the_example_verbatim() -> None:
    text = GUIDE.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert EXAMPLE.read_text() in blocks, "docs/runtime.md must contain the example file as is"


async def _has(aw: Any, key: str, value: Any) -> bool:
    return bool((await aw).get(key) == value)


async def _is_none(aw: Any) -> bool:
    return await aw is None


async def _data(client: Client, ns: str, data: dict[str, str]) -> bool:
    cm = await config_map(client, ns)
    return cm is not None and cm.get("data") == data


def test_guide_testing_snippet_runs(pytester: Any) -> None:
    """The guide's "Testing a reconciler" example is a working test."""
    text = GUIDE.read_text()
    [snippet] = [
        b
        for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)
        if "def test_policy_creates_config_maps" in b
    ]
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makeconftest(f"import sys\nsys.path.insert(0, {str(EXAMPLE.parent)!r})\n")
    pytester.makepyfile(test_guide_snippet=snippet)
    # One server kind, whatever TEKPY_API_SERVERS the outer run uses.
    result = pytester.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", "--tekpy-api-servers=embedded"
    )
    result.assert_outcomes(passed=1)
