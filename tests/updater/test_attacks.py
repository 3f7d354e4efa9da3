"""Attacks on the update channel: each is rejected, and the current model stays untouched.

The repository is served by a real HTTP server on 127.0.0.1; the attacker controls what
that server sends (``RepoServer.overrides``), and in the fast-forward case also holds a
stolen timestamp key.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata

from tests.updater.testkit import RepoServer
from updater.client import UpdateClient
from updater.config import UpdateConfig
from updater.errors import NetworkError, TrustError
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer
from updater.repository import PublisherRepository


def _assert_untouched(config: UpdateConfig, models: dict[str, Path]) -> None:
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "1" and pointer.previous is None
    assert sha256_file(config.models_dir / pointer.current.path) == sha256_file(models["base"])
    assert sorted(p.name for p in config.models_dir.iterdir()) == ["base-1.gguf", "current.json"]


def _resign(md: Metadata, signer: CryptoSigner | list) -> bytes:  # type: ignore[type-arg]
    md.signatures.clear()
    for s in signer if isinstance(signer, list) else [signer]:
        md.sign(s, append=True)
    return md.to_bytes()


def test_rollback_attack(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    old_timestamp = (repo.metadata_dir / "timestamp.json").read_bytes()
    repo.refresh()
    UpdateClient(config).check()  # the client has now seen the newer timestamp
    server.overrides["/metadata/timestamp.json"] = old_timestamp
    with pytest.raises(TrustError, match="BadVersionNumberError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


def test_freeze_attack_expired_timestamp(
    config: UpdateConfig, repo: PublisherRepository, models: dict[str, Path]
) -> None:
    # the attacker replays metadata that has since expired (here: signed already expired)
    repo.refresh(timestamp_expires=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(TrustError, match="ExpiredMetadataError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


def test_mix_and_match_attack(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    # serve a validly signed *older* targets metadata under the name of the current one
    current = repo.load("snapshot").signed.meta["targets.json"].version
    older = (repo.metadata_dir / f"{current - 1}.targets.json").read_bytes()
    server.overrides[f"/metadata/{current}.targets.json"] = older
    with pytest.raises(TrustError, match="BadVersionNumberError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


def test_mix_and_match_snapshot(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    current = repo.load("timestamp").signed.snapshot_meta.version
    older = (repo.metadata_dir / f"{current - 1}.snapshot.json").read_bytes()
    server.overrides[f"/metadata/{current}.snapshot.json"] = older
    with pytest.raises(TrustError, match="LengthOrHashMismatchError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


@pytest.mark.parametrize("what", ["timestamp", "diff", "model"])
def test_endless_data_attack(
    config: UpdateConfig,
    repo: PublisherRepository,
    server: RepoServer,
    models: dict[str, Path],
    what: str,
) -> None:
    if what == "timestamp":
        path = "/metadata/timestamp.json"
    elif what == "model":  # the resumable full download has its own bound
        local = repo.target_file(repo.load("targets").signed.targets["models/2/new.gguf"])
        path = "/targets/models/2/" + local.name
        shutil.copyfile(models["donor"], config.models_dir / "base-1.gguf")  # no diff fits
    else:
        info = repo.load("targets").signed.targets["diffs/1..2.gdiff"]
        path = "/targets/diffs/" + info.hashes["sha256"] + ".1..2.gdiff"
    server.overrides[path] = RepoServer.ENDLESS
    with pytest.raises(TrustError, match="endless-data"):
        UpdateClient(config).apply()
    if what == "model":
        shutil.copyfile(models["base"], config.models_dir / "base-1.gguf")
        for part in config.models_dir.glob(".genba-part-*"):
            assert part.stat().st_size <= models["new"].stat().st_size
            part.unlink()
    _assert_untouched(config, models)


def test_wrong_signing_key(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    timestamp = repo.load("timestamp")
    timestamp.signed.version += 1
    server.overrides["/metadata/timestamp.json"] = _resign(
        timestamp, CryptoSigner.generate_ed25519()
    )
    with pytest.raises(TrustError, match="UnsignedMetadataError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


def test_tampered_diff_rejected_by_tuf(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    info = repo.load("targets").signed.targets["diffs/1..2.gdiff"]
    local = repo.target_file(info)
    raw = bytearray(local.read_bytes())
    raw[200] ^= 0x55
    server.overrides["/targets/diffs/" + local.name] = bytes(raw)
    with pytest.raises(TrustError, match="LengthOrHashMismatchError"):
        UpdateClient(config).apply()
    _assert_untouched(config, models)


def test_fast_forward_attack_and_recovery_by_key_rotation(
    config: UpdateConfig, repo: PublisherRepository, server: RepoServer, models: dict[str, Path]
) -> None:
    # an attacker with the stolen timestamp key pushes the version far ahead ...
    stolen = repo.signers("timestamp")
    forged = repo.load("timestamp")
    forged.signed.version = 10_000
    server.overrides["/metadata/timestamp.json"] = _resign(forged, stolen)
    UpdateClient(config).check()  # validly signed: the client cannot tell
    server.overrides.clear()
    # ... so legitimate timestamps now look like rollbacks: the client is frozen
    repo.refresh()
    with pytest.raises(TrustError, match="BadVersionNumberError"):
        UpdateClient(config).check()
    _assert_untouched(config, models)
    # the publisher rotates the timestamp key: clients drop the fast-forwarded timestamp
    repo.rotate_key("timestamp")
    UpdateClient(config).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"
    assert (config.models_dir / pointer.current.path).read_bytes() == models["new"].read_bytes()


def test_server_down_is_a_network_error(
    config: UpdateConfig, server: RepoServer, models: dict[str, Path]
) -> None:
    server.close()
    with pytest.raises(NetworkError, match="retry later"):
        UpdateClient(config).check()
    _assert_untouched(config, models)


def test_root_threshold_and_root_key_rotation(models: dict[str, Path], tmp_path: Path) -> None:
    repo = PublisherRepository.create(tmp_path / "repo", root_keys=2, root_threshold=2)
    repo.add_version(models["base"], "1")
    server = RepoServer(repo.root / "published")
    try:
        store = tmp_path / "store"
        store.mkdir()
        shutil.copyfile(models["base"], store / "base-1.gguf")
        write_pointer(
            store / "current.json",
            Pointer(ModelRef("base-1.gguf", sha256_file(models["base"]), "1")),
        )
        config = UpdateConfig(
            repository_url=server.url,
            trusted_root=repo.metadata_dir / "1.root.json",
            models_dir=store,
            update_dir=tmp_path / "upd",
            pointer=store / "current.json",
        )
        UpdateClient(config).check()
        # the publisher replaces both root keys: root v2 is signed by old and new keys
        repo.rotate_key("root")
        repo.add_version(models["new"], "2", diff_from=["1"])
        UpdateClient(config).apply()
        assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]
        # a root v3 with only one of the two required signatures is refused
        forged = repo.load("root")
        forged.signed.version += 1
        server.overrides["/metadata/3.root.json"] = _resign(forged, repo.signers("root")[:1])
        with pytest.raises(TrustError, match="UnsignedMetadataError"):
            UpdateClient(config).check()
        assert (config.metadata_dir / "root_history" / "2.root.json").is_file()
        assert not (config.metadata_dir / "root_history" / "3.root.json").exists()
    finally:
        server.close()
