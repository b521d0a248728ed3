"""Params in a TaskRun's ``podTemplate``: the fields Tekton substitutes before building the Pod.

Tekton's TaskRun reconciler replaces ``$(params.<name>)`` (also ``[i]`` array elements and
``.key`` object keys; the Task's defaults under the run's values) in a fixed set of
``podTemplate`` fields, so a matrix can, for example, pick each TaskRun's node through
``taskRunSpecs[].podTemplate.nodeSelector``. Only string values are inserted (no array
expansion), and fields outside the set stay as written. :data:`SUBSTITUTED` is that set.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from tekpy.api.substitution import Replacements, add_legacy_param_aliases, param_replacements
from tekpy.api.types import ParamSpec, ParamValue

__all__ = ["SUBSTITUTED", "pod_template_replacements", "substitute_pod_template"]

# A schema node: TEXT substitutes a string (or each string of a list), KEYS_AND_VALUES the
# keys and values of a string map, VALUES only its values; a dict descends into the named
# fields of an object (or of each object of a list).
TEXT: Literal["text"] = "text"
KEYS_AND_VALUES: Literal["keys-and-values"] = "keys-and-values"
VALUES: Literal["values"] = "values"
Schema: TypeAlias = Literal["text", "keys-and-values", "values"] | Mapping[str, "Schema"]


def _texts(*names: str, **nested: Schema) -> dict[str, Schema]:
    return {**dict.fromkeys(names, TEXT), **nested}


_SELECTOR = _texts(matchLabels=KEYS_AND_VALUES, matchExpressions=_texts("key", "values"))
_NODE_TERM = _texts(matchExpressions=_texts("key", "values"),
                    matchFields=_texts("key", "values"))
_POD_TERM = _texts("topologyKey", "namespaces", labelSelector=_SELECTOR,
                   namespaceSelector=_SELECTOR)
_POD_AFFINITY = _texts(
    requiredDuringSchedulingIgnoredDuringExecution=_POD_TERM,
    preferredDuringSchedulingIgnoredDuringExecution=_texts(podAffinityTerm=_POD_TERM))
_PROFILE = _texts("type", "localhostProfile")

SUBSTITUTED: Mapping[str, Schema] = _texts(
    "runtimeClassName", "schedulerName", "priorityClassName", "dnsPolicy",
    nodeSelector=KEYS_AND_VALUES,
    tolerations=_texts("key", "value", "operator", "effect"),
    affinity=_texts(
        nodeAffinity=_texts(
            requiredDuringSchedulingIgnoredDuringExecution=_texts(nodeSelectorTerms=_NODE_TERM),
            preferredDuringSchedulingIgnoredDuringExecution=_texts(preference=_NODE_TERM)),
        podAffinity=_POD_AFFINITY, podAntiAffinity=_POD_AFFINITY),
    securityContext=_texts(
        "supplementalGroupsPolicy", "fsGroupChangePolicy", "seLinuxChangePolicy",
        seLinuxOptions=_texts("user", "role", "type", "level"),
        windowsOptions=_texts("gmsaCredentialSpecName", "gmsaCredentialSpec", "runAsUserName"),
        sysctls=_texts("name", "value"), seccompProfile=_PROFILE, appArmorProfile=_PROFILE),
    imagePullSecrets=_texts("name"),
    hostAliases=_texts("ip", "hostnames"),
    topologySpreadConstraints=_texts("topologyKey", labelSelector=_SELECTOR),
    dnsConfig=_texts("nameservers", "searches", options=_texts("name", "value")),
    volumes=_texts(
        "name",
        configMap=_texts("name", items=_texts("key", "path")),
        secret=_texts("secretName", items=_texts("key", "path")),
        persistentVolumeClaim=_texts("claimName"),
        projected=_texts(sources=_texts(configMap=_texts("name"), secret=_texts("name"),
                                        serviceAccountToken=_texts("audience"))),
        csi=_texts(nodePublishSecretRef=_texts("name"), volumeAttributes=VALUES)),
    env=_texts("name", "value", valueFrom=_texts(
        configMapKeyRef=_texts("name", "key"), secretKeyRef=_texts("name", "key"),
        fieldRef=_texts("fieldPath"), resourceFieldRef=_texts("resource", "containerName"))),
)


def pod_template_replacements(specs: Sequence[ParamSpec], given: Mapping[str, ParamValue]
                              ) -> Replacements:
    """The params a ``podTemplate`` may use: the run's values over the Task's defaults
    (object keys merged), undeclared run params too, with ``inputs.params`` aliases."""
    return add_legacy_param_aliases(param_replacements(specs, given))


def _apply(schema: Schema, value: Any, r: Replacements) -> Any:
    if isinstance(value, list):
        return [_apply(schema, v, r) for v in value]
    if schema == TEXT:
        return r.apply(value) if isinstance(value, str) else value
    if not isinstance(value, dict):
        return value
    if schema == KEYS_AND_VALUES:
        return {r.apply(str(k)): _apply(TEXT, v, r) for k, v in value.items()}
    if schema == VALUES:
        return {k: _apply(TEXT, v, r) for k, v in value.items()}
    assert isinstance(schema, Mapping)
    return {k: _apply(schema[k], v, r) if k in schema else v for k, v in value.items()}


def substitute_pod_template(template: Mapping[str, Any] | None, r: Replacements
                            ) -> dict[str, Any] | None:
    """A copy of ``template`` with ``r`` applied to the fields of :data:`SUBSTITUTED`
    (``None`` stays ``None``). Unknown references stay as written."""
    if template is None:
        return None
    out: dict[str, Any] = _apply(SUBSTITUTED, copy.deepcopy(dict(template)), r)
    return out
