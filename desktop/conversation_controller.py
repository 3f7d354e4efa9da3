"""The conversations: new, open, rename, delete, search and export, from the sidebar or menu.

The sidebar and the menu ask; this object asks the operator (rename, delete,
export dialogs) and tells the :class:`~desktop.session.ChatSession`, which
changes the history and says what changed. It follows the session's signals to
show the conversation on screen in the chat view and the stored list in the
sidebar.

A conversation whose answer is still being written is never deleted under the
recorder: the session keeps the deletion until the answer has ended, and this
object stops the answer.
"""

from __future__ import annotations

from pathlib import Path

from engine.settings import Settings
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from desktop.actions import WindowActions
from desktop.chat_view import ChatView, Entry
from desktop.conversation_list import ConversationList
from desktop.engine_worker import EngineClient
from desktop.export import export_conversation
from desktop.history import Conversation
from desktop.i18n_text import restored
from desktop.input_box import InputBox
from desktop.session import ChatSession


class ConversationController(QObject):
    """Manages the conversations of one window (sidebar, history, export)."""

    error_occurred = Signal(str)  # a translated sentence for the operator

    def __init__(
        self,
        parent: QWidget,
        session: ChatSession,
        client: EngineClient,
        *,
        sidebar: ConversationList,
        chat: ChatView,
        input_box: InputBox,
        actions: WindowActions,
    ) -> None:
        super().__init__(parent)
        self._parent = parent  # the dialogs' parent
        self._session, self._client = session, client
        self._sidebar, self._chat, self._input = sidebar, chat, input_box
        self._export_allowed = False
        session.conversation_changed.connect(self.on_conversation_changed)
        session.conversations_changed.connect(self.refresh_conversations)
        sidebar.conversation_selected.connect(session.open)
        sidebar.new_requested.connect(self.new_chat)
        sidebar.rename_requested.connect(self.ask_rename)
        sidebar.delete_requested.connect(self.ask_delete)
        sidebar.search_changed.connect(lambda _t: self.refresh_conversations())
        actions.new_chat.triggered.connect(self.new_chat)
        actions.rename.triggered.connect(lambda: self.ask_rename(session.current_id))
        actions.delete.triggered.connect(lambda: self.ask_delete(session.current_id))
        actions.export.triggered.connect(self.ask_export)

    def on_settings_applied(self, settings: Settings) -> None:
        """Follow the policy on exports."""
        self._export_allowed = settings.get_bool("history.export_allowed")

    def refresh_conversations(self) -> None:
        """Reload the sidebar from history (honouring the search text)."""
        search = self._sidebar.search.text().strip()
        conversations = self._session.history.conversations(search)
        self._sidebar.set_conversations(conversations, self._session.current_id)

    def on_conversation_changed(self) -> None:
        """Show the session's conversation (empty for a new chat) and select it in the sidebar."""
        self._chat.set_entries(
            [
                Entry(m.role, m.content, m.status, m.stats, [restored(n) for n in m.notices])
                for m in self._session.messages()
            ]
        )
        self.refresh_conversations()

    def new_chat(self) -> None:
        """Start an empty conversation (created in history on the first message)."""
        self._session.new_chat()
        self._input.setFocus()

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation (stopping its answer first)."""
        if not self._session.delete(conversation_id):
            self._client.stop()  # the session deletes it once the answer has ended

    def ask_rename(self, conversation_id: int | None) -> None:
        """Ask the operator for a new name, then rename."""
        conv = self._conversation(conversation_id)
        if conv is None:
            return
        title, ok = QInputDialog.getText(
            self._parent, self.tr("Rename conversation"), self.tr("New name:"), text=conv.title
        )
        if ok:
            self._session.rename(conv.id, title)

    def ask_delete(self, conversation_id: int | None) -> None:
        """Ask the operator to confirm, then delete."""
        conv = self._conversation(conversation_id)
        if conv is None:
            return
        answer = QMessageBox.question(
            self._parent,
            self.tr("Delete conversation"),
            self.tr("Delete “{title}” and all its messages?").format(title=conv.title),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_conversation(conv.id)

    def ask_export(self) -> None:
        """Ask where to export the shown conversation (when policy allows), then write it."""
        current = self._session.current_id
        if current is None or not self._export_allowed:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self._parent,
            self.tr("Export conversation"),
            str(Path.home() / "conversation.md"),
            self.tr("Markdown (*.md);;JSON (*.json)"),
        )
        if path:
            try:
                export_conversation(self._session.history, current, Path(path))
            except OSError as exc:
                self.error_occurred.emit(self.tr("Could not export: {error}").format(error=exc))

    def _conversation(self, conversation_id: int | None) -> Conversation | None:
        if conversation_id is None:
            return None
        return self._session.history.conversation(conversation_id)
