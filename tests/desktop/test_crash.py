"""A window killed with SIGKILL mid-answer leaves a sound database; the answer is interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.history import History
from engine.paths import Paths

CHILD = Path(__file__).with_name("crash_child.py")
REPO = Path(__file__).resolve().parents[2]


def _streaming_text(db: Path) -> str | None:
    """The committed text of a still-streaming answer, read like any other process would."""
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT content FROM messages WHERE role='assistant' AND status='streaming'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return None  # the schema is being created
    return None if row is None else str(row[0])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_mid_answer_keeps_committed_text_and_marks_it_interrupted(
    tmp_path: Path, tiny_moe_path: Path
) -> None:
    root = tmp_path / "app"
    db = Paths.under(root).history_db
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    log = (tmp_path / "child.log").open("wb")
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(root), str(tiny_moe_path)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        committed = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            committed = _streaming_text(db) or ""
            if committed:
                break
            time.sleep(0.05)
        alive = child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        log.close()
    output = (tmp_path / "child.log").read_text(errors="replace")
    assert alive and committed, f"no partial answer was committed mid-answer:\n{output}"
    assert child.returncode == -signal.SIGKILL

    history = History(db)  # what the app does on the next start
    try:
        assert history.integrity_ok()
        (conv,) = history.conversations()
        user, answer = history.messages(conv.id)
        assert (user.role, user.status, user.content) == ("user", "complete", "a" * 50)
        assert answer.status == "interrupted"
        # Never less than what was seen committed before the kill.
        assert answer.content.startswith(committed)
    finally:
        history.close()
