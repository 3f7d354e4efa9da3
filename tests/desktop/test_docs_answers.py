"""Grounded answers in the real window: the real engine on the tiny model, a real index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.events import FinalEvent
from engine.settings import save_user_setting

# Short: the tiny test model counts about a token a character, and the passage must fit in
# the part of its 1,024-token context that the question and the instructions leave.
TORQUE = "# Line 3 flange bolts\n\nM8 flange bolts on line 3: 25 N·m.\n"
QUESTION = "What torque for the M8 flange bolts on line 3?"


@pytest.fixture
def torque_folder(tmp_path: Path, app_paths: Any) -> Path:
    folder = tmp_path / "site-docs"
    folder.mkdir()
    (folder / "torque.md").write_text(TORQUE, encoding="utf-8")
    save_user_setting(app_paths, "docs.personal_folders", [str(folder)])
    return folder


def _ask(qtbot: Any, window: Any, text: str) -> Any:
    with qtbot.waitSignal(window.answer_completed, timeout=60_000) as blocker:
        assert window.send(text)
    return blocker.args[0]


def test_an_answer_shows_its_sources_and_keeps_them_after_a_restart(
    qtbot: Any, make_window: Any, torque_folder: Path
) -> None:
    # 4 tokens: the tiny test model's context is short, and passages get what answers leave.
    window = make_window(max_tokens=4)
    qtbot.waitUntil(lambda: window.docs.indexer.last is not None, timeout=30_000)
    final = _ask(qtbot, window, QUESTION)
    assert isinstance(final, FinalEvent) and final.sources
    assert Path(str(final.sources[0]["path"])).name == "torque.md"
    shown = window.chat.toPlainText()
    assert "[1] Line 3 flange bolts" in shown and "25 N·m" in shown
    assert "The answer may be wrong" in shown
    conversation = window.current_id
    window.shutdown()
    again = make_window(max_tokens=4)
    again.open_conversation(conversation)
    answer = again.chat.entries[-1]
    assert answer.role == "assistant" and answer.sources == [dict(s) for s in final.sources]
    assert "[1] Line 3 flange bolts" in again.chat.toPlainText()


def test_require_with_nothing_found_says_so_in_japanese(
    qtbot: Any, make_window: Any, torque_folder: Path, app_paths: Any
) -> None:
    save_user_setting(app_paths, "docs.answers", "require")
    save_user_setting(app_paths, "ui.language", "ja")
    window = make_window()
    qtbot.waitUntil(lambda: window.docs.indexer.last is not None, timeout=30_000)
    final = _ask(qtbot, window, "zeppelin hangar doors")
    assert isinstance(final, FinalEvent) and final.route == "refuse"
    assert any(p.get("code") == "docs.not_found" for p in final.reason_parts or [])
    shown = window.chat.toPlainText() + window.notice.text()
    assert "現場の文書にこの内容が見つからず" in shown
    assert "site documents" not in shown
