"""Dialogs as wide as their titles: a title bar never cuts the dialog's name.

A small dialog (rename, confirm) takes its width from its contents, and the
window manager then cuts a longer title, which is worse in Japanese and at
large text. :func:`fit_title` gives the dialog room for the title, the title
bar's icon and buttons (estimated from the text height, so it grows with the
text size), never more than the screen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

TITLE_BAR_CHROME_LINES = 7
"""Icon, buttons and padding of a title bar, in text heights."""


def title_width(dialog: QWidget) -> int:
    """The width the dialog needs to show its whole title."""
    fm = dialog.fontMetrics()
    return fm.horizontalAdvance(dialog.windowTitle()) + TITLE_BAR_CHROME_LINES * fm.height()


def fit_title(dialog: QWidget) -> None:
    """Make ``dialog`` at least as wide as its title needs (capped at the screen's width)."""
    needed = title_width(dialog)
    screen = dialog.screen()
    if screen is not None:
        needed = min(needed, screen.availableGeometry().width() * 9 // 10)
    dialog.setMinimumWidth(max(dialog.minimumWidth(), needed))
