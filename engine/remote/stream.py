"""The wire format of OpenAI-compatible streaming: SSE lines in, answer pieces out.

``/v1/chat/completions`` with ``"stream": true`` answers with Server-Sent Events
whose ``data:`` payloads are JSON chunks (``choices[0].delta.content``), ending
with ``data: [DONE]``. :class:`LineSplitter` cuts the bytes into lines,
:class:`SSEDecoder` lines into event payloads, and :class:`ChunkParser` turns
payloads into text and remembers how the answer ended. Pure parsing, no I/O:
:mod:`engine.remote.client` does the HTTP around it (and bounds what it feeds in).
Garbage raises :class:`~engine.errors.RemoteProtocolError`.

Server text never reaches an error message unfiltered: :func:`quote` is the one
way in, and it hides the token (and anything shaped like ``Bearer <secret>``)
before it shortens, so a cut cannot leave half a secret behind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from engine.errors import RemoteProtocolError


@dataclass(frozen=True)
class RemoteDelta:
    """A piece of answer text from the remote server."""

    text: str


@dataclass(frozen=True)
class RemoteDone:
    """The remote answer ended normally (or was cancelled by the caller)."""

    finish_reason: Literal["stop", "length", "cancelled"]
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str = ""


RemoteChunk = RemoteDelta | RemoteDone


HIDDEN = "[hidden]"
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s\"',;}\]]+")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def redact(text: str, secret: str | None = None) -> str:
    """``text`` with ``secret`` and every ``Bearer <credential>`` replaced by ``[hidden]``.

    Servers echo request headers in error bodies (a 401 that repeats the
    ``Authorization`` header is common), and error messages end up on stderr
    and in stored history notices.
    """
    if secret:
        text = text.replace(secret, HIDDEN)
    return _CREDENTIAL.sub(rf"\1\2{HIDDEN}", text)


def quote(text: str, limit: int, secret: str | None = None) -> str:
    """Server text fit for an error message: credentials hidden first, then shortened."""
    return redact(text, secret)[:limit]


class LineSplitter:
    """Cuts a byte stream into lines (``\\r\\n``, ``\\n`` or ``\\r``, as SSE allows).

    Holds only the unfinished last line; :mod:`engine.remote.client` bounds the bytes
    fed in, which bounds that line too.
    """

    def __init__(self) -> None:
        self._pending = bytearray()
        self._scanned = 0  # bytes of _pending already known to hold no line end

    def feed(self, data: bytes) -> list[str]:
        """Take the next bytes; return the lines they complete (without line ends)."""
        self._pending += data
        lines: list[str] = []
        start = 0
        while (end := _LINE_END.search(self._pending, max(start, self._scanned))) is not None:
            if end.group() == b"\r" and end.end() == len(self._pending):
                break  # maybe the first half of a \r\n split across two reads
            lines.append(self._pending[start : end.start()].decode("utf-8", errors="replace"))
            start = end.end()
        del self._pending[:start]
        # Resume the search where it stopped, so a long line is scanned once, not per read.
        self._scanned = max(0, len(self._pending) - 1)
        return lines

    def flush(self) -> list[str]:
        """The last line when the stream ended without a line end."""
        rest = bytes(self._pending).rstrip(b"\r")
        self._pending.clear()
        self._scanned = 0
        return [rest.decode("utf-8", errors="replace")] if rest else []


class SSEDecoder:
    """Turns Server-Sent-Event lines into the ``data`` payload of each event."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        """Take one line (without its newline); return an event's data when one completes."""
        if not line:
            if not self._data:
                return None
            data, self._data = "\n".join(self._data), []
            return data
        if line.startswith(":"):
            return None  # a comment, used as keep-alive
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None  # "event", "id", "retry" and unknown fields are ignored, as the spec says

    def flush(self) -> str | None:
        """The last event when the stream ended without its blank line."""
        return self.feed("")


class ChunkParser:
    """Parses one answer's JSON chunks; remembers finish reason, usage and model name.

    ``secret`` (the token) is hidden from any server text an error quotes.
    """

    def __init__(self, secret: str | None = None) -> None:
        self._secret = secret
        self.finish: str | None = None
        self.usage: Mapping[str, Any] = {}
        self.model = ""

    def take(self, data: str, host: str) -> str:
        """Parse one chunk; return its text. Raise RemoteProtocolError for garbage."""
        try:
            chunk = json.loads(data)
        except (ValueError, RecursionError):  # deep nesting ("[[[[...") exhausts the parser
            raise RemoteProtocolError(
                f"The remote server {host} sent data that is not JSON: "
                f"{quote(data, 80, self._secret)!r}."
            ) from None
        if not isinstance(chunk, dict):
            raise RemoteProtocolError(f"The remote server {host} sent an unexpected chunk.")
        if "error" in chunk:
            raise RemoteProtocolError(
                f"The remote server {host} reported an error: "
                f"{error_text(chunk['error'], self._secret)}"
            )
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            raise RemoteProtocolError(
                f"The remote server {host} sent a chunk without 'choices'; "
                "is fallback.url an OpenAI-compatible server?"
            )
        self.model = str(chunk.get("model") or self.model)
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        if not choices or not isinstance(choices[0], dict):
            return ""
        choice = choices[0]
        if choice.get("finish_reason"):
            self.finish = str(choice["finish_reason"])
        delta = choice.get("delta") or choice.get("message") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        return content if isinstance(content, str) else ""

    def done(self, reason: Literal["cancelled"] | None = None) -> RemoteDone:
        """The closing chunk for the caller."""
        finish: Literal["stop", "length", "cancelled"] = reason or (
            "length" if self.finish == "length" else "stop"
        )
        return RemoteDone(
            finish,
            _int_or_none(self.usage.get("prompt_tokens")),
            _int_or_none(self.usage.get("completion_tokens")),
            self.model,
        )


def status_error(status: int, body: str, host: str, secret: str | None) -> RemoteProtocolError:
    """The error for a non-200 answer: the status, the server's own words, what to do."""
    detail = ""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict) and "error" in parsed:
        detail = f": {error_text(parsed['error'], secret)}"
    if status in (401, 403):
        hint = "The server refused genba's token; ask IT for a valid one (OS keyring)."
    elif status == 404:
        hint = "Check fallback.url (it should point at an OpenAI-compatible /v1 API)."
    elif status >= 500:
        hint = "The server is having trouble; try again later."
    else:
        hint = "Check fallback.url and fallback.model."
    return RemoteProtocolError(f"The remote server {host} answered HTTP {status}{detail}. {hint}")


def error_text(error: object, secret: str | None = None) -> str:
    """The human part of an OpenAI-style ``error`` value, credentials hidden, bounded."""
    if isinstance(error, dict):
        error = error.get("message", error)
    return quote(str(error), 200, secret)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
