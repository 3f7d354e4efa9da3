"""The window's conversations: new, open, rename, delete, search and export.

The sidebar and the menu ask; this object asks the operator (rename, delete,
export dialogs), changes the history and shows the result in the sidebar and
the chat. The window's ``current_id`` names the conversation on screen
(``None``: a new chat, created in history on its first message).

Invariant: a conversation whose answer is still being written is never
deleted under the recorder; the answer is stopped and the deletion waits for
:meth:`ConversationController.on_answer_ended`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from desktop.chat_view import Entry
from desktop.export import export_conversation
from desktop.history import Conversation

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class ConversationController(QObject):
    """Manages the conversations of one window (sidebar, history, export)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._delete_after_answer: int | None = None
        sidebar, a = window.sidebar, window.actions_
        sidebar.conversation_selected.connect(self.open_conversation)
        sidebar.new_requested.connect(self.new_chat)
        sidebar.rename_requested.connect(self.ask_rename)
        sidebar.delete_requested.connect(self.ask_delete)
        sidebar.search_changed.connect(lambda _t: self.refresh_conversations())
        a.new_chat.triggered.connect(self.new_chat)
        a.rename.triggered.connect(lambda: self.ask_rename(window.current_id))
        a.delete.triggered.connect(lambda: self.ask_delete(window.current_id))
        a.export.triggered.connect(self.ask_export)

    def refresh_conversations(self) -> None:
        """Reload the sidebar from history (honouring the search text)."""
        w = self.window
        search = w.sidebar.search.text().strip()
        w.sidebar.set_conversations(w.history.conversations(search), w.current_id)

    def new_chat(self) -> None:
        """Start an empty conversation (created in history on the first message)."""
        w = self.window
        w.current_id = None
        w.chat.set_entries([])
        self.refresh_conversations()
        w.input.setFocus()
        w.set_busy(w.client.busy)

    def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        w = self.window
        w.current_id = conversation_id
        entries = [
            Entry(m.role, m.content, m.status, m.stats, [n["message"] for n in m.notices])
            for m in w.history.messages(conversation_id)
        ]
        if w.answer.active and conversation_id == w.answer.conversation_id:
            entries[-1].text = w.answer.text  # newer than the last commit
        w.chat.set_entries(entries)
        self.refresh_conversations()
        w.set_busy(w.client.busy)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        if title.strip():
            self.window.history.rename_conversation(conversation_id, title.strip())
            self.refresh_conversations()

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (stopping its answer first)."""
        w = self.window
        if w.answer.active and conversation_id == w.answer.conversation_id:
            # The recorder still writes to it: stop, and delete once the answer has ended.
            self._delete_after_answer = conversation_id
            w.stop()
            return
        w.history.delete_conversation(conversation_id)
        if conversation_id == w.current_id:
            self.new_chat()
        self.refresh_conversations()

    def on_answer_ended(self) -> None:
        """Carry out a deletion that waited for the answer, then refresh the sidebar."""
        pending, self._delete_after_answer = self._delete_after_answer, None
        if pending is not None:
            self.delete_conversation(pending)
        self.refresh_conversations()

    def ask_rename(self, conversation_id: int | None) -> None:
        """Ask the operator for a new name, then rename."""
        conv = self._conversation(conversation_id)
        if conv is None:
            return
        title, ok = QInputDialog.getText(
            self.window, self.tr("Rename conversation"), self.tr("New name:"), text=conv.title
        )
        if ok:
            self.rename_conversation(conv.id, title)

    def ask_delete(self, conversation_id: int | None) -> None:
        """Ask the operator to confirm, then delete."""
        conv = self._conversation(conversation_id)
        if conv is None:
            return
        answer = QMessageBox.question(
            self.window,
            self.tr("Delete conversation"),
            self.tr("Delete “{title}” and all its messages?").format(title=conv.title),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_conversation(conv.id)

    def ask_export(self) -> None:
        """Ask where to export the shown conversation (when policy allows), then write it."""
        w = self.window
        if w.current_id is None or not w.settings.get_bool("history.export_allowed"):
            return
        path, _filter = QFileDialog.getSaveFileName(
            w,
            self.tr("Export conversation"),
            str(Path.home() / "conversation.md"),
            self.tr("Markdown (*.md);;JSON (*.json)"),
        )
        if path:
            try:
                export_conversation(w.history, w.current_id, Path(path))
            except OSError as exc:
                w.show_error(self.tr("Could not export: {error}").format(error=exc))

    def _conversation(self, conversation_id: int | None) -> Conversation | None:
        if conversation_id is None:
            return None
        return self.window.history.conversation(conversation_id)
