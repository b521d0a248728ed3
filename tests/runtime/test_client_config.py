"""Configuration loading: kubeconfig contexts, exec credential plugins, in-cluster tokens."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tekpy.runtime.client import (
    CONFIGMAPS,
    ApiError,
    Client,
    ConfigError,
    is_unauthorized,
    load_in_cluster_config,
    load_kubeconfig,
)
from tekpy.runtime.clock import FakeClock


def kubeconfig(api_server: Any, users: dict[str, dict[str, Any]], current: str) -> dict[str, Any]:
    base = yaml.safe_load(Path(api_server.kubeconfig_path).read_text())
    cluster = base["clusters"][0]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [
            {"name": n, "context": {"cluster": cluster["name"], "user": n, "namespace": f"ns-{n}"}}
            for n in users
        ],
        "current-context": current,
    }


def write(tmp_path: Path, doc: dict[str, Any]) -> str:
    p = tmp_path / "kubeconfig"
    p.write_text(yaml.safe_dump(doc))
    return str(p)


async def test_context_selection(api_server: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        kubeconfig(
            api_server, {"good": {"token": api_server.token}, "bad": {"token": "nope"}}, "bad"
        ),
    )
    async with await Client.from_kubeconfig(path) as bad:
        assert bad.config.namespace == "ns-bad"
        with pytest.raises(ApiError) as e:
            await bad.list(CONFIGMAPS, namespace="default")
        assert is_unauthorized(e.value)
    async with await Client.from_kubeconfig(path, context="good") as good:
        assert good.config.namespace == "ns-good"
        assert (await good.list(CONFIGMAPS, namespace="default"))["items"] == []


async def test_from_environment_uses_kubeconfig_env(
    api_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", api_server.kubeconfig_path)
    async with await Client.from_environment() as c:
        assert c.config.server == api_server.url
        assert (await c.list(CONFIGMAPS, namespace="default"))["kind"] == "ConfigMapList"


async def test_missing_kubeconfig_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        await load_kubeconfig(str(tmp_path / "absent"))


EXEC_PLUGIN = """
import json, pathlib, sys
counter = pathlib.Path(sys.argv[1])
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
tokens = sys.argv[2].split(",")
token = tokens[min(n, len(tokens)) - 1]
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1",
                  "kind": "ExecCredential", "status": {"token": token}}))
"""


def exec_user(tmp_path: Path, tokens: list[str]) -> tuple[dict[str, Any], Path]:
    script = tmp_path / "plugin.py"
    script.write_text(EXEC_PLUGIN)
    counter = tmp_path / "count"
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(script), str(counter), ",".join(tokens)],
            "interactiveMode": "Never",
        }
    }
    return user, counter


async def test_exec_plugin_token_is_cached_and_refreshed_after_401(
    api_server: Any, tmp_path: Path
) -> None:
    user, counter = exec_user(tmp_path, ["rotated-away", api_server.token])
    path = write(tmp_path, kubeconfig(api_server, {"u": user}, "u"))
    async with await Client.from_kubeconfig(path) as c:
        assert c.config.token_provider is not None and c.config.token is None
        # First credential is rejected; the client re-runs the plugin once and succeeds.
        assert (await c.list(CONFIGMAPS, namespace="default"))["kind"] == "ConfigMapList"
        await c.list(CONFIGMAPS, namespace="default")
    assert counter.read_text() == "2"  # one run at load, one after the 401; then cached


async def test_in_cluster_config_rereads_the_token_file(api_server: Any, tmp_path: Path) -> None:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text(api_server.token)
    (sa / "namespace").write_text("pod-ns")
    shutil.copyfile(api_server.ca_file, sa / "ca.crt")
    host, port = api_server.url.removeprefix("https://").rsplit(":", 1)
    env = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
    clock = FakeClock()
    cfg = load_in_cluster_config(
        environ=env, token_file=str(sa / "token"), ca_file=str(sa / "ca.crt"), clock=clock
    )
    assert cfg.server == api_server.url and cfg.namespace == "pod-ns"
    async with Client(cfg, clock=clock) as c:
        assert (await c.list(CONFIGMAPS, namespace="default"))["kind"] == "ConfigMapList"
    provider = cfg.token_provider
    assert provider is not None
    (sa / "token").write_text("rotated")
    assert await provider() == api_server.token  # cached for a minute
    clock.step(61)
    assert await provider() == "rotated"
    (sa / "token").write_text("again")
    assert await provider(refresh=True) == "again"
    with pytest.raises(ConfigError):
        load_in_cluster_config(environ={}, token_file=str(sa / "token"))
