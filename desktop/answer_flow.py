"""The history side of one answer: what is committed when, from first token to final stats.

Invariants (the crash-safety promise of the window):

* :meth:`AnswerFlow.begin` runs after the user message is committed and
  creates the answer row (``streaming``) before the engine is asked;
* the text is committed as tokens arrive, at least every ``interval`` seconds,
  and also by a timer, so a slow stream is still saved;
* exactly one of :meth:`finish`, :meth:`fail` or :meth:`interrupt` ends the
  answer and stores its text, status and the engine's stats;
* a continued answer (:meth:`resume`) is the same row, back in ``streaming``
  with its stored text as the start: the new text is appended to it, so a crash
  keeps the cut answer and whatever of its continuation was committed.

The window owns the widgets; this object owns the recorder and the timer.
"""

from __future__ import annotations

from typing import Any

from engine.events import FinalEvent
from PySide6.QtCore import QObject, QTimer

from desktop.error_text import error_text, final_error
from desktop.history import AnswerRecorder, History, MessageStatus, final_stats
from desktop.i18n_text import stored

FLUSH_INTERVAL_MS = 500
"""The answer is committed at least this often while streaming (the promise is 1 s)."""

_STATUS_OF_STOP: dict[str, MessageStatus] = {
    "stop": "complete",
    "length": "complete",
    "cancelled": "cancelled",
}


class AnswerFlow(QObject):
    """Records the answer being generated; at most one at a time."""

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.conversation_id: int | None = None
        self.notices: list[str] = []
        self._recorder: AnswerRecorder | None = None
        self._prefix = ""  # the stored text a continued answer started from
        self._earlier: dict[str, Any] | None = None  # the stats of the part(s) before it
        self._earlier_sources: list[dict[str, Any]] = []  # and the sources it was grounded on
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.on_flush_tick)

    @property
    def active(self) -> bool:
        """True between :meth:`begin` and the end of the answer."""
        return self._recorder is not None

    @property
    def message_id(self) -> int:
        """The history id of the answer being written (0 when there is none)."""
        return self._recorder.message_id if self._recorder else 0

    @property
    def text(self) -> str:
        """The answer so far (newer than the last commit)."""
        return self._recorder.text if self._recorder else ""

    def begin(self, conversation_id: int, *, replaces: int | None = None) -> None:
        """Create the ``streaming`` answer row and start the commit timer.

        ``replaces``: the answer this one is a new version of (regenerate).
        """
        self.conversation_id = conversation_id
        self.notices = []
        self._prefix, self._earlier, self._earlier_sources = "", None, []
        self._recorder = AnswerRecorder(
            self.history,
            self.history.start_answer(conversation_id, replaces=replaces),
            interval=FLUSH_INTERVAL_MS / 1000,
        )
        self._timer.start()

    def resume(
        self,
        conversation_id: int,
        message_id: int,
        stats: dict[str, Any] | None,
        notices: list[str],
        *,
        sources: list[dict[str, Any]] | None = None,
    ) -> str:
        """Continue a stored answer (cut by the token limit); returns its text so far.

        ``sources``: the passages the cut answer was grounded on, kept unless the
        continuation brings its own.
        """
        self.conversation_id = conversation_id
        self.notices = list(notices)
        text = self.history.resume_answer(message_id)
        self._prefix, self._earlier = text, stats
        self._earlier_sources = list(sources or [])
        self._recorder = AnswerRecorder(
            self.history, message_id, interval=FLUSH_INTERVAL_MS / 1000, text=text
        )
        self._timer.start()
        return text

    def add_token(self, text: str) -> None:
        """Append a token (committed when the interval has passed)."""
        if self._recorder is not None:
            self._recorder.append(text)

    def add_notice(self, message: str) -> None:
        """Keep an engine notice with the answer."""
        self.notices.append(message)

    def on_flush_tick(self) -> None:
        """Commit even when tokens are slow."""
        if self._recorder is not None:
            self._recorder.flush()

    def finish(self, final: FinalEvent) -> tuple[str, MessageStatus, dict[str, Any]]:
        """Store the final text, status and stats; returns them for the view."""
        status = _STATUS_OF_STOP.get(final.stop_reason, "failed")
        text = self.text
        if final.text and len(self._prefix + final.text) >= len(text):
            text = self._prefix + final.text  # a continuation's final holds only the new text
        error = final_error(final)
        if error is not None:
            self.notices.append(error_text(error))  # in the window's language
        stats = _joined(self._earlier, final_stats(final))
        # The grounding's passages (``FinalEvent.sources``, issue 17), stored with the answer.
        sources = [dict(s) for s in final.sources or []] or self._earlier_sources
        self._end(text, status, stats, sources)
        return text, status, stats

    def fail(self, message: str) -> str:
        """The engine raised: keep what arrived, mark it failed; returns the text."""
        text = self.text
        self.notices.append(message)
        self._end(text, "failed", self._earlier)
        return text

    def interrupt(self) -> None:
        """The window is closing under a running answer: keep it as interrupted."""
        if self._recorder is not None:
            self._end(self._recorder.text, "interrupted", self._earlier)

    def _end(
        self,
        text: str,
        status: MessageStatus,
        stats: dict[str, Any] | None,
        sources: list[dict[str, Any]] | None = None,
    ) -> None:
        self._timer.stop()
        if self._recorder is not None:
            notices = [{"kind": "notice", "message": n, **stored(n)} for n in self.notices]
            self.history.finish_answer(
                self._recorder.message_id, text, status, stats, notices,
                sources if sources is not None else self._earlier_sources,
            )
        self._recorder = None
        self.conversation_id = None
        self._prefix, self._earlier, self._earlier_sources = "", None, []

    def stop_timer(self) -> None:
        """Stop committing by timer (before the history is closed)."""
        self._timer.stop()


def _joined(earlier: dict[str, Any] | None, last: dict[str, Any]) -> dict[str, Any]:
    """The stats of a continued answer: the last part's, with the token counts added up."""
    if not earlier:
        return last
    joined = dict(last)
    joined["generated_tokens"] = int(earlier.get("generated_tokens") or 0) + int(
        last.get("generated_tokens") or 0
    )
    joined["continued"] = int(earlier.get("continued") or 0) + 1
    return joined
