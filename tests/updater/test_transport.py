"""Transport settings from policy: proxy, extra CA bundle, offline bundles' folder guard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tuf.api import exceptions as tuf_exc

from tests.updater.testkit import RepoServer, self_signed_cert
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.errors import NetworkError
from updater.pointer import read_pointer
from updater.repository import PublisherRepository
from updater.transport import FolderTransport


def test_updates_through_the_policy_proxy(config: UpdateConfig, server: RepoServer) -> None:
    proxied = replace(config, repository_url="http://updates.invalid/", proxy=server.url)
    UpdateClient(proxied).apply()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]
    assert server.proxied and all(u.startswith("http://updates.invalid/") for u in server.proxied)


def test_without_a_policy_proxy_the_system_proxy_is_used(
    config: UpdateConfig, server: RepoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's rule: empty network.proxy means the system's proxy settings."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    proxied = replace(config, repository_url="http://updates.invalid/", proxy="")
    UpdateClient(proxied).apply()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]
    assert server.proxied and all(u.startswith("http://updates.invalid/") for u in server.proxied)


def test_no_proxy_is_honoured(
    config: UpdateConfig, server: RepoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    UpdateClient(replace(config, proxy="")).apply()  # straight to the loopback server
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]
    assert not server.proxied


def test_https_with_policy_ca_bundle(
    config: UpdateConfig, repo: PublisherRepository, tmp_path: Path
) -> None:
    cert, key = self_signed_cert(tmp_path)
    tls = RepoServer(repo.root / "published", tls=(cert, key))
    try:
        untrusted = replace(config, repository_url=tls.url)
        with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
            UpdateClient(untrusted).check()
        UpdateClient(replace(untrusted, ca_bundle=str(cert))).apply()
    finally:
        tls.close()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


def test_bundle_transport_stays_inside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "bundle" / "metadata").mkdir(parents=True)
    (tmp_path / "secret.json").write_text("{}")
    transport = FolderTransport(tmp_path / "bundle")
    with pytest.raises(tuf_exc.DownloadError):
        list(transport.fetch("bundle:///../secret.json"))
    with pytest.raises(tuf_exc.DownloadHTTPError):
        list(transport.fetch("bundle:///metadata/2.root.json"))
