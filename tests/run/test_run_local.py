"""``tekpy run`` as a process in local mode (embedded API server, both controllers and the
node agent in that process), on real Tasks whose steps run in bubblewrap sandboxes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from run_support import ROOT, RunTekpy, final_reason, lines_with, summary_row, write

TWO_STEPS = """
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: two-steps-
spec:
  taskSpec:
    results:
    - name: greeting
    steps:
    - name: first
      image: busybox
      script: |
        #!/bin/sh
        echo one-a
        echo one-b
        printf hello > $(results.greeting.path)
    - name: second
      image: mirror.gcr.io/library/bash:5
      script: |
        #!/usr/bin/env bash
        echo two-a
        echo "two-$(cat /tekton/results/greeting)"
"""

FAILING_PIPELINE = """
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: boom
spec:
  steps:
  - name: explode
    image: busybox
    script: |
      #!/bin/sh
      echo about to fail
      exit 3
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: fails
spec:
  tasks:
  - name: ok
    taskSpec:
      steps:
      - name: fine
        image: busybox
        command: [echo, fine]
  - name: breaks
    runAfter: [ok]
    taskRef:
      name: boom
  - name: never
    runAfter: [breaks]
    taskSpec:
      steps:
      - name: no
        image: busybox
        command: [echo, never]
  finally:
  - name: cleanup
    params:
    - name: st
      value: $(tasks.status)
    taskSpec:
      params:
      - name: st
      steps:
      - name: tidy
        image: busybox
        command: [echo]
        args: ["cleanup after $(params.st)"]
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: fails-run
spec:
  pipelineRef:
    name: fails
"""

SLEEPY = """
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: sleepy
spec:
  taskSpec:
    steps:
    - name: nap
      image: busybox
      script: |
        #!/bin/sh
        echo going to sleep
        sleep 120
"""


def test_a_two_step_taskrun_succeeds_with_logs_in_order(tekpy_run: RunTekpy,
                                                        tmp_path: Path) -> None:
    res = tekpy_run("-f", write(tmp_path / "tr.yaml", TWO_STEPS))
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    row = summary_row(out, r"taskrun/two-steps-\w{5}")
    assert row[1:3] == ["Succeeded", "Succeeded"], out
    name = row[0].split("/")[1]
    logs = [line.split(" ", 1) for line in out.splitlines() if line.startswith(f"[{name}/")]
    # every step's lines, in the order the steps ran, each prefixed [taskrun/step]
    assert logs == [[f"[{name}/first]", "one-a"], [f"[{name}/first]", "one-b"],
                    [f"[{name}/second]", "two-a"], [f"[{name}/second]", "two-hello"]], out
    assert "step first: succeeded" in out and "step second: succeeded" in out


def test_a_failing_pipeline_runs_finally_and_names_the_failed_step(
        tekpy_run: RunTekpy, tmp_path: Path) -> None:
    res = tekpy_run("-f", write(tmp_path / "p.yaml", FAILING_PIPELINE))
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "[fails-run-breaks/explode] about to fail" in out
    assert "[fails-run-cleanup/tidy] cleanup after Failed" in out  # finally ran
    assert "[fails-run-never/" not in out
    assert summary_row(out, "pipelinerun/fails-run")[1:3] == ["Failed", "Failed"]
    summary = out.split("Summary:", 1)[1]
    failed = lines_with(summary, "  task breaks (taskrun/fails-run-breaks):")
    assert failed and '"step-explode" exited with code 3' in failed[0], summary
    assert "step explode: failed (exit 3)" in summary
    assert "task never: skipped" in summary


def test_output_json_is_the_list_of_final_runs(tekpy_run: RunTekpy, tmp_path: Path) -> None:
    res = tekpy_run("-f", write(tmp_path / "tr.yaml", TWO_STEPS), "--output", "json")
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)  # stdout is only the JSON document
    assert isinstance(runs, list) and len(runs) == 1
    tr = runs[0]
    assert tr["kind"] == "TaskRun" and tr["metadata"]["name"].startswith("two-steps-")
    assert final_reason(tr) == ("True", "Succeeded")
    assert tr["status"]["results"] == [{"name": "greeting", "type": "string",
                                        "value": "hello"}]
    assert "[two-steps-" in res.stderr  # logs and progress moved to stderr


def test_timeout_cancels_the_run_and_exits_1(tekpy_run: RunTekpy, tmp_path: Path) -> None:
    res = tekpy_run("-f", write(tmp_path / "s.yaml", SLEEPY), "--timeout", "3s",
                    "--output", "json")
    assert res.returncode == 1, res.stderr
    (tr,) = json.loads(res.stdout)
    assert final_reason(tr) == ("False", "TaskRunCancelled")
    assert "--timeout 3s expired; runs cancelled" in res.stderr
    assert "[sleepy/nap] going to sleep" in res.stderr


def test_ctrl_c_cancels_the_runs_prints_the_summary_and_exits_130(
        bwrap: str, run_env: dict[str, str], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tekpy", "run", "-f", write(tmp_path / "s.yaml", SLEEPY)],
        env=run_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        seen = []
        for line in proc.stdout:  # ends at the deadline through pytest-timeout at worst
            seen.append(line)
            if line.startswith("[sleepy/nap] going to sleep") or time.monotonic() > deadline:
                break
        assert seen and seen[-1].startswith("[sleepy/nap]"), "".join(seen)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, rest + err
    assert "interrupted; runs cancelled" in rest
    assert summary_row(rest, "taskrun/sleepy")[1:3] == ["Failed", "TaskRunCancelled"], rest


def test_the_demo_pipeline(tekpy_run: RunTekpy) -> None:
    res = tekpy_run("-f", str(ROOT / "examples" / "local" / "demo-pipeline.yaml"))
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    row = summary_row(out, r"pipelinerun/demo-run-\w{5}")
    assert row[1:3] == ["Succeeded", "Completed"], out  # Completed: a task was skipped
    pr = row[0].split("/")[1]
    # the version result reaches both builds, their artifacts reach package, and the
    # finally task sees the bundle and the aggregate status
    assert f"[{pr}-build-cli/compile] building cli version 1.4.7" in out
    assert f"[{pr}-build-server/compile] building server version 1.4.7" in out
    assert f"[{pr}-package/bundle] packaging cli-1.4.7.tar and server-1.4.7.tar" in out
    assert f"[{pr}-report/report] pipeline outcome: Completed; produced bundle-of-2" in out
    assert f"pipelinerun/{pr} task publish: skipped (When Expressions evaluated to false)" \
        in out
    assert f"[{pr}-publish/" not in out
    # build-cli and build-server are scheduled together: both exist before either ends
    lines = out.splitlines()

    def at(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    both_created = max(at(f"taskrun/{pr}-build-cli: Pending"),
                       at(f"taskrun/{pr}-build-server: Pending"))
    assert both_created < min(at(f"taskrun/{pr}-build-cli: Succeeded"),
                              at(f"taskrun/{pr}-build-server: Succeeded")), out


OTHER_OBJECTS = """
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata:
  name: legacy
  namespace: team-a
spec:
  taskSpec:
    steps:
    - name: show
      image: busybox
      env:
      - name: G
        valueFrom:
          configMapKeyRef: {name: cfg, key: greeting}
      script: |
        #!/bin/sh
        echo "$G"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: team-a
data:
  greeting: hi-from-configmap
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
"""


def test_namespaces_and_plain_objects_are_created_before_the_runs(
        tekpy_run: RunTekpy, tmp_path: Path) -> None:
    # the run comes first in the file and its namespace last; a v1beta1 run works too
    res = tekpy_run("-f", write(tmp_path / "o.yaml", OTHER_OBJECTS))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "[legacy/show] hi-from-configmap" in res.stdout
