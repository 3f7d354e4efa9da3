"""The wire format of OpenAI-compatible streaming: SSE lines in, answer pieces out.

``/v1/chat/completions`` with ``"stream": true`` answers with Server-Sent Events
whose ``data:`` payloads are JSON chunks (``choices[0].delta.content``), ending
with ``data: [DONE]``. :class:`SSEDecoder` splits lines into event payloads;
:class:`ChunkParser` turns payloads into text and remembers how the answer
ended. Pure parsing, no I/O: :mod:`engine.remote` does the HTTP around it.
Garbage raises :class:`~engine.errors.RemoteProtocolError`.
"""

from __future__ import annotations

import json
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
    """Parses one answer's JSON chunks; remembers finish reason, usage and model name."""

    def __init__(self) -> None:
        self.finish: str | None = None
        self.usage: Mapping[str, Any] = {}
        self.model = ""

    def take(self, data: str, host: str) -> str:
        """Parse one chunk; return its text. Raise RemoteProtocolError for garbage."""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise RemoteProtocolError(
                f"The remote server {host} sent data that is not JSON: {data[:80]!r}."
            ) from None
        if not isinstance(chunk, dict):
            raise RemoteProtocolError(f"The remote server {host} sent an unexpected chunk.")
        if "error" in chunk:
            raise RemoteProtocolError(
                f"The remote server {host} reported an error: {error_text(chunk['error'])}"
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


def error_text(error: object) -> str:
    """The human part of an OpenAI-style ``error`` value, bounded in length."""
    if isinstance(error, dict):
        error = error.get("message", error)
    return str(error)[:200]


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
