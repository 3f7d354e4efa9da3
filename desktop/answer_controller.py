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
        worker = client.worker
        worker.token_received.connect(self.on_token_received)
        worker.notice_received.connect(self.on_notice_received)
        worker.answer_finished.connect(self.on_answer_finished)
        worker.answer_failed.connect(self.on_answer_failed)
        session.answer_ended.connect(self.on_answer_ended)
        for changed in (session.conversation_changed, session.answer_started):
            changed.connect(self.update_buttons)
        input_box.submitted.connect(self.send)
        buttons.send_clicked.connect(self.send)
        buttons.stop_clicked.connect(self.stop)
        buttons.regenerate_clicked.connect(self.regenerate)
        buttons.copy_clicked.connect(self.copy_answer)
        actions.send.triggered.connect(self.send)
        actions.stop.triggered.connect(self.stop)
        actions.regenerate.triggered.connect(self.regenerate)
        actions.copy_answer.triggered.connect(self.copy_answer)
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
        self._actions.stop.setEnabled(busy)
        self._actions.regenerate.setEnabled(can_regenerate)
        self._actions.copy_answer.setEnabled(can_copy)

    # -- asking ------------------------------------------------------------------
    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        # Not a str: the message box's text (triggered(bool) hands its flag as ``text``).
        text = (text if isinstance(text, str) else self._input.toPlainText()).strip()
        if not text or self._client.busy or not self._model_ready:
            return False
        self._session.add_question(text)
        self._input.clear()
        self._chat.add_entry(Entry("user", text))
        self._start_answer()
        return True

    def regenerate(self) -> bool:
        """Answer the last question of this conversation again (replacing the last answer)."""
        session = self._session
        if session.current_id is None or self._client.busy or not self._model_ready:
            return False
        if not session.history.messages(session.current_id):
            return False
        if session.drop_last_answer():
            self._chat.remove_last()
        self._start_answer()
        return True

    def _start_answer(self) -> None:
        prompt = self._session.begin_answer()
        self._notice.setVisible(False)
        self._chat.begin_answer()
        self._client.ask(prompt, experts=None, max_tokens=self._max_tokens)
        self.update_buttons()

    def stop(self) -> None:
        """Stop the running answer (it ends within one token)."""
        self._client.stop()

    def copy_answer(self) -> None:
        """Put the last answer on the clipboard."""
        text = self._chat.last_answer()
        if text:
            QGuiApplication.clipboard().setText(text)
            self._buttons.show_copied()

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
            self._chat.finish_answer(ended.text, ended.status, ended.stats, list(ended.notices))
        self.update_buttons()
