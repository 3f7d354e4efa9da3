"""The wire between the engine and its inference worker: length-prefixed JSON over pipes.

Each message is a 4-byte big-endian length and a UTF-8 JSON object. Requests
carry ``op`` and ``id``; the worker answers each with ``{"id", "ok": {...}}`` or
``{"id", "error": {"type", "message", "code", "params"}}``, and a streaming request (``generate``)
sends ``{"id", "token", "text"}`` items before its answer. ``{"op": "cancel",
"id"}`` may arrive at any time; ``{"op": "log", ...}`` carries a log record from
the worker. Pipes rather than sockets: they work the same on Windows and Linux,
need no port, and end (EOF) when either side dies, which is how a crash is seen.
"""

from __future__ import annotations

import json
from typing import IO, Any

from engine import errors
from engine.error_codes import ErrorMessage

MAX_MESSAGE_BYTES = 64 << 20
"""A generous bound (a routing trace of a long answer is the largest message; the expert
load of ``take_load`` is E numbers per layer, whatever the answer's length)."""

_HEADER = 4

Message = dict[str, Any]


class ProtocolError(Exception):
    """The other side sent something that is not a message of this protocol."""


def encode(message: Message) -> bytes:
    """One framed message."""
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}")
    return len(data).to_bytes(_HEADER, "big") + data


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(stream: IO[bytes]) -> Message | None:
    """The next message, or None at end of stream (the other side closed or died)."""
    header = _read_exactly(stream, _HEADER)
    if header is None:
        return None
    size = int.from_bytes(header, "big")
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes announced")
    body = _read_exactly(stream, size)
    if body is None:
        return None
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    return message


def error_payload(exc: BaseException) -> Message:
    """How an engine error crosses the wire (class name, message, code and parameters)."""
    coded = ErrorMessage.of(exc)
    return {
        "type": type(exc).__name__, "message": coded.message, "code": coded.code,
        "params": dict(coded.params),
    }


def raise_error(payload: Any) -> None:
    """Raise the engine error a worker reported; unknown kinds become GenerationError.

    Its code and parameters come along when they are what the engine sends
    (a code as text, parameters as names to str/int/float), so the window can
    translate an error from the worker (llama.cpp's CPU backend) like any other.
    """
    data = payload if isinstance(payload, dict) else {}
    message = str(data.get("message")) if data else str(payload)
    code, params = data.get("code"), data.get("params")
    if not (isinstance(code, str) and isinstance(params, dict) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in params.values()
    )):
        code, params = "", {}
    cls = getattr(errors, str(data.get("type")), None)
    if isinstance(cls, type) and issubclass(cls, errors.GenbaError) and (
        cls is not errors.LocalCrashError
    ):
        raise cls(message, code=code, params=params)
    raise errors.GenerationError(message, code=code, params=params)
