"""The chat session on its own: pure Qt signals over a real History on a temp SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.history import History
from desktop.session import ChatSession, EndedAnswer
from engine.events import FinalEvent


def _final(text: str, stop_reason: Any = "stop") -> FinalEvent:
    return FinalEvent(
        text=text,
        route="local",
        reason="N=2 default",
        experts=2,
        context=1024,
        prompt_tokens=5,
        generated_tokens=2,
        ttft_s=0.01,
        tokens_per_s=50.0,
        stop_reason=stop_reason,
    )


class Recorder:
    """Every signal of one session, in the order emitted."""

    def __init__(self, session: ChatSession) -> None:
        self.events: list[str] = []
        self.ended: list[EndedAnswer] = []
        session.conversation_changed.connect(lambda: self.events.append("conversation"))
        session.conversations_changed.connect(lambda: self.events.append("list"))
        session.answer_started.connect(lambda: self.events.append("started"))
        session.answer_ended.connect(self._on_ended)

    def _on_ended(self, ended: EndedAnswer) -> None:
        self.events.append("ended")
        self.ended.append(ended)

    def take(self) -> list[str]:
        events, self.events = self.events, []
        return events


@pytest.fixture
def session(qapp: Any, tmp_path: Path) -> Iterator[ChatSession]:
    s = ChatSession(History(tmp_path / "history.sqlite3"))
    yield s
    s.close()


def test_first_question_creates_the_conversation_without_switching(session: ChatSession) -> None:
    rec = Recorder(session)
    assert session.current_id is None and session.messages() == []
    session.add_question("How do I calibrate?\nsecond line")
    cid = session.current_id
    assert cid is not None
    conv = session.history.conversation(cid)
    assert conv is not None and conv.title == "How do I calibrate?"
    prompt = session.begin_answer()
    assert prompt == [{"role": "user", "content": "How do I calibrate?\nsecond line"}]
    # The view already shows the new chat: no conversation_changed, only the list.
    assert rec.take() == ["started", "list"]
    assert session.answering and session.answer_shown


def test_tokens_show_before_commit_and_finish_stores_stats(session: ChatSession) -> None:
    rec = Recorder(session)
    session.add_question("q")
    session.begin_answer()
    session.add_token("Hel")
    session.add_token("lo")
    assert [m.content for m in session.messages()] == ["q", "Hello"]
    session.add_notice("reloaded")
    rec.take()
    session.finish_answer(_final("Hello"))
    assert rec.take() == ["ended", "list"]
    (ended,) = rec.ended
    assert (ended.text, ended.status, ended.shown, ended.notices) == (
        "Hello",
        "complete",
        True,
        ["reloaded"],
    )
    assert ended.stats is not None and ended.stats["tokens_per_s"] == 50.0
    stored = session.history.messages(ended.conversation_id)[-1]
    assert (stored.content, stored.status) == ("Hello", "complete")
    assert not session.answering


def test_answer_of_a_conversation_no_longer_shown(session: ChatSession) -> None:
    session.add_question("first")
    first = session.current_id
    assert first is not None
    session.begin_answer()
    rec = Recorder(session)
    session.new_chat()
    assert rec.take() == ["conversation"]
    assert session.current_id is None and session.answering and not session.answer_shown
    session.add_token("kept")
    session.finish_answer(_final("kept", "cancelled"))
    (ended,) = rec.ended
    assert (ended.conversation_id, ended.shown, ended.status) == (first, False, "cancelled")
    session.open(first)
    assert [m.content for m in session.messages()] == ["first", "kept"]


def test_delete_waits_for_the_running_answer(session: ChatSession) -> None:
    session.add_question("doomed")
    cid = session.current_id
    assert cid is not None
    session.begin_answer()
    rec = Recorder(session)
    assert session.delete(cid) is False  # the caller stops the answer
    assert session.history.conversation(cid) is not None and rec.take() == []
    session.fail_answer("engine error")
    # Stored, shown as failed, then deleted: the chat switches to a new one.
    assert rec.take() == ["ended", "conversation", "list", "list"]
    assert rec.ended[0].status == "failed" and rec.ended[0].notices == ["engine error"]
    assert session.history.conversation(cid) is None
    assert session.current_id is None


def test_delete_rename_and_regenerate_without_an_answer(session: ChatSession) -> None:
    session.add_question("other")
    other = session.current_id
    assert other is not None
    session.begin_answer()
    session.finish_answer(_final("answer"))
    session.new_chat()
    session.add_question("shown")
    shown = session.current_id
    assert shown is not None
    rec = Recorder(session)
    session.rename(shown, "   ")
    assert rec.take() == []  # a blank name is ignored
    session.rename(shown, " Shift A ")
    conv = session.history.conversation(shown)
    assert conv is not None and conv.title == "Shift A"
    assert session.delete(other) is True
    assert rec.take() == ["list", "list"] and session.current_id == shown
    assert session.drop_last_answer() is False  # the last message is a question
    session.begin_answer()
    session.finish_answer(_final("first try"))
    assert session.drop_last_answer() is True
    assert [m.role for m in session.messages()] == ["user"]


def test_failed_answers_are_left_out_of_the_prompt(session: ChatSession) -> None:
    session.add_question("q1")
    session.begin_answer()
    session.add_token("half")
    session.fail_answer("boom")
    session.add_question("q2")
    assert session.begin_answer() == [
        {"role": "user", "content": "q1"},
        {"role": "user", "content": "q2"},
    ]


def test_close_keeps_a_partial_answer_as_interrupted(session: ChatSession, tmp_path: Path) -> None:
    session.add_question("q")
    cid = session.current_id
    assert cid is not None
    session.begin_answer()
    session.add_token("partial")
    session.begin_shutdown()
    assert session.closing
    history = session.history
    session.close()
    assert history.closed
    reopened = History(tmp_path / "history.sqlite3")
    try:
        last = reopened.messages(cid)[-1]
        assert (last.content, last.status) == ("partial", "interrupted")
    finally:
        reopened.close()


def test_an_end_without_an_answer_changes_nothing(session: ChatSession) -> None:
    rec = Recorder(session)
    session.finish_answer(_final("stray"))
    session.fail_answer("stray")
    assert rec.take() == [] and not session.answering
