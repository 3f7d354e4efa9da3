"""Dialogs as wide as their titles: a title bar never cuts the dialog's name.

A small dialog (rename, confirm) takes its width from its contents, and the
window manager then cuts a longer title, which is worse in Japanese and at
large text. :func:`fit_title` gives the dialog room for the title, the title
bar's icon and buttons (estimated from the text height, so it grows with the
text size), never more than the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLayout, QWidget

TITLE_BAR_CHROME_LINES = 7
"""Icon, buttons and padding of a title bar, in text heights."""


def title_width(dialog: QWidget) -> int:
    """The width the dialog needs to show its whole title (capped at the screen's width)."""
    fm = dialog.fontMetrics()
    needed = fm.horizontalAdvance(dialog.windowTitle()) + TITLE_BAR_CHROME_LINES * fm.height()
    screen = dialog.screen()
    if screen is not None:
        needed = min(needed, screen.availableGeometry().width() * 9 // 10)
    return needed


class _TitleFit(QObject):
    """Widens its dialog to :func:`title_width` whenever it is shown or retitled."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QWidget) and event.type() in (
            QEvent.Type.Show,
            QEvent.Type.WindowTitleChange,
        ):
            _widen(watched)
        return False


def _widen(dialog: QWidget) -> None:
    layout = dialog.layout()
    if (
        layout is not None
        and layout.sizeConstraint() != QLayout.SizeConstraint.SetDefaultConstraint
    ):
        # QInputDialog's layout (made when first shown) forces the dialog to its own size.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
    needed = title_width(dialog)
    dialog.setMinimumWidth(max(dialog.minimumWidth(), needed))
    if dialog.width() < needed:
        dialog.resize(needed, dialog.height())


def fit_title(dialog: QWidget) -> None:
    """Keep ``dialog`` at least as wide as its title needs, now and whenever it is shown."""
    dialog.installEventFilter(_TitleFit(dialog))
    _widen(dialog)
