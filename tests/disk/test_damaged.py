"""disk/damaged.py: a damaged SQLite database and its side files move aside together."""

from __future__ import annotations

import time
from pathlib import Path

from disk.damaged import SIDE_FILES, move_damaged_aside

NOON = time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1))


def test_the_database_and_its_side_files_keep_sqlite_s_names_beside_each_other(
    tmp_path: Path,
) -> None:
    db = tmp_path / "index.sqlite3"
    for suffix in ("", *SIDE_FILES):
        Path(f"{db}{suffix}").write_text(suffix or "main")
    kept = move_damaged_aside(db, NOON)
    assert kept.name == "index.sqlite3.damaged-20261203-120000"
    for suffix in ("", *SIDE_FILES):
        assert not Path(f"{db}{suffix}").exists()  # nothing stale is left for the new one
        assert Path(f"{kept}{suffix}").read_text() == (suffix or "main")


def test_a_second_damage_in_the_same_second_gets_its_own_name(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_text("one")
    first = move_damaged_aside(db, NOON)
    db.write_text("two")
    Path(f"{db}-wal").write_text("wal")
    second = move_damaged_aside(db, NOON)
    assert second.name == "history.sqlite3.damaged-20261203-120000-2"
    assert first.read_text() == "one" and second.read_text() == "two"
    assert Path(f"{second}-wal").read_text() == "wal"


def test_a_folder_in_the_database_s_place_is_moved_too(tmp_path: Path) -> None:
    db = tmp_path / "metrics.sqlite3"
    db.mkdir()
    kept = move_damaged_aside(db)
    assert kept.is_dir() and not db.exists()
