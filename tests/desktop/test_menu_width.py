"""Menus leave room for Japanese text drawn in a wider fallback font (Help's first item was cut).

The cut itself only shows in a real X server with the Japanese fallback font (checked there:
"キーボードショ…カット" before, whole after); here the rule behind the fix is checked on the
real window: every menu, when it is about to show, is wider than Qt's own size by two
full-width characters, recomputed for the current text size.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication


def _slack(menu: Any) -> int:
    return 2 * menu.fontMetrics().horizontalAdvance("\u30fc")


def test_every_menu_gets_room_for_wider_glyphs_each_time_it_shows(make_window: Any) -> None:
    window = make_window(wait=False)
    menus = (*window.actions_.menus(), window.actions_.language_menu)
    for menu in menus:
        menu.setMinimumWidth(0)
        natural = menu.sizeHint().width()
        menu.aboutToShow.emit()
        assert menu.minimumWidth() == natural + _slack(menu)


def test_a_larger_text_size_widens_the_menu_again(make_window: Any) -> None:
    window = make_window(wait=False)
    menu = window.actions_.help_menu
    menu.aboutToShow.emit()
    before = menu.minimumWidth()
    font = QFont(QApplication.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    menu.setFont(font)
    menu.aboutToShow.emit()
    assert menu.minimumWidth() > before
