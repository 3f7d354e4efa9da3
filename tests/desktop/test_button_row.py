"""The button row on its own: it reports clicks and the chosen mode, and shows what it is told."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.button_row import ButtonRow


def test_clicks_and_mode_are_reported_without_flags(qtbot: Any) -> None:
    row = ButtonRow()
    qtbot.addWidget(row)
    seen: list[tuple[str, ...]] = []
    row.send_clicked.connect(lambda *args: seen.append(("send", *args)))
    row.stop_clicked.connect(lambda *args: seen.append(("stop", *args)))
    row.regenerate_clicked.connect(lambda *args: seen.append(("regenerate", *args)))
    row.copy_clicked.connect(lambda *args: seen.append(("copy", *args)))
    row.mode_chosen.connect(lambda mode: seen.append(("mode", mode)))
    row.set_state(can_send=True, can_stop=True, can_regenerate=True)
    for button in (row.send_button, row.stop_button, row.regenerate_button, row.copy_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    row.mode_box.activated.emit(row.mode_box.findData("thorough"))
    assert seen == [("send",), ("stop",), ("regenerate",), ("copy",), ("mode", "thorough")]


def test_state_and_mode_lock_are_shown(qtbot: Any) -> None:
    row = ButtonRow()
    qtbot.addWidget(row)
    row.set_state(can_send=False, can_stop=True, can_regenerate=False)
    assert not row.send_button.isEnabled() and row.stop_button.isEnabled()
    assert not row.regenerate_button.isEnabled()
    assert row.send_button.text() == "Send" and row.copy_button.accessibleName() == "Copy answer"
    row.set_mode("fast", "Set by your administrator")
    assert row.mode_box.currentData() == "fast" and not row.mode_box.isEnabled()
    assert row.mode_box.toolTip() == "Set by your administrator"
    row.retranslate()  # a language change keeps the reason it was told
    assert row.mode_box.toolTip() == "Set by your administrator"
    row.set_mode("balanced")
    assert row.mode_box.isEnabled() and row.mode_box.toolTip() not in (
        "",
        "Set by your administrator",
    )
