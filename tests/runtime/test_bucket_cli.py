"""``tekpy controller --buckets N`` as two processes: Leases per reconciler and bucket,
work done by whichever replica holds a key's bucket, and a clean hand-over on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tekpy.cli.controller import leader_election_options
from tekpy.cli.main import main
from tekpy.runtime.client import LEASES, PODS, Client
from tekpy.runtime.leaderelection import bucket_names
from tekpy.taskrun.reconciler import TASKRUNS
from tekpy.testing import eventually

CRD_DIR = Path(__file__).resolve().parents[2] / "manifests" / "crds"
BUCKETS = 3
LEASES_OF = [
    *bucket_names("tekpy-controller.taskrun", BUCKETS),
    *bucket_names("tekpy-controller.pipelinerun", BUCKETS),
]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    from tekpy.cli.controller import add_parser

    add_parser(subparsers)
    return parser.parse_args(["controller", *argv])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param((), {"leader_election": False, "leader_election_buckets": None},
                     id="default-no-election"),
        pytest.param(("--leader-elect",), {"leader_election": True,
                                           "leader_election_id": "tekpy-controller",
                                           "leader_election_buckets": None},
                     id="buckets-1-is-one-lease"),
        pytest.param(("--buckets", "4"), {"leader_election": True,
                                          "leader_election_buckets": 4},
                     id="buckets-imply-election"),
        pytest.param(("--buckets", "2", "--lease-duration", "1m", "--renew-deadline",
                      "40s", "--retry-period", "10s"),
                     {"lease_duration": 60.0, "renew_deadline": 40.0, "retry_period": 10.0},
                     id="tekton-durations"),
    ],
)
def test_flags_give_the_managers_election(argv: tuple[str, ...], expected: dict[str, Any]
                                          ) -> None:
    options = leader_election_options(parse(*argv))
    assert {k: options[k] for k in expected} == expected


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--buckets", "0"), id="zero"),
        pytest.param(("--buckets", "11"), id="over-tektons-maximum"),
        pytest.param(("--buckets", "2", "--lease-duration", "5s"), id="lease-under-renew"),
        pytest.param(("--retry-period", "soon"), id="not-a-duration"),
    ],
)
def test_invalid_election_flags_exit_2(argv: tuple[str, ...],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controller", *argv]) == 2
    assert capsys.readouterr().err.startswith("tekpy controller: ")


async def holders(client: Client, ns: str) -> dict[str, str]:
    found = {}
    for item in (await client.list(LEASES, namespace=ns))["items"]:
        found[item["metadata"]["name"]] = item["spec"].get("holderIdentity") or ""
    return found


async def start(kubeconfig: str, ns: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "controller", "--kubeconfig", kubeconfig,
        "--namespace", ns, "--buckets", str(BUCKETS), "--lease-duration", "2s",
        "--renew-deadline", "1500ms", "--retry-period", "200ms",
        "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
        "--threads-per-controller", "1",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def stop(proc: asyncio.subprocess.Process) -> bytes:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    return err


async def pod_of(client: Client, ns: str, taskrun: str) -> bool:
    pods = (await client.list(PODS, namespace=ns))["items"]
    return any(p["metadata"]["name"] == f"{taskrun}-pod" for p in pods)


def taskrun(name: str) -> dict[str, Any]:
    step = {"name": "s", "image": "busybox", "command": ["true"]}
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": name},
            "spec": {"taskSpec": {"steps": [step]}}}


@pytest.mark.slow
@pytest.mark.crds(CRD_DIR)
async def test_two_controller_processes_share_and_hand_over_buckets(
    api_server: Any, client: Client, namespace: str
) -> None:
    first = await start(api_server.kubeconfig_path, namespace)
    second: asyncio.subprocess.Process | None = None
    try:
        # The first replica takes every bucket of both reconcilers.
        async def first_holds_all() -> str:
            found = await holders(client, namespace)
            ids = {found.get(n, "") for n in LEASES_OF}
            return ids.pop() if len(ids) == 1 and "" not in ids else ""

        first_id = await eventually(first_holds_all, 30)
        second = await start(api_server.kubeconfig_path, namespace)
        await client.create(TASKRUNS, taskrun("one"), namespace=namespace)
        await eventually(lambda: pod_of(client, namespace, "one"), 30)

        # SIGTERM: the first stops its reconcilers, releases its Leases and exits 0; the
        # second, already warm, takes every bucket and does the work from then on.
        err = await stop(first)
        assert first.returncode == 0, err.decode()[-2000:]

        async def second_holds_all() -> bool:
            found = await holders(client, namespace)
            ids = {found.get(n, "") for n in LEASES_OF}
            return len(ids) == 1 and "" not in ids and first_id not in ids

        await eventually(second_holds_all, 30)
        await client.create(TASKRUNS, taskrun("two"), namespace=namespace)
        await eventually(lambda: pod_of(client, namespace, "two"), 30)
    finally:
        err = await stop(first)
        if second is not None:
            err2 = await stop(second)
            assert second.returncode == 0, err2.decode()[-2000:]
