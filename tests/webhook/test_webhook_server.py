"""The webhook's HTTPS server on loopback: /healthz, /validate, bodies that are not JSON, and
the ``tekpy webhook`` command's flag errors."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tekpy.api import Config
from tekpy.cli.main import main
from tekpy.testing.realapi.credentials import write_credentials
from tekpy.webhook import WebhookServer


@pytest.fixture
def pki(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(ca.crt, serving.crt, serving.key) for 127.0.0.1."""
    ca, cert, key, _, _ = write_credentials(tmp_path, "127.0.0.1")
    return ca, cert, key


@pytest_asyncio.fixture
async def webhook(pki: tuple[Path, Path, Path]) -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    ca, cert, key = pki
    srv = WebhookServer(str(cert), str(key), Config(), host="127.0.0.1", port=0)
    await srv.start()
    try:
        yield srv.url, ssl.create_default_context(cafile=str(ca))
    finally:
        await srv.close()


def _review(obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u-1", "operation": "CREATE",
                        "kind": {"group": "tekton.dev", "version": "v1", "kind": obj["kind"]},
                        "object": obj}}


TASK = {"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"},
        "spec": {"steps": [{"name": "s", "image": "busybox"}]}}


async def test_healthz_and_validate(webhook: tuple[str, ssl.SSLContext]) -> None:
    url, tls = webhook
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.get(f"{url}/healthz", ssl=tls) as resp:
            assert resp.status == 200
            assert await resp.text() == "ok"
        async with http.post(f"{url}/validate", json=_review(TASK), ssl=tls) as resp:
            assert resp.status == 200
            body = await resp.json()
        assert body["response"] == {"uid": "u-1", "allowed": True}
        bad = {**TASK, "spec": {"steps": [{"name": "s", "image": "busybox", "scirpt": "x"}]}}
        async with http.post(f"{url}/validate", json=_review(bad), ssl=tls) as resp:
            assert resp.status == 200
            denied = (await resp.json())["response"]
        assert denied["allowed"] is False
        assert denied["status"]["code"] == 400
        assert denied["status"]["message"] == (
            "validation failed: unknown field: spec.steps[0].scirpt")


async def test_body_not_json_is_a_clear_400(webhook: tuple[str, ssl.SSLContext]) -> None:
    url, tls = webhook
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.post(f"{url}/validate", data=b"{not json", ssl=tls) as resp:
            assert resp.status == 400
            body = await resp.json()
        assert body["response"]["allowed"] is False
        assert "the body is not JSON" in body["response"]["status"]["message"]
        # the server is still serving
        async with http.get(f"{url}/healthz", ssl=tls) as resp:
            assert resp.status == 200


def test_cli_rejects_malformed_feature_flag(pki: tuple[Path, Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, cert, key = pki
    rc = main(["webhook", "--cert", str(cert), "--key", str(key), "--feature-flag", "oops"])
    assert rc == 2
    assert "--feature-flag 'oops' is not KEY=VALUE" in capsys.readouterr().err


def test_cli_reports_unreadable_key(pki: tuple[Path, Path, Path], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, cert, _ = pki
    rc = main(["webhook", "--cert", str(cert), "--key", str(tmp_path / "missing.key"),
               "--port", "0"])
    assert rc == 1
    assert capsys.readouterr().err.startswith("tekpy webhook: ")
