"""The ``tekpy run`` sequence: validate, start (or reach) a cluster, submit, follow until
every run is done, the timeout expires or Ctrl-C, then report."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import Any

from tekpy.local.run.logs import LogFollower
from tekpy.local.run.options import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    RunOptions,
)
from tekpy.local.run.printer import Printer
from tekpy.local.run.progress import Progress
from tekpy.local.run.submit import RunRef, SubmitError, load_files, resolve_resources, submit
from tekpy.local.run.summary import render_json, render_text, succeeded
from tekpy.local.run.tracker import PIPELINERUNS, TASKRUNS, RunTracker, is_done
from tekpy.runtime.client import Client

__all__ = ["run"]

# Tekton's spec.status values that cancel a run
CANCEL = {"PipelineRun": (PIPELINERUNS, "Cancelled"), "TaskRun": (TASKRUNS, "TaskRunCancelled")}


def run(opts: RunOptions) -> int:
    """Run ``opts.files`` to completion; returns the exit status (see options)."""
    return asyncio.run(_main(opts))


def _err(text: str) -> None:
    print(f"tekpy run: {text}", file=sys.stderr, flush=True)


async def _main(opts: RunOptions) -> int:
    from tekpy.api import Config

    try:
        config = Config.from_maps(opts.config_defaults, opts.feature_flags)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_INVALID
    loaded = load_files(opts.files, config)
    if loaded.errors:
        for line in loaded.errors:
            print(line, file=sys.stderr)
        _err(f"{len(loaded.errors)} problem(s) found; nothing was run")
        return EXIT_INVALID
    if not loaded.runs:
        _err("no PipelineRun or TaskRun in " + ", ".join(opts.files)
             + ": nothing to run (add a run that references the Tasks/Pipelines, "
               "or use `tekpy validate` to only check them)")
        return EXIT_INVALID
    # In JSON mode stdout carries only the final document; progress and logs go to stderr.
    printer = Printer(sys.stdout if opts.output == "text" else sys.stderr,
                      started=opts.started)
    cluster = None
    client: Client | None = None
    try:
        if opts.kubeconfig:
            client = await Client.from_kubeconfig(opts.kubeconfig)
        else:
            cluster = _local_cluster(opts, config)
            try:
                client = await cluster.start()
            except Exception as exc:
                if type(exc).__name__ == "BwrapUnavailable":
                    _err(f"cannot run Pods on this machine: {exc}")
                    return EXIT_FAILED
                raise
        return await _submit_and_follow(opts, client, loaded, printer)
    finally:
        if cluster is not None:
            await cluster.stop()
        elif client is not None:
            await client.close()


def _local_cluster(opts: RunOptions, config: Any) -> Any:
    from tekpy.local.kubelet import AgentConfig, ensure_entrypoint_build, load_image_map
    from tekpy.local.run.session import LocalCluster
    from tekpy.taskrun.reconciler import ReconcilerOptions

    # Nothing runs yet, so a first build (in a source checkout) may block here.
    build = ensure_entrypoint_build(opts.entrypoint_build, say=_err)
    agent = AgentConfig(data_dir=opts.data_dir, image_map=load_image_map(opts.image_map),
                        entrypoint_build=build)
    return LocalCluster(ReconcilerOptions(config=config), agent)


async def _submit_and_follow(opts: RunOptions, client: Client, loaded: Any,
                             printer: Printer) -> int:
    namespace = opts.namespace or client.config.namespace or "default"
    resolved, errors = await resolve_resources(client, loaded.documents)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        _err("nothing was run")
        return EXIT_INVALID
    try:
        roots = await submit(client, resolved, namespace)
    except SubmitError as exc:
        # Runs are created last: any created before the refusal are cancelled at once.
        for ref in exc.runs:
            resource, value = CANCEL[ref.kind]
            with contextlib.suppress(Exception):
                await client.patch(resource, ref.name, {"spec": {"status": value}},
                                   namespace=ref.namespace)
        _err(f"{exc}; nothing was run")
        return EXIT_INVALID
    tracker = RunTracker(client, roots)
    progress = Progress(printer)
    logs = LogFollower(client, printer)
    tracker.listeners += [progress, logs]
    await tracker.start()
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
        loop.add_signal_handler(signal.SIGTERM, interrupted.set)
    note = None
    try:
        outcome = await _wait_first(tracker.done, interrupted, opts.timeout)
        if outcome != "done":
            note = ("interrupted" if outcome == "interrupted"
                    else f"--timeout {opts.timeout:g}s expired") + "; runs cancelled"
            printer.line(f"tekpy run: {note}, waiting for them to stop")
            await _cancel(client, tracker, roots)
            interrupted.clear()  # a second Ctrl-C stops the wait
            await _wait_first(tracker.done, interrupted, opts.cancel_grace)
        await logs.drain(opts.log_drain)
        finals = await _finals(client, tracker, roots)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await tracker.stop()
    figures = f"total {printer.elapsed():.1f}s"
    if progress.first_step_running is not None:
        figures += f", first step running after {progress.first_step_running:.2f}s"
    if opts.output == "json":
        print(render_json(finals), flush=True)
        for line in render_text(finals, tracker, note):
            printer.line(line)
    else:
        for line in render_text(finals, tracker, note):
            printer.line(line)
    printer.line(printer.paint(f"({figures})", "dim"))
    if note and note.startswith("interrupted"):
        return EXIT_INTERRUPTED
    return EXIT_OK if note is None and all(succeeded(o) for _, o in finals) else EXIT_FAILED


async def _wait_first(done: asyncio.Event, interrupted: asyncio.Event,
                      timeout: float | None) -> str:  # noqa: ASYNC109 - the --timeout flag
    """``done``, ``interrupted`` or ``timeout``, whichever comes first."""
    waits = {asyncio.create_task(done.wait()): "done",
             asyncio.create_task(interrupted.wait()): "interrupted"}
    finished, pending = await asyncio.wait(waits, timeout=timeout,
                                           return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if done.is_set():
        return "done"
    return waits[next(iter(finished))] if finished else "timeout"


async def _cancel(client: Client, tracker: RunTracker, roots: list[RunRef]) -> None:
    """Cancel every root run not yet done, as ``tkn ... cancel`` does (spec.status)."""
    for ref in roots:
        if is_done(tracker.get(ref.kind, ref.namespace, ref.name)):
            continue
        resource, value = CANCEL[ref.kind]
        with contextlib.suppress(Exception):
            await client.patch(resource, ref.name, {"spec": {"status": value}},
                               namespace=ref.namespace)


async def _finals(client: Client, tracker: RunTracker,
                  roots: list[RunRef]) -> list[tuple[RunRef, dict[str, Any] | None]]:
    out: list[tuple[RunRef, dict[str, Any] | None]] = []
    for ref in roots:
        resource = PIPELINERUNS if ref.kind == "PipelineRun" else TASKRUNS
        try:
            obj: dict[str, Any] | None = await client.get(resource, ref.name,
                                                          namespace=ref.namespace)
        except Exception:
            obj = tracker.get(ref.kind, ref.namespace, ref.name)
        out.append((ref, obj))
    return out

