"""The remote client against real loopback servers: good streams and every fault."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.errors import RemoteError, RemoteProtocolError, RemoteUnavailableError
from engine.remote.client import (
    RemoteChunk,
    RemoteClient,
    RemoteConfig,
    RemoteDelta,
    RemoteDone,
    SSEDecoder,
)
from engine.remote.network import NetworkConfig, open_client, remote_status, tls_context
from engine.settings import defaults
from tests.engine.remote_servers import WORDS, FaultServer, free_port, self_signed

ONLINE = NetworkConfig()
FAST = {"connect_s": 2.0, "read_s": 1.0, "total_s": 3.0}
HANG_GUARD_S = 30.0


def collect(
    client: RemoteClient, cancel: threading.Event | None = None
) -> tuple[list[RemoteChunk], BaseException | None]:
    """Run one streamed answer in a thread; fail the test if it outlives the hang guard."""
    chunks: list[RemoteChunk] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            chunks.extend(client.stream_chat([{"role": "user", "content": "hi"}],
                                             max_tokens=16, cancel=cancel))
        except BaseException as exc:
            error.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), "the remote query outlived its deadlines"
    return chunks, (error[0] if error else None)


def text_of(chunks: list[RemoteChunk]) -> str:
    return "".join(c.text for c in chunks if isinstance(c, RemoteDelta))


def client_for(url: str, **kw: object) -> RemoteClient:
    opts: dict[str, object] = dict(FAST)
    token = kw.pop("token", None)
    network = kw.pop("network", ONLINE)
    opts.update(kw)
    return RemoteClient(RemoteConfig(url=url, **opts),  # type: ignore[arg-type]
                        network, token=token)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ good paths
@pytest.mark.parametrize("http11", [False, True], ids=["http1.0-close", "http1.1-chunked"])
def test_streams_a_whole_answer(http11: bool) -> None:
    with FaultServer("ok", http11=http11) as server:
        chunks, error = collect(client_for(server.url, model="m1", token="s3cret"))
    assert error is None
    assert text_of(chunks) == "".join(WORDS)
    assert isinstance(chunks[-1], RemoteDone)
    assert chunks[-1].finish_reason == "stop"
    method, path, headers, body = server.seen.requests[0]
    assert (method, path) == ("POST", "/v1/chat/completions")
    assert headers["Authorization"] == "Bearer s3cret"
    sent = json.loads(body)
    assert sent["stream"] is True
    assert sent["model"] == "m1"
    assert sent["max_tokens"] == 16


def test_no_token_sends_no_authorization_header() -> None:
    with FaultServer("ok") as server:
        _, error = collect(client_for(server.url))
    assert error is None
    headers = server.seen.requests[0][2]
    assert "Authorization" not in headers
    assert "model" not in json.loads(server.seen.requests[0][3])


def test_server_that_ignores_stream_true_still_answers() -> None:
    with FaultServer("json") as server:
        chunks, error = collect(client_for(server.url))
    assert error is None
    assert text_of(chunks) == "whole answer"


def test_cancel_stops_reading() -> None:
    cancel = threading.Event()
    cancel.set()
    with FaultServer("ok") as server:
        chunks, error = collect(client_for(server.url), cancel=cancel)
    assert error is None
    assert chunks == [RemoteDone("cancelled")]


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://llm.example.com/v1", "https://llm.example.com/v1/chat/completions"),
        ("https://llm.example.com/v1/", "https://llm.example.com/v1/chat/completions"),
        ("http://ollama:11434", "http://ollama:11434/v1/chat/completions"),
        ("http://h/v1/chat/completions", "http://h/v1/chat/completions"),
    ],
)
def test_endpoint_from_url(url: str, endpoint: str) -> None:
    assert RemoteConfig(url=url).endpoint == endpoint


# ------------------------------------------------------------------------ faults
FaultCheck = Callable[[list[RemoteChunk], BaseException | None], None]


def fails_with(kind: type[RemoteError], *words: str, kept: str = "") -> FaultCheck:
    def check(chunks: list[RemoteChunk], error: BaseException | None) -> None:
        assert isinstance(error, kind), error
        for word in words:
            assert word in str(error), str(error)
        assert text_of(chunks) == kept
    return check


@pytest.mark.parametrize(
    ("mode", "http11", "check"),
    [
        ("hang", False, fails_with(RemoteUnavailableError, "did not answer within")),
        ("hang_mid", False, fails_with(RemoteProtocolError, "stopped sending", kept="partial")),
        ("trickle", False, fails_with(RemoteProtocolError, "did not finish within 3 s",
                                      kept="slow")),
        ("status500", False, fails_with(RemoteProtocolError, "HTTP 500", "model crashed")),
        ("cut", False, fails_with(RemoteProtocolError, "ended the stream", kept="Hello wor")),
        ("cut", True, fails_with(RemoteProtocolError, "broke mid-answer", kept="Hello wor")),
        ("garbage", False, fails_with(RemoteProtocolError, "not JSON", kept="Hello")),
        ("not_openai", False, fails_with(RemoteProtocolError, "without 'choices'")),
        ("flood", False, fails_with(RemoteProtocolError, "more than 8 MB", kept="big")),
    ],
    ids=["hang", "hang-mid-answer", "trickle", "500", "cut-close", "cut-chunked", "garbage",
         "not-openai", "flood"],
)
def test_fault_ends_within_deadline_with_the_right_error(
    mode: str, http11: bool, check: FaultCheck
) -> None:
    with FaultServer(mode, http11=http11) as server:
        chunks, error = collect(client_for(server.url))
    check(chunks, error)
    assert len(server.seen.requests) == 1  # only connect errors are retried


def test_refused_connection_is_retried_once_then_unavailable() -> None:
    port = free_port()  # nothing listens here
    chunks, error = collect(client_for(f"http://127.0.0.1:{port}/v1"))
    assert isinstance(error, RemoteUnavailableError)
    assert "Cannot connect" in str(error)
    assert "ConnectError" in str(error)
    assert chunks == []


def test_connect_retry_reaches_a_server_that_comes_up(tmp_path: Path) -> None:
    """The retry is real: a second attempt is made (seen as two refused connects here)."""
    attempts: list[int] = []
    import httpx

    class Counting(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            attempts.append(1)
            if len(attempts) == 1:
                raise httpx.ConnectError("refused", request=request)
            return super().handle_request(request)

    with FaultServer("ok") as server:
        client = RemoteClient(RemoteConfig(url=server.url, **FAST), ONLINE,  # type: ignore[arg-type]
                              transport=Counting())
        chunks, error = collect(client)
    assert error is None
    assert len(attempts) == 2
    assert text_of(chunks) == "".join(WORDS)


def test_self_signed_certificate_is_refused_without_retry(tmp_path: Path) -> None:
    certs = self_signed(tmp_path / "certs")
    with FaultServer("ok", tls=certs.server_context) as server:
        _chunks, error = collect(client_for(server.url))
    assert isinstance(error, RemoteUnavailableError)
    assert "certificate" in str(error)
    assert "fallback.ca_bundle" in str(error)
    assert server.seen.requests == []


def test_policy_ca_bundle_makes_the_certificate_trusted(tmp_path: Path) -> None:
    certs = self_signed(tmp_path / "certs")
    with FaultServer("ok", tls=certs.server_context) as server:
        trusting = NetworkConfig(ca_bundle=str(certs.ca_pem))  # from fallback.ca_bundle
        chunks, error = collect(client_for(server.url, network=trusting))
    assert error is None
    assert text_of(chunks) == "".join(WORDS)


def test_unreadable_ca_bundle_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RemoteUnavailableError, match=r"fallback\.ca_bundle"):
        tls_context(tmp_path / "missing.pem")


# ------------------------------------------------------------------------ choke point
def test_offline_opens_no_connection() -> None:
    offline = NetworkConfig(offline=True, offline_why="offline mode is on (network.offline)")
    with FaultServer("ok") as server:
        _chunks, error = collect(client_for(server.url, network=offline))
    assert isinstance(error, RemoteUnavailableError)
    assert "offline mode is on" in str(error)
    assert server.seen.requests == []
    with pytest.raises(RemoteUnavailableError):
        open_client(offline, timeout=__import__("httpx").Timeout(1.0))


def test_offline_from_settings_and_environment() -> None:
    s = defaults().with_values({"fallback.enabled": True, "fallback.url": "http://h/v1"})
    assert remote_status(s, NetworkConfig.from_settings(s, environ={})) == (True, "")
    env = NetworkConfig.from_settings(s, environ={"GENBA_OFFLINE": "1"})
    assert env.offline and "GENBA_OFFLINE" in env.offline_why
    assert remote_status(s, env) == (False, env.offline_why)
    pol = NetworkConfig.from_settings(s.with_values({"network.offline": True}), environ={})
    assert pol.offline and "network.offline" in pol.offline_why
    off = s.with_values({"fallback.enabled": False})
    assert remote_status(off, NetworkConfig()) == (False, "remote fallback is off")
    nourl = s.with_values({"fallback.url": ""})
    assert remote_status(nourl, NetworkConfig())[0] is False


def test_proxy_from_settings_carries_the_request() -> None:
    """network.proxy is used: the request reaches the proxy with the absolute target URL."""
    with FaultServer("ok") as proxy:
        net = NetworkConfig(proxy=f"http://127.0.0.1:{proxy.port}")
        chunks, error = collect(client_for("http://remote.invalid:9/v1", network=net))
    assert error is None
    assert text_of(chunks) == "".join(WORDS)
    assert proxy.seen.requests[0][1] == "http://remote.invalid:9/v1/chat/completions"


# ------------------------------------------------------------------------ SSE decoding
def test_sse_decoder_follows_the_spec() -> None:
    d = SSEDecoder()
    fed = [d.feed(line) for line in
           [": comment", "event: x", "data: a", "data:b", "id: 7", "", "", "data: c"]]
    assert fed == [None, None, None, None, None, "a\nb", None, None]
    assert d.flush() == "c"
