"""disk.atomic: a write is all or nothing, with the one temp-file name, even when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from disk.atomic import staged_file, write_bytes_atomically
from disk.temps import TEMP_PREFIX, TEMP_SUFFIX, is_temp_name


def test_a_write_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    write_bytes_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_write_leaves_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), staged_file(target) as staged:
        staged.file.write(b"half of the new")
        staged.sync()
        raise RuntimeError("the writer fails before the commit")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_rename_that_fails_leaves_the_old_content(tmp_path: Path) -> None:
    # A folder in the target's place: os.replace of a file over it raises.
    target = tmp_path / "state.json"
    target.mkdir()
    (target / "keep").write_bytes(b"old")
    with pytest.raises(OSError):
        write_bytes_atomically(target, b"new")
    assert (target / "keep").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_every_temp_file_has_the_one_name(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    with staged_file(target) as staged:
        assert staged.path.parent == tmp_path
        assert staged.path.name.startswith(f"{TEMP_PREFIX}model.gguf.")
        assert staged.path.name.endswith(TEMP_SUFFIX)
        assert is_temp_name(staged.path.name)
        staged.file.write(b"GGUF")
        staged.commit(target, mode=0o644)
    assert target.read_bytes() == b"GGUF"
    assert target.stat().st_mode & 0o777 == 0o644
    assert not staged.path.exists()


@pytest.mark.parametrize("stem", ["m" * 240, "模型" * 40], ids=["ascii", "japanese"])
def test_a_temp_name_stays_short_for_a_long_target(tmp_path: Path, stem: str) -> None:
    target = tmp_path / (stem + ".gguf")  # 245 bytes: a legal name, too long to prefix whole
    with staged_file(target) as staged:
        staged.file.write(b"x")
        staged.commit(target)
        assert len(staged.path.name.encode("utf-8")) < 160
    assert target.read_bytes() == b"x"


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from disk.atomic import staged_file
target = Path(sys.argv[1])
with staged_file(target) as staged:
    staged.file.write(b"new, but never finished")
    staged.sync()
    print(staged.path, flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_writer_killed_before_the_commit_leaves_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "current.json"
    target.write_bytes(b"old")
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        temp = Path(proc.stdout.readline().strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert target.read_bytes() == b"old"
    assert temp.is_file(), "the killed writer's temp file is what recovery must remove"
