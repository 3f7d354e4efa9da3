"""A visible, keyboard-reachable note saying why a setting is locked.

A setting fixed by policy is disabled, and a disabled widget never takes the
keyboard focus, so a hover tooltip on it is out of reach for keyboard and
screen-reader users. The note is drawn next to the locked control: it shows
a padlock and the explanation as text (or, with ``compact``, a short
"Locked" with the explanation in its tooltip), is a Tab stop, draws a focus frame, shows the
explanation as a tooltip when focused, and carries it as its accessible
description, so a screen reader reads it on focus.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QFocusEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QLabel,
    QStyle,
    QStyleOptionFocusRect,
    QStylePainter,
    QToolTip,
    QWidget,
)


class LockNote(QLabel):
    """Explains a lock; hidden while there is nothing locked."""

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self._why = ""
        self._subject = ""
        self._compact = compact
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(not compact)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._fit_icon()
        self.setVisible(False)

    def set_lock(self, why: str, subject: str = "") -> None:
        """Show ``why`` (translated) for the control named ``subject``; "" hides the note."""
        self._why, self._subject = why, subject
        self.retranslate()

    def why(self) -> str:
        """The explanation shown, "" when nothing is locked."""
        return self._why

    def retranslate(self) -> None:
        """Re-read the note's own words (the explanation comes translated from the caller)."""
        why = self._why
        self.setVisible(bool(why))
        if not why:
            return
        # The padlock is drawn (paintEvent): an emoji needs a font many PCs lack.
        self.setText(QCoreApplication.translate("LockNote", "Locked") if self._compact else why)
        self.setToolTip(why)
        name = (
            QCoreApplication.translate("LockNote", "{setting}: locked").format(
                setting=self._subject
            )
            if self._subject
            else QCoreApplication.translate("LockNote", "Locked")
        )
        self.setAccessibleName(name)
        self.setAccessibleDescription(why)

    def _fit_icon(self) -> None:
        """Leave room on the left for the padlock, as wide as the text is high."""
        self.setContentsMargins(self.fontMetrics().height() + 4, 1, 2, 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit_icon()
        super().changeEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self._why:
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), self._why, self)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self._paint_padlock()
        if self.hasFocus():  # a label draws no focus frame of its own
            painter = QStylePainter(self)
            option = QStyleOptionFocusRect()
            option.initFrom(self)
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option)

    def _paint_padlock(self) -> None:
        """A padlock in the text colour, one text line high, left of the first line."""
        size = float(self.fontMetrics().height())
        top = self.contentsRect().top() + (self.fontMetrics().height() - size) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self.palette().color(self.foregroundRole())
        pen = QPen(colour, max(1.0, size / 10))
        painter.setPen(pen)
        body = QRectF(2 + size * 0.15, top + size * 0.45, size * 0.7, size * 0.5)
        shackle = QRectF(2 + size * 0.28, top + size * 0.1, size * 0.44, size * 0.6)
        painter.drawArc(shackle, 0, 180 * 16)  # the shackle's upper half
        mid = shackle.center().y()
        for x in (shackle.left(), shackle.right()):
            painter.drawLine(QPointF(x, mid), QPointF(x, body.top()))
        painter.fillRect(body, colour)
        painter.end()
