"""Differential scenarios where the embedded server is known to differ from kube-apiserver.

Each id here is a strict xfail and must be listed in docs/compatibility.md with the details
(``test_compatibility_doc.py`` checks). When the embedded server is fixed, the scenario
XPASSes and fails the run: delete its line here and its row in the document.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
    "strategic_merge_patch": "Pod update diff in the message; nested unknown field kept",
    "malformed_bodies": "decoder messages; wrong field types and text/plain accepted",
    "field_validation": "strict patch message lacks managedFields",
    "custom_resource_validation": "custom resource error messages; CRD defaults",
    "status_subresource": "field path in a status validation message",
    "finalizers_and_deletion": "kube lists the finalizer cause twice",
    "leases_for_leader_election": "a Lease time that is not a MicroTime is accepted",
    "events_for_recorders": "Event defaults and validation",
    "nodes_for_the_local_agent": "Node status defaults; 404 details {}",
    "discovery_of_what_tekpy_uses": "storageVersionHash, namespace verbs, apiVersion",
    "server_side_apply": "apply is a merge patch (deliberate); 200 on create; no fieldManager",
    "table_output_for_kubectl": "description of the Data column",
    "size_limits": "the 1 MiB limit of a ConfigMap's data is not enforced",
}
