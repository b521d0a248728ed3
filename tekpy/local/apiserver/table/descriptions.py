"""Column descriptions of kube's printers for built-in kinds, as Table responses carry them.

kube takes most of them from the API types' field documentation; clients see the text in
``columnDefinitions[].description``, so it is reproduced word for word.
"""

from __future__ import annotations

__all__ = ["COLUMN_DESCRIPTIONS"]

_EVENT = {
    "Last Seen": "The time at which the most recent occurrence of this event was recorded.",
    "Type": "Type of this event (Normal, Warning), new types could be added in the future",
    "Reason": "This should be a short, machine understandable string that gives the reason "
              "for the transition into the object's current status.",
    "Object": "The object that this event is about.",
    "Subobject": (
        "If referring to a piece of an object instead of an entire object, this string should "
        "contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is to a "
        "container within a pod, this would take on a value like: \"spec.containers{name}\" "
        "(where \"name\" refers to the name of the container that triggered the event) or if "
        "no container name is specified \"spec.containers[2]\" (container with index 2 in "
        "this pod). This syntax is chosen only to have some well-defined way of referencing a "
        "part of an object."),
    "Source": "The component reporting this event. Should be a short machine understandable "
              "string.",
    "Message": "A human-readable description of the status of this operation.",
    "First Seen": "The time at which the event was first recorded. (Time of server receipt is "
                  "in TypeMeta.)",
    "Count": "The number of times this event has occurred.",
}
_ADDRESSES = (
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field "
    "is declared as mergeable, but the merge key is not sufficiently unique, which can cause "
    "data corruption when it is merged. Callers should instead use a full-replacement patch. "
    "See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can "
    "change during the lifetime of a Node. However, there are some exceptions where this may "
    "not be possible, such as Pods that inherit a Node's address in its own status or "
    "consumers of the downward API (status.hostIP).")
_ROLE_REF = ("RoleRef can reference a Role in the current namespace or a ClusterRole in the "
             "global namespace. If the RoleRef cannot be resolved, the Authorizer must return "
             "an error.")


def _binding(what: str, role_ref: str) -> dict[str, str]:
    return {"Role": role_ref, "Users": f"Users in the {what}",
            "Groups": f"Groups in the {what}", "ServiceAccounts": f"ServiceAccounts in the {what}"}


#: (group, kind) -> column name -> description
COLUMN_DESCRIPTIONS: dict[tuple[str, str], dict[str, str]] = {
    ("", "Pod"): {
        "Ready": "The aggregate readiness state of this pod for accepting traffic.",
        "Status": "The aggregate status of the containers in this pod.",
        "Restarts": "The number of times the containers in this pod have been restarted and "
                    "when the last container in this pod has restarted.",
        "IP": "podIP address allocated to the pod. Routable at least within the cluster. "
              "Empty if not yet allocated.",
        "Node": (
            "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
            "candidate for scheduling by the scheduler defined in schedulerName. Once this "
            "field is set, the kubelet for this node becomes responsible for the lifecycle of "
            "this pod. This field should not be used to express a desire for the pod to be "
            "scheduled on a specific node. "
            "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"),
        "Nominated Node": (
            "nominatedNodeName is set only when this pod preempts other pods on the node, but "
            "it cannot be scheduled right away as preemption victims receive their graceful "
            "termination periods. This field does not guarantee that the pod will be scheduled "
            "on this node. Scheduler may decide to place the pod elsewhere if other nodes "
            "become available sooner. Scheduler may also decide to give the resources on this "
            "node to a higher priority pod that is created after preemption. As a result, this "
            "field may be different than PodSpec.nodeName when the pod is scheduled."),
        "Readiness Gates": (
            "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
            "ready when all its containers are ready AND all conditions specified in the "
            "readiness gates have status equal to \"True\" More info: "
            "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"),
    },
    ("", "Namespace"): {"Status": "The status of the namespace"},
    ("", "ConfigMap"): {"Data": (
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
        "BinaryData field. The keys stored in Data must not overlap with the keys in the "
        "BinaryData field, this is enforced during validation process.")},
    ("", "Secret"): {
        "Type": "Used to facilitate programmatic handling of secret data. More info: "
                "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
        "Data": (
            "Data contains the secret data. Each key must consist of alphanumeric characters, "
            "'-', '_' or '.'. The serialized form of the secret data is a base64 encoded "
            "string, representing the arbitrary (possibly non-string) data value here. "
            "Described in https://tools.ietf.org/html/rfc4648#section-4"),
    },
    ("", "ServiceAccount"): {"Secrets": (
        "Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use. Pods are only limited to this list if this service "
        "account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". "
        "The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. "
        "Prefer separate namespaces to isolate access to mounted secrets. This field should "
        "not be used to find auto-generated service account token secrets for use outside of "
        "pods. Instead, tokens can be requested directly using the TokenRequest API, or "
        "service account token secrets can be manually created. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret")},
    ("", "PersistentVolumeClaim"): {
        "Status": "phase represents the current phase of PersistentVolumeClaim.",
        "Volume": "volumeName is the binding reference to the PersistentVolume backing this "
                  "claim.",
        "Capacity": "capacity represents the actual resources of the underlying volume.",
        "Access Modes": "accessModes contains the actual access modes the volume backing the "
                        "PVC has. More info: https://kubernetes.io/docs/concepts/storage/"
                        "persistent-volumes#access-modes-1",
        "StorageClass": "StorageClass of the pvc",
        "VolumeAttributesClass": "VolumeAttributesClass of the pvc",
        "VolumeMode": "volumeMode defines what type of volume is required by the claim. Value "
                      "of Filesystem is implied when not included in claim spec.",
    },
    ("", "Event"): _EVENT,
    ("events.k8s.io", "Event"): _EVENT,
    ("", "Node"): {
        "Status": "The status of the node",
        "Roles": "The roles of the node",
        "Version": "Kubelet Version reported by the node.",
        "Internal-IP": _ADDRESSES,
        "External-IP": _ADDRESSES,
        "OS-Image": "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux "
                    "7 (wheezy)).",
        "Kernel-Version": "Kernel Version reported by the node from 'uname -r' (e.g. "
                          "3.16.0-0.bpo.4-amd64).",
        "Container-Runtime": "ContainerRuntime Version reported by the node through runtime "
                             "remote API (e.g. containerd://1.4.2).",
    },
    ("coordination.k8s.io", "Lease"): {"Holder": (
        "holderIdentity contains the identity of the holder of a current lease. If "
        "Coordinated Leader Election is used, the holder identity must be equal to the elected "
        "LeaseCandidate.metadata.name field.")},
    ("rbac.authorization.k8s.io", "RoleBinding"): _binding("roleBinding", _ROLE_REF),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _binding(
        "clusterRoleBinding",
        "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef "
        "cannot be resolved, the Authorizer must return an error."),
}
