"""Fixtures shared by every test: an isolated GENBA_HOME and the tiny MoE test model."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.paths import Paths
from engine.tools.tiny_moe import build_tiny_moe

_CHOOSE = "from engine.local.llama_adapter import prepare; print(prepare().variant)"


@pytest.fixture(scope="session", autouse=True)
def cpu_backend_chosen_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Choose llama.cpp's CPU backend once per run, the real way, then reuse it.

    Every test has its own user folders (so its own, empty CPU-backend cache);
    without this each would repeat the self-tests. The choice runs in a child
    process exactly as in the app (self-tests, best first) and its result is
    passed on through ``GENBA_LLAMA_CPU``.
    """
    if os.environ.get("GENBA_LLAMA_CPU"):
        yield os.environ["GENBA_LLAMA_CPU"]
        return
    home = tmp_path_factory.mktemp("cpu-choice")
    done = subprocess.run(
        [sys.executable, "-c", _CHOOSE],
        env={**os.environ, "GENBA_HOME": str(home)}, capture_output=True, text=True,
        timeout=600, check=False,
    )
    if done.returncode != 0:
        pytest.exit(f"llama.cpp cannot run on this CPU: {done.stderr.strip()}", returncode=1)
    variant = done.stdout.strip().splitlines()[-1]
    os.environ["GENBA_LLAMA_CPU"] = variant
    yield variant
    os.environ.pop("GENBA_LLAMA_CPU", None)


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
