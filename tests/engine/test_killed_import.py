"""A killed ``genba models import`` leaves nothing behind after the next start.

Real processes and real files: the CLI copies a valid GGUF MoE (large enough that
the copy takes a while), gets ``SIGKILL`` while its temp file is in the models
folder, and the next genba command — a listing of the store, the start of an
engine, or the updater's recovery — finds the folder holding only what it held
before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from disk.temps import is_temp_name
from engine.paths import Paths
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

# ~230 MB: the copy (4 MiB chunks, then fsync) takes long enough to be caught in the act.
BIG = TinyMoESpec(n_layer=4, n_embd=512, n_ff=2048, n_expert=16)


@pytest.fixture(scope="module")
def big_moe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_moe(tmp_path_factory.mktemp("big") / "big-moe.gguf", BIG)


def _genba(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GENBA_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if is_temp_name(p.name)] if folder.is_dir() else []


def _kill_mid_copy(home: Path, source: Path) -> Path:
    """Start an import, SIGKILL it once its temp file exists; return that temp file."""
    models = Paths.default({"GENBA_HOME": str(home)}).models_dir
    proc = _genba(home, "models", "import", str(source))
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if found := _temps(models):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the import was not caught copying: {err}"
    [temp] = found
    assert temp.stat().st_size < source.stat().st_size, "killed after the copy, not during it"
    assert not (models / source.name).exists()
    return temp


@pytest.fixture
def killed_import(tmp_path: Path, big_moe: Path) -> tuple[Path, Path]:
    """GENBA_HOME and the models folder after a killed import (its temp file still there)."""
    home = tmp_path / "home"
    temp = _kill_mid_copy(home, big_moe)
    assert temp.exists()  # nothing cleaned up by itself
    return home, temp.parent


def test_the_next_genba_command_removes_the_partial_copy(
    killed_import: tuple[Path, Path], big_moe: Path
) -> None:
    home, models = killed_import
    listing = _genba(home, "models", "list", "--json")
    _, err = listing.communicate(timeout=120)
    assert listing.returncode == 0, err
    assert list(models.iterdir()) == []
    # ... and the import, run again, completes normally.
    again = _genba(home, "models", "import", str(big_moe))
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert sorted(p.name for p in models.iterdir()) == [
        big_moe.name, big_moe.name + ".genba.json"
    ]


def test_the_updater_s_recovery_removes_it_too(killed_import: tuple[Path, Path]) -> None:
    from updater.install import recover

    _, models = killed_import
    assert [p.parent for p in recover(models)] == [models]
    assert list(models.iterdir()) == []


def test_an_engine_start_removes_it(
    killed_import: tuple[Path, Path], tiny_moe_path: Path
) -> None:
    from engine.service import Engine

    home, models = killed_import
    paths = Paths.default({"GENBA_HOME": str(home)})
    # Small files killed mid-write elsewhere (settings, caches) go too.
    others = [paths.config_dir / ".genba-tmp-settings.toml.x1y2z3.tmp",
              paths.cache_dir / ".genba-tmp-safe-experts.json.a1b2c3.tmp"]  # fmt: skip
    for temp in others:
        temp.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(b"half")
    engine = Engine(paths=paths, model_path=tiny_moe_path)
    try:
        assert list(models.iterdir()) == []
        assert not [t for t in others if t.exists()]
    finally:
        engine.close()
