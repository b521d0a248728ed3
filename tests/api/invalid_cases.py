"""The table of invalid specifications: (id, document, feature flags, expected errors).

Each expected error is ``(path, message)``; a case passes when validation reports exactly
that set. The flags are ConfigMap keys: ``default-*`` keys go to ``config-defaults``, the
others to ``feature-flags`` (``enable-api-fields`` defaults to beta, as in Tekton).
"""

from __future__ import annotations

BETA_MSG = '{} requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable"'
ALPHA_MSG = '{} requires "enable-api-fields" feature gate to be "alpha" but it is "{}"'


def task(spec: str) -> str:
    return "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n" + spec


def pipeline(spec: str) -> str:
    return "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" + spec


def taskrun(spec: str) -> str:
    return "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n" + spec


def pipelinerun(spec: str) -> str:
    return "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: pr}\nspec:\n" + spec


STABLE = {"enable-api-fields": "stable"}
STEP = "  steps: [{name: s, image: busybox}]\n"
T = "taskSpec: {steps: [{image: busybox}]}"

CASES: list[tuple[str, str, dict[str, str], set[tuple[str, str]]]] = [
    # --- names ---------------------------------------------------------------------------
    ("bad-object-name", task(STEP).replace("name: t}", "name: Bad_Name}"), {},
     {("metadata.name", 'invalid resource name "Bad_Name": must be a valid DNS label')}),
    ("bad-step-name", task("  steps: [{name: Bad, image: busybox}]\n"), {},
     {("spec.steps[0].name", 'invalid value "Bad"')}),
    ("duplicate-step-names", task("  steps: [{name: a, image: x}, {name: a, image: y}]\n"), {},
     {("spec.steps[1].name", "expected exactly one, got both")}),
    ("bad-pipeline-task-name", pipeline(f"  tasks: [{{name: Bad_T, {T}}}]\n"), {},
     {("spec.tasks[0].name", 'invalid value "Bad_T"')}),
    ("duplicate-pipeline-task-names",
     pipeline(f"  tasks: [{{name: a, {T}}}, {{name: a, {T}}}]\n"), {},
     {("spec.tasks[1].name", "expected exactly one, got both"),
      ("spec.tasks", "invalid value: task a is already present in Graph, can't add it again: "
                     "duplicate pipeline task")}),
    ("finally-name-clashes-with-task",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  finally: [{{name: a, {T}}}]\n"), {},
     {("spec.finally[0].name", "expected exactly one, got both")}),
    # --- task structure ------------------------------------------------------------------
    ("no-steps", task("  description: nothing\n"), {},
     {("spec.steps", "missing field(s)")}),
    ("step-without-image", task("  steps: [{name: s}]\n"), {},
     {("spec.steps[0].Image", "missing field(s)")}),
    ("script-and-command", task("  steps: [{image: x, script: echo, command: [sh]}]\n"), {},
     {("spec.steps[0].script", "script cannot be used with command")}),
    ("bad-step-onerror", task("  steps: [{image: x, onError: never}]\n"), {},
     {("spec.steps[0].onError", 'invalid value: "never"')}),
    ("volume-mount-under-tekton",
     task("  steps: [{image: x, volumeMounts: [{name: v, mountPath: /tekton/x}]}]\n"), {},
     {("spec.steps[0].volumeMounts[0].mountPath",
       'volumeMount cannot be mounted under /tekton/ (volumeMount "v" mounted at "/tekton/x")')}),
    ("reserved-volume-mount-name",
     task("  steps: [{image: x, volumeMounts: [{name: tekton-internal-a, mountPath: /a}]}]\n"),
     {}, {("spec.steps[0].volumeMounts[0].name",
           'volumeMount name "tekton-internal-a" cannot start with "tekton-internal-"')}),
    ("duplicate-volumes", task(STEP + "  volumes: [{name: v, emptyDir: {}}, {name: v, "
                                      "emptyDir: {}}]\n"), {},
     {("spec.volumes[1].name", 'multiple volumes with same name "v"')}),
    ("sidecar-without-image", task(STEP + "  sidecars: [{name: sc}]\n"), {},
     {("spec.sidecars.image", "missing field(s)")}),
    ("reserved-sidecar-name", task(STEP + "  sidecars: [{name: tekton-log-results, "
                                          "image: x}]\n"), {},
     {("spec.sidecars.name", "Invalid: cannot use reserved sidecar name tekton-log-results ")}),
    ("step-ref-with-image", task("  steps: [{ref: {name: act}, image: x}]\n"), {},
     {("spec.steps[0].image", "image cannot be used with Ref")}),
    ("step-params-without-ref",
     task("  steps: [{image: x, params: [{name: a, value: b}]}]\n"), {},
     {("spec.steps[0].params", "params cannot be used without Ref")}),
    ("negative-step-timeout", task("  steps: [{image: x, timeout: -1s}]\n"), {},
     {("spec.steps[0].negative timeout", "invalid value: -1s")}),
    # --- params ---------------------------------------------------------------------------
    ("bad-param-type", task(STEP + "  params: [{name: p, type: number}]\n"), {},
     {("spec.params.p.type", "invalid value: number")}),
    ("default-type-mismatch", task(STEP + "  params: [{name: p, type: array, default: x}]\n"),
     {}, {("spec.params.p.type", '"array" type does not match default value\'s type: "string"'),
          ("spec.params.p.default.type",
           '"array" type does not match default value\'s type: "string"')}),
    ("duplicate-params", task(STEP + "  params: [{name: p}, {name: p}]\n"), {},
     {("spec.params[p]", "parameter appears more than once")}),
    ("object-param-without-properties", task(STEP + "  params: [{name: o, type: object}]\n"),
     {}, {("spec.o.properties", "missing field(s)")}),
    ("object-property-not-string",
     task(STEP + "  params: [{name: o, properties: {k: {type: array}}}]\n"), {},
     {("spec.params.o.properties", "The value type specified for these keys [k] is invalid")}),
    ("bad-param-name-format", task(STEP + "  params: [{name: 1abc}]\n"), {},
     {("spec.params",
       "The format of following array and string variable names is invalid: [1abc]")}),
    ("enum-without-flag", task(STEP + "  params: [{name: p, enum: [a, b]}]\n"), {},
     {("spec.params[p]", "feature flag `enable-param-enum` should be set to true to use Enum")}),
    ("enum-on-array", task(STEP + "  params: [{name: p, type: array, enum: [a]}]\n"),
     {"enable-param-enum": "true"},
     {("spec.params[p]", "enum can only be set with string type param")}),
    ("enum-duplicate-values", task(STEP + "  params: [{name: p, enum: [a, a]}]\n"),
     {"enable-param-enum": "true"},
     {("spec.params[p]", "parameter enum value a appears more than once")}),
    ("enum-default-not-listed", task(STEP + "  params: [{name: p, enum: [a], default: b}]\n"),
     {"enable-param-enum": "true"},
     {("spec.params[p]", "param default value b not in the enum list")}),
    # --- variables ------------------------------------------------------------------------
    ("undeclared-param", task("  steps: [{image: x, args: ['$(params.nope)']}]\n"), {},
     {("spec.steps[0].args[0]", 'non-existent variable in "$(params.nope)"')}),
    ("undeclared-param-bracket", task("  steps: [{image: x, script: \"echo $(params['n'])\"}]\n"),
     {}, {("spec.steps[0].script", "non-existent variable in \"echo $(params['n'])\"")}),
    ("unknown-object-key",
     task("  params: [{name: o, properties: {a: {}}}]\n"
          "  steps: [{image: x, args: ['$(params.o.b)']}]\n"), {},
     {("spec.steps[0].args[0]", 'non-existent variable in "$(params.o.b)"')}),
    ("whole-object-in-script",
     task("  params: [{name: o, properties: {a: {}}}]\n"
          "  steps: [{image: x, script: 'echo $(params.o)'}]\n"), {},
     {("spec.steps[0].script", 'variable type invalid in "echo $(params.o)"')}),
    ("array-param-in-script",
     task("  params: [{name: a, type: array}]\n"
          "  steps: [{image: x, script: 'echo $(params.a)'}]\n"), {},
     {("spec.steps[0].script", 'variable type invalid in "echo $(params.a)"')}),
    ("array-param-not-isolated",
     task("  params: [{name: a, type: array}]\n"
          "  steps: [{image: x, args: ['--x=$(params.a[*])']}]\n"), {},
     {("spec.steps[0].args[0]", 'variable is not properly isolated in "--x=$(params.a[*])"')}),
    ("three-dot-components",
     task("  params: [{name: a}]\n  steps: [{image: x, args: ['$(params.a.b.c)']}]\n"), {},
     {("spec.steps[0].args[0]",
       'Invalid referencing of parameters in "$(params.a.b.c)"! Only two dot-separated '
       'components after the prefix "params" are allowed.')}),
    ("unknown-context-variable", task("  steps: [{image: x, args: ['$(context.taskRun.nm)']}]\n"),
     {}, {("spec.steps[0].args[0]", 'non-existent variable in "$(context.taskRun.nm)"')}),
    ("unknown-result-in-script",
     task("  steps: [{image: x, script: 'echo > $(results.r.path)'}]\n"), {},
     {("spec.steps[0].script", 'non-existent variable in "echo > $(results.r.path)"')}),
    ("unknown-step-result",
     task("  steps: [{image: x, script: 'echo > $(step.results.q.path)', results: [{name: r}]}]\n"),
     {}, {("spec.steps[0].script", 'non-existent variable in "echo > $(step.results.q.path)"')}),
    # --- results --------------------------------------------------------------------------
    ("bad-result-name", task(STEP + "  results: [{name: -bad}]\n"), {},
     {("spec.results[0].name", 'invalid key name "-bad"')}),
    ("bad-result-type", task(STEP + "  results: [{name: r, type: number}]\n"), {},
     {("spec.results[0].type", "invalid value: number")}),
    ("object-result-without-properties", task(STEP + "  results: [{name: r, type: object}]\n"),
     {}, {("spec.results[0].r.properties", "missing field(s)")}),
    ("result-value-not-a-step-result", task(STEP + "  results: [{name: r, value: hello}]\n"), {},
     {("spec.results[0].r.value",
       "Could not extract step name and result name. Expected value to look like "
       '$(steps.<stepName>.results.<resultName>) but got "hello"')}),
    # --- workspaces -----------------------------------------------------------------------
    ("duplicate-workspaces", task(STEP + "  workspaces: [{name: w}, {name: w, mountPath: /b}]\n"),
     {}, {("spec.workspaces[1].name", 'workspace name "w" must be unique')}),
    ("duplicate-workspace-mountpath",
     task(STEP + "  workspaces: [{name: a, mountPath: /m}, {name: b, mountPath: /m}]\n"), {},
     {("spec.workspaces[1].mountpath", 'workspace mount path "/m" must be unique')}),
    ("undefined-step-workspace",
     task("  steps: [{image: x, workspaces: [{name: nope, mountPath: /x}]}]\n"), {},
     {("spec.steps[0].workspaces[0].name", 'undefined workspace "nope"')}),
    ("step-workspaces-at-stable",
     task("  workspaces: [{name: w}]\n  steps: [{image: x, workspaces: [{name: w, "
          "mountPath: /x}]}]\n"), STABLE,
     {("spec.steps[0]", BETA_MSG.format("step workspaces"))}),
    ("pipeline-task-unknown-workspace",
     pipeline(f"  tasks: [{{name: a, {T}, workspaces: [{{name: w, workspace: nope}}]}}]\n"), {},
     {("spec.tasks[0].workspaces[0]", 'invalid value: pipeline task "a" expects workspace with '
                                      'name "nope" but none exists in pipeline spec')}),
    ("pipeline-duplicate-workspace-decl",
     pipeline(f"  workspaces: [{{name: w}}, {{name: w}}]\n  tasks: [{{name: a, {T}}}]\n"), {},
     {("spec.workspaces[1]", 'invalid value: workspace with name "w" appears more than once')}),
    ("binding-without-source", taskrun("  taskRef: {name: t}\n  workspaces: [{name: w}]\n"), {},
     {(f"spec.workspaces[0].{f}", "expected exactly one, got neither")
      for f in ("persistentvolumeclaim", "volumeclaimtemplate", "emptydir", "configmap",
                "secret")}),
    ("binding-two-sources",
     taskrun("  taskRef: {name: t}\n  workspaces: [{name: w, emptyDir: {}, secret: "
             "{secretName: s}}]\n"), {},
     {(f"spec.workspaces[0].{f}", "expected exactly one, got both")
      for f in ("persistentvolumeclaim", "volumeclaimtemplate", "emptydir", "configmap",
                "secret")}),
    ("binding-pvc-without-claim",
     taskrun("  taskRef: {name: t}\n  workspaces: [{name: w, persistentVolumeClaim: {}}]\n"), {},
     {("spec.workspaces[0].persistentvolumeclaim.claimname", "missing field(s)")}),
    # --- pipeline graph -------------------------------------------------------------------
    ("run-after-missing-task", pipeline(f"  tasks: [{{name: a, {T}, runAfter: [nope]}}]\n"), {},
     {("spec.tasks", "invalid value: couldn't add link between a and nope: task a depends on "
                     "nope but nope wasn't present in Pipeline")}),
    ("result-ref-missing-task",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: "
              f"'$(tasks.gone.results.r)'}}]}}]\n"), {},
     {("spec.tasks", "invalid value: couldn't add link between a and gone: task a depends on "
                     "gone but gone wasn't present in Pipeline")}),
    ("cycle", pipeline(f"  tasks: [{{name: a, {T}, runAfter: [b]}}, {{name: b, {T}, "
                       f"runAfter: [a]}}]\n"), {},
     {("spec.tasks", 'invalid value: cycle detected; task "a" depends on "b"')}),
    ("finally-run-after",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  finally: [{{name: f, {T}, runAfter: [a]}}]\n"),
     {}, {("spec.finally[0]", "invalid value: no runAfter allowed under spec.finally, final "
                               "task f has runAfter specified")}),
    ("finally-without-tasks", pipeline(f"  finally: [{{name: f, {T}}}]\n"), {},
     {("spec.finally", "invalid value: spec.tasks is empty but spec.finally has 1 tasks")}),
    ("finally-referenced-from-dag",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: "
              f"'$(tasks.f.results.r)'}}]}}]\n  finally: [{{name: f, {T}}}]\n"), {},
     {("spec.tasks", "invalid value: couldn't add link between a and f: task a depends on f "
                     "but f wasn't present in Pipeline")}),
    ("finally-consumes-finally-result",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  finally: [{{name: f, {T}}}, {{name: g, {T}, "
              f"params: [{{name: x, value: '$(tasks.f.results.r)'}}]}}]\n"), {},
     {("spec.finally[1].params[x].value", "invalid value: invalid task result reference, final "
                                          "task has task result reference from a final task f")}),
    ("status-in-dag-task",
     pipeline(f"  tasks: [{{name: a, {T}}}, {{name: b, {T}, params: [{{name: x, value: "
              f"'$(tasks.a.status)'}}]}}]\n"), {},
     {("spec.tasks[1].params[x].value", "invalid value: pipeline tasks can not refer to "
                                        "execution status of any other pipeline task or "
                                        "aggregate status of tasks")}),
    ("finally-status-of-unknown-task",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  finally: [{{name: f, {T}, params: [{{name: x, "
              f"value: '$(tasks.zz.status)'}}]}}]\n"), {},
     {("spec.finally[0].params[x].value",
       "invalid value: pipeline task zz is not defined in the pipeline")}),
    ("neither-ref-nor-spec", pipeline("  tasks: [{name: a}]\n"), {},
     {("spec.tasks[0].taskRef", "expected exactly one, got neither"),
      ("spec.tasks[0].taskSpec", "expected exactly one, got neither")}),
    ("both-ref-and-spec", pipeline(f"  tasks: [{{name: a, taskRef: {{name: x}}, {T}}}]\n"), {},
     {("spec.tasks[0].taskRef", "expected exactly one, got multiple"),
      ("spec.tasks[0].taskSpec", "expected exactly one, got multiple")}),
    ("empty-pipeline", pipeline("  {}\n"), {},
     {(p, "expected at least one, got none")
      for p in ("spec.description", "spec.params", "spec.resources", "spec.tasks",
                "spec.workspaces")}),
    ("pipeline-param-undeclared",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: '$(params.nope)'}}]}}]\n"),
     {}, {("spec.tasks[0].params[x]", 'non-existent variable in "$(params.nope)"')}),
    ("duplicate-task-params",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: '1'}}, {{name: x, "
              f"value: '2'}}]}}]\n"), {},
     {("spec.tasks[0].params[1].name",
       'parameter names must be unique, the parameter "x" is also defined at')}),
    ("bad-variable-prefix",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: '$(foo.bar)'}}]}}]\n"), {},
     {("spec.tasks[0].params[x].value",
       'invalid value: invalid variable reference "$(foo.bar)", must start with a valid '
       "prefix: params, tasks, finally, context, workspaces, or results; if you meant a shell "
       "variable, use ${VAR} instead")}),
    ("pipeline-result-without-reference",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  results: [{{name: r, value: plain}}]\n"), {},
     {("spec.results[0].value", "invalid value: expected pipeline results to be task result "
                                "expressions but no expressions were found"),
      ("spec.results[0].value", "invalid value: expected pipeline results to be task result "
                                "expressions but an invalid expressions was found"),
      ("spec.results[0].value", "invalid value: referencing a nonexistent task")}),
    ("pipeline-result-nonexistent-task",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  results: [{{name: r, value: "
              f"'$(tasks.b.results.x)'}}]\n"), {},
     {("spec.results[0].value", "invalid value: referencing a nonexistent task")}),
    # --- when -----------------------------------------------------------------------------
    ("when-bad-operator",
     pipeline(f"  tasks: [{{name: a, {T}, when: [{{input: x, operator: eq, values: [y]}}]}}]\n"),
     {}, {("spec.tasks[0].when[0]", 'invalid value: operator "eq" is not recognized. valid '
                                     "operators: in,notin")}),
    ("when-no-values",
     pipeline(f"  tasks: [{{name: a, {T}, when: [{{input: x, operator: in}}]}}]\n"), {},
     {("spec.tasks[0].when[0]", "invalid value: expecting non-empty values field")}),
    ("when-cel-without-flag",
     pipeline(f"  tasks: [{{name: a, {T}, when: [{{cel: \"'a' == 'a'\"}}]}}]\n"), {},
     {("spec.tasks[0].when[0]", "feature flag enable-cel-in-whenexpression should be set to "
                                "true to use CEL: 'a' == 'a' in WhenExpression")}),
    # --- matrix ---------------------------------------------------------------------------
    ("matrix-param-also-in-params",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: '1'}}], matrix: {{params: "
              f"[{{name: x, value: ['1', '2']}}]}}}}]\n"), {"enable-api-fields": "beta"},
     {("spec.tasks[0].matrix[x]", "expected exactly one, got both"),
      ("spec.tasks[0].params[x]", "expected exactly one, got both")}),
    ("matrix-combination-limit",
     pipeline(f"  tasks: [{{name: a, {T}, matrix: {{params: [{{name: x, value: [a, b, c]}}, "
              f"{{name: y, value: [a, b]}}]}}}}]\n"),
     {"default-max-matrix-combinations-count": "4"},
     {("spec.tasks[0].matrix", "expected 0 <= 6 <= 4")}),
    ("matrix-at-stable",
     pipeline(f"  tasks: [{{name: a, {T}, matrix: {{params: [{{name: x, value: [a]}}]}}}}]\n"),
     STABLE, {("spec.tasks[0]", BETA_MSG.format("matrix"))}),
    ("matrix-result-not-whole",
     pipeline(f"  tasks: [{{name: a, {T}, matrix: {{params: [{{name: x, value: [a]}}]}}}}, "
              f"{{name: b, {T}, params: [{{name: y, value: '$(tasks.a.results.r)'}}]}}]\n"),
     {"enable-api-fields": "beta"},
     {("spec.tasks", "A matrixed pipelineTask can only be consumed in aggregate using [*] "
                     "notation, but is currently set to tasks.a.results.r")}),
    # --- feature gates ----------------------------------------------------------------------
    ("resolver-at-stable", taskrun("  taskRef: {resolver: git}\n"), STABLE,
     {("spec.taskRef.resolver", BETA_MSG.format("resolver"))}),
    ("pipeline-in-pipeline-at-beta",
     pipeline("  tasks: [{name: a, pipelineRef: {name: other}}]\n"),
     {"enable-api-fields": "beta"},
     {("spec.tasks[0]", ALPHA_MSG.format("pipelineRef", "beta"))}),
    ("stdout-config-at-beta", task("  steps: [{image: x, stdoutConfig: {path: /o}}]\n"),
     {"enable-api-fields": "beta"},
     {("spec.steps[0].stdoutconfig", ALPHA_MSG.format("step stdout stream support", "beta"))}),
    ("pipeline-task-onerror-at-stable",
     pipeline(f"  tasks: [{{name: a, {T}, onError: continue}}]\n"), STABLE,
     {("spec.tasks[0]", BETA_MSG.format("OnError"))}),
    ("pipeline-task-onerror-with-retries",
     pipeline(f"  tasks: [{{name: a, {T}, onError: continue, retries: 2}}]\n"),
     {"enable-api-fields": "beta"},
     {("spec.tasks[0]", 'PipelineTask OnError cannot be set to "continue" when Retries is '
                        "greater than 0")}),
    ("debug-at-beta", taskrun("  taskRef: {name: t}\n  debug: {breakpoints: {onFailure: "
                              "enabled}}\n"), {"enable-api-fields": "beta"},
     {("spec.debug", ALPHA_MSG.format("debug", "beta"))}),
    ("step-specs-at-stable", taskrun("  taskRef: {name: t}\n  stepSpecs: [{name: s, "
                                     "computeResources: {}}]\n"), STABLE,
     {("spec.stepSpecs", BETA_MSG.format("stepSpecs"))}),
    # --- runs -----------------------------------------------------------------------------
    ("taskrun-no-task", taskrun("  params: [{name: a, value: b}]\n"), {},
     {("spec.taskRef", "expected exactly one, got neither"),
      ("spec.taskSpec", "expected exactly one, got neither")}),
    ("taskrun-bad-status", taskrun("  taskRef: {name: t}\n  status: Stopped\n"), {},
     {("spec.status", "invalid value: Stopped should be TaskRunCancelled or TaskRunPending")}),
    ("taskrun-negative-timeout", taskrun("  taskRef: {name: t}\n  timeout: -5m\n"), {},
     {("spec.timeout", "invalid value: -5m0s should be >= 0")}),
    ("taskrun-duplicate-params",
     taskrun("  taskRef: {name: t}\n  params: [{name: a, value: '1'}, {name: A, value: '2'}]\n"),
     {}, {("spec.params[A].name", "expected exactly one, got both")}),
    ("pipelinerun-no-pipeline", pipelinerun("  params: [{name: a, value: b}]\n"), {},
     {("spec.pipelineRef", "expected exactly one, got neither"),
      ("spec.pipelineSpec", "expected exactly one, got neither")}),
    ("pipelinerun-tasks-timeout-exceeds",
     pipelinerun("  pipelineRef: {name: p}\n  timeouts: {pipeline: 1h, tasks: 2h}\n"), {},
     {("spec.timeouts.tasks", "invalid value: 2h0m0s should be <= pipeline duration")}),
    ("pipelinerun-tasks-plus-finally-exceeds",
     pipelinerun("  pipelineRef: {name: p}\n  timeouts: {pipeline: 1h, tasks: 40m, "
                 "finally: 30m}\n"), {},
     {("spec.timeouts.tasks", "invalid value: 40m0s + 30m0s should be <= pipeline duration"),
      ("spec.timeouts.finally", "invalid value: 40m0s + 30m0s should be <= pipeline duration")}),
    ("pipelinerun-bad-status", pipelinerun("  pipelineRef: {name: p}\n  status: Stop\n"), {},
     {("spec.status", "invalid value: Stop should be Cancelled, CancelledRunFinally, "
                      "StoppedRunFinally or PipelineRunPending")}),
    ("pipelinerun-result-in-param",
     pipelinerun("  pipelineRef: {name: p}\n  params: [{name: a, value: "
                 "'$(tasks.x.results.y)'}]\n"), {},
     {("spec.params[a].value", "invalid value: cannot use result expressions in "
                               "[tasks.x.results.y] as PipelineRun parameter values")}),
    ("pipelinerun-duplicate-workspace",
     pipelinerun("  pipelineRef: {name: p}\n  workspaces: [{name: w, emptyDir: {}}, {name: w, "
                 "emptyDir: {}}]\n"), {},
     {("spec.workspaces[1].name",
       'workspace "w" provided by pipelinerun more than once, at index 0 and 1')}),
    ("taskrunspec-timeout-exceeds",
     pipelinerun("  pipelineRef: {name: p}\n  timeouts: {pipeline: 10m}\n  taskRunSpecs: "
                 "[{pipelineTaskName: a, timeout: 20m}]\n"), {},
     {("spec.taskRunSpecs[0].timeout",
       "invalid value: 20m0s should be <= pipeline duration 10m0s")}),
    # --- refs -----------------------------------------------------------------------------
    ("taskref-empty", taskrun("  taskRef: {kind: Task}\n"), {},
     {("spec.taskRef.name", "missing field(s)")}),
    ("taskref-name-and-params",
     taskrun("  taskRef: {name: t, resolver: git, params: [{name: a, value: b}]}\n"),
     {"enable-api-fields": "beta"},
     {("spec.taskRef.name", "expected exactly one, got both"),
      ("spec.taskRef.params", "expected exactly one, got both"),
      ("spec.taskRef.name", "invalid value: invalid URI for request")}),
    ("custom-task-without-api-version",
     pipeline("  tasks: [{name: a, taskRef: {name: x, kind: Wait}}]\n"), {},
     {("spec.tasks[0].taskRef.apiVersion",
       "invalid value: custom task ref must specify apiVersion")}),
    # --- legacy fields in v1 ------------------------------------------------------------------
    ("resources-in-v1-task", task(STEP + "  resources: {inputs: [{name: r, type: git}]}\n"), {},
     {("spec.resources", "must not set the field(s)")}),
    ("conditions-in-v1-pipeline",
     pipeline(f"  tasks: [{{name: a, {T}, conditions: [{{conditionRef: c}}]}}]\n"), {},
     {("spec.tasks[0].conditions", "must not set the field(s)")}),
]

CASES += [
    ("undeclared-workspace-variable",
     task("  steps: [{image: x, script: 'ls $(workspaces.src.path)'}]\n"), {},
     {("spec.steps[0].script", 'non-existent variable in "ls $(workspaces.src.path)"')}),
]
CASES += [
    ("duplicate-task-results", task(STEP + "  results: [{name: r}, {name: r}]\n"), {},
     {("spec.results[1].name", "expected exactly one, got both")}),
    ("duplicate-pipeline-results",
     pipeline(f"  tasks: [{{name: a, {T}}}]\n  results: [{{name: r, value: "
              f"'$(tasks.a.results.x)'}}, {{name: r, value: '$(tasks.a.results.x)'}}]\n"), {},
     {("spec.results[1].name", "expected exactly one, got both")}),
    ("step-result-in-image",
     task("  steps: [{name: a, image: x, results: [{name: r}]}, "
          "{image: '$(steps.a.results.r)'}]\n"), {},
     {("spec.steps[1].image", "stepResult substitutions are only allowed in env, command and "
                              "args. Found usage in")}),
    ("when-expression-empty",
     pipeline(f"  tasks: [{{name: a, {T}, when: [{{}}]}}]\n"), {},
     {("spec.tasks[0].when[0]", "missing field(s)")}),
    ("pipeline-param-array-not-isolated",
     pipeline(f"  params: [{{name: arr, type: array}}]\n  tasks: [{{name: a, {T}, params: "
              f"[{{name: x, value: 'pre-$(params.arr)'}}]}}]\n"), {},
     {("spec.tasks[0].params[x]", 'variable type invalid in "pre-$(params.arr)"')}),
    ("context-pipeline-unknown",
     pipeline(f"  tasks: [{{name: a, {T}, params: [{{name: x, value: "
              f"'$(context.pipelineRun.nope)'}}]}}]\n"), {},
     {("spec.tasks.value", 'non-existent variable in "$(context.pipelineRun.nope)"')}),
    ("taskrun-inline-undeclared-param",
     taskrun("  taskSpec:\n    steps: [{image: x, args: ['$(params.missing)']}]\n"), {},
     # Tekton checks inline params beside the spec, so the path lacks "taskSpec"
     {("spec.steps[0].args[0]", 'non-existent variable in "$(params.missing)"')}),
]
CASES += [
    ("unknown-field-typo",
     pipeline(f"  tasks: [{{name: a, {T}, runsAfter: [b]}}]\n"), {},
     {("spec.tasks[0].runsAfter", "unknown field")}),
]
