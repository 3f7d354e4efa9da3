"""disk.temps: one cleanup removes the stale temp files of every naming scheme, nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from disk.atomic import staged_file
from disk.temps import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    remove_stale_temp_folders,
    remove_stale_temps,
    temp_folder,
)

STALE = [
    ".genba-tmp-model.gguf.k2j3h4.tmp",  # this convention
    ".genba-tmp-k2j3h4.part",  # the updater's older name
    ".tiny.gguf.abc123.part",  # an older `genba models import` / default-model build
    ".settings.toml.xyz789.tmp",  # the engine's older atomic write
    ".extract-q1w2e3",  # the default model's older source extraction
]
KEPT = [
    "current.json",  # the pointer
    "model.gguf",  # a real model
    "model.gguf.genba.json",  # its store record
    "genba-smollm2-moe.gguf.lock",  # the default-model build lock
    ".genba-part-0123456789abcdef.gguf",  # the updater's resumable download
    ".hidden-model.gguf",  # a model someone named with a dot
    "notes.tmp",  # not hidden: somebody's file
]


def _fill(folder: Path) -> None:
    for name in STALE + KEPT:
        (folder / name).write_bytes(b"x")


def test_removes_every_scheme_and_keeps_models_and_the_pointer(tmp_path: Path) -> None:
    _fill(tmp_path)
    (tmp_path / ".partial").mkdir()  # pull_model's resumable staging folder
    removed = remove_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted(STALE)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*KEPT, ".partial"])


def test_a_missing_folder_has_nothing_to_remove(tmp_path: Path) -> None:
    assert remove_stale_temps(tmp_path / "nowhere") == []


@pytest.mark.skipif(sys.platform == "win32", reason="links and FIFOs")
def test_never_follows_a_link_nor_touches_a_fifo_or_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.gguf"
    outside.write_bytes(b"precious")
    store = tmp_path / "models"
    store.mkdir()
    (store / ".genba-tmp-link.tmp").symlink_to(outside)
    os.mkfifo(store / ".genba-tmp-fifo.tmp")
    (store / ".genba-tmp-dir.tmp").mkdir()
    assert remove_stale_temps(store) == []
    assert outside.read_bytes() == b"precious"
    assert len(list(store.iterdir())) == 3


def test_a_temp_file_being_written_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    with staged_file(target) as staged:
        staged.file.write(b"in progress")
        assert remove_stale_temps(tmp_path) == []
        assert staged.path.exists()
        staged.commit(target)
    assert target.read_bytes() == b"in progress"


_WRITER = """
import sys, time
from pathlib import Path
from disk.atomic import staged_file
with staged_file(Path(sys.argv[1])) as staged:
    print(staged.path, flush=True)
    sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_another_process_s_temp_file_is_kept_until_it_dies(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path / "model.gguf")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stdin is not None
        temp = Path(proc.stdout.readline().strip())
        assert remove_stale_temps(tmp_path) == []
        assert temp.exists()
        proc.kill()
        proc.wait(30)
    assert temp.exists()  # a killed process cleans nothing up itself
    assert remove_stale_temps(tmp_path) == [temp]
    assert list(tmp_path.iterdir()) == []


def test_temp_folders_live_or_stale(tmp_path: Path) -> None:
    """A held temp folder survives the cleanup; a dead writer's is removed; links stay."""
    stale = tmp_path / f"{TEMP_PREFIX}v2.dead{TEMP_SUFFIX}"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "half.txt").write_bytes(b"half")
    kept = tmp_path / "v1-abc"  # a version folder: not a temp name
    kept.mkdir()
    link = tmp_path / f"{TEMP_PREFIX}link{TEMP_SUFFIX}"
    link.symlink_to(kept)
    with temp_folder(tmp_path, "v3") as live:
        assert live.name.startswith(TEMP_PREFIX) and live.name.endswith(TEMP_SUFFIX)
        (live / "a.txt").write_bytes(b"a")
        assert remove_stale_temp_folders(tmp_path) == [stale]
        assert (live / "a.txt").is_file()  # its writer holds it
    assert not live.exists()  # not renamed away: removed on exit
    assert kept.is_dir() and link.is_symlink()
    assert remove_stale_temps(tmp_path) == []  # the file cleanup never touches folders
