"""The sidebar: search box and the list of conversations, newest first.

It only shows what :class:`desktop.history.History` holds and reports the
operator's choices as signals; the window does the work (so tests can drive
rename/delete without modal dialogs). Down (or Enter) in the search box moves
the keyboard focus into the results.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.flow_layout import FlowLayout
from desktop.history import Conversation


class ConversationList(QWidget):
    """Search field, conversation list and New/Rename/Delete buttons."""

    conversation_selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed)
        self.search.installEventFilter(self)
        self.list = QListWidget(self)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.new_button = QPushButton(self)
        self.new_button.clicked.connect(self.new_requested)
        self.rename_button = QPushButton(self)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button = QPushButton(self)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        buttons = FlowLayout(spacing=6)
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.new_button, self.rename_button, self.delete_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._updating = False
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read translated texts."""
        self.search.setPlaceholderText(self.tr("Search conversations"))
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.list.setAccessibleName(self.tr("Conversations"))
        self.new_button.setText(self.tr("&New chat"))
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.rename_button.setText(self.tr("Rename"))
        self.rename_button.setAccessibleName(self.tr("Rename conversation"))
        self.rename_button.setToolTip(self.tr("Rename the selected conversation (F2)"))
        self.delete_button.setText(self.tr("Delete"))
        self.delete_button.setAccessibleName(self.tr("Delete conversation"))
        self.delete_button.setToolTip(self.tr("Delete the selected conversation"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down, Enter or Return in the search box: go to the results."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers()
            in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            return self.focus_results()
        return super().eventFilter(watched, event)

    def focus_results(self) -> bool:
        """Put the keyboard focus on the results (the first, unless one is selected)."""
        if self.list.count() == 0:
            return False  # nothing to go to: the key stays with the search box
        if self.list.currentItem() is None:
            self.list.setCurrentRow(0)  # opens it, as arrowing onto it in the list does
        self.list.setFocus(Qt.FocusReason.TabFocusReason)
        return True

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_conversations(self, conversations: list[Conversation], current: int | None) -> None:
        """Show ``conversations`` and select ``current`` without emitting a selection."""
        self._updating = True
        try:
            self.list.clear()
            for conv in conversations:
                item = QListWidgetItem(conv.title)
                item.setData(Qt.ItemDataRole.UserRole, conv.id)
                item.setToolTip(conv.title)
                self.list.addItem(item)
                if conv.id == current:
                    self.list.setCurrentItem(item)
        finally:
            self._updating = False
        has = current is not None
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def current_id(self) -> int | None:
        """The selected conversation's id."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _on_current_changed(self, item: QListWidgetItem | None, _prev: object) -> None:
        if item is not None and not self._updating:
            self.conversation_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_rename_clicked(self) -> None:
        cid = self.current_id()
        if cid is not None:
            self.rename_requested.emit(cid)

    def _on_delete_clicked(self) -> None:
        cid = self.current_id()
        if cid is not None:
            self.delete_requested.emit(cid)
