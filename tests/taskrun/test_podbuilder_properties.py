"""Invariants of the Pod builder over generated Tasks (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taskrun_support import make_taskrun

from tekpy.taskrun import build_pod, pod_name, resolve_task_spec

_word = st.text(alphabet="abcdefghij-", min_size=1, max_size=8).filter(
    lambda s: s[0] != "-" and s[-1] != "-")
_arg = st.text(alphabet="abc xyz-=/", max_size=6)


@st.composite
def tasks(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=8))
    names = draw(st.lists(_word, min_size=n, max_size=n, unique=True))
    steps = []
    for i, name in enumerate(names):
        step: dict[str, Any] = {"image": "busybox"}
        if draw(st.booleans()):
            step["name"] = name
        if draw(st.booleans()):
            step["script"] = draw(_arg.filter(bool))
        else:
            step["command"] = draw(st.lists(_arg, min_size=1, max_size=3))
            step["args"] = draw(st.lists(_arg, max_size=3))
        step["__i"] = i
        steps.append(step)
    sidecars = [{"name": f"side{j}", "image": "redis"}
                for j in range(draw(st.integers(min_value=0, max_value=2)))]
    return {"steps": steps, "sidecars": sidecars}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks())
def test_step_order_and_run_dir_invariants(task: dict[str, Any]) -> None:
    orig_steps = [dict(s) for s in task["steps"]]
    for s in task["steps"]:
        s.pop("__i")
    tr = make_taskrun({"taskSpec": task})
    assert tr.spec.task_spec is not None
    spec, _ = resolve_task_spec(tr, tr.spec.task_spec)
    pod = build_pod(tr, spec).pod
    assert pod == build_pod(tr, spec).pod
    containers = pod["spec"]["containers"]
    n = len(task["steps"])
    assert len(containers) == n + len(task["sidecars"])
    assert len({c["name"] for c in containers}) == len(containers)
    for i, c in enumerate(containers[:n]):
        args = c["args"]
        assert c["command"] == ["/tekton/bin/entrypoint"]
        wait = args[args.index("-wait_file") + 1]
        assert wait == ("/tekton/downward/ready" if i == 0 else f"/tekton/run/{i - 1}/out")
        run = {m["mountPath"]: m for m in c["volumeMounts"]
               if m["mountPath"].startswith("/tekton/run/")}
        assert sorted(run) == sorted(f"/tekton/run/{j}" for j in range(n))
        assert [p for p, m in run.items() if not m.get("readOnly")] == [f"/tekton/run/{i}"]
        orig = orig_steps[i]
        if "command" in orig:
            at = args.index("-entrypoint")
            assert args[at + 1] == orig["command"][0]
            assert args[at + 2] == "--"
            assert args[at + 3:] == orig["command"][1:] + orig["args"]
        else:
            assert args[-1] == "--" and "-entrypoint" in args  # the script file
        paths = [m["mountPath"] for m in c["volumeMounts"]]
        assert len(paths) == len(set(paths))


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=253),
       st.integers(min_value=0, max_value=99))
def test_pod_names_fit_and_are_stable(name: str, retries: int) -> None:
    got = pod_name(name, retries)
    assert len(got) <= 63 and got == pod_name(name, retries)
    assert got.endswith("-pod" if retries == 0 else f"-retry{retries}")
