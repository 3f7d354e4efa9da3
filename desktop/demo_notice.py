"""The line that says, while the built-in demonstration model answers, not to trust it.

Issue 13, item 1: operators took the demo model's invented answers for facts. While
:func:`engine.models.demo.is_demo_model` holds for the loaded model this line stays
above the conversation: it has no close button and nothing hides it but another model.
It says how to get the site's model: ask IT, or import a model file when policy
allows operators their own models (the import itself is :mod:`desktop.model_tasks`).

The text wraps, so it never sets the window's minimum width.
"""

from __future__ import annotations

from typing import Any

from engine.models.demo import is_demo_model
from engine.models.info import ModelInfo
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


def shows_demo_notice(info: Any) -> bool:
    """True when the model the engine reported loaded is the demonstration model."""
    return isinstance(info, ModelInfo) and is_demo_model(info)


class DemoNotice(QFrame):
    """A framed, wrapped warning with an Import button; no way to dismiss it."""

    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("genba-demo-notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        # Reachable by Tab, so a screen reader user meets it before the conversation.
        self.label.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.import_button = QPushButton(self)
        self.import_button.clicked.connect(self.import_requested)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._can_import = True
        self.setVisible(False)
        self.retranslate()

    def set_demo(self, demo: bool) -> None:
        """Show the notice while the demonstration model is loaded; hide it otherwise."""
        self.setVisible(demo)

    def set_can_import(self, allowed: bool) -> None:
        """Offer the import only when policy lets operators add their own models."""
        self._can_import = allowed
        self.import_button.setVisible(allowed)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read translated texts."""
        if self._can_import:
            text = self.tr(
                "This is a demonstration model: its answers are often wrong. To get your "
                "site's model, ask IT, or import a model file you were given."
            )
        else:
            text = self.tr(
                "This is a demonstration model: its answers are often wrong. Ask IT to "
                "install your site's model."
            )
        self.label.setText(text)
        self.label.setAccessibleName(self.tr("Demonstration model"))
        self.label.setAccessibleDescription(text)
        self.import_button.setText(self.tr("&Import model…"))
        self.import_button.setAccessibleName(self.tr("Import your site's model file"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
