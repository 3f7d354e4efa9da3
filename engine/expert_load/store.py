"""The expert-load totals per model version, in one SQLite file in the user's data folder.

``expert-load.sqlite3`` holds, per model sha256: its name, version and expert
count, the answers and tokens sampled, and per layer and expert the rows routed
and the router-weight sum. Numbers only: no text, no times, no question ever.

* WAL with ``synchronous=NORMAL``: one transaction per sampled answer, so a killed
  process loses at most that answer; readers (``genba experts stats``) never block
  the app's writer.
* A connection per call: answers run on the window's worker thread, the CLI on its
  main thread, and sqlite3 connections belong to the thread that made them.
* A file SQLite calls damaged (or something that is not a regular file) is moved
  aside as ``expert-load.sqlite3.damaged-<time>`` with its ``-wal``/``-shm``, one
  warning is logged, and a fresh database starts: statistics never stop an answer.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from disk.damaged import move_damaged_aside
from disk.expert_stats import LayerLoad

from engine.expert_load.load import ExpertLoad

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    expert_count INTEGER NOT NULL,
    answers INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS load (
    sha256 TEXT NOT NULL REFERENCES models(sha256),
    layer INTEGER NOT NULL,
    expert INTEGER NOT NULL,
    count INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (sha256, layer, expert)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ModelIdentity:
    """A model version as the statistics key it: sha256, and for people its name/version."""

    sha256: str
    name: str
    version: str
    expert_count: int


@dataclass(frozen=True)
class ModelTotals:
    """Everything stored for one model version."""

    model: ModelIdentity
    load: ExpertLoad


class ExpertLoadStore:
    """Reads and writes ``expert-load.sqlite3`` (any thread; a connection per call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Where a damaged database was kept, when one had to be moved aside.
        self.moved_aside: Path | None = None

    # -- connection ------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise  # locked, read-only, full disk: the caller logs it; the file is fine
            self._move_aside(str(exc))
            db = self._open()
        try:
            yield db
        finally:
            db.close()

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and not _regular(self.path):
            # A pipe or folder in its place: SQLite would wait or fail for ever.
            raise sqlite3.DatabaseError("not a regular file")
        db = sqlite3.connect(self.path, timeout=10.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            with db:
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("SELECT count(*) FROM load").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _move_aside(self, why: str) -> None:
        kept = move_damaged_aside(self.path)
        self.moved_aside = kept
        log.warning(
            "expert-load statistics %s were damaged (%s); kept them as %s and started anew",
            self.path, why, kept,
        )

    # -- writing ---------------------------------------------------------------
    def record(self, model: ModelIdentity, load: ExpertLoad) -> None:
        """Add one answer's (or text's) load to the model's totals, in one transaction."""
        with self._connect() as db, db:
            db.execute(
                "INSERT INTO models(sha256, name, version, expert_count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO UPDATE SET name=excluded.name, "
                "version=CASE WHEN excluded.version != '' THEN excluded.version "
                "ELSE models.version END",
                (model.sha256, model.name, model.version, model.expert_count),
            )
            db.execute(
                "UPDATE models SET answers = answers + ?, tokens = tokens + ? WHERE sha256 = ?",
                (load.answers, load.tokens, model.sha256),
            )
            db.executemany(
                "INSERT INTO load(sha256, layer, expert, count, weight) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(sha256, layer, expert) DO UPDATE SET "
                "count = count + excluded.count, weight = weight + excluded.weight",
                [
                    (model.sha256, ly.layer, e, ly.count[e], ly.weight[e])
                    for ly in load.layers
                    for e in range(len(ly.count))
                ],
            )

    # -- reading ---------------------------------------------------------------
    def models(self) -> list[ModelIdentity]:
        """Every model version with statistics, most sampled first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT sha256, name, version, expert_count FROM models ORDER BY tokens DESC"
            ).fetchall()
        return [ModelIdentity(r[0], r[1], r[2], int(r[3])) for r in rows]

    def totals(self, sha256: str) -> ModelTotals | None:
        """The stored totals of one model version, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT name, version, expert_count, answers, tokens FROM models WHERE sha256=?",
                (sha256,),
            ).fetchone()
            if row is None:
                return None
            cells = db.execute(
                "SELECT layer, expert, count, weight FROM load WHERE sha256=? "
                "ORDER BY layer, expert",
                (sha256,),
            ).fetchall()
        experts = int(row[2])
        counts: dict[int, list[int]] = {}
        weights: dict[int, list[float]] = {}
        for layer, expert, count, weight in cells:
            if 0 <= expert < experts:
                counts.setdefault(layer, [0] * experts)[expert] = int(count)
                weights.setdefault(layer, [0.0] * experts)[expert] = float(weight)
        layers = tuple(
            LayerLoad(i, tuple(counts[i]), tuple(weights[i])) for i in sorted(counts)
        )
        identity = ModelIdentity(sha256, row[0], row[1], experts)
        return ModelTotals(identity, ExpertLoad(int(row[3]), int(row[4]), layers))

    # -- the hash of a model file, once per file version ----------------------------
    def known_hash(self, path: Path, size: int, mtime_ns: int) -> str | None:
        """The sha256 remembered for this file, if it has not changed since."""
        with self._connect() as db:
            row = db.execute(
                "SELECT sha256 FROM file_hashes WHERE path=? AND size=? AND mtime_ns=?",
                (str(path), size, mtime_ns),
            ).fetchone()
        return str(row[0]) if row else None

    def remember_hash(self, path: Path, size: int, mtime_ns: int, sha256: str) -> None:
        """Remember a file's sha256 for this size and modification time."""
        with self._connect() as db, db:
            db.execute(
                "INSERT OR REPLACE INTO file_hashes(path, size, mtime_ns, sha256) "
                "VALUES (?, ?, ?, ?)",
                (str(path), size, mtime_ns, sha256),
            )


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return str(exc) == "not a regular file"
    return code & 0xFF in _DAMAGE_CODES  # extended codes keep the low byte


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # gone or unreadable: let SQLite say what is wrong
