"""Prompt sizing and trimming (``engine.answer.prompt_fit``), pure: a counter that costs one
token per word plus four per message stands in for the model's vocabulary."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from engine.answer.prompt_fit import (
    Messages,
    check_messages,
    minimal_chat,
    size_prompt,
    trim_to_fit,
)
from engine.decision import DecisionPolicy, ModelNeeds
from engine.errors import BadInputError, GenbaError, ModelLoadError


def _tokens(messages: Messages) -> int:
    return sum(4 + len(m.get("content", "").split()) for m in messages)


class WordCounter:
    """Counts like :func:`_tokens`; remembers what it was asked; may fail like a bad vocabulary."""

    def __init__(self, error: GenbaError | None = None) -> None:
        self.error = error
        self.asked: list[list[Mapping[str, str]]] = []

    def count_chat_tokens(self, messages: Messages) -> int:
        self.asked.append(list(messages))
        if self.error is not None:
            raise self.error
        return _tokens(messages)


def _msg(role: str, words: int, tag: str = "") -> dict[str, str]:
    return {"role": role, "content": " ".join([tag or role] * words)}


SYSTEM = _msg("system", 6)
CHAT = [
    SYSTEM,
    _msg("user", 10, "q1"),
    _msg("assistant", 20, "a1"),
    _msg("user", 10, "q2"),
    _msg("assistant", 20, "a2"),
    _msg("user", 5, "q3"),
]  # 6 messages: 24 + 71 words = 95 tokens


# --------------------------------------------------------------------------- trim_to_fit
def test_a_chat_that_fits_is_kept_whole() -> None:
    assert _tokens(CHAT) == 95
    assert trim_to_fit(CHAT, 95, _tokens) == (CHAT, 0)  # exactly the limit fits


def test_the_oldest_turns_go_first() -> None:
    kept, dropped = trim_to_fit(CHAT, 94, _tokens)
    assert (kept, dropped) == ([SYSTEM, *CHAT[2:]], 1)
    kept, dropped = trim_to_fit(CHAT, 50, _tokens)
    assert (kept, dropped) == ([SYSTEM, CHAT[4], CHAT[5]], 3)
    assert _tokens(kept) == 43


def test_system_messages_anywhere_and_the_last_message_are_never_dropped() -> None:
    note = _msg("system", 3, "note")
    chat = [_msg("user", 10, "q1"), note, _msg("assistant", 10, "a1"), _msg("user", 50, "q2")]
    kept, dropped = trim_to_fit(chat, 1, _tokens)
    assert kept == [note, chat[-1]] == minimal_chat(chat)
    assert dropped == 2
    assert _tokens(kept) > 1  # still too long: nothing droppable is left, and that is said


def test_a_lone_long_question_is_kept() -> None:
    question = [_msg("user", 500)]
    assert trim_to_fit(question, 10, _tokens) == (question, 0)


def test_trimming_leaves_the_callers_list_alone() -> None:
    chat = list(CHAT)
    trim_to_fit(chat, 30, _tokens)
    assert chat == CHAT


# -------------------------------------------------------------------------- minimal_chat
@pytest.mark.parametrize(
    ("chat", "expected"),
    [
        ([], []),
        (CHAT, [SYSTEM, CHAT[-1]]),
        ([CHAT[1]], [CHAT[1]]),
        ([CHAT[1], SYSTEM], [SYSTEM]),  # a system message last is kept once
        ([SYSTEM, CHAT[1], SYSTEM, CHAT[2]], [SYSTEM, SYSTEM, CHAT[2]]),
    ],
    ids=["empty", "system-and-last", "one", "system-last", "two-systems-in-order"],
)
def test_minimal_chat(chat: list[dict[str, str]], expected: list[dict[str, str]]) -> None:
    assert minimal_chat(chat) == expected


# ------------------------------------------------------------------------ check_messages
@pytest.mark.parametrize(
    ("chat", "says"),
    [
        ([], "no question"),
        ([{"role": "user", "content": " \n\t"}], "empty"),
        ([{"role": "user"}], "empty"),
        ([CHAT[1], {"role": "user", "content": ""}], "empty"),
        ([{"role": "user", "content": "caf\udce9"}], "UTF-8"),  # a byte from surrogateescape
        ([{"role": "user", "content": "\udce9 old"}, CHAT[1]], "UTF-8"),  # in any message
    ],
)
def test_a_chat_that_cannot_be_a_question_is_refused(chat: Messages, says: str) -> None:
    with pytest.raises(BadInputError, match=says):
        check_messages(chat)


def test_a_real_question_passes() -> None:
    check_messages(CHAT)
    check_messages([{"role": "user", "content": ""}, {"role": "user", "content": "日本語 ✓"}])


# --------------------------------------------------------------------------- size_prompt
def _needs(context: int = 4096) -> ModelNeeds:
    return ModelNeeds(
        expert_count=8, expert_used_count=2, context_length=context, weights_bytes=1,
        kv_bytes_per_token=1,
    )  # fmt: skip


def _policy(*, max_context: int = 0, remote: bool = False) -> DecisionPolicy:
    return DecisionPolicy(
        experts_default=2, experts_min=1, experts_max=8, max_context_tokens=max_context,
        remote_available=remote,
    )  # fmt: skip


def test_a_prompt_that_fits_is_counted_once() -> None:
    counter = WordCounter()
    needs = _needs()
    assert size_prompt(counter, CHAT, needs=needs, policy=_policy(), max_tokens=100) == (
        needs, 95, 0,
    )  # fmt: skip
    assert counter.asked == [CHAT]


@pytest.mark.parametrize(
    ("context", "max_context", "max_tokens", "trimmed"),
    [
        (150, 0, 60, True),  # 95 + 60 > the model's 150
        (150, 0, 55, False),  # exactly fits
        (4096, 100, 10, True),  # the policy's limit is below the model's
        (100, 4096, 10, True),  # the model's is below the policy's
        (4096, 0, 100, False),  # 0: no policy limit
    ],
)
def test_the_trimmed_size_is_counted_only_when_only_trimming_can_help(
    context: int, max_context: int, max_tokens: int, trimmed: bool
) -> None:
    counter = WordCounter()
    needs = _needs(context)
    result = size_prompt(
        counter, CHAT, needs=needs, policy=_policy(max_context=max_context), max_tokens=max_tokens
    )
    minimal = _tokens(minimal_chat(CHAT))
    assert result == (needs, 95, minimal if trimmed else 0)
    assert counter.asked == ([CHAT, minimal_chat(CHAT)] if trimmed else [CHAT])


def test_a_remote_server_makes_trimming_unnecessary() -> None:
    counter = WordCounter()
    policy = _policy(remote=True)
    result = size_prompt(counter, CHAT, needs=_needs(50), policy=policy, max_tokens=10)
    assert result[1:] == (95, 0)
    assert counter.asked == [CHAT]


def test_an_unusable_model_is_not_asked() -> None:
    counter = WordCounter()
    needs = ModelNeeds.missing("no model")
    assert size_prompt(counter, CHAT, needs=needs, policy=_policy(), max_tokens=10) == (
        needs, 0, 0,
    )  # fmt: skip
    assert counter.asked == []


def test_an_unreadable_vocabulary_makes_the_model_unusable() -> None:
    counter = WordCounter(ModelLoadError("the file is damaged"))
    needs, prompt, minimal = size_prompt(
        counter, CHAT, needs=_needs(), policy=_policy(), max_tokens=10
    )
    assert (needs.usable, prompt, minimal) == (False, 0, 0)
    assert needs.unusable_why == "cannot read its vocabulary (the file is damaged)"


def test_other_failures_are_not_hidden() -> None:
    class Broken:
        def count_chat_tokens(self, messages: Messages) -> int:
            raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        size_prompt(Broken(), CHAT, needs=_needs(), policy=_policy(), max_tokens=10)
