"""A damaged or unusable history never stops the window; history files are private.

Real SQLite files, damaged the ways disks and people damage them (truncated, a
header written over, a folder in their place), and the real window on the
offscreen Qt event loop.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.history import History
from engine.paths import Paths

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
NOON = 1_750_000_000.0  # a fixed clock: the kept copy's name is predictable


def _fill(db: Path, conversations: int = 30) -> History:
    """A history with enough rows to span many pages (so truncation cuts real data)."""
    history = History(db)
    for i in range(conversations):
        cid = history.create_conversation(f"conversation {i}")
        history.add_user_message(cid, "question " * 300)
        answer = history.start_answer(cid)
        history.finish_answer(answer, "answer " * 500, "complete")
    return history


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _kept(db: Path, suffix: str = "") -> Path:
    from time import localtime, strftime

    return db.with_name(f"{db.name}.damaged-{strftime('%Y%m%d-%H%M%S', localtime(NOON))}{suffix}")


def _assert_fresh_and_working(history: History) -> None:
    assert history.unavailable is None
    assert history.conversations() == []
    cid = history.create_conversation("after the damage")
    history.add_user_message(cid, "still works")
    assert [m.content for m in history.messages(cid)] == ["still works"]
    assert history.integrity_ok()


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The most permissive umask: genba's modes must not depend on it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# -- damaged databases ----------------------------------------------------------------


def test_a_truncated_database_is_kept_aside_and_a_new_history_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "history.sqlite3"
    _fill(db).close()
    os.truncate(db, db.stat().st_size // 2)
    damaged = _digest(db)
    with caplog.at_level(logging.WARNING, logger="desktop.history"):
        history = History(db, clock=lambda: NOON)
    assert history.moved_aside == _kept(db)
    assert _digest(history.moved_aside) == damaged  # the operator's data, byte for byte
    _assert_fresh_and_working(history)
    history.close()
    assert any(
        "damaged" in r.getMessage() and str(_kept(db)) in r.getMessage() for r in caplog.records
    )


def test_a_header_written_over_is_kept_aside_with_its_wal_and_shm(tmp_path: Path) -> None:
    live = tmp_path / "live" / "history.sqlite3"
    running = _fill(live)
    # Fold what is written so far into the file, so the WAL holds only the last commits
    # (a WAL holding every page would mask any damage to the file, as it should).
    with sqlite3.connect(live) as other:
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    running.create_conversation("the last one")
    # What a killed app leaves behind: the database with its -wal and -shm beside it.
    db = tmp_path / "history.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{live}{suffix}", f"{db}{suffix}")
    running.close()
    assert Path(f"{db}-wal").stat().st_size > 0
    with db.open("r+b") as handle:
        handle.write(b"this is not SQLite at all " * 2600)  # the header and the first pages
    # The -shm is only an index SQLite rebuilds from the WAL: kept, but not byte for byte.
    before = {suffix: _digest(Path(f"{db}{suffix}")) for suffix in ("", "-wal")}
    history = History(db, clock=lambda: NOON)
    assert history.moved_aside == _kept(db)
    for suffix, digest in before.items():
        # Named like SQLite's own side files, so the kept copy opens with its WAL.
        assert _digest(_kept(db, suffix)) == digest, suffix
    assert _kept(db, "-shm").exists()
    _assert_fresh_and_working(history)
    history.close()


def test_damage_twice_in_the_same_second_keeps_both_copies(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    kept = []
    for _ in range(2):
        db.write_bytes(b"\x00garbage" * 512)
        history = History(db, clock=lambda: NOON)
        assert history.moved_aside is not None
        kept.append(history.moved_aside)
        history.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert kept[0] != kept[1] and all(path.exists() for path in kept)


def test_a_folder_where_the_database_belongs_is_moved_aside(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    db.mkdir()
    (db / "note.txt").write_text("someone's file", encoding="utf-8")
    history = History(db, clock=lambda: NOON)
    assert history.moved_aside == _kept(db)
    assert (_kept(db) / "note.txt").read_text(encoding="utf-8") == "someone's file"
    _assert_fresh_and_working(history)
    history.close()


def test_an_unusable_location_keeps_history_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="desktop.history"):
        history = History(blocker / "history.sqlite3")
    assert history.unavailable and history.moved_aside is None
    history.create_conversation("in memory")
    assert [c.title for c in history.conversations()] == ["in memory"]
    history.close()
    assert blocker.read_text(encoding="utf-8") == "a file where the data folder should be"
    assert any("not saved" in r.getMessage() for r in caplog.records)


def test_a_healthy_database_is_never_moved(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    _fill(db, conversations=3).close()
    history = History(db, clock=lambda: NOON)
    assert history.moved_aside is None and history.unavailable is None
    assert len(history.conversations()) == 3
    history.close()
    assert not _kept(db).exists()


# -- private files --------------------------------------------------------------------


@POSIX_ONLY
@pytest.mark.usefixtures("umask_zero")
def test_history_files_are_0600_and_a_new_folder_0700_whatever_the_umask(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new" / "data" / "history.sqlite3"
    history = _fill(db, conversations=2)  # open: the -wal and -shm exist now
    for suffix in ("", "-wal", "-shm"):
        assert stat.S_IMODE(Path(f"{db}{suffix}").stat().st_mode) == 0o600, suffix
    for folder in (db.parent, db.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    history.close()


@POSIX_ONLY
def test_a_history_an_older_genba_left_readable_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    _fill(db, conversations=1).close()
    db.chmod(0o644)
    tmp_path.chmod(0o755)
    history = History(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # a folder genba did not create
    history.close()


# -- the window -----------------------------------------------------------------------


def _damage(paths: Paths) -> None:
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    paths.history_db.write_bytes(b"\xff" * 4096)


def test_window_starts_on_a_damaged_history_and_says_where_it_was_kept(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    _damage(app_paths)
    window = make_window()
    kept = window.history.moved_aside
    assert kept is not None and kept.exists()
    assert window.notice.isVisible()
    text = window.notice.text()
    assert text == (
        f"The history was damaged, so a new one was started; the old history was kept at {kept}."
    )
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        assert window.send("hello")
    reopened = History(app_paths.history_db)  # the new history is on disk
    (conversation,) = reopened.conversations()
    assert reopened.messages(conversation.id)[0].content == "hello"
    reopened.close()


def test_the_damaged_history_sentence_is_japanese_in_japanese_mode(
    make_window: Any, app_paths: Paths
) -> None:
    _damage(app_paths)
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.user_settings_file.write_text('[ui]\nlanguage = "ja"\n', encoding="utf-8")
    window = make_window()
    kept = window.history.moved_aside
    assert kept is not None
    assert window.notice.text() == (
        f"履歴が壊れていたため、新しい履歴を開始しました。以前の履歴は {kept} に保管してあります。"
    )


def test_window_starts_when_the_history_cannot_be_opened(
    make_window: Any, app_paths: Paths
) -> None:
    app_paths.data_dir.parent.mkdir(parents=True, exist_ok=True)
    app_paths.data_dir.write_text("not a folder", encoding="utf-8")
    window = make_window()
    assert window.history.unavailable
    assert window.notice.isVisible()
    assert window.notice.text() == (
        "The history could not be opened, so the conversations of this session are not saved."
    )
