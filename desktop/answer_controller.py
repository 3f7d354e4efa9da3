"""The widget and worker side of asking: send, regenerate, stop, copy, and the engine's replies.

Order of work for one question:

1. the user message is committed to history, then an empty ``streaming``
   answer row is created (by :class:`~desktop.answer_flow.AnswerFlow`, which
   owns the history side);
2. the question goes to the worker thread; each token signal appends to the
   view and to the answer flow, which commits it at least every second;
3. the final event (or the error) stores text, status and the engine's stats,
   updates the status bar, and the window emits ``answer_completed``.

Signals queued by the worker before the window closed are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.events import FinalEvent, NoticeEvent
from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from desktop.chat_view import Entry
from desktop.notice_text import notice_text

if TYPE_CHECKING:
    from desktop.main_window import MainWindow

_QUIET_NOTICES = frozenset({"reload"})
"""Notice kinds kept with the answer only (not flashed above the input box)."""


class AnswerController(QObject):
    """Turns the operator's questions into worker calls and the worker's signals into widgets."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        worker, a = window.client.worker, window.actions_
        worker.token_received.connect(self.on_token_received)
        worker.notice_received.connect(self.on_notice_received)
        worker.answer_finished.connect(self.on_answer_finished)
        worker.answer_failed.connect(self.on_answer_failed)
        window.input.submitted.connect(self.send)
        window.send_button.clicked.connect(self.send)
        window.stop_button.clicked.connect(self.stop)
        window.regenerate_button.clicked.connect(self.regenerate)
        window.copy_button.clicked.connect(self.copy_answer)
        a.send.triggered.connect(self.send)
        a.stop.triggered.connect(self.stop)
        a.regenerate.triggered.connect(self.regenerate)
        a.copy_answer.triggered.connect(self.copy_answer)

    # -- asking ------------------------------------------------------------------
    def send(self, text: str | None = None) -> bool:
        """Send the message box's text (or ``text``); False when nothing was sent."""
        w = self.window
        text = (w.input.toPlainText() if not isinstance(text, str) else text).strip()
        if not text or w.client.busy or not w.model_ready:
            return False
        if w.current_id is None:
            w.current_id = w.history.create_conversation(_title_of(text))
        w.history.add_user_message(w.current_id, text)
        w.input.clear()
        w.chat.add_entry(Entry("user", text))
        self._start_answer()
        w.refresh_conversations()
        return True

    def regenerate(self) -> bool:
        """Answer the last question of this conversation again (replacing the last answer)."""
        w = self.window
        if w.current_id is None or w.client.busy or not w.model_ready:
            return False
        messages = w.history.messages(w.current_id)
        if not messages:
            return False
        if messages[-1].role == "assistant":
            w.history.delete_message(messages[-1].id)
            w.chat.remove_last()
        self._start_answer()
        return True

    def _start_answer(self) -> None:
        w = self.window
        assert w.current_id is not None
        prompt = [
            {"role": m.role, "content": m.content}
            for m in w.history.messages(w.current_id)
            if m.role == "user" or (m.content and m.status != "failed")
        ]
        w.answer.begin(w.current_id)
        w.notice.setVisible(False)
        w.chat.begin_answer()
        w.client.ask(prompt, experts=None, max_tokens=w.max_tokens)
        w.set_busy(True)

    def stop(self) -> None:
        """Stop the running answer (it ends within one token)."""
        self.window.client.stop()

    def copy_answer(self) -> None:
        """Put the last answer on the clipboard."""
        text = self.window.chat.last_answer()
        if text:
            QGuiApplication.clipboard().setText(text)

    # -- engine events -----------------------------------------------------------
    def on_token_received(self, text: str) -> None:
        """A token arrived: record it and show it."""
        w = self.window
        if w.closed or not w.answer.active:
            return  # queued before the worker stopped
        w.answer.add_token(text)
        if w.current_id == w.answer.conversation_id:
            w.chat.append_token(text)

    def on_notice_received(self, event: NoticeEvent) -> None:
        """The engine has something to say during the answer: show it in the window's language."""
        w = self.window
        if w.closed:
            return  # queued before the worker stopped
        message = notice_text(event)
        w.answer.add_notice(message)
        if event.kind not in _QUIET_NOTICES:
            w.notice.setText(message)
            w.notice.setVisible(True)

    def on_answer_finished(self, final: FinalEvent) -> None:
        """Store the final text and stats, update the view and the status bar."""
        w = self.window
        if w.closed:
            return  # queued before the worker stopped
        shown = w.current_id == w.answer.conversation_id
        text, status, stats = w.answer.finish(final)
        if shown:
            w.chat.finish_answer(text, status, stats, list(w.answer.notices))
        w.status.set_final(final)
        self._after_answer()
        w.answer_completed.emit(final)

    def on_answer_failed(self, message: str) -> None:
        """The engine raised an error: keep what arrived, mark it failed, say why."""
        w = self.window
        if w.closed:
            return  # queued before the worker stopped
        shown = w.current_id == w.answer.conversation_id
        text = w.answer.fail(message)
        if shown:
            w.chat.finish_answer(text, "failed", None, list(w.answer.notices))
        w.show_error(message)
        self._after_answer()
        w.answer_completed.emit(message)

    def _after_answer(self) -> None:
        w = self.window
        w.answer.conversation_id = None
        w.set_busy(False)
        w.conversation_controller.on_answer_ended()


def _title_of(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:48] + ("…" if len(first) > 48 else "")
