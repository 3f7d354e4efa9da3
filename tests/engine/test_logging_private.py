"""Log files quote what operators asked: 0600 files in a 0700 folder, whatever the umask."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.logging_setup import configure_logging, create_private_folder
from engine.paths import Paths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The most permissive umask: genba's modes must not depend on it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def log_handler(tmp_path: Path) -> Iterator[tuple[Paths, list[logging.Handler]]]:
    """Paths under tmp and a list the test fills with handlers to remove afterwards."""
    root = logging.getLogger()
    level = root.level
    handlers: list[logging.Handler] = []
    yield Paths.under(tmp_path / "genba"), handlers
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("umask_zero")
def test_new_log_files_and_folders_are_private_also_after_rotation(
    log_handler: tuple[Paths, list[logging.Handler]],
) -> None:
    paths, handlers = log_handler
    handler = configure_logging(paths)
    handlers.append(handler)
    logging.getLogger("genba.test").warning("what the operator asked")
    assert _mode(paths.log_file) == 0o600
    for folder in (paths.log_dir, paths.log_dir.parent):  # both created by genba
        assert _mode(folder) == 0o700, folder
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    logging.getLogger("genba.test").warning("after the rollover")
    assert _mode(paths.log_file) == 0o600
    assert _mode(Path(f"{paths.log_file}.1")) == 0o600
    assert "what the operator asked" in Path(f"{paths.log_file}.1").read_text(encoding="utf-8")


def test_logs_an_older_genba_left_readable_are_made_private(
    log_handler: tuple[Paths, list[logging.Handler]],
) -> None:
    paths, handlers = log_handler
    paths.log_dir.mkdir(parents=True)
    paths.log_dir.chmod(0o755)
    for path in (paths.log_file, Path(f"{paths.log_file}.3")):
        path.write_text("old lines\n", encoding="utf-8")
        path.chmod(0o644)
    handlers.append(configure_logging(paths))
    assert _mode(paths.log_file) == 0o600
    assert _mode(Path(f"{paths.log_file}.3")) == 0o600
    assert _mode(paths.log_dir) == 0o755  # a folder genba did not create is left alone
    assert paths.log_file.read_text(encoding="utf-8").startswith("old lines\n")  # appended


@pytest.mark.usefixtures("umask_zero")
def test_create_private_folder_leaves_existing_parents_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    create_private_folder(tmp_path / "a" / "b")
    assert _mode(tmp_path) == 0o755
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700
    create_private_folder(tmp_path / "a" / "b")  # idempotent
