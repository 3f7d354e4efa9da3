"""The status area in plain words: one line for the operator, the numbers behind Details."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.session import EndedAnswer
from desktop.status_panel import StatusPanel
from engine.events import FinalEvent
from engine.paths import Paths
from engine.reasons import as_dicts, part, render


def _final(route: str = "local", stop: str = "stop", parts: tuple[Any, ...] = ()) -> FinalEvent:
    return FinalEvent(
        text="x",
        route=route,  # type: ignore[arg-type]
        reason=render(parts),
        reason_parts=as_dicts(parts) if parts else None,
        experts=4,
        context=512,
        prompt_tokens=3,
        generated_tokens=5,
        ttft_s=0.5,
        tokens_per_s=9.0,
        stop_reason=stop,  # type: ignore[arg-type]
    )


def _tab_until(qtbot: Any, window: Any, target: Any, limit: int = 60) -> bool:
    """Press Tab from the message box until ``target`` has the focus (False if never)."""
    window.input.setFocus()
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return True
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    return QApplication.focusWidget() is target


def test_plain_line_and_details_toggle_by_keyboard_remembered(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    window = make_window()
    status = window.status
    assert status.summary() == "Ready · on this PC"  # no site server set up; not "no network"
    assert not status.details.isVisibleTo(window)
    assert not any(t.startswith(("Experts", "Model", "Memory")) for t in status.texts())
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    assert _tab_until(qtbot, window, status.details_button)  # Tab reaches the toggle
    assert status.details_button.accessibleName() == "Status details"
    qtbot.keyClick(status.details_button, Qt.Key.Key_Space)
    assert status.details.isVisibleTo(window) and status.details_shown()
    texts = status.texts()
    assert any(t.startswith("Model: ") for t in texts)
    assert "Site server: not set up" in texts
    assert any(t.startswith("Memory: ") for t in texts)
    assert window.settings.get_bool("ui.status_details")  # saved in the operator's settings
    window.close()
    again = make_window()
    assert again.status.details_shown() and again.status.details.isVisibleTo(again)


def test_answer_numbers_are_cleared_when_the_chat_changes(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.status.details_button.click()
    during: list[str] = []
    window.session.answer_started.connect(lambda: during.append(window.status.summary()))
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        window.send("hello")
    final = blocker.args[0]
    assert during == ["Answering on this PC…"]
    assert window.status.summary() == "Answered on this PC"
    assert window.status.experts_label.text().startswith(f"Experts: {final.experts} (")
    assert window.status.speed_label.isVisibleTo(window)
    first = window.current_id
    window.new_chat()
    assert window.status.summary() == "Ready · on this PC"
    assert window.status.experts_label.text() == "Experts: –"
    assert window.status.route_label.text() == "Route: –"
    assert not window.status.speed_label.isVisibleTo(window)
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        window.send("hello again")
    assert window.status.route_label.text() == "Route: local"
    window.open_conversation(first)  # another stored conversation: not its numbers either
    assert window.status.route_label.text() == "Route: –"
    assert window.status.summary() == "Ready · on this PC"


def test_each_outcome_in_plain_words(qtbot: Any) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)
    assert panel.summary() == "Loading the model…"
    panel.set_model(None)
    assert panel.summary() == "No model is ready"
    panel.set_model("tiny")
    panel.set_network("offline", "Offline mode is on")
    assert panel.summary() == "Ready · on this PC · offline"
    panel.set_network("online", "https://genba.example")
    assert panel.summary() == "Ready · on this PC · site server available"
    panel.on_answer_started()
    assert panel.summary() == "Answering…"  # the engine decides where, and says so at the end
    memory = (part("memory.low", free="1 GB", need="4 GB"), part("then.remote"))
    panel.set_final(_final("remote", parts=memory))
    assert panel.summary() == "Answered by the site server because this PC is short of memory"
    assert "low memory: 1 GB free" in panel.experts_label.toolTip()  # the engineer's words
    panel.set_final(_final("remote"))
    assert panel.summary() == "Answered by the site server"
    panel.set_final(_final(stop="cancelled"))
    assert panel.summary() == "Answer stopped"
    panel.on_answer_started()
    panel.on_answer_ended(EndedAnswer(1, "", "failed", None))
    assert panel.summary().startswith("The answer could not be finished")
    assert panel.experts_label.text() == "Experts: –"


def test_plain_line_in_japanese(qtbot: Any, japanese: Any) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.set_model("tiny")
    panel.set_network("offline")
    assert panel.summary() == "準備完了 · この PC で回答 · オフライン"
    battery = (part("battery.prefers_remote"), part("then.remote"))
    panel.set_final(_final("remote", parts=battery))
    assert panel.summary() == "サイトのサーバーが回答しました（理由: この PC がバッテリーで動作中）"
    panel.set_details_shown(True)
    assert panel.details_button.text() == "詳細を隠す"
    assert "ネットワーク: オフラインモード" in panel.texts()


def test_policy_can_fix_the_details_and_the_toggle_says_why(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    app_paths.policy_dir.mkdir(parents=True, exist_ok=True)
    app_paths.policy_file.write_text("[ui]\nstatus_details = true\n", encoding="utf-8")
    window = make_window()
    button = window.status.details_button
    assert window.status.details_shown() and not button.isEnabled()
    assert button.toolTip() == button.accessibleDescription() == "Set by your administrator"
    note = window.status.details_lock_note  # the disabled toggle takes no focus: the note does
    assert note.isVisibleTo(window) and note.accessibleDescription() == "Set by your administrator"
    assert note.focusPolicy() & Qt.FocusPolicy.TabFocus
