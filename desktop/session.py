"""The conversation on screen and the answer being written: one object that says when they change.

Owned here and nowhere else:

* which conversation is shown, :attr:`ChatSession.current_id` (``None``: a new
  chat, which gets its id in history with its first question);
* the answer being generated (:class:`~desktop.answer_flow.AnswerFlow`, at
  most one at a time), which may belong to a conversation no longer shown;
* the rule that a conversation is never deleted under its running answer: the
  deletion waits and is carried out as soon as that answer has ended.

Signals (Qt signals in the past tense; state is read back from the session):

* :attr:`~ChatSession.conversation_changed`: another conversation is shown
  (opened, a new chat, or the shown one was deleted). Not emitted when a new
  chat gets its id with its first question: the view already shows it.
* :attr:`~ChatSession.conversations_changed`: the stored list changed
  (created, renamed, deleted, answered).
* :attr:`~ChatSession.answer_started` and :attr:`~ChatSession.answer_ended`
  (with an :class:`EndedAnswer`, emitted once the answer is stored).

No widget is touched here, so tests drive a session with a History on a temp file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from engine.events import FinalEvent
from PySide6.QtCore import QObject, Signal

from desktop.answer_flow import AnswerFlow
from desktop.history import History, Message, MessageStatus


@dataclass(frozen=True)
class EndedAnswer:
    """What the view needs once an answer is stored."""

    conversation_id: int
    text: str
    status: MessageStatus
    stats: dict[str, Any] | None
    notices: list[str] = field(default_factory=list)
    shown: bool = True  # its conversation is the one on screen
    message_id: int = 0


class ChatSession(QObject):
    """The current conversation and the answer in progress of one window."""

    conversation_changed = Signal()
    conversations_changed = Signal()
    answer_started = Signal()
    answer_ended = Signal(object)  # EndedAnswer (never None: see MainWindow.answer_completed)

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._current: int | None = None
        self._answer = AnswerFlow(history, self)
        self._delete_after_answer: int | None = None
        self._closing = False

    # -- state -------------------------------------------------------------------
    @property
    def current_id(self) -> int | None:
        """The conversation on screen (``None``: a new chat not yet stored)."""
        return self._current

    @property
    def answering(self) -> bool:
        """True from :meth:`begin_answer` until the answer is stored."""
        return self._answer.active

    @property
    def answer_shown(self) -> bool:
        """True while the answer being written belongs to the conversation on screen."""
        return self._answer.active and self._answer.conversation_id == self._current

    @property
    def closing(self) -> bool:
        """True once :meth:`begin_shutdown` ran: late worker signals are to be ignored."""
        return self._closing

    def messages(self) -> list[Message]:
        """The shown conversation's messages; a running answer's text is the newest one."""
        if self._current is None:
            return []
        messages = self.history.messages(self._current)
        if self.answer_shown and messages:
            # The recorder commits every half second; the screen shows what arrived since.
            messages[-1] = _with_content(messages[-1], self._answer.text)
        return messages

    # -- switching ---------------------------------------------------------------
    def new_chat(self) -> None:
        """Show an empty conversation (created in history on its first question)."""
        self._current = None
        self.conversation_changed.emit()

    def open(self, conversation_id: int) -> None:
        """Show a stored conversation."""
        self._current = conversation_id
        self.conversation_changed.emit()

    def rename(self, conversation_id: int, title: str) -> None:
        """Rename a conversation (a blank title is ignored)."""
        if title.strip():
            self.history.rename_conversation(conversation_id, title.strip())
            self.conversations_changed.emit()

    def delete(self, conversation_id: int) -> bool:
        """Delete a conversation; False when it waits for its answer, which the caller stops."""
        if self._answer.active and conversation_id == self._answer.conversation_id:
            self._delete_after_answer = conversation_id
            return False
        self.history.delete_conversation(conversation_id)
        if conversation_id == self._current:
            self.new_chat()
        self.conversations_changed.emit()
        return True

    # -- asking ------------------------------------------------------------------
    def add_question(self, text: str, *, replaces: int | None = None) -> int:
        """Store the operator's question (creating the conversation on the first one); its id.

        ``replaces``: the id of a question of the shown conversation this one is an
        edited version of. The edited question and everything after it stay in
        history as the previous version (switch back with :meth:`select_version`).
        """
        if self._current is None:
            self._current = self.history.create_conversation(_title_of(text))
            replaces = None
        return self.history.add_user_message(self._current, text, replaces=replaces)

    def last_answer(self) -> Message | None:
        """The shown conversation's last message when it is an answer, else None."""
        messages = self.history.messages(self._current) if self._current is not None else []
        return messages[-1] if messages and messages[-1].role == "assistant" else None

    def select_version(self, message_id: int) -> bool:
        """Show another version of a message; False while an answer is written here."""
        if self._current is None or self.answer_shown:
            return False
        self.history.select_version(message_id)
        self.conversation_changed.emit()
        return True

    def drop_last_answer(self) -> bool:
        """Delete the shown conversation's last answer before it is asked again; True if one was."""
        messages = self.history.messages(self._current) if self._current is not None else []
        if messages and messages[-1].role == "assistant":
            self.history.delete_message(messages[-1].id)
            return True
        return False

    def begin_answer(self, *, replaces: int | None = None) -> list[dict[str, str]]:
        """Create the shown conversation's answer row; returns the prompt for the engine.

        ``replaces``: the answer this one is a new version of (regenerate keeps it).
        """
        assert self._current is not None, "ask a question first"
        self._answer.begin(self._current, replaces=replaces)
        prompt = self._prompt(leave_out=self._answer.message_id)  # not the new, empty row
        self.answer_started.emit()
        self.conversations_changed.emit()
        return prompt

    def continue_answer(self) -> list[dict[str, str]] | None:
        """Continue the shown conversation's last answer if the length limit cut it.

        Returns the prompt for the engine (the cut answer last), or None when there
        is nothing to continue.
        """
        last = self.last_answer()
        if self._answer.active or last is None or not last.cut_short:
            return None
        prompt = self._prompt()
        self._answer.resume(
            _known(self._current), last.id, last.stats, [n["message"] for n in last.notices],
            sources=last.sources,
        )
        self.answer_started.emit()
        self.conversations_changed.emit()
        return prompt

    def _prompt(self, leave_out: int = 0) -> list[dict[str, str]]:
        """The shown path as the engine's chat (failed and empty answers left out)."""
        assert self._current is not None
        return [
            {"role": m.role, "content": m.content}
            for m in self.history.messages(self._current)
            if m.id != leave_out and (m.role == "user" or (m.content and m.status != "failed"))
        ]

    def add_token(self, text: str) -> None:
        """Record a token of the running answer."""
        self._answer.add_token(text)

    def add_notice(self, message: str) -> None:
        """Keep an engine notice with the running answer."""
        self._answer.add_notice(message)

    def finish_answer(self, final: FinalEvent) -> None:
        """Store the final text, status and the engine's stats (no-op without an answer)."""
        if not self._answer.active:
            return
        cid, shown = self._answer.conversation_id, self.answer_shown
        message_id = self._answer.message_id
        text, status, stats = self._answer.finish(final)
        self._ended(
            EndedAnswer(
                _known(cid), text, status, stats, list(self._answer.notices), shown, message_id
            )
        )

    def fail_answer(self, message: str) -> None:
        """The engine raised: keep what arrived, marked failed, with ``message`` as a notice."""
        if not self._answer.active:
            return
        cid, shown = self._answer.conversation_id, self.answer_shown
        message_id = self._answer.message_id
        text = self._answer.fail(message)
        self._ended(
            EndedAnswer(
                _known(cid), text, "failed", None, list(self._answer.notices), shown, message_id
            )
        )

    def _ended(self, ended: EndedAnswer) -> None:
        self.answer_ended.emit(ended)
        pending, self._delete_after_answer = self._delete_after_answer, None
        if pending is not None:
            self.delete(pending)
        self.conversations_changed.emit()

    # -- closing -----------------------------------------------------------------
    def begin_shutdown(self) -> None:
        """The window is closing: stop committing by timer; later answer events are ignored."""
        self._closing = True
        self._answer.stop_timer()

    def close(self) -> None:
        """After the worker has ended: keep a partial answer as interrupted, close history."""
        self._closing = True
        self._answer.interrupt()
        if not self.history.closed:
            self.history.close()



def _title_of(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:48] + ("…" if len(first) > 48 else "")


def _known(conversation_id: int | None) -> int:
    assert conversation_id is not None, "no answer is being written"
    return conversation_id


def _with_content(message: Message, content: str) -> Message:
    return replace(message, content=content)
