"""Chatting in the window with the real engine: streaming, stats, Stop, Regenerate, keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from engine.events import FinalEvent

LONG_PROMPT = "a" * 50  # the tiny model answers this one with hundreds of tokens


def _answer(qtbot: Any, window: Any, send: Any) -> FinalEvent:
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        send()
    final = blocker.args[0]
    assert isinstance(final, FinalEvent)
    return final


def test_send_streams_incrementally_then_shows_stats(
    qtbot: Any, make_window: Any, gate: Any
) -> None:
    window = make_window()
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.input.setPlainText("hello")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)  # Enter sends
    # The engine is paused after its first token: the text is on screen, the answer not done.
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    partial = window.chat.entries[-1].text
    assert window.chat.entries[-1].status == "streaming"
    assert partial in window.chat.toPlainText()
    assert window.buttons.stop_button.isEnabled() and not window.buttons.send_button.isEnabled()
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        gate.open()
    final = blocker.args[0]
    assert final.stop_reason in ("stop", "length")
    assert final.generated_tokens > 1
    entry = window.chat.entries[-1]
    assert entry.status == "complete" and entry.text.startswith(partial)
    assert len(entry.text) > len(partial)  # more arrived after the first render
    # The status line speaks plainly; the engineer's numbers are behind Details.
    assert window.status.summary() == "Answered on this PC"
    assert not any(t.startswith("Experts:") for t in window.status.texts())
    window.status.details_button.click()
    status = " ".join(window.status.texts())
    assert f"Experts: {final.experts}" in status
    assert "Route: local" in status
    assert f"{final.tokens_per_s:.1f} tokens/s" in status
    assert f"{final.ttft_s:.2f} s" in status
    stored = window.history.messages(window.current_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].stats is not None and stored[1].stats["experts"] == final.experts
    assert stored[1].stats["tokens_per_s"] == final.tokens_per_s
    assert stored[1].stats["reason"] == final.reason and stored[1].stats["route"] == "local"


def test_shift_enter_adds_a_line_instead_of_sending(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.input.setPlainText("first")
    window.input.moveCursor(window.input.textCursor().MoveOperation.End)
    qtbot.keyClick(window.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.input, "second")
    assert window.input.toPlainText() == "first\nsecond"
    assert window.current_id is None and not window.client.busy


def _count_generated_tokens(monkeypatch: Any) -> list[int]:
    """Spy on the real worker stream: how many tokens the model has produced so far.

    A token whose bytes do not yet (or never) form UTF-8 produces no text, so the
    first *visible* token may be the model's second or third; counting at the
    stream tells how many tokens existed when Stop was pressed.
    """
    from engine.local.worker_client import LlamaWorker

    produced = [0]
    real_stream = LlamaWorker.stream

    def counting(self: Any, op: str, cancel: Any = None, **args: Any) -> Any:
        for item in real_stream(self, op, cancel, **args):
            if op == "generate" and int(item["token"]) >= 0:
                produced[0] += 1
            yield item

    monkeypatch.setattr(LlamaWorker, "stream", counting)
    return produced


def test_stop_mid_stream_cancels_within_one_token(
    qtbot: Any, make_window: Any, gate: Any, monkeypatch: Any
) -> None:
    produced = _count_generated_tokens(monkeypatch)
    window = make_window(max_tokens=2000)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send(LONG_PROMPT)
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    shown_after = produced[0]  # generation is paused by the gate on the first visible token
    assert shown_after >= 1
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        qtbot.mouseClick(window.buttons.stop_button, Qt.MouseButton.LeftButton)
        gate.open()
    final = blocker.args[0]
    assert final.stop_reason == "cancelled"
    # Stop was pressed while token `shown_after` was on screen; the worker decodes one
    # token ahead, so at most one more token may have been generated.
    assert final.generated_tokens <= shown_after + 1
    stored = window.history.messages(window.current_id)[-1]
    assert stored.status == "cancelled"
    assert window.chat.entries[-1].status == "cancelled"
    assert window.buttons.send_button.isEnabled() and not window.buttons.stop_button.isEnabled()


def test_escape_key_stops_the_answer(qtbot: Any, make_window: Any, gate: Any) -> None:
    window = make_window(max_tokens=2000)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send(LONG_PROMPT)
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        qtbot.keyClick(window.input, Qt.Key.Key_Escape)
        gate.open()
    assert blocker.args[0].stop_reason == "cancelled"


def test_regenerate_replaces_the_last_answer(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("hello"))
    first = window.history.messages(window.current_id)
    regenerate = window.buttons.regenerate_button
    final = _answer(qtbot, window, lambda: qtbot.mouseClick(regenerate, Qt.MouseButton.LeftButton))
    after = window.history.messages(window.current_id)
    assert [m.role for m in after] == ["user", "assistant"]
    assert after[0].id == first[0].id  # the question stays
    assert after[1].id != first[1].id  # the answer is a new one
    assert after[1].status == "complete" and after[1].content == window.chat.last_answer()
    assert final.prompt_tokens == first[1].stats["prompt_tokens"]  # same question asked again
    assert [e.role for e in window.chat.entries] == ["user", "assistant"]


def test_copy_puts_the_answer_on_the_clipboard(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("hello"))
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(window.buttons.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == window.chat.last_answer() != ""


def test_keyboard_shortcuts_new_chat_and_focus(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("hello"))
    assert window.current_id is not None
    window.sidebar.search.setFocus()
    window.actions_.new_chat.trigger()
    assert window.current_id is None and window.chat.entries == []
    window.sidebar.search.setFocus()
    window.actions_.focus_input.trigger()
    assert window.input.hasFocus() or QGuiApplication.focusObject() is window.input
    shortcuts = {a.shortcut().toString() for a in window.actions()}
    assert {"Ctrl+N", "Esc", "Ctrl+L", "Ctrl+R"} <= shortcuts


def test_conversations_rename_search_delete(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("hello"))
    cid = window.current_id
    window.rename_conversation(cid, "Torque wrench")
    assert window.sidebar.list.item(0).text() == "Torque wrench"
    window.sidebar.search.setText("wrench")
    assert window.sidebar.list.count() == 1
    window.sidebar.search.setText("no such words")
    assert window.sidebar.list.count() == 0
    window.sidebar.search.setText("")
    window.delete_conversation(cid)
    assert window.history.conversations() == [] and window.chat.entries == []


def test_deleting_the_answering_conversation_stops_then_deletes(
    qtbot: Any, make_window: Any, gate: Any
) -> None:
    window = make_window(max_tokens=2000)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send(LONG_PROMPT)
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        window.delete_conversation(window.current_id)
        gate.open()
    assert window.history.conversations() == []
    assert window.current_id is None and window.chat.entries == []


def test_closing_mid_answer_joins_the_thread_and_keeps_the_partial_answer(
    qtbot: Any, make_window: Any, gate: Any
) -> None:
    import threading

    window = make_window(max_tokens=2000)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send(LONG_PROMPT)
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    cid = window.current_id
    # close() blocks the GUI thread joining the worker; release the worker from elsewhere.
    threading.Timer(0.05, gate.open).start()
    window.close()
    assert not window.client.engine_thread.isRunning()
    assert window.history.closed
    from desktop.history import History

    reopened = History(window.paths.history_db)
    try:
        answer = reopened.messages(cid)[-1]
        assert answer.role == "assistant" and answer.status == "interrupted"
        assert answer.content  # the tokens that had arrived are kept
    finally:
        reopened.close()


def test_answer_mode_chooser_changes_the_experts_used(
    qtbot: Any, make_window: Any, app_paths: Any
) -> None:
    from engine.settings import load_settings

    window = make_window()
    finals = {}
    for mode in ("fast", "thorough"):
        index = window.buttons.mode_box.findData(mode)
        window.buttons.mode_box.setCurrentIndex(index)
        window.buttons.mode_box.activated.emit(index)  # as when the operator picks it
        assert load_settings(app_paths).get_str("experts.mode") == mode
        finals[mode] = _answer(qtbot, window, lambda: window.send("hello"))
    assert finals["fast"].experts < finals["thorough"].experts
    assert "fast" in finals["fast"].reason and "thorough" in finals["thorough"].reason


def test_answer_mode_chooser_locked_by_policy(qtbot: Any, make_window: Any, app_paths: Any) -> None:
    app_paths.policy_dir.mkdir(parents=True)
    app_paths.policy_file.write_text('[experts]\nmode = "fast"\n', encoding="utf-8")
    window = make_window()
    assert not window.buttons.mode_box.isEnabled()
    assert window.buttons.mode_box.toolTip() == "Set by your administrator"
    assert window.buttons.mode_box.currentData() == "fast"
