"""installers/linux/clear_build_rpaths.py on real ELF libraries built here with gcc."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "installers" / "linux" / "clear_build_rpaths.py"

pytestmark = pytest.mark.skipif(
    shutil.which("gcc") is None or shutil.which("patchelf") is None,
    reason="needs gcc and patchelf (apt-get install gcc patchelf)",
)


def _library(path: Path, rpath: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_suffix(".c")
    source.write_text("int genba_answer(void) { return 42; }\n", encoding="utf-8")
    subprocess.run(
        ["gcc", "-shared", "-fPIC", f"-Wl,-rpath,{rpath}", "-Wl,--enable-new-dtags",
         "-o", str(path), str(source)],
        check=True,
    )  # fmt: skip
    return path


def _rpath(path: Path) -> str:
    args = ["patchelf", "--print-rpath", str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def test_build_host_paths_go_origin_paths_stay(tmp_path: Path) -> None:
    frozen = tmp_path / "genba"
    inside = frozen / "_internal"
    host = _library(inside / "lib-dynload" / "_host.so", "/root/.pyenv/versions/3.11.7/lib")
    mixed = _library(inside / "PySide6" / "_mixed.so", f"/opt/build/lib:$ORIGIN/Qt/lib:{inside}")
    own = _library(inside / "_own.so", "$ORIGIN")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(frozen)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("2 file(s) changed")
    assert _rpath(host) == ""
    assert _rpath(mixed) == f"$ORIGIN/Qt/lib:{inside}"
    assert _rpath(own) == "$ORIGIN"
    assert ctypes.CDLL(str(host)).genba_answer() == 42  # still a loadable library


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "make package" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
