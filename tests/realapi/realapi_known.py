"""Differential scenarios where the embedded server is known to differ from kube-apiserver.

Each id here is a strict xfail and must be listed in docs/compatibility.md with the details
(``test_compatibility_doc.py`` checks). When the embedded server is fixed, the scenario
XPASSes and fails the run: delete its line here and its row in the document.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
    "list_items_kind": "list items carry kind and apiVersion",
    "empty_fields_are_omitted": "empty maps and lists are stored instead of dropped",
    "merge_patch": "message for a malformed merge patch",
    "json_patch": "JSON patch errors lack details {} and kube's messages",
    "strategic_merge_patch": "Pod update error messages; unknown field kept; 415 message",
    "label_and_field_selectors": "message for an unsupported field selector",
    "pagination": "message for a bad continue token",
    "dry_run": "an invalid dryRun value is accepted",
    "namespace_lifecycle": "a deleted namespace is removed at once, not kept Terminating",
    "invalid_metadata": "finalizer names and ConfigMap keys are not validated",
    "malformed_bodies": "decoder messages; wrong field types and text/plain accepted",
    "field_validation": "fieldValidation Strict/Warn/Ignore not applied to built-in kinds",
    "update_conflicts_and_preconditions": "uid precondition on update; option validation",
    "immutable_configmap": "an immutable ConfigMap can be changed",
    "custom_resource_validation": "custom resource error messages; CRD defaults",
    "status_subresource": "field path in a status validation message",
    "finalizers_and_deletion": "kube lists the finalizer cause twice",
    "leases_for_leader_election": "Lease spec is not validated",
    "secrets_encoding": "stringData, type default, base64 check, immutable type",
    "events_for_recorders": "Event defaults and validation",
    "nodes_for_the_local_agent": "Node status defaults; 404 details {}",
    "discovery_of_what_tekpy_uses": "storageVersionHash, namespace verbs, apiVersion",
    "server_side_apply": "apply is a merge patch (deliberate); 200 on create; no fieldManager",
    "table_output_for_kubectl": "description of the Data column",
    "size_limits": "the 1 MiB limit of a ConfigMap's data is not enforced",
}
