"""Streaming client for a remote OpenAI-compatible ``/v1/chat/completions`` server.

Works with llama.cpp's server, llama-cpp-python's server, vLLM and Ollama: one
POST with ``"stream": true``, answered by Server-Sent Events whose ``data:``
lines carry JSON chunks and end with ``data: [DONE]``.

Deadlines (from :class:`RemoteConfig`): *connect* bounds opening the
connection, *read* bounds every wait for the next bytes, *total* bounds the
whole answer and is checked on every line received. A dead or slow server
therefore ends a query after at most ``total + read`` seconds, whatever it does.
Connect errors are retried once (not certificate errors: they would fail the
same way again). Every stream is bounded in size.

Errors (the engine's tree, see :mod:`engine.errors`):

* :class:`~engine.errors.RemoteUnavailableError`: offline, cannot connect, TLS
  refused, no answer before the read deadline;
* :class:`~engine.errors.RemoteProtocolError`: error status, stream cut,
  malformed SSE or JSON, stalled or too slow mid-answer, too large.

Text already yielded stays with the caller; the error only says why it ended.
The token goes in the ``Authorization`` header and nowhere else.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from engine.errors import RemoteProtocolError, RemoteUnavailableError
from engine.network import NetworkConfig, open_client
from engine.remote_stream import (
    ChunkParser,
    RemoteChunk,
    RemoteDelta,
    RemoteDone,
    SSEDecoder,
    error_text,
)

__all__ = [
    "RemoteChunk",
    "RemoteClient",
    "RemoteConfig",
    "RemoteDelta",
    "RemoteDone",
    "SSEDecoder",
]

log = logging.getLogger(__name__)

CONNECT_S = 10.0
READ_S = 30.0
MAX_STREAM_BYTES = 8 * 1024 * 1024
"""No answer is this large; a server sending more is broken or hostile."""
MAX_ERROR_BODY = 2048


class RemoteSettings(Protocol):
    """The part of ``engine.settings.Settings`` :meth:`RemoteConfig.from_settings` reads."""

    def get_str(self, key: str) -> str: ...
    def get_float(self, key: str) -> float: ...


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote server is and how long to wait for it."""

    url: str
    model: str = ""
    connect_s: float = CONNECT_S
    read_s: float = READ_S
    total_s: float = 60.0
    ca_bundle: str = ""

    @classmethod
    def from_settings(cls, settings: RemoteSettings) -> RemoteConfig:
        """``fallback.timeout_s`` is the total deadline; connect and read never exceed it."""
        total = settings.get_float("fallback.timeout_s")
        return cls(
            url=settings.get_str("fallback.url"),
            model=settings.get_str("fallback.model"),
            connect_s=min(CONNECT_S, total),
            read_s=min(READ_S, total),
            total_s=total,
            ca_bundle=settings.get_str("fallback.ca_bundle"),
        )

    @property
    def endpoint(self) -> str:
        """The chat-completions URL: ``fallback.url`` may be the server root or its ``/v1``."""
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if base.endswith("/v1"):
            return f"{base}/chat/completions"
        return f"{base}/v1/chat/completions"

    @property
    def host(self) -> str:
        """``host:port`` for messages (never the full URL, which could carry a query)."""
        parts = urlsplit(self.url)
        return parts.netloc.rsplit("@", 1)[-1]


class RemoteClient:
    """One remote server. Not thread-safe; use one per query thread."""

    def __init__(
        self,
        config: RemoteConfig,
        network: NetworkConfig,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._network = network
        self._token = token
        self._transport = transport

    def stream_chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        max_tokens: int = 512,
        cancel: threading.Event | None = None,
        temperature: float | None = None,
        seed: int | None = None,
    ) -> Iterator[RemoteChunk]:
        """Stream one answer: :class:`RemoteDelta` pieces, then one :class:`RemoteDone`.

        ``temperature``/``seed`` are sent when given (servers may ignore ``seed``).
        """
        deadline = time.monotonic() + self.config.total_s
        timeout = httpx.Timeout(
            connect=self.config.connect_s,
            read=min(self.config.read_s, self.config.total_s),
            write=self.config.read_s,
            pool=self.config.connect_s,
        )
        client = open_client(
            self._network,
            timeout=timeout,
            ca_bundle=self.config.ca_bundle or None,
            transport=self._transport,
        )
        with client:
            body = self._body(messages, max_tokens)
            if temperature is not None:
                body["temperature"] = temperature
            if seed is not None:
                body["seed"] = seed
            response = self._send(client, body, deadline)
            try:
                yield from self._read(response, deadline, cancel)
            finally:
                response.close()

    # -- request -----------------------------------------------------------
    def _body(self, messages: Sequence[Mapping[str, str]], max_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "stream": True,
            "max_tokens": max_tokens,
        }
        if self.config.model:
            body["model"] = self.config.model
        return body

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _send(self, client: httpx.Client, body: dict[str, Any], deadline: float) -> httpx.Response:
        host = self.config.host
        for attempt in (1, 2):
            request = client.build_request(
                "POST", self.config.endpoint, json=body, headers=self._headers()
            )
            try:
                response = client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                tls = _tls_failure(exc)
                if tls is not None:
                    raise RemoteUnavailableError(
                        f"The remote server {host} presented a certificate genba does not "
                        f"trust ({tls}). Ask IT to install its CA in the system trust store "
                        "or set fallback.ca_bundle."
                    ) from exc
                if attempt == 2 or time.monotonic() >= deadline:
                    raise RemoteUnavailableError(
                        f"Cannot connect to the remote server {host} ({_what(exc)}). "
                        "Check the network, the proxy and fallback.url."
                    ) from exc
                log.info("Connecting to %s failed (%s); retrying once", host, _what(exc))
                continue
            except httpx.TimeoutException as exc:
                raise RemoteUnavailableError(
                    f"The remote server {host} did not answer within "
                    f"{self.config.read_s:g} s. It may be overloaded; try again later."
                ) from exc
            except httpx.HTTPError as exc:
                raise RemoteUnavailableError(
                    f"Cannot reach the remote server {host} ({_what(exc)}). "
                    "Check the network and fallback.url."
                ) from exc
            if response.status_code != 200:
                raise _status_error(response, host)
            log.info("Remote answer from %s started", host)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    # -- response ----------------------------------------------------------
    def _read(
        self, response: httpx.Response, deadline: float, cancel: threading.Event | None
    ) -> Iterator[RemoteChunk]:
        host = self.config.host
        if response.headers.get("content-type", "").startswith("application/json"):
            yield from _whole_answer(response, host)  # a server that ignored "stream": true
            return
        decoder = SSEDecoder()
        state = ChunkParser()
        for line in self._lines(response, deadline):
            if cancel is not None and cancel.is_set():
                yield state.done("cancelled")
                return
            data = decoder.feed(line)
            if data is None:
                continue
            if data.strip() == "[DONE]":
                yield state.done()
                return
            text = state.take(data, host)
            if text:
                yield RemoteDelta(text)
        last = decoder.flush()
        if last is not None and last.strip() != "[DONE]":
            text = state.take(last, host)
            if text:
                yield RemoteDelta(text)
        if state.finish is None:
            raise RemoteProtocolError(
                f"The remote server {host} ended the stream before the answer was complete."
            )
        yield state.done()

    def _lines(self, response: httpx.Response, deadline: float) -> Iterator[str]:
        """The response's lines, bounded in size and time; httpx errors become ours."""
        host = self.config.host
        received = 0
        try:
            for line in response.iter_lines():
                received += len(line) + 1
                if received > MAX_STREAM_BYTES:
                    raise RemoteProtocolError(
                        f"The remote server {host} sent more than "
                        f"{MAX_STREAM_BYTES // 1_000_000} MB; the answer was stopped."
                    )
                if time.monotonic() > deadline:
                    raise RemoteProtocolError(
                        f"The remote server {host} did not finish within "
                        f"{self.config.total_s:g} s (fallback.timeout_s)."
                    )
                yield line
        except httpx.TimeoutException as exc:
            raise RemoteProtocolError(
                f"The remote server {host} stopped sending for {self.config.read_s:g} s mid-answer."
            ) from exc
        except httpx.HTTPError as exc:
            raise RemoteProtocolError(
                f"The connection to the remote server {host} broke mid-answer ({_what(exc)})."
            ) from exc


def _whole_answer(response: httpx.Response, host: str) -> Iterator[RemoteChunk]:
    body = b""
    for part in response.iter_bytes():
        body += part
        if len(body) > MAX_STREAM_BYTES:
            raise RemoteProtocolError(f"The remote server {host} sent an oversized answer.")
    state = ChunkParser()
    text = state.take(body.decode("utf-8", errors="replace"), host)
    if text:
        yield RemoteDelta(text)
    yield state.done()


def _status_error(response: httpx.Response, host: str) -> RemoteProtocolError:
    status = response.status_code
    try:
        body = response.read()[:MAX_ERROR_BODY].decode("utf-8", errors="replace")
    except httpx.HTTPError:
        body = ""
    finally:
        response.close()
    detail = ""
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict) and "error" in parsed:
            detail = f": {error_text(parsed['error'])}"
    except ValueError:
        pass
    if status in (401, 403):
        hint = "The server refused genba's token; ask IT for a valid one (OS keyring)."
    elif status == 404:
        hint = "Check fallback.url (it should point at an OpenAI-compatible /v1 API)."
    elif status >= 500:
        hint = "The server is having trouble; try again later."
    else:
        hint = "Check fallback.url and fallback.model."
    return RemoteProtocolError(f"The remote server {host} answered HTTP {status}{detail}. {hint}")


def _tls_failure(exc: BaseException) -> str | None:
    """The certificate problem behind a connect error, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or "verification failed"
        if isinstance(seen, ssl.SSLError):
            return seen.reason or "TLS error"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    return "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in text else None


def _what(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__
