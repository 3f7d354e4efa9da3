"""History versions and continued answers: real SQLite files, schema migration, crash safety."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from desktop.history import SCHEMA_VERSION, History
from desktop.session import ChatSession
from engine.events import FinalEvent

SCHEMA_1 = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('complete', 'streaming', 'interrupted', 'cancelled', 'failed')),
    created_at REAL NOT NULL, updated_at REAL NOT NULL, stats TEXT, notices TEXT);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
PRAGMA user_version=1;
"""


def _final(text: str, stop_reason: Any = "stop", tokens: int = 3) -> FinalEvent:
    return FinalEvent(
        text=text, route="local", reason="N=2 default", experts=2, context=1024,
        prompt_tokens=5, generated_tokens=tokens, ttft_s=0.01, tokens_per_s=50.0,
        stop_reason=stop_reason,
    )


def test_a_schema_1_database_reads_the_same_and_takes_versions(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    old = sqlite3.connect(db)
    old.executescript(SCHEMA_1)
    with old:
        old.execute("INSERT INTO conversations VALUES (1, 'a', 0, 0), (2, 'b', 0, 0)")
        for cid, role, text in [
            (1, "user", "q1"), (2, "user", "other"), (1, "assistant", "a1"),
            (1, "user", "q2"), (1, "assistant", "a2"),
        ]:
            old.execute(
                "INSERT INTO messages(conversation_id, role, content, status, created_at,"
                " updated_at) VALUES (?, ?, ?, 'complete', 0, 0)", (cid, role, text),
            )
    old.close()
    history = History(db)
    try:
        assert [m.content for m in history.messages(1)] == ["q1", "a1", "q2", "a2"]
        assert [m.content for m in history.messages(2)] == ["other"]
        assert all(m.versions == 1 for m in history.messages(1))
        a2 = history.messages(1)[-1]
        new = history.start_answer(1, replaces=a2.id)
        history.finish_answer(new, "a2 again", "complete")
        last = history.messages(1)[-1]
        assert last.content == "a2 again" and last.version_ids == (a2.id, new)
        assert history.integrity_ok()
        version = history._db.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION  # migrated to the newest schema
    finally:
        history.close()
    reopened = History(db)
    try:
        assert [m.content for m in reopened.messages(1)] == ["q1", "a1", "q2", "a2 again"]
        reopened.select_version(a2.id)
        assert reopened.messages(1)[-1].content == "a2"
    finally:
        reopened.close()


def test_an_edited_question_keeps_the_old_branch(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    try:
        cid = history.create_conversation("t")
        q1 = history.add_user_message(cid, "q1")
        history.finish_answer(history.start_answer(cid), "a1", "complete")
        history.add_user_message(cid, "q2")
        edited = history.add_user_message(cid, "q1 edited", replaces=q1)
        assert [m.content for m in history.messages(cid)] == ["q1 edited"]
        assert history.messages(cid)[0].version_ids == (q1, edited)
        history.select_version(q1)
        assert [m.content for m in history.messages(cid)] == ["q1", "a1", "q2"]
    finally:
        history.close()


def test_a_continuation_killed_midway_keeps_the_cut_answer_and_what_came(
    qapp: Any, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite3"
    session = ChatSession(History(db))
    session.add_question("q")
    session.begin_answer()
    session.add_token("cut ans")
    session.finish_answer(_final("cut ans", "length", tokens=4))
    prompt = session.continue_answer()
    assert prompt == [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": "cut ans"},
    ]
    assert session.continue_answer() is None  # one answer at a time
    session.add_token("wer, go")
    session._answer.on_flush_tick()  # the half-second commit
    # The process dies here: no finish, no close. A new process opens the file.
    survivor = History(db)
    try:
        (_question, answer) = survivor.messages(survivor.conversations()[0].id)
        assert answer.content == "cut answer, go" and answer.status == "interrupted"
        assert survivor.recovered == 1
        assert answer.stats is not None and answer.stats["stop_reason"] == "length"
    finally:
        survivor.close()
    session.finish_answer(_final("wer, go", "length", tokens=2))
    stored = session.history.messages(session.current_id or 0)[-1]
    assert stored.content == "cut answer, go" and stored.stats is not None
    assert stored.stats["generated_tokens"] == 6 and stored.stats["continued"] == 1
    session.close()
