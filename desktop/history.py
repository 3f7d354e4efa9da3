"""The operator's conversation history: SQLite in WAL mode, written so a crash loses almost nothing.

Invariants:

* The user's message is committed *before* generation starts, so a crash can
  never lose something the operator typed and sent.
* An answer row exists from the first moment of generation with status
  ``streaming``; its text is committed as it grows (see :class:`AnswerRecorder`),
  and it ends as ``complete``, ``cancelled`` or ``failed``. A row still
  ``streaming`` when the database is opened belongs to a process that died: it
  is marked ``interrupted`` right away.
* Versions: messages form a tree. Each row names the message it follows
  (``parent_id``, 0 for a conversation's first question) and whether it is the
  ``selected`` one among the messages that follow the same parent. The
  conversation shown, sent to the model and exported is the path of selected
  messages (:meth:`History.messages`). Regenerating an answer adds a sibling
  answer; editing a question adds a sibling question, so the old question
  *and the turns after it* stay as the previous version, never deleted
  (:meth:`History.select_version` switches back). A new sibling and the
  unselecting of the others are one transaction. Databases from before
  versions (schema 1) are migrated on open: each message follows the one
  before it, so the old linear conversations read the same.
* Each finished answer keeps the engine's final stats (N, route, reason, time to
  first token, tokens/s...) as a JSON column, so pilot reports can be built from
  history alone (``json_extract(stats, '$.tokens_per_s')``).
* An answer grounded on the site's documents keeps its sources (the passages,
  as JSON, schema 3) in the same row, written in the same transaction as its
  final text, so they come back with it after a restart.
* WAL with ``synchronous=NORMAL``: a committed transaction survives the process
  being killed (the WAL lives in the OS page cache); only an OS crash can lose
  the last commits, never corrupt the file.

* The history is private: on POSIX the database and its ``-wal``/``-shm`` files
  are 0600 and a folder created for it 0700, whatever the umask (SQLite gives
  its side files the database's own mode).
* A damaged database never stops the window: a file SQLite calls corrupt or
  "not a database" (or that is not a file at all) is renamed, with its side
  files, to ``history.sqlite3.damaged-<time>`` (never deleted: it is the
  operator's data), and a new history starts; :attr:`History.moved_aside` says
  where the old one is. When the database cannot be used at all (locked, no
  permission, disk full), this session's history lives in memory and
  :attr:`History.unavailable` says why.

When history is turned off by policy the same code runs on an in-memory
database, so the window behaves the same and nothing touches the disk.
No Qt here: the window drives this module from its own thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from disk.damaged import SIDE_FILES, move_damaged_aside
from engine.events import FinalEvent
from engine.logging_setup import create_private_folder, keep_private

log = logging.getLogger(__name__)

MessageStatus = Literal["complete", "streaming", "interrupted", "cancelled", "failed"]
Role = Literal["user", "assistant"]

SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('complete', 'streaming', 'interrupted', 'cancelled', 'failed')),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    stats TEXT,
    notices TEXT,
    parent_id INTEGER,
    selected INTEGER NOT NULL DEFAULT 1,
    sources TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
"""
#: Schema 1 -> 2 (versions) and 2 -> 3 (document sources): the columns an older database
#: lacks, added on open. An added column is NULL in old rows: an answer without sources.
_VERSION_COLUMNS = {
    "parent_id": "ALTER TABLE messages ADD COLUMN parent_id INTEGER",
    "selected": "ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 1",
    "sources": "ALTER TABLE messages ADD COLUMN sources TEXT",
}
#: Rows without a parent (schema 1, or written by an older genba) follow the message
#: before them in their conversation, as they were shown then.
_LINK_ORPHANS = """
UPDATE messages SET parent_id = COALESCE((
    SELECT max(p.id) FROM messages p
    WHERE p.conversation_id = messages.conversation_id AND p.id < messages.id), 0)
WHERE parent_id IS NULL
"""
#: SQLite's primary result codes for a file whose content is not a usable database.
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

#: What the read-only look at an existing database reads after its header and schema: the
#: messages table as :func:`_mark_interrupted` will (every row, overflow pages too), and
#: the other b-trees. A full integrity check would read the whole file at every start.
_PROBES = {
    "messages": "SELECT count(*) FROM messages WHERE status='streaming'",
    "conversations": "SELECT count(*) FROM conversations",
    "messages_by_conversation": (
        "SELECT count(*) FROM messages INDEXED BY messages_by_conversation"
    ),
}


@dataclass(frozen=True)
class Conversation:
    """One conversation as listed in the sidebar."""

    id: int
    title: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Message:
    """One stored message; ``stats`` is the engine's final event for answers."""

    id: int
    conversation_id: int
    role: Role
    content: str
    status: MessageStatus
    created_at: float
    updated_at: float
    stats: dict[str, Any] | None
    notices: list[dict[str, str]]
    parent_id: int = 0
    version: int = 1
    """Which of this message's versions it is (1-based)."""
    version_ids: tuple[int, ...] = ()
    """The ids of all versions of this message, oldest first (empty: the only one)."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """The document passages an answer was grounded on (``dataclasses.asdict`` of
    :class:`engine.docs.model.Passage`), best first; empty for most messages."""

    @property
    def versions(self) -> int:
        """How many versions this message has (1 when it was never regenerated or edited)."""
        return max(1, len(self.version_ids))

    @property
    def cut_short(self) -> bool:
        """An answer the token limit cut short (it can be continued)."""
        return is_cut_short(self.role, self.status, self.stats)


def is_cut_short(role: str, status: str, stats: dict[str, Any] | None) -> bool:
    """The one rule for an answer that stopped at the token limit (stored or on screen)."""
    return (
        role == "assistant"
        and status in ("complete", "interrupted")
        and (stats or {}).get("stop_reason") == "length"
    )


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """True when SQLite says the file's content is not a usable database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES  # extended codes keep the low byte


def _damage(db_path: Path) -> str | None:
    """Why the existing file at ``db_path`` is not a usable database, or None.

    The look is read-only on purpose: the last read-write connection to close
    checkpoints the WAL into the file and deletes it, which would change the very
    bytes that are to be kept. Anything other than damage (locked, a hot rollback
    journal a reader cannot replay...) is left for the real open to meet.
    """
    try:
        info = db_path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        # A pipe or folder in its place: SQLite would open it, then wait or fail for ever.
        return "not a regular file"
    if info.st_size == 0:
        return None  # SQLite's empty database
    uri = f"{db_path.absolute().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as probe:
            names = {name for (name,) in probe.execute("SELECT name FROM sqlite_master")}
            for name, query in _PROBES.items():
                if name in names:  # a database from before the table existed is not damaged
                    probe.execute(query).fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc) if _is_damage(exc) else None
    return None


def _prepare_file(db_path: Path) -> None:
    """Create a new database file 0600, or tighten an old one and its side files (POSIX)."""
    if sys.platform == "win32":
        return  # private through the ACL of the user's profile folder
    with contextlib.suppress(FileExistsError):  # it exists (or another process was first)
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)  # the umask may have removed our own bits
        finally:
            os.close(fd)
    # Files an older genba made 0644; SQLite copies the database's mode to new side files.
    for suffix in ("", *SIDE_FILES):
        keep_private(Path(f"{db_path}{suffix}"))


def _mark_interrupted(db: sqlite3.Connection) -> int:
    """Mark answers a previous process left ``streaming`` as ``interrupted``; return how many."""
    with db:
        cur = db.execute("UPDATE messages SET status='interrupted' WHERE status='streaming'")
    return cur.rowcount


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a schema-1 or -2 database (or rows an older genba added) up to date."""
    if int(db.execute("PRAGMA user_version").fetchone()[0]) >= SCHEMA_VERSION:
        return
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    for name, statement in _VERSION_COLUMNS.items():
        if name not in columns:
            db.execute(statement)
    db.execute(_LINK_ORPHANS)


def final_stats(event: FinalEvent) -> dict[str, Any]:
    """The parts of a final event worth keeping; the routing trace is left out (large)."""
    stats = asdict(event)
    stats.pop("routing", None)
    stats.pop("text", None)  # the text is the message content itself
    stats.pop("sources", None)  # a column of its own (schema 3): passages are large
    return stats


class History:
    """All reads and writes of the history database. Use from one thread."""

    def __init__(self, db_path: Path | None, *, clock: Any = time.time) -> None:
        """Open (creating if needed) the database at ``db_path``; ``None`` keeps it in memory.

        Never raises for a bad database: see :attr:`moved_aside` and :attr:`unavailable`.
        """
        self._clock = clock
        self.path = db_path
        self.closed = False
        #: Where a damaged database was kept when a new one had to be started, else None.
        self.moved_aside: Path | None = None
        #: Why the database file could not be used (history is then in memory), else None.
        self.unavailable: str | None = None
        #: How many answers a previous process left ``streaming`` (now ``interrupted``).
        self.recovered = 0
        self._db = self._open(None) if db_path is None else self._open_on_disk(db_path)

    def _open_on_disk(self, db_path: Path) -> sqlite3.Connection:
        """The database at ``db_path``, a fresh one if it was damaged, else one in memory."""
        try:
            create_private_folder(db_path.parent)
            damage = _damage(db_path)
            if damage is not None:
                self.moved_aside = move_damaged_aside(db_path, self._clock())
                log.warning(
                    "history database %s is damaged (%s); kept it as %s and started a new one",
                    db_path,
                    damage,
                    self.moved_aside,
                )
            _prepare_file(db_path)
            return self._open(db_path)
        except (OSError, sqlite3.Error) as exc:
            self.unavailable = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
            log.error(
                "history database %s cannot be used (%s); this session's history is not saved",
                db_path,
                self.unavailable,
            )
            return self._open(None)

    def _open(self, db_path: Path | None) -> sqlite3.Connection:
        """Connect, set up the schema and mark interrupted answers; raise ``sqlite3.Error``."""
        db = sqlite3.connect(":memory:" if db_path is None else db_path)
        try:
            if db_path is not None:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            with db:
                db.executescript(_SCHEMA)
                _migrate(db)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.recovered = _mark_interrupted(db)
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.close()
            raise
        return db

    # -- lifecycle -------------------------------------------------------
    def close(self) -> None:
        """Close the connection (a checkpoint folds the WAL back into the file)."""
        self._db.close()
        self.closed = True

    def integrity_ok(self) -> bool:
        """True when SQLite's own integrity check passes."""
        row = self._db.execute("PRAGMA integrity_check").fetchone()
        return bool(row and row[0] == "ok")

    # -- conversations ---------------------------------------------------
    def create_conversation(self, title: str) -> int:
        """Add an empty conversation; returns its id."""
        now = self._clock()
        with self._db:
            cur = self._db.execute(
                "INSERT INTO conversations(title, created_at, updated_at) VALUES (?, ?, ?)",
                (title, now, now),
            )
        return int(cur.lastrowid or 0)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title."""
        with self._db:
            self._db.execute(
                "UPDATE conversations SET title=? WHERE id=?", (title, conversation_id)
            )

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages."""
        with self._db:
            self._db.execute("DELETE FROM conversations WHERE id=?", (conversation_id,))

    def conversations(self, search: str = "") -> list[Conversation]:
        """Conversations, newest first; ``search`` matches titles and message text."""
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern += "%"
            rows = self._db.execute(
                "SELECT * FROM conversations c WHERE c.title LIKE ? ESCAPE '\\' OR EXISTS ("
                " SELECT 1 FROM messages m WHERE m.conversation_id=c.id"
                " AND m.content LIKE ? ESCAPE '\\') ORDER BY updated_at DESC, id DESC",
                (pattern, pattern),
            )
        else:
            rows = self._db.execute("SELECT * FROM conversations ORDER BY updated_at DESC, id DESC")
        return [Conversation(r["id"], r["title"], r["created_at"], r["updated_at"]) for r in rows]

    def conversation(self, conversation_id: int) -> Conversation | None:
        """One conversation, or ``None`` if it was deleted."""
        r = self._db.execute(
            "SELECT * FROM conversations WHERE id=?", (conversation_id,)
        ).fetchone()
        return (
            None
            if r is None
            else Conversation(r["id"], r["title"], r["created_at"], r["updated_at"])
        )

    # -- messages --------------------------------------------------------
    def add_user_message(
        self, conversation_id: int, text: str, *, replaces: int | None = None
    ) -> int:
        """Commit what the operator sent (before any generation starts).

        ``replaces``: the id of a question this one is an edited version of; the
        old question and the turns after it stay, as the previous version.
        """
        return self._insert(conversation_id, "user", text, "complete", replaces)

    def start_answer(self, conversation_id: int, *, replaces: int | None = None) -> int:
        """Create the answer row in ``streaming`` state; returns its id.

        ``replaces``: the id of an answer this one is a new version of (regenerate).
        """
        return self._insert(conversation_id, "assistant", "", "streaming", replaces)

    def resume_answer(self, message_id: int) -> str:
        """Mark a finished answer ``streaming`` again to continue it; returns its text.

        From here on it is an answer being written: a crash leaves it ``interrupted``
        with the text saved so far, the cut answer included.
        """
        with self._db:
            self._db.execute(
                "UPDATE messages SET status='streaming', updated_at=? WHERE id=?",
                (self._clock(), message_id),
            )
        row = self._db.execute("SELECT content FROM messages WHERE id=?", (message_id,)).fetchone()
        return str(row["content"]) if row else ""

    def select_version(self, message_id: int) -> None:
        """Show this version of a message (and the turns that followed it) in its conversation."""
        with self._db:
            row = self._db.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id=?", (message_id,)
            ).fetchone()
            if row is None:
                return
            self._db.execute(
                "UPDATE messages SET selected=(id=?) WHERE conversation_id=? AND parent_id=?",
                (message_id, row["conversation_id"], row["parent_id"]),
            )

    def _parent_for(self, conversation_id: int, replaces: int | None) -> int:
        """Where a new message goes: after the shown path, or beside the one it replaces."""
        if replaces is not None:
            row = self._db.execute(
                "SELECT parent_id FROM messages WHERE id=? AND conversation_id=?",
                (replaces, conversation_id),
            ).fetchone()
            if row is not None:
                return int(row["parent_id"] or 0)
        path = self.messages(conversation_id)
        return path[-1].id if path else 0

    def _insert(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        status: MessageStatus,
        replaces: int | None = None,
    ) -> int:
        now = self._clock()
        with self._db:
            parent = self._parent_for(conversation_id, replaces)
            # The new message becomes the shown one of its siblings (earlier versions stay).
            self._db.execute(
                "UPDATE messages SET selected=0 WHERE conversation_id=? AND parent_id=?",
                (conversation_id, parent),
            )
            cur = self._db.execute(
                "INSERT INTO messages(conversation_id, role, content, status, created_at,"
                " updated_at, parent_id, selected) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                (conversation_id, role, text, status, now, now, parent),
            )
            self._db.execute(
                "UPDATE conversations SET updated_at=? WHERE id=?", (now, conversation_id)
            )
        return int(cur.lastrowid or 0)

    def save_partial(self, message_id: int, text: str) -> None:
        """Commit the answer text so far (called at least once a second while streaming)."""
        with self._db:
            self._db.execute(
                "UPDATE messages SET content=?, updated_at=? WHERE id=?",
                (text, self._clock(), message_id),
            )

    def finish_answer(  # noqa: PLR0917 (kept positional: the callers before sources pass them so)
        self,
        message_id: int,
        text: str,
        status: MessageStatus,
        stats: Mapping[str, Any] | None = None,
        notices: list[dict[str, str]] | None = None,
        sources: list[dict[str, Any]] | None = None,
    ) -> None:
        """Store the final text, status, engine stats and document sources of an answer.

        One transaction: an answer is never stored without the sources it was grounded on.
        """
        with self._db:
            self._db.execute(
                "UPDATE messages SET content=?, status=?, stats=?, notices=?, sources=?,"
                " updated_at=? WHERE id=?",
                (
                    text,
                    status,
                    None if stats is None else json.dumps(dict(stats), ensure_ascii=False),
                    json.dumps(notices or [], ensure_ascii=False),
                    json.dumps(sources, ensure_ascii=False) if sources else None,
                    self._clock(),
                    message_id,
                ),
            )

    def delete_message(self, message_id: int) -> None:
        """Remove one message (the messages after it are no longer shown: they follow it)."""
        with self._db:
            self._db.execute("DELETE FROM messages WHERE id=?", (message_id,))

    def messages(self, conversation_id: int) -> list[Message]:
        """The conversation as shown, oldest first: the path of selected versions.

        Each message says which of its versions it is (:attr:`Message.version`).
        """
        rows = self._db.execute(
            "SELECT * FROM messages WHERE conversation_id=? ORDER BY id", (conversation_id,)
        ).fetchall()
        children: dict[int, list[sqlite3.Row]] = {}
        for row in rows:
            children.setdefault(int(row["parent_id"] or 0), []).append(row)
        path: list[Message] = []
        node, seen = 0, set()
        while node in children and node not in seen:
            seen.add(node)
            kids = children[node]
            chosen = next((r for r in reversed(kids) if r["selected"]), kids[-1])
            versions = tuple(int(r["id"]) for r in kids if r["role"] == chosen["role"])
            message = _message(chosen)
            if len(versions) > 1:
                message = replace(
                    message, version=versions.index(message.id) + 1, version_ids=versions
                )
            path.append(message)
            node = message.id
        return path

    # -- policy ----------------------------------------------------------
    def apply_retention(self, days: int) -> int:
        """Delete conversations untouched for more than ``days`` days (0 keeps everything)."""
        if days <= 0:
            return 0
        cutoff = self._clock() - days * 86400
        with self._db:
            cur = self._db.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,))
        return cur.rowcount


def _message(r: sqlite3.Row) -> Message:
    return Message(
        id=r["id"],
        conversation_id=r["conversation_id"],
        role=r["role"],
        content=r["content"],
        status=r["status"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        stats=None if r["stats"] is None else json.loads(r["stats"]),
        notices=json.loads(r["notices"]) if r["notices"] else [],
        parent_id=int(r["parent_id"] or 0),
        sources=_sources(r["sources"]),
    )


def _sources(raw: str | None) -> list[dict[str, Any]]:
    """The stored sources of a row; a damaged value reads as none (never stops the window)."""
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [s for s in value if isinstance(s, dict)] if isinstance(value, list) else []


class AnswerRecorder:
    """Buffers a streaming answer and commits it at most every ``interval`` seconds.

    ``append`` commits when the interval has passed; the window also calls
    :meth:`flush` from a timer so a slow token stream is still saved every
    ``interval`` seconds.
    """

    def __init__(
        self,
        history: History,
        message_id: int,
        *,
        interval: float = 0.5,
        clock: Any = time.monotonic,
        text: str = "",
    ) -> None:
        self._history = history
        self.message_id = message_id
        self._interval = interval
        self._clock = clock
        self.text = text  # a continued answer starts from its stored text
        self._saved_len = len(text)
        self._last_commit = clock()

    def append(self, piece: str) -> None:
        """Add a token's text; commits when the interval has passed."""
        self.text += piece
        if self._clock() - self._last_commit >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Commit the text so far if it changed since the last commit."""
        self._last_commit = self._clock()
        if len(self.text) != self._saved_len:
            self._history.save_partial(self.message_id, self.text)
            self._saved_len = len(self.text)
