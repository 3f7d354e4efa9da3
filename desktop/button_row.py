"""The row under the message box: Regenerate, Copy | answer mode, Stop, Send.

The row only shows and reports: its buttons emit :attr:`ButtonRow.send_clicked`
and its siblings, the answer-mode box emits :attr:`ButtonRow.mode_chosen` with
the mode's name. Which buttons may be pressed (:meth:`ButtonRow.set_state`),
the mode shown and why it is locked (:meth:`ButtonRow.set_mode`) are told by
the controllers that know. A locked mode shows a keyboard-reachable
:class:`~desktop.lock_note.LockNote` ("Locked", the reason on focus and as its
accessible description). Copy says "Copied" for a moment after it copied
(:meth:`ButtonRow.show_copied`).

The texts keep the translation context ``MainWindow`` they were translated
under when the row was part of the window (``assets/i18n``), so moving the row
out of the window cost no translation.
"""

from __future__ import annotations

from engine.settings import SCHEMA
from PySide6.QtCore import QCoreApplication, QEvent, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.lock_note import LockNote
from desktop.settings_dialog import schema_text

COPIED_MS = 2000
"""How long Copy says "Copied" after copying."""


class ButtonRow(QWidget):
    """Send, Stop, Regenerate, Copy and the answer-mode box, in one row."""

    send_clicked = Signal()
    stop_clicked = Signal()
    regenerate_clicked = Signal()
    copy_clicked = Signal()
    search_docs_clicked = Signal()  # "Search documents": passages for the typed text, no model
    mode_chosen = Signal(str)  # "fast", "balanced" or "thorough"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.send_button = QPushButton()
        self.stop_button = QPushButton()
        self.regenerate_button = QPushButton()
        self.copy_button = QPushButton()
        # Reported by this row, but laid out by the window right under Send: one more
        # button in this row would widen the window past 1024 px at 200 % text.
        self.search_docs_button = QPushButton()
        self.mode_label = QLabel()
        self.mode_box = QComboBox()
        self.mode_lock_note = LockNote(compact=True)
        self._mode_lock = ""
        self._copied = QTimer(self)
        self._copied.setSingleShot(True)
        self._copied.setInterval(COPIED_MS)
        self._copied.timeout.connect(self.retranslate)
        for choice in SCHEMA["experts.mode"].choices:
            self.mode_box.addItem(choice, choice)
        self.mode_label.setBuddy(self.mode_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # lines up with the message box above
        layout.addWidget(self.regenerate_button)
        layout.addWidget(self.copy_button)
        layout.addStretch(1)
        widgets = (self.mode_label, self.mode_box, self.mode_lock_note)
        for widget in (*widgets, self.stop_button, self.send_button):
            layout.addWidget(widget)
        # Signal to signal: clicked(bool)'s flag is dropped, so slots never see it.
        self.send_button.clicked.connect(self.send_clicked)
        self.stop_button.clicked.connect(self.stop_clicked)
        self.regenerate_button.clicked.connect(self.regenerate_clicked)
        self.copy_button.clicked.connect(self.copy_clicked)
        self.search_docs_button.clicked.connect(self.search_docs_clicked)
        self.mode_box.activated.connect(self.on_mode_activated)
        self.retranslate()

    def set_state(
        self, *, can_send: bool, can_stop: bool, can_regenerate: bool, can_copy: bool = True
    ) -> None:
        """Enable the buttons that fit what can be done now."""
        self.send_button.setEnabled(can_send)
        self.stop_button.setEnabled(can_stop)
        self.regenerate_button.setEnabled(can_regenerate)
        self.copy_button.setEnabled(can_copy)

    def show_copied(self) -> None:
        """Say on the Copy button, for a moment, that the answer is on the clipboard."""
        text = QCoreApplication.translate("MainWindow", "Copied")
        self.copy_button.setText("✓ " + text)
        self.copy_button.setAccessibleDescription(text)
        self._copied.start()

    def copied_shown(self) -> bool:
        """True while Copy says "Copied"."""
        return self._copied.isActive()

    def set_mode(self, mode: str, lock: str = "") -> None:
        """Show the answer mode; ``lock`` (translated) says why the operator may not change it."""
        self.mode_box.setCurrentIndex(self.mode_box.findData(mode))
        self._mode_lock = lock
        self.mode_box.setEnabled(not lock)
        self._show_mode_tip()

    def on_mode_activated(self, index: int) -> None:
        """The operator picked a mode in the box."""
        mode = self.mode_box.itemData(index)
        if mode:
            self.mode_chosen.emit(str(mode))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Re-read every text of the row."""
        # translate() with a literal context: lupdate finds these, not a helper's arguments.
        app = QCoreApplication
        self.send_button.setText(app.translate("MainWindow", "Send"))
        self.send_button.setAccessibleName(app.translate("MainWindow", "Send"))
        self.send_button.setToolTip(app.translate("MainWindow", "Send the message (Enter)"))
        self.stop_button.setText(app.translate("MainWindow", "Stop"))
        self.stop_button.setAccessibleName(app.translate("MainWindow", "Stop"))
        self.stop_button.setToolTip(app.translate("MainWindow", "Stop the answer (Esc)"))
        self.regenerate_button.setText(app.translate("MainWindow", "Regenerate"))
        self.regenerate_button.setAccessibleName(app.translate("MainWindow", "Regenerate"))
        self.regenerate_button.setToolTip(
            app.translate("MainWindow", "Answer the last question again (Ctrl+R)")
        )
        self.search_docs_button.setText(app.translate("MainWindow", "Search documents"))
        self.search_docs_button.setAccessibleName(app.translate("MainWindow", "Search documents"))
        self.search_docs_button.setToolTip(
            app.translate(
                "MainWindow",
                "Show the passages of the site documents that match the typed words, without "
                "asking the model (Ctrl+Shift+F)",
            )
        )
        if not self._copied.isActive():
            self.copy_button.setText(app.translate("MainWindow", "Copy"))
            self.copy_button.setAccessibleDescription("")
        self.copy_button.setAccessibleName(app.translate("MainWindow", "Copy answer"))
        self.copy_button.setToolTip(
            app.translate("MainWindow", "Copy the last answer (Ctrl+Shift+C)")
        )
        label = schema_text(SCHEMA["experts.mode"].label)
        self.mode_label.setText(label + ":")
        self.mode_box.setAccessibleName(label)
        for i, choice in enumerate(SCHEMA["experts.mode"].choices):
            self.mode_box.setItemText(i, schema_text(choice))
        self._show_mode_tip()

    def _show_mode_tip(self) -> None:
        description = schema_text(SCHEMA["experts.mode"].description)
        self.mode_box.setToolTip(self._mode_lock or description)
        lock = self._mode_lock
        self.mode_box.setAccessibleDescription(f"{lock} — {description}" if lock else description)
        self.mode_lock_note.set_lock(lock, schema_text(SCHEMA["experts.mode"].label))
