"""Message actions in the window: cut-short answers and Continue, Copy, Edit and resend,
Regenerate with versions. Real Qt, the real engine on the tiny model, real SQLite."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.history import History
from engine.events import FinalEvent

LONG_PROMPT = "a" * 50  # the tiny model answers this one with hundreds of tokens
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _answer(qtbot: Any, window: Any, start: Any) -> FinalEvent:
    with qtbot.waitSignal(window.answer_completed, timeout=60_000) as blocker:
        assert start() is not False
    final = blocker.args[0]
    assert isinstance(final, FinalEvent)
    return final


def _plain(window: Any) -> str:
    """The conversation's text with runs of (non-breaking) spaces as one space."""
    return " ".join(window.chat.toPlainText().replace("\u00a0", " ").split())


def _actions(window: Any, index: int = -1) -> list[str]:
    chat = window.chat
    return [a for a, _arg, _label in chat.actions_for(index % len(chat.entries))]


def test_cut_answer_is_marked_and_continue_extends_the_same_message(
    qtbot: Any, make_window: Any, app_paths: Any
) -> None:
    window = make_window(max_tokens=6)
    first = _answer(qtbot, window, lambda: window.send(LONG_PROMPT))
    assert first.stop_reason == "length"
    assert "cut short: the answer reached the length limit" in window.chat.toPlainText()
    assert "continue" in _actions(window) and window.actions_.continue_answer.isEnabled()
    cut = window.chat.entries[-1].text
    texts, tokens = [cut], first.generated_tokens
    # Continue by keyboard, twice: a continuation can be cut again and continued again.
    for _ in range(2):
        final = _answer(
            qtbot, window,
            lambda: qtbot.keyClick(window.input, Qt.Key.Key_Return, CTRL_SHIFT),
        )
        assert final.stop_reason == "length" and final.generated_tokens > 0
        texts.append(final.text)  # only the new text travels in the event
        tokens += final.generated_tokens
        entry = window.chat.entries[-1]
        assert entry.text == "".join(texts) and entry.status == "complete"
        assert entry.text.startswith(cut)
    assert len(window.chat.entries) == 2  # the same message, not a new one
    stored = window.history.messages(window.current_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == "".join(texts)
    assert stored[1].stats is not None and stored[1].stats["continued"] == 2
    assert stored[1].stats["stop_reason"] == "length"
    assert stored[1].stats["generated_tokens"] == tokens
    cid = window.current_id
    window.shutdown()
    # A restart shows the mark and offers Continue again.
    again = make_window(max_tokens=6)
    assert again.current_id == cid
    assert "cut short: the answer reached the length limit" in again.chat.toPlainText()
    assert "continue" in _actions(again)
    final = _answer(qtbot, again, again.answer_controller.continue_answer)
    assert again.history.messages(cid)[1].content == "".join(texts) + final.text


def test_an_answer_that_ended_by_itself_offers_no_continue(qtbot: Any, make_window: Any) -> None:
    window = make_window(max_tokens=400)
    final = _answer(qtbot, window, lambda: window.send("hello"))
    if final.stop_reason == "length":  # the tiny model rambles: nothing to learn here
        return
    assert "cut short" not in window.chat.toPlainText()
    assert "continue" not in _actions(window)
    assert window.answer_controller.continue_answer() is False


def test_copy_by_keyboard_says_copied(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("the question"))
    chat = window.chat
    chat.setFocus()
    # Tab reaches the first message's first action link (Copy); Enter runs it.
    qtbot.keyClick(chat, Qt.Key.Key_Tab)
    assert chat.textCursor().hasSelection()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(chat, Qt.Key.Key_Return)
    assert QGuiApplication.clipboard().text() == "the question"
    assert "Copied" in chat.toPlainText()
    qtbot.waitUntil(lambda: "Copied" not in chat.toPlainText(), timeout=10_000)
    # Ctrl+Shift+C copies the last answer and confirms it on that message.
    window.actions_.copy_answer.trigger()
    assert QGuiApplication.clipboard().text() == chat.entries[-1].text
    assert "Copied" in [label for _a, _g, label in chat.actions_for(len(chat.entries) - 1)]


def test_regenerate_keeps_the_previous_answer_as_a_version(
    qtbot: Any, make_window: Any, app_paths: Any
) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("hello"))
    first = window.history.messages(window.current_id)[-1]
    _answer(qtbot, window, window.answer_controller.regenerate)
    stored = window.history.messages(window.current_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    second = stored[-1]
    assert second.id != first.id and second.version_ids == (first.id, second.id)
    assert second.version == 2 and "‹ 2/2 ›" in _plain(window)
    # Alt+Left shows the first answer again (and it is what the model would see next).
    qtbot.keyClick(window.input, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.chat.entries[-1].text == first.content
    assert "‹ 1/2 ›" in _plain(window)
    assert window.history.messages(window.current_id)[-1].id == first.id
    # The link does the same: back to version 2.
    window.chat.request_action("version", 1, second.id)
    assert window.chat.entries[-1].id == second.id
    cid = window.current_id
    window.shutdown()
    reopened = History(app_paths.history_db)
    try:
        assert [m.id for m in reopened.messages(cid)][-1] == second.id
    finally:
        reopened.close()


def test_edit_and_resend_keeps_the_old_turns_as_the_previous_version(
    qtbot: Any, make_window: Any
) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("first question"))
    _answer(qtbot, window, lambda: window.send("second question"))
    old = window.history.messages(window.current_id)
    assert len(old) == 4
    window.chat.request_action("edit", 0)
    assert window.input.toPlainText() == "first question"
    assert window.notice.isVisible() and "Editing a question" in window.notice.text()
    window.input.setPlainText("first question, edited")
    _answer(qtbot, window, window.send)
    now = window.history.messages(window.current_id)
    assert [m.content for m in now[:1]] == ["first question, edited"]
    assert len(now) == 2 and now[0].version_ids == (old[0].id, now[0].id)
    assert "‹ 2/2 ›" in _plain(window)
    # Nothing was lost: version 1 brings back the old question and both turns after it.
    window.chat.request_action("version", 0, old[0].id)
    assert [m.id for m in window.history.messages(window.current_id)] == [m.id for m in old]
    assert [e.text for e in window.chat.entries] == [m.content for m in old]


def test_esc_cancels_an_edit_when_no_answer_runs(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, lambda: window.send("question"))
    qtbot.keyClick(window.input, Qt.Key.Key_E, CTRL_SHIFT)  # edit the last question
    assert window.answer_controller.editing is not None
    qtbot.keyClick(window.input, Qt.Key.Key_Escape)
    assert window.answer_controller.editing is None and not window.notice.isVisible()
    _answer(qtbot, window, lambda: window.send("another"))
    assert len(window.history.messages(window.current_id)) == 4  # added, nothing replaced


def test_an_answer_starting_with_a_list_keeps_a_plain_title(qtbot: Any) -> None:
    from desktop.chat_view import ChatView, Entry

    chat = ChatView()
    qtbot.addWidget(chat)
    chat.set_entries([Entry("user", "q")])
    chat.begin_answer()
    for token in ["1", ".", " first", "\n", "2", ".", " second"]:
        with qtbot.waitSignal(chat.rendered, timeout=5_000):
            chat.append_token(token)
    chat.finish_answer("1. first\n2. second", "complete", None, [])
    markdown = chat.toMarkdown()
    assert "**Assistant**" in markdown and "1.  **Assistant**" not in markdown
    assert "1.  first" in markdown


def test_links_in_the_models_text_are_not_actions(qtbot: Any) -> None:
    from PySide6.QtCore import QUrl

    from desktop.chat_view import ChatView, Entry

    chat = ChatView()
    qtbot.addWidget(chat)
    chat.set_entries([Entry("assistant", "[Copy](genba:copy/0/0)", id=1)])
    seen: list[Any] = []
    chat.action_requested.connect(lambda *a: seen.append(a))
    chat.anchorClicked.emit(QUrl("genba:copy/0/0"))
    chat.anchorClicked.emit(QUrl("https://example.com/"))
    assert seen == []
    chat.request_action("continue", 0)  # not offered: the answer was not cut short
    assert seen == []
    chat.request_action("copy", 0)
    assert seen == [("copy", 0, 0)]


def test_the_cut_short_mark_and_actions_are_in_japanese(qtbot: Any, make_window: Any) -> None:
    window = make_window(max_tokens=6)
    window.save_setting("ui.language", "ja")
    _answer(qtbot, window, lambda: window.send(LONG_PROMPT))
    text = window.chat.toPlainText()
    assert "途中で終了" in text and "続きを生成" in text and "コピー" in text
    assert "cut short" not in text and "Continue" not in text
