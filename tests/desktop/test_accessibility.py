"""Accessible names on every control, and 100–200 % text without clipped controls."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from desktop.settings_dialog import SettingsDialog

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
)


def _controls(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, INTERACTIVE)
        and w.isVisibleTo(root)
        # Qt's own internals (scroll-area corners, spin-box line edits, tab scrollers).
        and not w.objectName().startswith("qt_")
        and not isinstance(w.parent(), QAbstractSpinBox | QComboBox)
    ]


def test_every_control_has_an_accessible_name(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    nameless = [
        f"{type(w).__name__}:{w.objectName() or w.text() if hasattr(w, 'text') else ''}"
        for root in (window, window.first_run, dialog)
        for w in _controls(root)
        if not w.accessibleName().strip()
        and not (isinstance(w, QAbstractButton) and w.text().replace("&", "").strip())
    ]
    assert nameless == []


@pytest.mark.parametrize(
    ("scale", "language"), [(100, "en"), (150, "ja"), (200, "en"), (200, "ja")]
)
def test_text_scale_never_clips_controls(
    qtbot: Any, make_window: Any, scale: int, language: str
) -> None:
    window = make_window()
    window.resize(1024, 700)  # a common shop-floor screen; the window may grow, never clip
    qtbot.wait(20)
    # Changed while the window is open: panes sized for the old text must adapt.
    window.save_setting("ui.language", language)
    window.save_setting("ui.font_scale", scale)
    qtbot.wait(50)
    clipped = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or not isinstance(w, QAbstractButton | QLabel):
            continue
        hint = w.minimumSizeHint()
        parent = w.parentWidget()
        outside = parent is not None and not parent.rect().contains(w.geometry())
        if w.width() < hint.width() or w.height() < hint.height() or outside:
            clipped.append((type(w).__name__, w.text(), w.size().toTuple(), hint.toTuple()))
    assert clipped == []
    # The text really is larger: the send button's font follows the setting.
    assert window.buttons.send_button.font().pointSizeF() == pytest.approx(
        window.theme._base_font.pointSizeF() * scale / 100
    )
