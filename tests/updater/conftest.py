"""Fixtures for updater tests: base/new tiny models, a publisher repository, a loopback server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
from tests.updater.testkit import CHANGED, RepoServer, derive_model
from updater.config import UpdateConfig
from updater.files import sha256_file
from updater.pointer import ModelRef, Pointer, write_pointer
from updater.repository import PublisherRepository


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """``base`` (tiny model), ``new`` (3 experts + general.name changed), ``newer`` (one more)."""
    root = tmp_path_factory.mktemp("models")
    base = build_tiny_moe(root / "base.gguf")
    donor = build_tiny_moe(root / "donor.gguf", TinyMoESpec(seed=7))
    new = derive_model(base, donor, root / "new.gguf", CHANGED)
    newer = derive_model(
        new, base, root / "newer.gguf", [("blk.0.ffn_gate_exps.weight", 5)], new_name=None
    )
    yield {"base": base, "donor": donor, "new": new, "newer": newer}


@pytest.fixture(scope="session")
def published(models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A publisher repository with version 1 (base) and 2 (new, with a diff from 1)."""
    root = tmp_path_factory.mktemp("publisher") / "repo"
    repo = PublisherRepository.create(root)
    repo.add_version(models["base"], "1")
    repo.add_version(models["new"], "2", diff_from=["1"])
    return root


@pytest.fixture
def repo(published: Path, tmp_path: Path) -> PublisherRepository:
    """A private copy of the published repository that a test may change or attack."""
    root = tmp_path / "repo"
    shutil.copytree(published, root)
    return PublisherRepository(root)


@pytest.fixture
def server(repo: PublisherRepository) -> Iterator[RepoServer]:
    """A loopback HTTP server serving the repository's ``published/`` folder."""
    srv = RepoServer(repo.root / "published")
    yield srv
    srv.close()


@pytest.fixture
def config(
    repo: PublisherRepository, server: RepoServer, models: dict[str, Path], tmp_path: Path
) -> UpdateConfig:
    """A client whose store holds version 1 (the base model), trusting the repo's first root."""
    store = tmp_path / "client" / "models"
    store.mkdir(parents=True)
    shutil.copyfile(models["base"], store / "base-1.gguf")
    ref = ModelRef("base-1.gguf", sha256_file(models["base"]), "1")
    write_pointer(store / "current.json", Pointer(current=ref))
    return UpdateConfig(
        repository_url=server.url,
        trusted_root=repo.metadata_dir / "1.root.json",
        models_dir=store,
        update_dir=tmp_path / "client" / "updates",
        pointer=store / "current.json",
    )
