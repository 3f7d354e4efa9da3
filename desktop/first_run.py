"""The screen shown when there is no usable model: what is missing and how to fix it.

Two ways out, both run on the engine's worker thread with a progress bar:
import a GGUF file (or a folder holding one) into the model store, or build the
built-in default model. The engine's own error message says what is missing;
no traceback ever reaches this screen. Commands it quotes in backticks
(`` `genba models list` ``) are shown as code, never as raw backticks.
"""

from __future__ import annotations

import html
import re

from engine.error_codes import ErrorMessage
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.error_text import error_text

_BACKTICKED = re.compile(r"`([^`]+)`")


def code_html(text: str) -> str:
    """``text`` as rich text: HTML-escaped, each `` `command` `` set in a code font."""
    escaped = html.escape(text, quote=False)
    return _BACKTICKED.sub(r"<code>\1</code>", escaped).replace("\n", "<br>")


class FirstRunPage(QWidget):
    """Explains the missing model and offers Import file / Import folder / Build default."""

    import_file_requested = Signal()
    import_folder_requested = Signal()
    build_default_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.RichText)  # commands as code (code_html)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.help = QLabel(self)
        self.help.setWordWrap(True)
        self.import_file_button = QPushButton(self)
        self.import_file_button.clicked.connect(self.import_file_requested)
        self.import_folder_button = QPushButton(self)
        self.import_folder_button.clicked.connect(self.import_folder_requested)
        self.build_button = QPushButton(self)
        self.build_button.clicked.connect(self.build_default_requested)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        self.progress_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.import_file_button, self.import_folder_button, self.build_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for w in (self.title, self.problem, self.help):
            layout.addWidget(w)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addStretch(2)
        self._problem: ErrorMessage | str = ""
        self._cannot_run = False
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read translated texts."""
        if self._cannot_run:
            title = self.tr("The model cannot run on this PC")
            help_text = self.tr(
                "genba checked that the model's program works on this PC's processor, and it "
                "did not. Nothing is lost. Please tell IT and show them this message; they can "
                "check the PC with \"genba doctor\" or set up a server that answers instead."
            )
        else:
            title = self.tr("No model is ready yet")
            help_text = self.tr(
                "genba needs a Mixture-of-Experts model file (GGUF) to answer. Import a model "
                "file you were given, or build the built-in default model on this PC "
                "(this takes a few minutes and needs no internet if the model package is "
                "installed)."
            )
        self.title.setText(title)
        self.title.setAccessibleName(title)
        self.problem.setText(code_html(error_text(self._problem)))
        self.problem.setAccessibleName(self.tr("What is missing"))
        self.help.setText(help_text)
        self.help.setAccessibleName(self.tr("How to fix it"))
        self.import_file_button.setText(self.tr("Import model &file…"))
        self.import_file_button.setAccessibleName(self.tr("Import model file"))
        self.import_folder_button.setText(self.tr("Import from f&older…"))
        self.import_folder_button.setAccessibleName(self.tr("Import model from folder"))
        self.build_button.setText(self.tr("&Build default model"))
        self.build_button.setAccessibleName(self.tr("Build default model"))
        self.progress.setAccessibleName(self.tr("Progress"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_problem(self, problem: ErrorMessage | str) -> None:
        """Show the engine's explanation of what is missing, in the window's language.

        The error itself is kept, not its text, so a language switch re-renders it.
        """
        self._problem = problem
        self.set_cannot_run(False)

    def set_cannot_run(self, cannot_run: bool) -> None:
        """Explain that llama.cpp itself failed its self-test here (not a missing model)."""
        self._cannot_run = cannot_run
        # Importing or building a model cannot fix a processor problem: don't offer it.
        for b in (self.import_file_button, self.import_folder_button, self.build_button):
            b.setVisible(not cannot_run)
        self.retranslate()

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Disable the buttons and show progress while a task runs."""
        for b in (self.import_file_button, self.import_folder_button, self.build_button):
            b.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.progress_label.setText(text)

    def set_progress(self, fraction: float) -> None:
        """Fraction 0..1, or negative when the total is unknown."""
        if fraction < 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
