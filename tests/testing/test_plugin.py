"""The pytest plugin's fixtures, on the embedded server (and the real one when selected)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tekpy.runtime.client import NAMESPACES, Client, Resource
from tekpy.runtime.clock import FakeClock
from tekpy.testing.servers import api_server_kinds

pytest_plugins = ["pytester"]

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer"}},
                            }
                        },
                    }
                },
            }
        ],
    },
}
WIDGETS = Resource("example.com", "v1", "widgets", "Widget")


async def test_api_server_handle_shape(api_server: Any) -> None:
    assert api_server.url.startswith("https://127.0.0.1:")
    assert api_server.token
    for path in (api_server.ca_file, api_server.kubeconfig_path):
        assert _non_empty_file(path)
    # The real tier has them through its fault proxy, unless that is turned off.
    proxy_off = os.environ.get("TEKPY_REALAPI_FAULT_PROXY") == "0"
    assert api_server.hooks is not None or proxy_off


async def test_client_and_namespace_fixtures(client: Client, namespace: str) -> None:
    ns = await client.get(NAMESPACES, namespace)
    assert ns["metadata"]["name"] == namespace


@pytest.mark.crds(WIDGET_CRD)
async def test_crds_marker_installs_crds_before_the_test(client: Client, namespace: str) -> None:
    body = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 3},
    }
    created = await client.create(WIDGETS, body, namespace=namespace)
    assert created["spec"] == {"size": 3}


async def test_install_crds_from_a_yaml_file(client: Client, tmp_path: Any) -> None:
    import yaml

    from tekpy.testing import install_crds

    crd = {**WIDGET_CRD, "metadata": {"name": "gadgets.example.com"}}
    crd["spec"] = {
        **WIDGET_CRD["spec"],  # type: ignore[dict-item]
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "scope": "Cluster",
    }
    path = tmp_path / "crds.yaml"
    path.write_text(yaml.safe_dump_all([crd, {"kind": "ConfigMap"}]))
    [res] = await install_crds(client, [path])
    assert res == Resource("example.com", "v1", "gadgets", "Gadget", namespaced=False)
    assert (await client.list(res))["items"] == []
    assert await install_crds(client, [path]) == [res]  # idempotent


def _non_empty_file(path: str) -> bool:
    with open(path) as f:
        return bool(f.read())


def test_fake_clock_fixture(fake_clock: FakeClock) -> None:
    before = fake_clock.monotonic()
    fake_clock.step(5)
    assert fake_clock.monotonic() == before + 5


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        (None, ["embedded"]),
        ("embedded,realapi", ["embedded", "realapi"]),
        (" realapi ", ["realapi"]),
    ],
)
def test_server_kinds_parsing(
    raw: str | None, kinds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEKPY_API_SERVERS", raising=False)
    assert api_server_kinds(raw) == kinds


def test_server_kinds_from_env_and_unknown_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEKPY_API_SERVERS", "realapi")
    assert api_server_kinds(None) == ["realapi"]
    with pytest.raises(ValueError, match="unknown API server kind"):
        api_server_kinds("embeded")


def test_api_server_tests_are_parametrised_per_kind(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest

        def test_kind(api_server_kind):
            assert api_server_kind in ("embedded", "realapi")

        @pytest.mark.parametrize("api_server_kind", ["embedded"])
        def test_chosen(api_server_kind):
            assert api_server_kind == "embedded"

        def test_unrelated():
            pass
        """
    )
    result = pytester.runpytest("--collect-only", "-q", "--tekpy-api-servers=embedded,realapi")
    result.stdout.fnmatch_lines(
        [
            "*test_kind[[]embedded[]]",
            "*test_kind[[]realapi[]]",
            "*test_chosen[[]embedded[]]",
            "*test_unrelated",
        ]
    )
    result = pytester.runpytest(
        "--collect-only", "-q", "-m", "realapi", "--tekpy-api-servers=embedded,realapi"
    )
    result.stdout.fnmatch_lines(["*test_kind[[]realapi[]]", "*1/4 tests collected (3 deselected)*"])


def test_load_crds_reads_dicts_files_and_directories(tmp_path: Any) -> None:
    import yaml

    from tekpy.testing.crds import load_crds

    (tmp_path / "a.yaml").write_text(yaml.safe_dump_all([WIDGET_CRD, {"kind": "Namespace"}]))
    (tmp_path / "b.yml").write_text(yaml.safe_dump({**WIDGET_CRD, "metadata": {"name": "b"}}))
    (tmp_path / "notes.txt").write_text("ignored")
    names = [c["metadata"]["name"] for c in load_crds([tmp_path, WIDGET_CRD])]
    assert names == ["widgets.example.com", "b", "widgets.example.com"]
