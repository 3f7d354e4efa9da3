"""Locked settings explain themselves in visible text the keyboard reaches, not only on hover."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop.button_row import ButtonRow
from desktop.lock_note import LockNote
from desktop.settings_dialog import SettingsDialog
from engine.paths import Paths
from engine.settings import load_settings


def _policy(paths: Paths, text: str) -> None:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(text, encoding="utf-8")
    paths.policy_file.chmod(0o644)


def _tab_to(qtbot: Any, start: QWidget, target: QWidget, limit: int = 200) -> bool:
    """Press Tab from ``start`` until ``target`` has the focus (False if it never does)."""
    start.window().activateWindow()
    qtbot.waitUntil(start.window().isActiveWindow)
    start.setFocus()
    for _ in range(limit):
        focused = QApplication.focusWidget()
        if focused is target:
            return True
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    return False


def test_locked_field_shows_why_and_tab_reaches_it(qtbot: Any, app_paths: Paths) -> None:
    _policy(app_paths, "[ui]\nhigh_contrast = true\n[experts]\nuser_can_choose = false\n")
    dialog = SettingsDialog(load_settings(app_paths))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    note = dialog.lock_notes["ui.high_contrast"]
    assert note.isVisibleTo(dialog)  # visible text, not only a hover tooltip
    assert "Set by your administrator" in note.text()
    assert note.accessibleDescription() == "Set by your administrator"
    assert note.accessibleName() == "High contrast: locked"
    editor = dialog.editors["ui.high_contrast"]
    assert editor.accessibleDescription().startswith("Set by your administrator — ")
    mode_note = dialog.lock_notes["experts.mode"]
    assert "fixed the answer mode" in mode_note.text() and mode_note.isVisibleTo(dialog)
    assert not dialog.lock_notes["ui.font_scale"].isVisibleTo(dialog)  # nothing to explain
    # The locked checkbox cannot take the focus; the note after it can.
    assert _tab_to(qtbot, dialog.editors["ui.language"], note)
    assert note.hasFocus()


def test_locked_field_note_is_japanese(qtbot: Any, make_window: Any, app_paths: Paths) -> None:
    _policy(app_paths, "[ui]\nhigh_contrast = true\n")
    window = make_window()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    note = dialog.lock_notes["ui.high_contrast"]
    assert note.text().endswith("管理者によって設定されています")
    assert note.accessibleName() == "ハイコントラスト: ロック中"


def test_locked_answer_mode_says_why_on_tab(qtbot: Any) -> None:
    row = ButtonRow()
    qtbot.addWidget(row)
    row.show()
    qtbot.waitExposed(row)
    note = row.mode_lock_note
    assert not note.isVisibleTo(row)
    row.set_mode("fast", "Your administrator has fixed the answer mode")
    assert note.isVisibleTo(row) and note.text().endswith("Locked")
    assert note.accessibleDescription() == "Your administrator has fixed the answer mode"
    assert note.toolTip() == "Your administrator has fixed the answer mode"
    assert note.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert row.mode_box.accessibleDescription().startswith("Your administrator has fixed")
    assert _tab_to(qtbot, row.regenerate_button, note)
    row.set_mode("balanced")
    assert not note.isVisibleTo(row) and row.mode_box.isEnabled()


def test_locked_mode_in_the_window_fits_and_is_explained(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    _policy(app_paths, "[experts]\nuser_can_choose = false\n")
    window = make_window()
    window.save_setting("ui.font_scale", 200)
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    note = window.buttons.mode_lock_note
    assert isinstance(note, LockNote) and note.isVisibleTo(window)
    assert note.accessibleDescription() == "回答モードは管理者によって固定されています", note.why()
    assert window.minimumSizeHint().width() <= 1024
