"""The pilot metrics database: one row of numbers per answer, never any text.

Its own SQLite file in the engine's data folder (:data:`FILE_NAME`), in WAL mode
with ``synchronous=NORMAL``: a crash or power cut loses at most the last rows,
never the file. Each write opens, inserts and closes (answers are seconds apart,
and the engine answers on whatever thread its caller uses). A file SQLite calls
damaged is moved aside (``<name>.damaged-<time>``, :mod:`disk.damaged`) with one warning in the
log and a new one is started: metrics never stop an answer.

Columns (what the report reads): ``at`` (UTC, ISO 8601), ``route``
(``local``/``remote``/``degraded``/``refused``; *degraded* = a fallback happened
during the answer), ``final_route`` (who wrote the last words), ``experts`` (N),
``reasons`` (the decision's reason *codes*, comma-separated, no parameters),
``stop_reason``, ``ttft_s``, ``total_s``, ``prompt_tokens``, ``generated_tokens``,
``tokens_per_s``, ``cpu_s``, ``energy_j``, ``energy_source``
(``rapl``/``battery``/``estimate``) and ``model`` (file name or version).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from disk.damaged import move_damaged_aside

log = logging.getLogger(__name__)
T = TypeVar("T")

FILE_NAME = "pilot-metrics.db"
SCHEMA_VERSION = 1
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

_CREATE = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    route TEXT NOT NULL,
    final_route TEXT NOT NULL,
    experts INTEGER,
    reasons TEXT NOT NULL,
    stop_reason TEXT NOT NULL,
    ttft_s REAL,
    total_s REAL NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    generated_tokens INTEGER NOT NULL,
    tokens_per_s REAL,
    cpu_s REAL,
    energy_j REAL,
    energy_source TEXT,
    model TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class AnswerMetrics:
    """One answer's numbers (see the module docstring for each field)."""

    at: str
    route: str
    final_route: str
    experts: int | None
    reasons: str
    stop_reason: str
    ttft_s: float | None
    total_s: float
    prompt_tokens: int
    generated_tokens: int
    tokens_per_s: float | None
    cpu_s: float | None
    energy_j: float | None
    energy_source: str | None
    model: str


_FIELDS = tuple(f.name for f in dataclasses.fields(AnswerMetrics))


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


class MetricsStore:
    """Rows of :class:`AnswerMetrics` in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked = False

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not stat.S_ISREG(self.path.stat().st_mode):
            self._move_aside("not a regular file")
        db = sqlite3.connect(self.path, timeout=5.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if not self._checked:
                # Once per process: a damaged file is found before it is written to.
                problem = db.execute("PRAGMA quick_check").fetchone()[0]
                if problem != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {problem}")
                self._checked = True
            db.execute(_CREATE)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            yield db
        finally:
            db.close()

    def _move_aside(self, why: str) -> None:
        target = move_damaged_aside(self.path)
        log.warning("pilot metrics database %s is damaged (%s); moved to %s, starting a new one",
                    self.path, why, target.name)

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(db)``; on damage move the file aside and try once more on a new one."""
        for attempt in (1, 2):
            try:
                with self._connect() as db:
                    return fn(db)
            except sqlite3.DatabaseError as exc:
                damaged = _is_damage(exc) or str(exc).startswith("quick_check")
                if attempt == 2 or not damaged:
                    raise
                self._checked = False
                self._move_aside(str(exc))
        raise AssertionError("unreachable")  # the loop returns or raises

    def add(self, row: AnswerMetrics) -> None:
        """Store one answer's numbers."""
        columns = ", ".join(_FIELDS)
        marks = ", ".join("?" for _ in _FIELDS)
        values = dataclasses.astuple(row)

        def insert(db: sqlite3.Connection) -> None:
            with db:
                db.execute(f"INSERT INTO answers ({columns}) VALUES ({marks})", values)

        self._run(insert)

    def rows(self, since: str | None = None) -> list[AnswerMetrics]:
        """Every stored answer (from ``since``, an ISO date or time, when given), oldest first."""
        if not self.path.exists():
            return []
        where, args = ("WHERE at >= ?", (since,)) if since else ("", ())

        def select(db: sqlite3.Connection) -> list[AnswerMetrics]:
            cur = db.execute(f"SELECT {', '.join(_FIELDS)} FROM answers {where} ORDER BY id", args)
            return [AnswerMetrics(*row) for row in cur]

        return self._run(select)
