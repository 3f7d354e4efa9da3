"""Small things an operator trips over: Copy, Delete's default, dialog titles, search, commands."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.dialog_fit import title_width
from desktop.first_run import FirstRunPage, code_html
from engine.events import FinalEvent


def _answer(qtbot: Any, window: Any, text: str) -> FinalEvent:
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        window.send(text)
    final = blocker.args[0]
    assert isinstance(final, FinalEvent)
    return final


def test_copy_is_off_in_an_empty_chat_and_says_copied(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    copy = window.buttons.copy_button
    assert not copy.isEnabled() and not window.actions_.copy_answer.isEnabled()
    _answer(qtbot, window, "hello")
    assert copy.isEnabled() and window.actions_.copy_answer.isEnabled()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == window.chat.last_answer() != ""
    assert copy.text().endswith("Copied") and window.buttons.copied_shown()
    assert copy.accessibleDescription() == "Copied"
    qtbot.waitUntil(lambda: copy.text() == "Copy", timeout=5000)  # back to its name
    window.new_chat()
    assert not copy.isEnabled()


def test_delete_defaults_to_no(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, "hello")
    conv = window.history.conversation(window.current_id)
    box = window.conversation_controller.delete_box(conv)
    qtbot.addWidget(box)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.show()
    qtbot.waitExposed(box)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter keeps the conversation
    assert box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.No
    assert window.history.conversation(conv.id) is not None


def test_rename_dialog_is_as_wide_as_its_title(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, "hello")
    conv = window.history.conversation(window.current_id)
    for language, title in (("en", "Rename conversation"), ("ja", "会話の名前を変更")):
        window.save_setting("ui.language", language)
        window.save_setting("ui.font_scale", 200)
        dialog = window.conversation_controller.rename_dialog(conv)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.windowTitle() == title
        needed = dialog.fontMetrics().horizontalAdvance(title)
        assert dialog.width() >= title_width(dialog) > needed
        assert dialog.textValue() == conv.title
        dialog.reject()


def test_down_in_the_search_box_goes_to_the_results(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    _answer(qtbot, window, "pump seal")
    window.new_chat()
    _answer(qtbot, window, "conveyor belt")
    window.new_chat()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search = window.sidebar.search
    search.setFocus()
    qtbot.keyClicks(search, "pump")
    assert window.sidebar.list.count() == 1
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.sidebar.list
    item = window.sidebar.list.currentItem()
    assert item is not None and item.text() == "pump seal"
    assert window.chat.entries[0].text == "pump seal"  # the result is open
    qtbot.keyClicks(search, "zzz")  # no results: Down stays in the search box
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is search


def test_first_run_shows_commands_as_code_not_backticks(qtbot: Any) -> None:
    assert code_html("Run `genba models list` <now>.") == (
        "Run <code>genba models list</code> &lt;now&gt;."
    )
    page = FirstRunPage()
    qtbot.addWidget(page)
    page.set_problem(
        "No model is installed yet. Build the built-in default with "
        "`genba models build-default`, or import a GGUF file with `genba models import PATH`."
    )
    shown = page.problem.text()
    assert "`" not in shown
    assert "<code>genba models build-default</code>" in shown
    assert page.problem.textFormat() == Qt.TextFormat.RichText
