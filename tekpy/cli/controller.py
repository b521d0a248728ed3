"""``tekpy controller``: run the Tekton reconcilers against any Kubernetes API server.

Flags follow DESIGN §4 and Tekton's controller (``-entrypoint-image``, ``-nop-image``,
``-shell-image``, ``-threads-per-controller``, ``-namespace``). Configuration that Tekton
reads from its ``feature-flags`` and ``config-defaults`` ConfigMaps is given with
``--feature-flag KEY=VALUE`` and ``--config-default KEY=VALUE``; the keys of Tekton's
``config-leader-election`` ConfigMap (``buckets``, ``lease-duration``, ``renew-deadline``,
``retry-period``) are flags of the same names.

``--buckets 1`` (the default) with ``--leader-elect`` keeps one Lease for the process;
``--buckets N`` (2..10) runs every replica active: each reconciler's keys are split into N
buckets, each bucket a Lease ``tekpy-controller.<reconciler>.<i>-of-<N>``, and a replica
reconciles the keys of the buckets it holds.

Exit status: 0 after a clean stop (SIGTERM/SIGINT), 1 when the controller fails (a lost
single-Lease leader election included; losing buckets is not a failure), 2 for invalid
flags.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from tekpy.cli.tekton_flags import add_tekton_config_flags, tekton_config_maps

__all__ = ["add_parser", "build_options", "leader_election_options", "run_controller"]

log = logging.getLogger("tekpy.cli.controller")

LEASE_NAME = "tekpy-controller"
#: Knative's (and so Tekton's) upper limit of the ``buckets`` key.
MAX_BUCKETS = 10


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``controller`` subcommand."""
    from tekpy.taskrun.reconciler.options import DEFAULT_NOP_IMAGE, default_entrypoint_image

    p = subparsers.add_parser(
        "controller", help="run the TaskRun and PipelineRun reconcilers",
        description="Run the Tekton reconcilers (in-cluster config when no kubeconfig).")
    p.add_argument("--kubeconfig", default=None, metavar="PATH",
                   help="kubeconfig file (default: $KUBECONFIG, else in-cluster config)")
    p.add_argument("--namespace", default=None, metavar="NS",
                   help="watch only this namespace (default: all namespaces)")
    p.add_argument("--leader-elect", action="store_true",
                   help="elect a leader through a Lease, so replicas can stand by")
    p.add_argument("--leader-elect-namespace", default=None, metavar="NS",
                   help="namespace of the Lease (default: --namespace, else the pod's)")
    p.add_argument("--buckets", type=int, default=1, metavar="N",
                   help="split each reconciler's keys into N buckets, one Lease each, shared "
                        "by all replicas (Tekton's config-leader-election 'buckets', 1..10; "
                        "N > 1 implies --leader-elect; default 1: one Lease for the process)")
    for flag, default, what in (
            ("--lease-duration", "15s", "how long a Lease is valid without renewal"),
            ("--renew-deadline", "10s", "how long a holder retries renewing before giving up"),
            ("--retry-period", "2s", "the wait between acquire or renew attempts")):
        p.add_argument(flag, default=default, metavar="DURATION",
                       help=f"leader election: {what} (default {default}, as Tekton)")
    p.add_argument("--threads-per-controller", type=int, default=2, metavar="N",
                   help="concurrent reconciles per controller (default 2, as Tekton)")
    p.add_argument("--metrics-bind-address", default=":9090", metavar="ADDR",
                   help="HOST:PORT of /metrics; '0' disables it (default :9090)")
    p.add_argument("--health-probe-bind-address", default=":8081", metavar="ADDR",
                   help="HOST:PORT of /healthz and /readyz; '0' disables them")
    p.add_argument("--entrypoint-image", default=default_entrypoint_image(), metavar="IMG",
                   help="image holding the step entrypoint (default %(default)s)")
    p.add_argument("--nop-image", default=DEFAULT_NOP_IMAGE, metavar="IMG",
                   help="image sidecars are switched to when the steps are done")
    p.add_argument("--shell-image", default="busybox", metavar="IMG",
                   help="image with a POSIX shell for the script and working-dir init "
                        "containers")
    add_tekton_config_flags(p)
    p.add_argument("--log-level", default="info",
                   choices=("debug", "info", "warning", "error"))
    p.set_defaults(func=run_controller)
    return p


def build_options(args: argparse.Namespace) -> Any:
    """The :class:`~tekpy.taskrun.reconciler.ReconcilerOptions` the flags describe; raises
    ValueError (or ``tekpy.api.ConfigError``) for invalid values."""
    from tekpy.api import Config
    from tekpy.taskrun.reconciler import ReconcilerOptions

    config = Config.from_maps(*tekton_config_maps(args))
    if args.threads_per_controller < 1:
        raise ValueError("--threads-per-controller must be at least 1")
    return ReconcilerOptions(config=config, entrypoint_image=args.entrypoint_image,
                             nop_image=args.nop_image, shell_image=args.shell_image)


def leader_election_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Manager's leader election arguments the flags describe; ValueError if invalid."""
    from tekpy.api.durations import parse_duration

    if not 1 <= args.buckets <= MAX_BUCKETS:
        raise ValueError(f"--buckets must be between 1 and {MAX_BUCKETS}, not {args.buckets}")
    timing = {
        "lease_duration": parse_duration(args.lease_duration),
        "renew_deadline": parse_duration(args.renew_deadline),
        "retry_period": parse_duration(args.retry_period),
    }
    elect = args.leader_elect or args.buckets > 1
    if elect:
        from tekpy.runtime.leaderelection import LeaderElectionConfig, LeaseLock

        # The Manager checks these too, but only inside the event loop: check now, exit 2.
        lock = LeaseLock(None, "", LEASE_NAME, "check")  # type: ignore[arg-type]
        LeaderElectionConfig(lock=lock, lease_duration=timing["lease_duration"],
                             renew_deadline=timing["renew_deadline"],
                             retry_period=timing["retry_period"]).validate()
    return {
        "leader_election": elect,
        "leader_election_id": LEASE_NAME if elect else None,
        "leader_election_buckets": args.buckets if args.buckets > 1 else None,
        "leader_election_namespace": args.leader_elect_namespace,
        "leader_election_release_on_cancel": True,
        **timing,
    }


async def _run(args: argparse.Namespace, options: Any, election: dict[str, Any]) -> int:
    from tekpy.pipelinerun.reconciler import setup_pipelinerun_controller
    from tekpy.runtime.client import Client
    from tekpy.runtime.manager import LeaderElectionLost, Manager
    from tekpy.taskrun.reconciler import setup_taskrun_controller

    if args.kubeconfig:
        client = await Client.from_kubeconfig(args.kubeconfig)
    else:
        client = await Client.from_environment()
    async with client:
        manager = Manager(
            client, namespace=args.namespace, **election,
            metrics_bind_address=args.metrics_bind_address,
            health_probe_bind_address=args.health_probe_bind_address)
        manager.add_healthz_check("ping", lambda: None)
        setup_taskrun_controller(manager, options, threads=args.threads_per_controller)
        setup_pipelinerun_controller(manager, options.config, threads=args.threads_per_controller)
        try:
            await manager.start()
        except LeaderElectionLost:
            log.error("leader election lost; exiting")
            return 1
    return 0


def run_controller(args: argparse.Namespace) -> int:
    """Entry point of ``tekpy controller``."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    try:
        options = build_options(args)
        election = leader_election_options(args)
    except ValueError as exc:  # ConfigError and DurationError are ValueErrors too
        print(f"tekpy controller: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args, options, election))
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        log.error("controller failed error=%s", exc, exc_info=exc)
        return 1
