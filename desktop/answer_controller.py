"""Asking: send, regenerate, stop, copy, and the engine's replies shown as they arrive.

Order of work for one question:

1. the session commits the user message, then an empty ``streaming`` answer
   row (:class:`~desktop.session.ChatSession`, over
   :class:`~desktop.answer_flow.AnswerFlow`);
2. the question goes to the worker thread; each token signal is recorded by
   the session (committed at least every second) and appended to the view
   while its conversation is on screen;
3. the final event (or the error) is stored by the session, which then emits
   ``answer_ended``; this object finishes the view, the status panel and the
   buttons, and emits :attr:`AnswerController.answer_completed` last.

It also decides which of Send, Stop and Regenerate can be used (buttons and
their keyboard actions), from the model's state and the session's. Signals the
worker queued before the window closed are ignored.

Message actions (links under each message, its context menu, shortcuts):

* Copy puts one message on the clipboard; its link says "Copied" for a moment.
* Edit and resend puts a question in the message box; the next Send stores the
  new question *beside* the old one (history versions) and answers it. The old
  question and every turn after it stay as the previous version of that
  question: its ‹ 1/2 › switcher brings them back. Esc (when no answer is
  running) or opening another conversation cancels the edit.
* Regenerate answers the last question again; the previous answers stay as
  versions (‹ 1/2 ›).
* Continue goes on with an answer the token limit cut short: the engine
  continues the same assistant message, and the new text is appended to it on
  screen and in history (the same row, crash-safe like any answer).
"""

from __future__ import annotations

from engine.error_codes import ErrorMessage
from engine.events import FinalEvent, NoticeEvent
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from desktop.actions import WindowActions
from desktop.button_row import ButtonRow
from desktop.chat_view import ChatView, Entry
from desktop.engine_worker import EngineClient
from desktop.error_text import error_text
from desktop.input_box import InputBox
from desktop.notice_text import notice_text
from desktop.session import ChatSession, EndedAnswer
from desktop.status_panel import StatusPanel

_QUIET_NOTICES = frozenset({"reload"})
"""Notice kinds kept with the answer only (not flashed above the input box)."""


class AnswerController(QObject):
    """Turns the operator's questions into worker calls and the worker's signals into widgets."""

    # FinalEvent, or the error message when the engine failed; emitted after history and view
    # are updated. (Never None: emitting None through Signal(object) has crashed PySide6.)
    answer_completed = Signal(object)

    def __init__(
        self,
        parent: QObject,
        session: ChatSession,
        client: EngineClient,
        *,
        chat: ChatView,
        input_box: InputBox,
        buttons: ButtonRow,
        actions: WindowActions,
        notice: QLabel,
        status: StatusPanel,
        max_tokens: int,
    ) -> None:
        super().__init__(parent)
        self._session, self._client = session, client
        self._chat, self._input, self._buttons, self._actions = chat, input_box, buttons, actions
        self._notice, self._status = notice, status
        self._max_tokens = max_tokens
        self._model_ready = False
        self._editing: tuple[int, int] | None = None  # (conversation, question) being edited
        worker = client.worker
        worker.token_received.connect(self.on_token_received)
        worker.notice_received.connect(self.on_notice_received)
        worker.answer_finished.connect(self.on_answer_finished)
        worker.answer_failed.connect(self.on_answer_failed)
        session.answer_ended.connect(self.on_answer_ended)
        for changed in (session.conversation_changed, session.answer_started):
            changed.connect(self.update_buttons)
        session.conversation_changed.connect(self._on_conversation_changed)
        session.answer_started.connect(lambda: chat.set_busy(True))
        chat.action_requested.connect(self.on_message_action)
        input_box.submitted.connect(self.send)
        buttons.send_clicked.connect(self.send)
        buttons.stop_clicked.connect(self.stop)
        buttons.regenerate_clicked.connect(self.regenerate)
        buttons.copy_clicked.connect(self.copy_answer)
        actions.send.triggered.connect(self.send)
        actions.stop.triggered.connect(self.stop)
        actions.regenerate.triggered.connect(self.regenerate)
        actions.copy_answer.triggered.connect(self.copy_answer)
        actions.continue_answer.triggered.connect(self.continue_answer)
        actions.edit_question.triggered.connect(self.edit_last_question)
        actions.previous_version.triggered.connect(lambda: self.switch_last_answer(-1))
        actions.next_version.triggered.connect(lambda: self.switch_last_answer(+1))
        self.update_buttons()

    # -- what can be done ---------------------------------------------------------
    def on_model_ready_changed(self, ready: bool) -> None:
        """Questions can be asked (``ready``) or not: no model, or a model being loaded."""
        self._model_ready = ready
        self.update_buttons()

    def update_buttons(self) -> None:
        """Enable the buttons and actions that fit: answering, or idle with a model."""
        ready, busy = self._model_ready, self._session.answering
        can_regenerate = ready and not busy and self._session.current_id is not None
        can_copy = not busy and bool(self._chat.last_answer())  # nothing to copy in an empty chat
        self._buttons.set_state(
            can_send=ready and not busy,
            can_stop=busy,
            can_regenerate=can_regenerate,
            can_copy=can_copy,
        )
        self._actions.send.setEnabled(ready and not busy)
        self._actions.stop.setEnabled(busy or self._editing is not None)  # Esc cancels an edit
        self._actions.regenerate.setEnabled(can_regenerate)
        last = self._chat.last_message()
        idle = ready and not busy
        self._actions.continue_answer.setEnabled(idle and last is not None and last.cut_short)
        self._actions.copy_answer.setEnabled(can_copy)
        self._actions.edit_question.setEnabled(any(e.role == "user" for e in self._chat.entries))
        versions = last is not None and len(last.version_ids) > 1 and not busy
        self._actions.previous_version.setEnabled(versions)
        self._actions.next_version.setEnabled(versions)

    # -- asking ------------------------------------------------------------------
    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        # Not a str: the message box's text (triggered(bool) hands its flag as ``text``).
        text = (text if isinstance(text, str) else self._input.toPlainText()).strip()
        if not text or self._client.busy or not self._model_ready:
            return False
        session, editing = self._session, self._editing
        self._editing = None
        replaces = editing[1] if editing and editing[0] == session.current_id else None
        question = session.add_question(text, replaces=replaces)
        self._input.clear()
        if replaces is not None:
            # The edited question and what followed it are now the previous version.
            self._chat.set_entries([Entry.of(m) for m in session.messages()])
        else:
            self._chat.add_entry(Entry("user", text, id=question))
        self._start_answer()
        return True

    def regenerate(self) -> bool:
        """Answer the last question again; the previous answer stays as a version (‹ 1/2 ›)."""
        session = self._session
        if session.current_id is None or self._client.busy or not self._model_ready:
            return False
        if not session.history.messages(session.current_id):
            return False
        last = session.last_answer()
        if last is not None:
            self._chat.remove_last()
        self._start_answer(replaces=last.id if last is not None else None)
        return True

    def continue_answer(self) -> bool:
        """Go on with the last answer, which the token limit cut short; False if there is none."""
        if self._client.busy or not self._model_ready:
            return False
        prompt = self._session.continue_answer()
        if prompt is None:
            return False
        self._notice.setVisible(False)
        self._chat.begin_continue()
        self._client.ask(
            prompt, experts=None, max_tokens=self._max_tokens, continue_last=True
        )
        self.update_buttons()
        return True

    def _start_answer(self, replaces: int | None = None) -> None:
        prompt = self._session.begin_answer(replaces=replaces)
        self._notice.setVisible(False)
        self._chat.begin_answer()
        self._client.ask(prompt, experts=None, max_tokens=self._max_tokens)
        self.update_buttons()

    def stop(self) -> None:
        """Stop the running answer (it ends within one token); when idle, cancel an edit."""
        if not self._client.busy and self._editing is not None:
            self.cancel_edit()
            return
        self._client.stop()

    def copy_answer(self) -> None:
        """Put the last answer on the clipboard (its Copy link and the Copy button say "Copied")."""
        index = self._chat.last_answer_index()
        if index is not None and self._chat.entries[index].text:
            self.copy_message(index)
            self._buttons.show_copied()

    def copy_message(self, index: int) -> None:
        """Put one message on the clipboard and confirm it on screen."""
        if 0 <= index < len(self._chat.entries):
            QGuiApplication.clipboard().setText(self._chat.entries[index].text)
            self._chat.show_copied(index)

    # -- message actions -------------------------------------------------------------
    def on_message_action(self, action: str, index: int, argument: int) -> None:
        """A message's link, context-menu item or shortcut was used."""
        if action == "copy":
            self.copy_message(index)
        elif action == "edit":
            self.edit_question(index)
        elif action == "regenerate":
            self.regenerate()
        elif action == "continue":
            self.continue_answer()
        elif action == "version":
            self._session.select_version(argument)

    def edit_question(self, index: int) -> None:
        """Put a question in the message box; Send replaces it (the old one is kept)."""
        entry = self._chat.entries[index] if 0 <= index < len(self._chat.entries) else None
        current = self._session.current_id
        if entry is None or entry.role != "user" or not entry.id or current is None:
            return
        self._editing = (current, entry.id)
        self._input.put_text(entry.text)
        self._notice.setText(
            self.tr(
                "Editing a question: Send replaces it and the answers after it, which stay "
                "as its previous version (‹ ›). Esc cancels."
            )
        )
        self._notice.setVisible(True)
        self.update_buttons()

    def edit_last_question(self) -> None:
        """Edit the shown conversation's last question (Ctrl+Shift+E)."""
        for index in range(len(self._chat.entries) - 1, -1, -1):
            if self._chat.entries[index].role == "user":
                self.edit_question(index)
                return

    def cancel_edit(self) -> None:
        """Forget the question being edited (the message box keeps its text)."""
        if self._editing is not None:
            self._editing = None
            self._notice.setVisible(False)
            self.update_buttons()

    @property
    def editing(self) -> int | None:
        """The id of the question being edited, or None."""
        return self._editing[1] if self._editing else None

    def switch_last_answer(self, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of the last answer."""
        last = self._chat.last_message()
        if last is None or self._session.answering or last.id not in last.version_ids:
            return False
        at = last.version_ids.index(last.id) + step
        if not 0 <= at < len(last.version_ids):
            return False
        return self._session.select_version(last.version_ids[at])

    def _on_conversation_changed(self) -> None:
        if self._editing is not None and self._editing[0] != self._session.current_id:
            self.cancel_edit()

    # -- engine events -----------------------------------------------------------
    def on_token_received(self, text: str) -> None:
        """A token arrived: record it and show it."""
        session = self._session
        if session.closing or not session.answering:
            return  # queued before the worker stopped
        session.add_token(text)
        if session.answer_shown:
            self._chat.append_token(text)

    def on_notice_received(self, event: NoticeEvent) -> None:
        """The engine has something to say during the answer: show it in the window's language."""
        if self._session.closing:
            return  # queued before the worker stopped
        message = notice_text(event)
        self._session.add_notice(message)
        if event.kind not in _QUIET_NOTICES:
            self._notice.setText(message)
            self._notice.setVisible(True)

    def on_answer_finished(self, final: FinalEvent) -> None:
        """Store the final text and stats, update the view and the status bar."""
        if self._session.closing:
            return  # queued before the worker stopped
        self._status.set_final(final)
        self._session.finish_answer(final)
        self.answer_completed.emit(final)

    def on_answer_failed(self, error: ErrorMessage) -> None:
        """The engine raised an error: keep what arrived, mark it failed, say why (translated)."""
        if self._session.closing:
            return  # queued before the worker stopped
        message = error_text(error)
        self._session.fail_answer(message)
        self._notice.setText(message)
        self._notice.setVisible(True)
        self.answer_completed.emit(message)

    def on_answer_ended(self, ended: EndedAnswer) -> None:
        """The session stored the answer: finish it on screen and free the buttons."""
        if ended.shown:
            self._chat.busy = False  # set_entries renders every message once, with its actions
            # From history: the answer's id and versions (‹ 1/2 ›).
            self._chat.set_entries([Entry.of(m) for m in self._session.messages()])
        else:
            self._chat.set_busy(False)
        self.update_buttons()
