"""The document index: one SQLite file with FTS5 and BM25, updated incrementally.

``docs-index.sqlite3`` holds

* ``documents``: one row per file seen (path, source label and kind, size, mtime_ns, sha256,
  kind, title, state ``indexed``/``skipped``, the skip code and its parameters as JSON, pages,
  when it was indexed). Skipped documents stay listed with their reason and are tried again
  when the file changes.
* ``passages``: document, page, heading, text (:mod:`engine.docs.chunk`).
* ``passage_terms``: FTS5 (``unicode61`` over the terms of :mod:`engine.docs.terms`; rowid =
  passage id) with two columns, the document title plus heading, and the passage body.

:meth:`DocIndex.update` walks the sources: a file whose size and mtime are unchanged is not
opened; a changed one is hashed, and only a new hash is extracted again (the same hash only
refreshes the stored size and mtime); files and sources gone are removed. Each document is
one transaction, so an update stopped at any point (cancel, crash, kill) leaves a usable index.

Before extracting a file the update records it in ``meta`` (``extracting``) and clears it after.
If pdfium crashes the process on that file, the next update finds the mark and records the
file as skipped/corrupt ("crashed the extractor") instead of crashing on it again; it is tried
again when the file changes. :mod:`engine.docs.index_job` runs updates in a child process so
such a crash never reaches the window or the CLI.

A connection per call (the window searches on one thread and indexes on another; a
connection belongs to the thread that made them); WAL so searches never wait for an update.
A file SQLite calls damaged is moved aside with one warning and the index starts anew
(the index is only a cache of the documents).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from disk.damaged import move_damaged_aside
from disk.hashing import sha256_file

from engine.docs import chunk, rank, terms
from engine.docs.extract import KIND_NAMES, extract, kind_of
from engine.docs.model import (
    SKIP_ENGLISH,
    DocSource,
    DocumentKind,
    DocumentSkippedError,
    DocumentStatus,
    Extracted,
    IndexProgress,
    IndexReport,
    Passage,
    _Missing,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
HEAD_WEIGHT = 2.0
"""BM25 weight of the title-and-heading column against the passage body (1.0)."""
CRASH_DETAIL = "crashed the extractor"

_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    skip_code TEXT NOT NULL DEFAULT '',
    skip_params TEXT NOT NULL DEFAULT '{}',
    pages INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    page INTEGER,
    heading TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms
    USING fts5(head, body, tokenize = 'unicode61 remove_diacritics 0');
"""

ProgressFn = Callable[[IndexProgress], None]


@dataclass(frozen=True)
class _Stored:
    id: int
    source: str
    size: int
    mtime_ns: int
    sha256: str
    state: str
    skip_code: str
    skip_params: str


@dataclass(frozen=True)
class _Found:
    path: str
    source: DocSource
    kind: DocumentKind


def skip_reason(code: str, params: dict[str, str | int]) -> str:
    """The English sentence for a skip code and its parameters."""
    template = SKIP_ENGLISH.get(code, code)
    return template.format_map(_Missing(params))


def walk_source(source: DocSource) -> Iterator[Path]:
    """The indexable files under a source folder, sorted; hidden and ``~$`` lock files left out."""
    for root, dirs, files in os.walk(source.folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith((".", "~$")):
                continue
            path = Path(root) / name
            if kind_of(path) is not None:
                yield path


class DocIndex:
    """The document index in ``db_path`` (any thread; a connection per call)."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        #: Where a damaged index was kept, when one had to be moved aside.
        self.moved_aside: Path | None = None

    # -- connection ------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._move_aside(str(exc))
            db = self._open()
        try:
            yield db
        finally:
            db.close()

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and not _regular(self.path):
            raise sqlite3.DatabaseError("not a regular file")
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"index format {version}, expected {SCHEMA_VERSION}")
            if version == 0:
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("SELECT count(*) FROM passage_terms WHERE rowid = 0").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _move_aside(self, why: str) -> None:
        kept = move_damaged_aside(self.path)
        self.moved_aside = kept
        log.warning(
            "the document index %s was damaged (%s); kept it as %s and started anew "
            "(the next update indexes the documents again)", self.path, why, kept,
        )

    # -- searching -------------------------------------------------------------
    def search(self, query: str, limit: int = 5) -> list[Passage]:
        """The passages that best match ``query``, best first; empty when none.

        BM25's :data:`rank.POOL` best are re-ranked by how closely they keep the question's
        words together (:mod:`engine.docs.rank`); ``score`` is that boosted BM25.
        """
        expression = terms.fts_query(query)
        if expression is None or limit <= 0:
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT d.path, d.title, d.kind, p.page, p.heading, p.text, -m.rank, d.source "
                "FROM (SELECT rowid, bm25(passage_terms, ?, 1.0) AS rank FROM passage_terms "
                "      WHERE passage_terms MATCH ? ORDER BY rank LIMIT ?) AS m "
                "JOIN passages p ON p.id = m.rowid JOIN documents d ON d.id = p.doc_id "
                "ORDER BY m.rank",
                (HEAD_WEIGHT, expression, max(limit, rank.POOL)),
            ).fetchall()
        query_joints = rank.question_joints(query)
        found: list[Passage] = []
        for r in rows:  # best BM25 first
            bm25 = float(r[6])
            if len(found) >= limit and bm25 * rank.MAX_BOOST <= found[limit - 1].score:
                break  # no boost can lift this one (or any after it) into the top ``limit``
            found.append(Passage(
                path=r[0], title=r[1], kind=cast(DocumentKind, r[2]), page=r[3], heading=r[4],
                text=r[5], score=rank.boosted(bm25, query_joints, r[5]), source=r[7],
            ))  # fmt: skip
            found.sort(key=lambda p: -p.score)  # stable: ties keep BM25's order
        return found[:limit]

    # -- status ----------------------------------------------------------------
    def status(self) -> list[DocumentStatus]:
        """Every document the index knows, by source and path, with its state and reason."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT d.path, d.source, d.state, d.pages, "
                "(SELECT count(*) FROM passages p WHERE p.doc_id = d.id), "
                "d.skip_code, d.skip_params FROM documents d ORDER BY d.source, d.path"
            ).fetchall()
        out = []
        for path, source, state, pages, count, code, params_json in rows:
            params = _params(params_json)
            out.append(DocumentStatus(
                path=path, source=source, state=state, pages=int(pages), passages=int(count),
                skip_code=code, skip_params=params,
                reason=skip_reason(code, params) if state == "skipped" else "",
            ))  # fmt: skip
        return out

    def last_update(self) -> float | None:
        """When the last update finished (epoch seconds), or None."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'updated_at'").fetchone()
        return float(row[0]) if row else None

    # -- updating --------------------------------------------------------------
    def update(
        self,
        sources: list[DocSource],
        *,
        max_bytes: int,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        """Bring the index in line with the documents in ``sources`` (see the module doc)."""
        started = time.monotonic()
        counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "skipped": 0, "pages": 0}
        found = self._find(sources)
        total = len(found)
        cancelled = False
        with self._connect() as db:  # one connection per update, one transaction per document
            self._record_crash(db)
            stored = _stored(db)
            for path, row in stored.items():
                if path not in found:
                    with _transaction(db):
                        _delete(db, row.id)
                    counts["removed"] += 1
            for done, item in enumerate(found.values()):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                if progress is not None:
                    progress(IndexProgress(done, total, item.path))
                outcome, pages = self._update_one(db, item, stored.get(item.path), max_bytes)
                counts[outcome] += 1
                counts["pages"] += pages
            with _transaction(db):
                db.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('updated_at', ?)",
                    (str(time.time()),),
                )
        if progress is not None and not cancelled:
            progress(IndexProgress(total, total, ""))
        return IndexReport(
            **counts, seconds=round(time.monotonic() - started, 3), cancelled=cancelled
        )

    def _find(self, sources: list[DocSource]) -> dict[str, _Found]:
        found: dict[str, _Found] = {}
        for source in sources:
            for path in walk_source(source):
                key = str(path.absolute())
                kind = kind_of(path)
                if key not in found and kind is not None:  # the first source naming a file wins
                    found[key] = _Found(key, source, kind)
        return found

    def _update_one(
        self, db: sqlite3.Connection, item: _Found, row: _Stored | None, max_bytes: int
    ) -> tuple[Literal["added", "updated", "unchanged", "skipped"], int]:
        try:
            info = Path(item.path).stat()
        except OSError:
            info = None
        size = info.st_size if info else 0
        mtime = info.st_mtime_ns if info else 0
        regular = info is not None and stat.S_ISREG(info.st_mode)
        if row is not None and row.size == size and row.mtime_ns == mtime and not _retry(
            row, size, max_bytes
        ):
            if row.source != item.source.label:
                with _transaction(db):
                    db.execute(
                        "UPDATE documents SET source = ?, source_kind = ? WHERE id = ?",
                        (item.source.label, item.source.kind, row.id),
                    )
            return "unchanged", 0
        digest = ""
        if regular and 0 < size <= max_bytes:
            try:
                digest = sha256_file(item.path)
            except OSError:
                digest = ""
            if row is not None and digest and digest == row.sha256 and not _retry(
                row, size, max_bytes
            ):
                with _transaction(db):
                    db.execute(
                        "UPDATE documents SET size = ?, mtime_ns = ?, source = ?, "
                        "source_kind = ? WHERE id = ?",
                        (size, mtime, item.source.label, item.source.kind, row.id),
                    )
                return "unchanged", 0
        with _transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('extracting', ?)",
                (json.dumps({"path": item.path, "size": size, "mtime_ns": mtime,
                             "sha256": digest, "source": item.source.label,
                             "source_kind": item.source.kind, "kind": item.kind}),),
            )  # fmt: skip
        try:
            doc: Extracted | DocumentSkippedError = extract(Path(item.path), max_bytes=max_bytes)
        except DocumentSkippedError as exc:
            doc = exc
        except Exception as exc:  # a reader bug must never stop the index
            log.warning("extracting %s failed", item.path, exc_info=True)
            doc = DocumentSkippedError(
                "corrupt", kind=KIND_NAMES[item.kind], detail=f"{type(exc).__name__}: {exc}"[:200]
            )
        with _transaction(db):
            db.execute("DELETE FROM meta WHERE key = 'extracting'")
            if row is not None:
                _delete(db, row.id)
            pages = _insert(db, item, size, mtime, digest, doc=doc)
        if isinstance(doc, DocumentSkippedError):
            return "skipped", 0
        return ("added" if row is None else "updated"), pages

    def _record_crash(self, db: sqlite3.Connection) -> None:
        """A file marked as being extracted when its process died: record it as skipped."""
        row = db.execute("SELECT value FROM meta WHERE key = 'extracting'").fetchone()
        if row is None:
            return
        with _transaction(db):
            db.execute("DELETE FROM meta WHERE key = 'extracting'")
            try:
                mark = json.loads(row[0])
                item = _Found(
                    str(mark["path"]),
                    DocSource(mark["source_kind"], Path(mark["path"]).parent, mark["source"]),
                    mark["kind"],
                )
                size, mtime, digest = int(mark["size"]), int(mark["mtime_ns"]), str(mark["sha256"])
            except (ValueError, KeyError, TypeError):
                return
            log.warning("%s crashed the document extractor last time; skipping it", item.path)
            old = db.execute("SELECT id FROM documents WHERE path = ?", (item.path,)).fetchone()
            if old is not None:
                _delete(db, int(old[0]))
            error = DocumentSkippedError(
                "corrupt", kind=KIND_NAMES.get(item.kind, item.kind), detail=CRASH_DETAIL
            )
            _insert(db, item, size, mtime, digest, doc=error)

    def clear_extracting_mark(self) -> None:
        """Forget the file being extracted (its process was stopped on purpose, not crashed)."""
        with self._connect() as db, _transaction(db):
            db.execute("DELETE FROM meta WHERE key = 'extracting'")


# -- helpers -------------------------------------------------------------------
def _retry(row: _Stored, size: int, max_bytes: int) -> bool:
    """A skipped document whose size limit decision changed is looked at again."""
    if row.state == "skipped" and row.skip_code == "too_large":
        return size <= max_bytes
    return size > max_bytes and not (row.state == "skipped" and row.skip_code == "too_large")


def _stored(db: sqlite3.Connection) -> dict[str, _Stored]:
    rows = db.execute(
        "SELECT path, id, source, size, mtime_ns, sha256, state, skip_code, skip_params "
        "FROM documents"
    ).fetchall()
    return {r[0]: _Stored(*r[1:]) for r in rows}


def _delete(db: sqlite3.Connection, doc_id: int) -> None:
    db.execute(
        "DELETE FROM passage_terms WHERE rowid IN (SELECT id FROM passages WHERE doc_id = ?)",
        (doc_id,),
    )
    db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
    db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))


def _insert(
    db: sqlite3.Connection, item: _Found, size: int, mtime: int, digest: str, *,
    doc: Extracted | DocumentSkippedError,
) -> int:
    """Store one document (and its passages); returns its page count."""
    code: str = ""
    params: dict[str, str | int] = {}
    if isinstance(doc, DocumentSkippedError):
        state, code, params, title, kind, pages = (
            "skipped", doc.code, doc.params, Path(item.path).stem, item.kind, 0
        )
    else:
        numbers = {p.number for p in doc.pages if p.number is not None}
        state, title, kind = "indexed", doc.title, doc.kind
        pages = max(numbers) if numbers else len(doc.pages)
    cursor = db.execute(
        "INSERT INTO documents(path, source, source_kind, size, mtime_ns, sha256, kind, title, "
        "state, skip_code, skip_params, pages, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (item.path, item.source.label, item.source.kind, size, mtime, digest, kind, title,
         state, code, json.dumps(params, ensure_ascii=False), pages, time.time()),
    )  # fmt: skip
    doc_id = cursor.lastrowid
    if isinstance(doc, Extracted):
        for page in doc.pages:
            head = terms.index_text(f"{doc.title}\n{page.heading}")
            for text in chunk.passages(page.text):
                pid = db.execute(
                    "INSERT INTO passages(doc_id, page, heading, text) VALUES (?, ?, ?, ?)",
                    (doc_id, page.number, page.heading, text),
                ).lastrowid
                db.execute(
                    "INSERT INTO passage_terms(rowid, head, body) VALUES (?, ?, ?)",
                    (pid, head, terms.index_text(text)),
                )
    return pages


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _params(text: str) -> dict[str, str | int]:
    try:
        obj = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(obj, dict):
        return {}
    return {str(k): v if isinstance(v, int) else str(v) for k, v in obj.items()}


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # raised by _open itself
        return str(exc) == "not a regular file" or str(exc).startswith("index format")
    return int(code) & 0xFF in _DAMAGE_CODES  # extended codes keep the low byte
