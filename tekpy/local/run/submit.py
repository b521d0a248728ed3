"""Reading, validating and creating the objects of ``tekpy run``'s files.

Everything is read and validated before anything is created, so invalid input runs nothing.
Objects are created in dependency order: namespaces, then every other object (ConfigMaps,
Secrets, claims, Tasks, Pipelines, ...), then the runs, so a run never starts before what
it references exists.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import attrs

from tekpy.runtime.client import NAMESPACES, Client, Resource, is_already_exists

__all__ = ["RUN_KINDS", "Document", "Loaded", "RunRef", "load_files", "submit"]

RUN_KINDS = ("PipelineRun", "TaskRun")
TEKTON_GROUP = "tekton.dev"


@attrs.frozen
class RunRef:
    """A submitted run: its kind, namespace and (server-given, for generateName) name."""

    kind: str
    namespace: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


@attrs.define
class Document:
    """One object to create, with where it came from (for error messages)."""

    file: str
    index: int
    raw: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.raw.get("kind", ""))

    @property
    def is_run(self) -> bool:
        group = str(self.raw.get("apiVersion", "")).partition("/")[0]
        return group == TEKTON_GROUP and self.kind in RUN_KINDS

    @property
    def where(self) -> str:
        meta = self.raw.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or "?"
        return f"{self.file}: document {self.index} ({self.kind or '?'}/{name})"


@attrs.define
class Loaded:
    """The documents of the files and every problem found in them."""

    documents: list[Document] = attrs.Factory(list)
    errors: list[str] = attrs.Factory(list)

    @property
    def runs(self) -> list[Document]:
        return [d for d in self.documents if d.is_run]


def load_files(files: list[str], config: Any) -> Loaded:
    """Parse and validate every document of ``files`` (``-`` is stdin) with Tekton's rules;
    problems are collected as ``file: document N (Kind/name): field.path: message`` lines."""
    from tekpy.api import parse_documents, validate

    out = Loaded()
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as exc:
            out.errors.append(f"{name}: cannot read: {exc.strerror or exc}")
            continue
        for doc in parse_documents(text):
            label = f"{name}: document {doc.index} ({doc.kind or '?'}/{doc.name or '?'})"
            errors = doc.errors
            if not errors and doc.obj is not None:
                errors = validate(doc.obj, config, legacy=doc.version != "v1")
            for e in errors.merged():
                for path in e.paths or [""]:
                    where = f"{path}: " if path else ""
                    out.errors.append(f"{label}: {where}{e.message}")
            if errors:
                continue
            if not isinstance(doc.raw, dict) or not doc.kind or not doc.api_version:
                out.errors.append(f"{label}: apiVersion and kind are required")
                continue
            out.documents.append(Document(name, doc.index, doc.raw))
    return out


async def resolve_resources(client: Client, docs: list[Document]) -> tuple[
        list[tuple[Document, Resource]], list[str]]:
    """The API resource of each document through discovery; unknown kinds are errors."""
    from tekpy.runtime.client import NoKindMatchError

    found: list[tuple[Document, Resource]] = []
    errors: list[str] = []
    for doc in docs:
        try:
            res = await client.mapper.resource_for(str(doc.raw["apiVersion"]), doc.kind)
        except NoKindMatchError as exc:
            errors.append(f"{doc.where}: the server does not serve this kind: {exc}")
            continue
        found.append((doc, res))
    return found, errors


def _order(doc: Document) -> int:
    if doc.kind == "Namespace" and doc.raw.get("apiVersion") == "v1":
        return 0
    return 2 if doc.is_run else 1


async def submit(client: Client, resolved: list[tuple[Document, Resource]],
                 default_namespace: str) -> list[RunRef]:
    """Create the objects in dependency order (namespaces created when missing) and return
    the runs, with the names the server gave them."""
    namespaces = {str((d.raw.get("metadata") or {}).get("namespace") or default_namespace)
                  for d, r in resolved if r.namespaced}
    for name in sorted(namespaces):
        try:
            await client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": name}})
        except Exception as exc:
            # Already there (the usual case), or creation is forbidden on a cluster where it
            # exists anyway: the object creates below report a real problem.
            if not is_already_exists(exc) and getattr(exc, "status", None) != 403:
                raise
    runs: list[RunRef] = []
    for doc, res in sorted(resolved, key=lambda dr: _order(dr[0])):
        body = copy.deepcopy(doc.raw)
        ns: str | None = None
        if res.namespaced:
            ns = str((body.get("metadata") or {}).get("namespace") or default_namespace)
        try:
            created = await client.create(res, body, namespace=ns)
        except Exception as exc:
            if res == NAMESPACES and is_already_exists(exc):
                continue  # created above, because objects of the files live in it
            raise SubmitError(f"{doc.where}: cannot create: {exc}", runs) from exc
        if doc.is_run:
            runs.append(RunRef(doc.kind, ns or default_namespace,
                               str(created["metadata"]["name"])))
    return runs


class SubmitError(Exception):
    """The server refused an object (the message names the document); ``runs`` are the
    runs created before it, which the caller cancels."""

    def __init__(self, message: str, runs: list[RunRef]) -> None:
        super().__init__(message)
        self.runs = runs
