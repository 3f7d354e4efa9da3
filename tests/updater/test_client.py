"""End to end over loopback HTTP: a repository made by the publisher updates a client."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.updater.testkit import RepoServer
from updater.client import UpdateClient, UpdateEvent
from updater.config import UpdateConfig
from updater.errors import ContentError, LockedError, NothingToDoError, OfflineError
from updater.files import sha256_file
from updater.pointer import read_pointer
from updater.repository import PublisherRepository


def test_check_reports_diff_path(config: UpdateConfig) -> None:
    result = UpdateClient(config).check()
    assert result.available
    assert result.latest is not None and result.latest.version == "2"
    assert [s.diff.source if s.diff else None for s in result.steps] == ["1"]
    assert result.download_bytes < 64 * 1024


def test_apply_diff_byte_identical_and_rollback(
    config: UpdateConfig, models: dict[str, Path], server: RepoServer
) -> None:
    events: list[UpdateEvent] = []
    UpdateClient(config, events=events.append).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"
    assert pointer.previous is not None and pointer.previous.version == "1"
    new_file = config.models_dir / pointer.current.path
    assert new_file.read_bytes() == models["new"].read_bytes()
    assert (config.models_dir / "base-1.gguf").is_file()  # kept for rollback
    # only the small diff travelled, never the full model
    assert not any(p.startswith("/targets/models/") for p in server.requests)
    assert [e.state for e in events if e.state != "building"] == ["checking", "ready", "applied"]
    assert any(e.state == "building" and e.done == e.total for e in events)
    assert list(config.models_dir.glob(".genba-*")) == []

    client = UpdateClient(config)
    back = client.rollback()
    assert back.current.version == "1" and back.previous is not None
    assert sha256_file(config.models_dir / back.current.path) == back.current.sha256
    # the scheduler does not re-apply the version the operator left ...
    UpdateClient(config).apply(auto=True)
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]
    # ... but an explicit apply does
    UpdateClient(config).apply()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


@pytest.mark.slow
def test_llama_cpp_loads_the_updated_model(config: UpdateConfig) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    from engine.local.llama_adapter import prepare

    prepare()  # the portable build's CPU backend, registered as the engine's worker does
    UpdateClient(config).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None
    llm = llama_cpp.Llama(
        model_path=str(config.models_dir / pointer.current.path),
        n_ctx=64,
        verbose=False,
    )
    assert llm.n_vocab() == 261
    llm.close()


def test_diff_chain_and_full_download_fallback(
    config: UpdateConfig, repo: PublisherRepository, models: dict[str, Path]
) -> None:
    repo.add_version(models["newer"], "3", diff_from=["2"])
    client = UpdateClient(config)
    result = client.check()
    assert [(s.entry.version, s.diff.source if s.diff else None) for s in result.steps] == [
        ("2", "1"),
        ("3", "2"),
    ]
    client.apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "3"
    assert (config.models_dir / pointer.current.path).read_bytes() == models["newer"].read_bytes()
    # the intermediate version 2 file was removed; 1 (previous) stays
    assert sorted(p.name for p in config.models_dir.glob("*.gguf")) == sorted(
        ["base-1.gguf", pointer.current.path]
    )


def test_local_model_of_other_base_gets_full_download(
    config: UpdateConfig, models: dict[str, Path], server: RepoServer
) -> None:
    # the pointer says version 1 but the file on disk was damaged: a diff cannot apply
    shutil.copyfile(models["donor"], config.models_dir / "base-1.gguf")
    UpdateClient(config).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"
    assert (config.models_dir / pointer.current.path).read_bytes() == models["new"].read_bytes()
    assert any(p.startswith("/targets/models/2/") for p in server.requests)


def test_lock_stops_a_second_updater(config: UpdateConfig) -> None:
    import filelock

    config.update_dir.mkdir(parents=True)
    with filelock.FileLock(str(config.lock_file)), pytest.raises(LockedError, match="Another"):
        UpdateClient(config).check()


def test_rollback_without_previous(config: UpdateConfig) -> None:
    with pytest.raises(NothingToDoError):
        UpdateClient(config).rollback()


def test_rollback_refuses_damaged_previous(config: UpdateConfig) -> None:
    UpdateClient(config).apply()
    (config.models_dir / "base-1.gguf").write_bytes(b"broken")
    with pytest.raises(ContentError, match="damaged"):
        UpdateClient(config).rollback()
    assert read_pointer(config.pointer).current.version == "2"  # type: ignore[union-attr]


@pytest.mark.parametrize("partial", ["good", "bad"])
def test_full_download_resumes_partial_file(
    config: UpdateConfig, models: dict[str, Path], server: RepoServer, partial: str
) -> None:
    # a fresh PC without any model: the only path is the full download
    config.pointer.unlink()
    (config.models_dir / "base-1.gguf").unlink()
    new = models["new"].read_bytes()
    half = new[: len(new) // 2] if partial == "good" else bytes(len(new) // 2)
    part = config.models_dir / f".genba-part-{sha256_file(models['new'])[:16]}.gguf"
    part.write_bytes(half)
    UpdateClient(config).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2" and pointer.previous is None
    assert (config.models_dir / pointer.current.path).read_bytes() == new
    assert [r.split()[-1] for r in server.ranges] == [f"bytes={len(half)}-"]
    model_gets = [p for p in server.requests if p.startswith("/targets/models/")]
    assert len(model_gets) == (1 if partial == "good" else 2)  # a bad partial restarts once
    assert not part.exists()


def test_staged_model_switches_while_offline(config: UpdateConfig, server: RepoServer) -> None:
    UpdateClient(config).apply(switch=False)  # built and verified, not switched
    assert read_pointer(config.pointer).current.version == "1"  # type: ignore[union-attr]
    UpdateClient(replace(config, offline=True)).apply()
    pointer = read_pointer(config.pointer)
    assert pointer is not None and pointer.current.version == "2"
    assert sha256_file(config.models_dir / pointer.current.path) == pointer.current.sha256
    with pytest.raises(OfflineError):  # nothing staged any more: offline is an error again
        UpdateClient(replace(config, offline=True)).apply()
