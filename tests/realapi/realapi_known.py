"""Differential scenarios where the embedded server is known to differ from kube-apiserver.

Each id here is a strict xfail and must be listed in docs/compatibility.md with the details
(``test_compatibility_doc.py`` checks). When the embedded server is fixed, the scenario
XPASSes and fails the run: delete its line here and its row in the document.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
}
