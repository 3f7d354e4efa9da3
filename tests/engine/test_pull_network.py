"""``genba models pull`` takes genba's one network state: proxy, CA bundle, offline.

The Hub is the loopback imitation (``hub_server``), over HTTPS with a
throw-away CA; the proxy is a tiny CONNECT proxy below. Everything stays on
127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import select
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import DownloadError
from engine.models.catalogue import CatalogueEntry
from engine.models.store import pull_model
from engine.paths import Paths
from engine.settings import load_settings
from tests.engine.hub_server import HubState, hub_server
from tests.engine.remote_servers import Certs, free_port, self_signed

REPO = "org/tiny-moe-GGUF"
FILE = "tiny-moe.gguf"
GRANITE = ("bartowski/granite-3.1-1b-a400m-instruct-GGUF",
           "granite-3.1-1b-a400m-instruct-Q4_K_M.gguf")  # fmt: skip


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 only and logs targets."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        # A client that rejects the hub's certificate resets the tunnel: that ends it.
        with contextlib.suppress(OSError), client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            self.targets.append(f"{method} {target}")
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or host != "127.0.0.1":
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection((host, int(port))) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe(client, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    while True:
        ready, _, _ = select.select([a, b], [], [], 10)
        if not ready:
            return
        for src in ready:
            data = src.recv(65536)
            if not data:
                return
            (b if src is a else a).sendall(data)


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    return self_signed(tmp_path / "certs")


@pytest.fixture
def tls_hub(certs: Certs, tiny_moe_path: Path) -> Iterator[tuple[str, HubState]]:
    with hub_server(tls=certs.server_context) as (endpoint, state):
        state.add(REPO, FILE, tiny_moe_path.read_bytes())
        state.add(*GRANITE, tiny_moe_path.read_bytes(), revision="main")
        yield endpoint, state


@pytest.fixture
def entry(tiny_moe_path: Path, tls_hub: tuple[str, HubState]) -> CatalogueEntry:
    data = tiny_moe_path.read_bytes()
    return CatalogueEntry(
        name="tiny", title="Tiny test MoE", repo=REPO, filename=FILE,
        revision=tls_hub[1].commit, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        license="Apache-2.0", architecture="llama", expert_count=8, expert_used_count=2,
        expert_share=0.9,
    )  # fmt: skip


def _policy(paths: Paths, text: str) -> None:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    (paths.policy_dir / "policy.toml").write_text(text, encoding="utf-8")


def _user_settings(text: str) -> None:
    file = Paths.default().user_settings_file
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def _one_line_failure(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def agent_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make huggingface-hub look up its agent registry during the next pull.

    It caches the registry per process and on disk; the lookup goes to
    huggingface.co/api/ whatever the endpoint, which genba refuses.
    """
    from huggingface_hub import constants
    from huggingface_hub.utils import _detect_agent

    cache = tmp_path / "agents.json"
    monkeypatch.setattr(_detect_agent, "_registry", None)
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(cache))
    return cache


def test_pull_goes_through_the_policy_proxy_and_ca(
    paths: Paths,
    entry: CatalogueEntry,
    tls_hub: tuple[str, HubState],
    certs: Certs,
    agent_registry: Path,
) -> None:
    endpoint, state = tls_hub
    port = endpoint.rsplit(":", 1)[1]
    with ConnectProxy() as proxy:
        _policy(paths, f'[network]\nproxy = "{proxy.url}"\n'
                       f'[fallback]\nca_bundle = "{certs.ca_pem}"\n')  # fmt: skip
        model = pull_model(paths, entry, endpoint=endpoint, settings=load_settings(paths))
    assert model.sha256 == entry.sha256
    assert proxy.targets and set(proxy.targets) == {f"CONNECT 127.0.0.1:{port}"}  # no other host
    assert not agent_registry.exists()
    assert {m for m, _, _ in state.requests} == {"HEAD", "GET"}  # all of them via the proxy


def test_without_the_policy_ca_the_hub_is_not_trusted(
    paths: Paths, entry: CatalogueEntry, tls_hub: tuple[str, HubState]
) -> None:
    with ConnectProxy() as proxy:
        _policy(paths, f'[network]\nproxy = "{proxy.url}"\n')
        with pytest.raises(DownloadError, match=r"CERTIFICATE_VERIFY_FAILED.*fallback\.ca_bundle"):
            pull_model(paths, entry, endpoint=tls_hub[0], settings=load_settings(paths))
    assert proxy.targets  # it did go through the proxy, and stopped at the certificate
    assert not (paths.models_dir / FILE).exists()


def test_cli_unreachable_hub_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["models", "pull", "granite-3.1-1b-a400m", "--endpoint", dead,
                 "--allow-unpinned", "--quiet"])  # fmt: skip
    assert code == 1
    line = _one_line_failure(capsys.readouterr().err)
    assert line.startswith("genba: Could not reach") and "network.proxy" in line


def test_cli_unreachable_proxy_is_one_line_and_exit_1(
    tls_hub: tuple[str, HubState], certs: Certs, capsys: pytest.CaptureFixture[str]
) -> None:
    _user_settings(f'[network]\nproxy = "http://127.0.0.1:{free_port()}"\n'
                   f'[fallback]\nca_bundle = "{certs.ca_pem}"\n')  # fmt: skip
    code = main(["models", "pull", "granite-3.1-1b-a400m", "--endpoint", tls_hub[0],
                 "--allow-unpinned", "--quiet"])  # fmt: skip
    assert code == 1
    assert _one_line_failure(capsys.readouterr().err).startswith("genba: Could not reach")
    assert tls_hub[1].requests == []


def test_cli_pull_through_proxy_and_ca_from_settings(
    tls_hub: tuple[str, HubState], certs: Certs, capsys: pytest.CaptureFixture[str]
) -> None:
    with ConnectProxy() as proxy:
        _user_settings(f'[network]\nproxy = "{proxy.url}"\n'
                       f'[fallback]\nca_bundle = "{certs.ca_pem}"\n')  # fmt: skip
        code = main(["models", "pull", "granite-3.1-1b-a400m", "--endpoint", tls_hub[0],
                     "--allow-unpinned", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert proxy.targets


@pytest.mark.parametrize(
    ("settings_text", "env"),
    [
        ("[network]\noffline = true\n", None),
        ('[network]\noffline = "yes"\n', None),  # a broken value: fail closed
        ("[network]\noffline = 1\n", None),
        ("", "1"),
        ("", "maybe"),  # a GENBA_OFFLINE we cannot read: fail closed
    ],
)
def test_cli_offline_refuses_before_any_socket_opens(
    settings_text: str,
    env: str | None,
    tls_hub: tuple[str, HubState],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _user_settings(settings_text)
    if env is not None:
        monkeypatch.setenv("GENBA_OFFLINE", env)
    opened: list[object] = []

    def no_connect(sock: socket.socket, address: object) -> None:
        opened.append(address)
        raise OSError("test: no socket may connect")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    code = main(["models", "pull", "granite-3.1-1b-a400m", "--endpoint", tls_hub[0],
                 "--allow-unpinned", "--quiet"])  # fmt: skip
    assert code == 1
    assert "offline mode" in _one_line_failure(capsys.readouterr().err)
    assert opened == [] and tls_hub[1].requests == []
