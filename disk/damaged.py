"""Moving a damaged SQLite database out of the way: the one rule for every genba database.

History, the document index, the pilot metrics and the expert-load statistics each start
anew when SQLite calls their file corrupt (or something that is not a file sits in its
place), and none of them ever deletes the old one: it is kept beside the new one as
``<name>.damaged-<local time>[-<n>]`` for IT to look at. The side files move first and
keep SQLite's names (``-wal``, ``-shm``, ``-journal``): a stale ``-wal`` left beside a new
database would be replayed into it, and the kept copy opens with its own WAL.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from disk.atomic import fsync_folder

SIDE_FILES = ("-wal", "-shm", "-journal")
"""SQLite's files beside a database, which belong to it."""


def move_damaged_aside(db_path: Path, now: float | None = None) -> Path:
    """Rename ``db_path`` and its side files to a fresh ``.damaged-<time>`` name; return it.

    ``now`` (seconds since the epoch) names the copy; the current time by default.
    Raises ``OSError`` when a rename fails.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    kept = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    number = 1
    while any(os.path.lexists(f"{kept}{suffix}") for suffix in ("", *SIDE_FILES)):
        number += 1
        kept = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{number}")
    for suffix in (*SIDE_FILES, ""):
        if os.path.lexists(f"{db_path}{suffix}"):
            Path(f"{db_path}{suffix}").rename(f"{kept}{suffix}")
    fsync_folder(db_path.parent)
    return kept
