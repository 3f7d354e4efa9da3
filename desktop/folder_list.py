"""An editor for a list of folders (the operator's own document folders, ``docs.personal_folders``).

A list with **Add folder…** (the system's folder picker) and **Remove**; every
part is reachable by Tab and works from the keyboard (Delete removes the
selected folder). Disabled as a whole when policy does not allow own folders;
the settings dialog puts the reason beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class FolderList(QWidget):
    """Folders in a list, with Add folder… and Remove."""

    changed = Signal()

    def __init__(self, folders: Iterable[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.installEventFilter(self)
        self.add_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        self.add_button.clicked.connect(self.pick_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(self._update_buttons)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.list.setMaximumHeight(self.fontMetrics().height() * 6)
        self.set_folders(folders)
        self.retranslate()

    def folders(self) -> tuple[str, ...]:
        """The folders listed, in order."""
        return tuple(self.list.item(i).text() for i in range(self.list.count()))

    def set_folders(self, folders: Iterable[str]) -> None:
        """Show these folders."""
        self.list.clear()
        for folder in folders:
            self.list.addItem(str(folder))
        self._update_buttons()

    def add_folder(self, folder: str) -> bool:
        """Add one folder (not twice); False when it was already listed or empty."""
        folder = folder.strip()
        if not folder or folder in self.folders():
            return False
        self.list.addItem(folder)
        self.list.setCurrentRow(self.list.count() - 1)
        self.changed.emit()
        return True

    def pick_folder(self) -> None:
        """Ask for a folder with the system's picker and add it."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder of documents"))
        if folder:
            self.add_folder(folder)

    def remove_selected(self) -> None:
        """Remove the selected folder from the list (its files are not touched)."""
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self.changed.emit()
        self._update_buttons()

    def _update_buttons(self, *_: object) -> None:
        self.remove_button.setEnabled(self.list.currentRow() >= 0)

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def setAccessibleName(self, name: str) -> None:
        """Name the list (what a screen reader announces on Tab)."""
        super().setAccessibleName(name)
        self.list.setAccessibleName(name)

    def setAccessibleDescription(self, description: str) -> None:
        super().setAccessibleDescription(description)
        self.list.setAccessibleDescription(description)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """The buttons' texts in the current language."""
        self.add_button.setText(self.tr("Add folder…"))
        self.add_button.setToolTip(self.tr("Choose a folder whose documents genba may answer from"))
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setToolTip(
            self.tr("Take the selected folder off the list (its files are not touched)")
        )
