"""Bad input from a remote server (issue 11): it never hangs an answer, never grows memory
without bound, never puts the token into a message; a fallback.url genba would mangle is refused.

Every server here is a real loopback :class:`FaultServer`. Time is checked loosely: an answer
must end within ``fallback.timeout_s`` plus a generous margin, and a hang guard thread keeps a
regression from blocking the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.errors import RemoteError, RemoteProtocolError, RemoteUnavailableError, SettingsError
from engine.events import Event, FinalEvent, NoticeEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.remote.client import (
    MAX_ERROR_BODY,
    MAX_STREAM_BYTES,
    RemoteChunk,
    RemoteClient,
    RemoteConfig,
    RemoteDelta,
)
from engine.remote.network import NetworkConfig
from engine.remote.stream import LineSplitter, redact
from engine.service import Engine
from engine.settings import SCHEMA, defaults, validate
from tests.engine.remote_servers import FaultServer

TIMEOUT_S = 2.0  # fallback.timeout_s in these tests
MARGIN_S = 6.0  # generous: the machine is shared; a hang is tens of seconds
HANG_GUARD_S = 40.0
READ_CHUNK = 65_536  # the most httpcore reads at once: the "one chunk" beyond a cap
TOKEN = "tok-7f3a9c1e-5b2d-4e8a-never-in-a-message"
QUESTION = [{"role": "user", "content": "hi"}]


class CountingTransport(httpx.HTTPTransport):
    """The real transport, counting the response body bytes the client actually pulled."""

    def __init__(self) -> None:
        super().__init__()
        self.received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        inner = response.stream
        outer = self

        class Counted(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                for part in inner:  # type: ignore[union-attr]
                    outer.received += len(part)
                    yield part

            def close(self) -> None:
                inner.close()  # type: ignore[union-attr]

        return httpx.Response(response.status_code, headers=response.headers, stream=Counted(),
                              extensions=response.extensions)


def client_for(url: str, *, token: str | None = None,
               transport: httpx.BaseTransport | None = None) -> RemoteClient:
    """A client configured as the engine configures it from fallback.timeout_s."""
    settings = defaults().with_values({"fallback.url": url, "fallback.timeout_s": TIMEOUT_S})
    config = RemoteConfig.from_settings(settings)
    return RemoteClient(config, NetworkConfig(), token=token, transport=transport)


def run(client: RemoteClient) -> tuple[list[RemoteChunk], BaseException | None, float]:
    """One streamed answer on a thread: its chunks, its error and how long it took."""
    chunks: list[RemoteChunk] = []
    error: list[BaseException] = []

    def answer() -> None:
        try:
            chunks.extend(client.stream_chat(QUESTION, max_tokens=16))
        except BaseException as exc:  # handed to the test
            error.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=answer, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), "the remote answer outlived fallback.timeout_s"
    return chunks, (error[0] if error else None), time.monotonic() - started


# ------------------------------------------------------------ 1. one deadline for every byte
@pytest.mark.parametrize(
    ("mode", "kind", "words"),
    [
        ("drip_sse", RemoteProtocolError, "did not finish within 2 s (fallback.timeout_s)"),
        ("drip_json", RemoteProtocolError, "did not finish within 2 s (fallback.timeout_s)"),
        ("drip_error", RemoteProtocolError, "HTTP 500"),
        ("drip_headers", RemoteUnavailableError, "did not answer within 2 s (fallback.timeout_s)"),
    ],
    ids=["sse-after-data", "json-body", "error-body", "headers"],
)
def test_a_server_that_drips_bytes_ends_within_the_timeout(
    mode: str, kind: type[RemoteError], words: str
) -> None:
    with FaultServer(mode) as server:
        chunks, error, elapsed = run(client_for(server.url))
    assert isinstance(error, kind), error
    assert words in str(error)
    assert "\n" not in str(error)
    assert not any(isinstance(c, RemoteDelta) for c in chunks)
    assert elapsed < TIMEOUT_S + MARGIN_S


# ------------------------------------------------------------ 2. size counted as bytes arrive
@pytest.mark.parametrize(
    ("mode", "words", "bound"),
    [
        ("flood_line", "more than 8 MB", MAX_STREAM_BYTES + READ_CHUNK),
        ("flood_json", "more than 8 MB", MAX_STREAM_BYTES + READ_CHUNK),
        ("flood_error", "HTTP 500", MAX_ERROR_BODY + READ_CHUNK),
    ],
    ids=["sse-line-without-newline", "json-body", "error-body"],
)
def test_a_flood_is_cut_at_the_cap_with_bounded_reading(mode: str, words: str, bound: int) -> None:
    transport = CountingTransport()
    with FaultServer(mode) as server:
        _chunks, error, _elapsed = run(client_for(server.url, transport=transport))
    assert isinstance(error, RemoteProtocolError), error
    assert words in str(error)
    assert 0 < transport.received <= bound  # never the server's whole 16 MB


def test_json_nested_too_deeply_to_parse_is_a_protocol_error() -> None:
    with FaultServer("deep_json") as server:
        _chunks, error, _elapsed = run(client_for(server.url))
    assert isinstance(error, RemoteProtocolError), error  # not a RecursionError traceback
    assert "not JSON" in str(error)


def test_line_splitter_handles_every_line_end_across_reads() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"data: a\r") == []  # maybe half of \r\n
    assert splitter.feed(b"\ndata: b\rdata: c\n\nda") == ["data: a", "data: b", "data: c", ""]
    assert splitter.feed(b"ta: \xc3") == []
    assert splitter.feed(b"\xa9\r") == []
    assert splitter.feed(b"x") == ["data: \u00e9"]
    assert splitter.flush() == ["x"]


# ------------------------------------------------------------ 3. the token never in a message
@pytest.mark.parametrize("mode", ["echo_auth", "echo_auth_sse"], ids=["401-body", "sse-garbage"])
def test_a_server_echoing_the_token_never_gets_it_into_the_error(mode: str) -> None:
    with FaultServer(mode) as server:
        _chunks, error, _elapsed = run(client_for(server.url, token=TOKEN))
    assert server.seen.requests[0][2]["Authorization"] == f"Bearer {TOKEN}"  # it was sent
    assert isinstance(error, RemoteProtocolError), error
    message = str(error)
    assert "[hidden]" in message
    # Not the token, nor any piece of it long enough to matter (a cut quote leaves a prefix).
    for start in range(len(TOKEN) - 7):
        assert TOKEN[start : start + 8] not in message, message


def test_no_error_leaves_the_client_with_the_token_whatever_its_source() -> None:
    """Text that is not a server body (here a transport error) is scrubbed on the way out."""

    class Leaky(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError(f"proxy refused {request.headers['Authorization']}",
                                     request=request)

    client = RemoteClient(RemoteConfig(url="http://127.0.0.1:9/v1"), NetworkConfig(),
                          token=TOKEN, transport=Leaky())
    _chunks, error, _elapsed = run(client)
    assert isinstance(error, RemoteUnavailableError), error
    assert "proxy refused Bearer [hidden]" in str(error)
    assert TOKEN not in str(error)


def test_anything_shaped_like_a_credential_is_hidden_even_without_our_token() -> None:
    text = 'rejected "Authorization: Bearer sk-live-123" and Basic dXNlcjpwYXNz, key sk-9'
    assert redact(text) == (
        'rejected "Authorization: Bearer [hidden]" and Basic [hidden], key sk-9'
    )
    assert redact("token sk-9 refused", "sk-9") == "token [hidden] refused"


# ------------------------------------------------------------ 4. a URL genba would mangle
@pytest.mark.parametrize(
    "url", ["http://h.example/v1?api_key=K3y-s3cret", "http://h.example/v1#K3y-s3cret",
            "http://h.example/v1?"]
)
def test_settings_refuse_a_url_with_a_query_or_fragment_in_one_line(url: str) -> None:
    with pytest.raises(SettingsError) as info:
        validate(SCHEMA["fallback.url"], url)
    message = str(info.value)
    assert message.startswith("fallback.url: expected ")
    assert "?query or #fragment" in message
    assert "K3y-s3cret" not in message
    assert "\n" not in message


@pytest.mark.parametrize("tail", ["?api_key=K3y-s3cret", "#K3y-s3cret"])
def test_the_client_never_builds_a_url_from_a_query_or_fragment(tail: str) -> None:
    with FaultServer("ok") as server:
        client = RemoteClient(RemoteConfig(url=server.url + tail), NetworkConfig())
        chunks, error, _elapsed = run(client)
    assert isinstance(error, RemoteUnavailableError), error
    assert "fallback.url has a ?query or #fragment" in str(error)
    assert "K3y-s3cret" not in str(error)
    assert chunks == []
    assert server.seen.requests == []  # nothing was sent anywhere


# ------------------------------------------------------------ end to end: the engine falls back
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["drip_sse", "drip_headers"])
def test_the_engine_answers_locally_after_a_dripping_server(
    mode: str, paths: Paths, tiny_moe_path: Path
) -> None:
    events: list[tuple[float, Event]] = []
    with FaultServer(mode) as server:
        settings = defaults().with_values({
            "fallback.enabled": True, "fallback.url": server.url, "fallback.timeout_s": TIMEOUT_S,
            "resources.reserve_ram_mb": 1_048_576,  # more than any machine has free: go remote
        }, source="policy:test")
        engine = Engine(paths=paths, settings=settings, model_path=tiny_moe_path, n_threads=1)
        try:
            started = time.monotonic()

            def answer() -> None:
                for event in engine.stream(QUESTION, sampling=Sampling(temperature=0.0),
                                           max_tokens=4):
                    events.append((time.monotonic() - started, event))

            worker = threading.Thread(target=answer, daemon=True)
            worker.start()
            worker.join(HANG_GUARD_S + 60)
            assert not worker.is_alive(), "the answer outlived every deadline"
        finally:
            engine.close()
    notices: list[Any] = [(t, e) for t, e in events if isinstance(e, NoticeEvent)]
    assert [e.kind for _t, e in notices][:2] == ["remote_failed", "fallback"]
    assert notices[0][0] < TIMEOUT_S + MARGIN_S  # the remote part ended on time
    assert "fallback.timeout_s" in notices[0][1].message
    final = events[-1][1]
    assert isinstance(final, FinalEvent)
    assert final.route == "local"
