"""Streaming client for a remote OpenAI-compatible ``/v1/chat/completions`` server.

Works with llama.cpp's server, llama-cpp-python's server, vLLM and Ollama: one
POST with ``"stream": true``, answered by Server-Sent Events whose ``data:``
lines carry JSON chunks and end with ``data: [DONE]``.

Deadlines (from :class:`RemoteConfig`): *total* (``fallback.timeout_s``) is
one deadline for the whole exchange: connecting, sending, the headers and every
byte of the body, whether SSE, a whole JSON answer or an error body. httpx's
own timeouts restart with every byte, so :class:`Deadline` enforces it: a
watchdog shuts the connection down when it passes, and every chunk read is
checked against the clock. Within it, *connect* bounds opening the connection
and *read* every wait for the next bytes. A dead, slow or trickling server
therefore ends a query after ``total`` seconds, whatever it does. Connect
errors are retried once (not certificate errors: they would fail the same way
again).

Size: every body is counted as its bytes arrive (not per line), so memory stays
bounded whatever a server sends: answers stop at :data:`MAX_STREAM_BYTES`,
error bodies are read up to :data:`MAX_ERROR_BODY`. Compressed bodies are not
asked for and refused, because they could expand without bound before any check.

Errors (the engine's tree, see :mod:`engine.errors`):

* :class:`~engine.errors.RemoteUnavailableError`: offline, cannot connect, TLS
  refused, no answer before the read deadline;
* :class:`~engine.errors.RemoteProtocolError`: error status, stream cut,
  malformed SSE or JSON, stalled or too slow mid-answer, too large.

Text already yielded stays with the caller; the error only says why it ended.
Answer text is cleaned before it is yielded (:mod:`engine.clean_text`): U+FFFD,
also one the server sent itself, and lone surrogates are dropped and counted in
one log line per answer, so they never reach the window or history.
The token goes in the ``Authorization`` header and nowhere else: server text
enters a message only through :func:`~engine.remote.stream.quote`, and every
error leaving :meth:`RemoteClient.stream_chat` is passed through
:func:`~engine.remote.stream.redact` once more, so a server that echoes the
header cannot put the token on stderr or into history.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from engine.clean_text import TextPieces, log_dropped
from engine.errors import RemoteError, RemoteProtocolError, RemoteUnavailableError
from engine.remote.network import Deadline, NetworkConfig, open_client
from engine.remote.stream import (
    ChunkParser,
    LineSplitter,
    RemoteChunk,
    RemoteDelta,
    RemoteDone,
    SSEDecoder,
    redact,
    status_error,
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
"""Enough for any error message; the rest of an error body is never read."""


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
        )

    @property
    def endpoint(self) -> str:
        """The chat-completions URL: ``fallback.url`` may be the server root or its ``/v1``.

        Raises :class:`~engine.errors.RemoteUnavailableError` for a URL with a
        query or fragment, which appending the path would mangle (and whose
        query may hold a key); the settings layer refuses such a URL too.
        """
        if "?" in self.url or "#" in self.url:
            raise RemoteUnavailableError(
                "fallback.url has a ?query or #fragment, so genba sends nothing to it. "
                "Ask IT to set the server's base URL only (e.g. https://llm.example.com/v1); "
                "a key belongs in the OS keyring."
            )
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
        A trailing assistant message (an answer to continue) is sent as it is:
        servers that support assistant prefill (llama.cpp's server, vLLM, Ollama)
        continue it; others answer the question anew, and the text is appended.
        Ends within ``config.total_s`` whatever the server does; raises
        :class:`~engine.errors.RemoteError` subclasses whose messages never
        contain the token.
        """
        body = self._body(messages, max_tokens)
        if temperature is not None:
            body["temperature"] = temperature
        if seed is not None:
            body["seed"] = seed
        try:
            yield from self._exchange(body, cancel)
        except RemoteError as exc:
            # The last guard: whatever a message quotes, the token leaves it here.
            exc.args = (redact(str(exc), self._token),)
            raise

    def _exchange(
        self, body: dict[str, Any], cancel: threading.Event | None
    ) -> Iterator[RemoteChunk]:
        endpoint = self.config.endpoint  # refuses a URL it would mangle, before any socket
        deadline = Deadline(self.config.total_s)
        try:
            client = open_client(
                self._network,
                timeout=self._timeout(deadline),  # proxy and CA: the network state's
                transport=self._transport,
            )
            with client:
                response = self._send(client, endpoint, body, deadline)
                try:
                    if response.status_code != 200:
                        raise self._status_error(response, deadline)
                    log.info("Remote answer from %s started", self.config.host)
                    yield from self._read(response, deadline, cancel)
                finally:
                    # Stop the watchdog before closing, so it never shuts down a socket
                    # number the system may already have handed to someone else.
                    deadline.stop()
                    response.close()
        finally:
            deadline.stop()

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

    def _timeout(self, deadline: Deadline) -> httpx.Timeout:
        c = self.config
        return deadline.timeout(connect=c.connect_s, read=c.read_s, write=c.read_s)

    def _headers(self) -> dict[str, str]:
        # identity: a compressed body could grow without bound before the size check.
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "identity"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _send(
        self, client: httpx.Client, endpoint: str, body: dict[str, Any], deadline: Deadline
    ) -> httpx.Response:
        host = self.config.host
        for attempt in (1, 2):
            if deadline.passed:
                raise self._late(started=False)
            request = client.build_request(
                "POST", endpoint, json=body, headers=self._headers(),
                timeout=self._timeout(deadline), extensions={"trace": deadline.trace},
            )
            try:
                return client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                tls = _tls_failure(exc)
                if tls is not None:
                    raise RemoteUnavailableError(
                        f"The remote server {host} presented a certificate genba does not "
                        f"trust ({tls}). Ask IT to install its CA in the system trust store "
                        "or set fallback.ca_bundle."
                    ) from exc
                if deadline.passed:
                    raise self._late(started=False) from exc
                if attempt == 2:
                    raise RemoteUnavailableError(
                        f"Cannot connect to the remote server {host} ({_what(exc)}). "
                        "Check the network, the proxy and fallback.url."
                    ) from exc
                log.info("Connecting to %s failed (%s); retrying once", host, _what(exc))
            except httpx.HTTPError as exc:
                if deadline.passed:  # the watchdog cut the connection
                    raise self._late(started=False) from exc
                if isinstance(exc, httpx.TimeoutException):
                    raise RemoteUnavailableError(
                        f"The remote server {host} did not answer within "
                        f"{self.config.read_s:g} s. It may be overloaded; try again later."
                    ) from exc
                raise RemoteUnavailableError(
                    f"Cannot reach the remote server {host} ({_what(exc)}). "
                    "Check the network and fallback.url."
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- response ----------------------------------------------------------
    def _bytes(self, response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
        """Every byte of a response body comes through here: bounded in size and time."""
        host = self.config.host
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise RemoteProtocolError(
                f"The remote server {host} sent a compressed ({encoding[:20]}) answer "
                "although genba asked for none. Check fallback.url and any proxy in between."
            )
        received = 0
        try:
            for part in response.iter_raw():
                received += len(part)
                if deadline.passed:
                    raise self._late(started=True)
                if received > MAX_STREAM_BYTES:
                    raise RemoteProtocolError(
                        f"The remote server {host} sent more than "
                        f"{MAX_STREAM_BYTES // 1_000_000} MB; the answer was stopped."
                    )
                yield part
        except httpx.HTTPError as exc:
            if deadline.passed:  # the watchdog cut the connection
                raise self._late(started=True) from exc
            if isinstance(exc, httpx.TimeoutException):
                raise RemoteProtocolError(
                    f"The remote server {host} stopped sending for "
                    f"{self.config.read_s:g} s mid-answer."
                ) from exc
            raise RemoteProtocolError(
                f"The connection to the remote server {host} broke mid-answer ({_what(exc)})."
            ) from exc
        if deadline.passed:
            # The watchdog's shutdown looks like the end of a body that ends at close.
            raise self._late(started=True)

    def _read(
        self, response: httpx.Response, deadline: Deadline, cancel: threading.Event | None
    ) -> Iterator[RemoteChunk]:
        # Answer text is cleaned before it becomes a delta (engine.clean_text): no U+FFFD
        # (the server's own, or genba's for raw invalid bytes) and no lone surrogate.
        clean = TextPieces()
        try:
            yield from self._chunks(response, deadline, cancel, clean)
        finally:
            log_dropped(log, f"remote ({self.config.host})", clean)

    def _chunks(
        self, response: httpx.Response, deadline: Deadline, cancel: threading.Event | None,
        clean: TextPieces,
    ) -> Iterator[RemoteChunk]:
        host = self.config.host
        chunks = self._bytes(response, deadline)
        state = ChunkParser(self._token)
        if response.headers.get("content-type", "").startswith("application/json"):
            # A server that ignored "stream": true sends the whole answer at once.
            whole = state.take(b"".join(chunks).decode("utf-8", errors="replace"), host)
            text = clean.feed(whole) + clean.finish()
            if text:
                yield RemoteDelta(text)
            yield state.done()
            return
        decoder = SSEDecoder()
        for line in _lines(chunks):
            if cancel is not None and cancel.is_set():
                yield state.done("cancelled")
                return
            data = decoder.feed(line)
            if data is None:
                continue
            if data.strip() == "[DONE]":
                break
            text = clean.feed(state.take(data, host))
            if text:
                yield RemoteDelta(text)
        else:
            last = decoder.flush()
            if last is not None and last.strip() != "[DONE]":
                text = clean.feed(state.take(last, host))
                if text:
                    yield RemoteDelta(text)
            if state.finish is None:
                raise RemoteProtocolError(
                    f"The remote server {host} ended the stream before the answer was complete."
                )
        text = clean.finish()
        if text:
            yield RemoteDelta(text)
        yield state.done()

    def _status_error(self, response: httpx.Response, deadline: Deadline) -> RemoteError:
        body = self._error_body(response, deadline)
        return status_error(response.status_code, body, self.config.host, self._token)

    def _late(self, *, started: bool) -> RemoteError:
        """The error for a passed deadline: before the answer started, or during it."""
        host, seconds = self.config.host, self.config.total_s
        if not started:
            return RemoteUnavailableError(
                f"The remote server {host} did not answer within {seconds:g} s "
                "(fallback.timeout_s). It may be overloaded; try again later."
            )
        return RemoteProtocolError(
            f"The remote server {host} did not finish within {seconds:g} s "
            "(fallback.timeout_s). Try again later, or ask IT to raise fallback.timeout_s."
        )

    def _error_body(self, response: httpx.Response, deadline: Deadline) -> str:
        """The start of an error response's body; a late, broken or huge one loses only that."""
        body = bytearray()
        try:
            for part in self._bytes(response, deadline):
                body += part
                if len(body) >= MAX_ERROR_BODY:
                    break
        except RemoteError:
            pass  # the status alone still says what happened
        return body[:MAX_ERROR_BODY].decode("utf-8", errors="replace")


def _lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """The lines of a byte stream; holds only the unfinished last one."""
    splitter = LineSplitter()
    for part in chunks:
        yield from splitter.feed(part)
    yield from splitter.flush()


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
