"""History on real SQLite: commits, crash recovery marking, stats, retention, search, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from desktop.export import export_conversation
from desktop.history import AnswerRecorder, History, final_stats
from engine.events import FinalEvent

FINAL = FinalEvent(
    text="ok",
    route="local",
    reason="N=2 default",
    experts=2,
    context=1024,
    prompt_tokens=12,
    generated_tokens=3,
    ttft_s=0.05,
    tokens_per_s=40.0,
    stop_reason="stop",
    routing=[[[1, 2]]],
)


def test_wal_mode_and_streaming_row_becomes_interrupted_on_reopen(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    h = History(db)
    cid = h.create_conversation("c")
    h.add_user_message(cid, "question")
    mid = h.start_answer(cid)
    h.save_partial(mid, "partial ans")
    # Simulate a crash: another connection reads while the writer never finished.
    other = sqlite3.connect(db)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT status, content FROM messages WHERE id=?", (mid,)).fetchone() == (
        "streaming",
        "partial ans",
    )
    other.close()
    reopened = History(db)
    assert reopened.recovered == 1
    msgs = reopened.messages(cid)
    assert [(m.role, m.status, m.content) for m in msgs] == [
        ("user", "complete", "question"),
        ("assistant", "interrupted", "partial ans"),
    ]
    assert reopened.integrity_ok()
    h.close()
    reopened.close()


def test_final_stats_stored_as_json_without_trace(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite3")
    cid = h.create_conversation("c")
    mid = h.start_answer(cid)
    h.finish_answer(mid, "ok", "complete", final_stats(FINAL))
    (msg,) = h.messages(cid)
    assert msg.stats is not None
    assert msg.stats["experts"] == 2 and msg.stats["tokens_per_s"] == 40.0
    assert "routing" not in msg.stats and "text" not in msg.stats
    # Pilot reports can query the JSON column directly.
    row = (
        sqlite3.connect(tmp_path / "h.sqlite3")
        .execute(
            "SELECT json_extract(stats, '$.reason'), json_extract(stats, '$.ttft_s') FROM messages"
        )
        .fetchone()
    )
    assert row == ("N=2 default", 0.05)


def test_recorder_commits_after_interval_and_on_flush(tmp_path: Path) -> None:
    now = [100.0]
    h = History(tmp_path / "h.sqlite3")
    cid = h.create_conversation("c")
    rec = AnswerRecorder(h, h.start_answer(cid), interval=0.5, clock=lambda: now[0])
    rec.append("a")
    assert h.messages(cid)[0].content == ""  # inside the interval: not yet
    now[0] += 0.6
    rec.append("b")
    assert h.messages(cid)[0].content == "ab"
    rec.append("c")
    rec.flush()  # the window's timer does this when tokens are slow
    assert h.messages(cid)[0].content == "abc"


def test_retention_deletes_only_old_conversations(tmp_path: Path) -> None:
    now = [1_000_000.0]
    h = History(tmp_path / "h.sqlite3", clock=lambda: now[0])
    old = h.create_conversation("old")
    h.add_user_message(old, "x")
    now[0] += 10 * 86400
    new = h.create_conversation("new")
    assert h.apply_retention(0) == 0
    assert h.apply_retention(5) == 1
    assert [c.id for c in h.conversations()] == [new]
    assert h.messages(old) == []


def test_search_matches_titles_and_message_text(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite3")
    a = h.create_conversation("Torque")
    h.add_user_message(a, "how to calibrate 100%")
    b = h.create_conversation("Other")
    h.add_user_message(b, "日本語の質問")
    assert [c.id for c in h.conversations("torque")] == [a]
    assert [c.id for c in h.conversations("質問")] == [b]
    assert [c.id for c in h.conversations("100%")] == [a]  # LIKE wildcards are escaped
    assert h.conversations("_") == []


def test_history_off_keeps_nothing_on_disk(tmp_path: Path) -> None:
    h = History(None)
    cid = h.create_conversation("c")
    h.add_user_message(cid, "secret question")
    assert h.messages(cid)[0].content == "secret question"
    h.close()
    assert list(tmp_path.iterdir()) == []


def test_export_markdown_and_json(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite3")
    cid = h.create_conversation("Calibration")
    h.add_user_message(cid, "手順は?")
    mid = h.start_answer(cid)
    h.finish_answer(mid, "1. **check**\n2. measure", "complete", final_stats(FINAL))
    export_conversation(h, cid, tmp_path / "out.md")
    export_conversation(h, cid, tmp_path / "out.json")
    md = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert md.startswith("# Calibration") and "手順は?" in md and "1. **check**" in md
    data: dict[str, Any] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["conversation"]["title"] == "Calibration"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["stats"]["experts"] == 2
    assert not list(tmp_path.glob(".out.*"))  # no temp files left behind
