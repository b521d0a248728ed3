"""The container termination message: Tekton's JSON list of ``{key, value, type}`` entries.

Kubernetes keeps at most 4096 bytes of a termination message, so a message that would be longer
is not written and the step fails (Tekton's ``MessageLengthError``). Each write appends to the
entries already in the file, as Tekton's writer does, so results and ``StartedAt`` written at
different moments end up in one list.
"""

from __future__ import annotations

import os

# json, base64 and zlib are imported where used: most steps never need them, and every
# import is start-up time of every step.

#: Result types as Tekton numbers them (pkg/result). 2 was PipelineResourceResult, now unused.
TASK_RUN_RESULT = 1
INTERNAL_TEKTON_RESULT = 3
STEP_RESULT = 4
STEP_ARTIFACTS_RESULT = 5
TASK_RUN_ARTIFACTS_RESULT = 6
UNKNOWN_RESULT = 10

_TYPE_NAMES = {
    "TaskRunResult": TASK_RUN_RESULT,
    "InternalTektonResult": INTERNAL_TEKTON_RESULT,
    "StepResult": STEP_RESULT,
    "StepArtifactsResult": STEP_ARTIFACTS_RESULT,
    "TaskRunArtifactsResult": TASK_RUN_ARTIFACTS_RESULT,
}

MAX_MESSAGE_LENGTH = 4096
COMPRESSED_PREFIX = "tknz:"
_MAX_DECOMPRESSED = 128 * 1024
TOO_LONG_MESSAGE = (
    "Termination message is above max allowed size 4096, caused by large task result."
)


# path -> (bytes we last wrote there, their entries), to append without re-parsing.
_last_written: dict[str, tuple[bytes, list[RunResult]]] = {}


class MessageLengthError(Exception):
    """The termination message would exceed :data:`MAX_MESSAGE_LENGTH` bytes."""

    def __init__(self) -> None:
        super().__init__(TOO_LONG_MESSAGE)


class RunResult:
    """One termination-message entry."""

    __slots__ = ("key", "resource_name", "type", "value")

    def __init__(self, key: str, value: str, type: int = 0, resource_name: str = "") -> None:
        self.key = key
        self.value = value
        self.type = type
        self.resource_name = resource_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunResult) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.key, self.value, self.type, self.resource_name))

    def __repr__(self) -> str:
        return f"RunResult({self.key!r}, {self.value!r}, {self.type!r})"

    def to_json(self) -> dict[str, object]:
        """The entry as Go's encoding/json writes it (empty fields omitted)."""
        out: dict[str, object] = {"key": self.key, "value": self.value}
        if self.resource_name:
            out["resourceName"] = self.resource_name
        if self.type:
            out["type"] = self.type
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RunResult:
        """Parse an entry; ``type`` may be a number or Tekton's type name."""
        raw = data.get("type", 0)
        if isinstance(raw, str):
            rtype = _TYPE_NAMES.get(raw, UNKNOWN_RESULT)
        else:
            rtype = int(raw)  # type: ignore[call-overload]
        return cls(
            key=str(data.get("key", "")),
            value=str(data.get("value", "")),
            type=rtype,
            resource_name=str(data.get("resourceName", "") or ""),
        )


# Go's encoding/json escapes control characters, the HTML characters and U+2028/U+2029.
_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)}
_ESCAPES.update(
    {
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord("\b"): "\\b",
        ord("\f"): "\\f",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("<"): "\\u003c",
        ord(">"): "\\u003e",
        ord("&"): "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)


def _quote(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def encode(results: list[RunResult]) -> bytes:
    """Encode entries byte-for-byte as Go's ``json.Marshal`` would."""
    parts = []
    for r in results:
        item = f'{{"key":{_quote(r.key)},"value":{_quote(r.value)}'
        if r.resource_name:
            item += f',"resourceName":{_quote(r.resource_name)}'
        if r.type:
            item += f',"type":{int(r.type)}'
        parts.append(item + "}")
    return ("[" + ",".join(parts) + "]").encode("utf-8", "surrogateescape")


def compress(payload: bytes) -> bytes:
    """Tekton's compressed form: ``tknz:`` + unpadded base64 of raw DEFLATE (best compression)."""
    import base64
    import zlib

    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflater.compress(payload) + deflater.flush()
    return COMPRESSED_PREFIX.encode() + base64.b64encode(raw).rstrip(b"=")


def decode(data: bytes) -> list[RunResult]:
    """Parse a termination message (plain or ``tknz:`` compressed)."""
    import base64
    import json
    import zlib

    if data.startswith(COMPRESSED_PREFIX.encode()):
        body = data[len(COMPRESSED_PREFIX) :].strip()
        body += b"=" * (-len(body) % 4)
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(base64.b64decode(body), _MAX_DECOMPRESSED + 1)
        if len(data) > _MAX_DECOMPRESSED:
            raise ValueError("decompressed termination message exceeds 131072 byte limit")
    entries = json.loads(data)
    if not isinstance(entries, list):
        raise ValueError("termination message is not a list")
    return [RunResult.from_json(e) for e in entries]


def write_message(path: str, results: list[RunResult], *, compressed: bool = False) -> None:
    """Append ``results`` to the message at ``path``; raise MessageLengthError when too long."""
    try:
        with open(path, "rb") as f:
            existing = f.read()
    except FileNotFoundError:
        existing = b""
    entries = list(results)
    if existing.strip():
        cached = _last_written.get(path)
        if cached is not None and cached[0] == existing:
            # Our own previous write: no need to parse it (json costs start-up time).
            entries = cached[1] + entries
        else:
            try:
                entries = decode(existing) + entries
            except (ValueError, TypeError, ArithmeticError):
                pass  # an unreadable message is replaced, as Tekton does
    payload = encode(entries)
    if compressed:
        packed = compress(payload)
        if len(packed) < len(payload):
            payload = packed
    if len(payload) > MAX_MESSAGE_LENGTH:
        raise MessageLengthError()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        # No fsync (Tekton syncs): the kubelet reads the file through the same page cache
        # after the container exits, and a sync costs milliseconds on every step.
    finally:
        os.close(fd)
    _last_written[path] = (payload, entries)
