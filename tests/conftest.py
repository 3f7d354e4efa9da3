"""Fixtures shared by every test: an isolated GENBA_HOME and the tiny MoE test model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.paths import Paths
from engine.tools.tiny_moe import build_tiny_moe


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own user folders; nothing touches the real profile."""
    home = tmp_path / "genba-home"
    monkeypatch.setenv("GENBA_HOME", str(home))
    monkeypatch.delenv("GENBA_OFFLINE", raising=False)
    yield home


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """All genba folders, policy folder included, under this test's tmp dir."""
    return Paths.under(tmp_path / "genba")


@pytest.fixture(scope="session")
def tiny_moe_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deterministic tiny MoE GGUF (8 experts, top-2, 4 layers), built once per run."""
    return build_tiny_moe(tmp_path_factory.mktemp("models") / "tiny-moe.gguf")
