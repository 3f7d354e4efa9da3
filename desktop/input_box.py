"""The message box: Enter sends, Shift+Enter starts a new line.

Enter pressed while an input method is composing (Japanese kana→kanji) is the
IME's and never reaches ``keyPressEvent``, so conversion is not cut short.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class InputBox(QPlainTextEdit):
    """Multi-line input that emits :attr:`submitted` on Enter."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)  # Tab moves on, so the window works without a mouse
        self._fit_height()
        self.retranslate()

    def _fit_height(self) -> None:
        # Room for four lines (more scroll), derived from the font so 200 % text fits;
        # the conversation above gets all the remaining height.
        line = self.fontMetrics().lineSpacing()
        self.setFixedHeight(line * 4 + 2 * self.frameWidth() + 8)

    def retranslate(self) -> None:
        """Re-read translated texts."""
        self.setPlaceholderText(
            self.tr("Type a question. Enter sends, Shift+Enter starts a new line.")
        )
        self.setAccessibleName(self.tr("Message"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._fit_height()
        super().changeEvent(event)

    def put_text(self, text: str) -> None:
        """Put ``text`` in the box for the operator to send or change: cursor at its end, focus."""
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if enter:
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)
