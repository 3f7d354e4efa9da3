"""Passages into the prompt (engine/docs/grounding.py) and the documents mode of an answer.

Pure functions: tables of inputs and outputs. The engine's use of them, with a real
index and llama.cpp, is in test_grounded_answers.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from engine.docs.grounding import (
    INSTRUCTIONS,
    fit_passages,
    free_context,
    grounded_question,
    source_line,
    with_passages,
)
from engine.docs.model import Passage
from engine.docs.retrieve import docs_mode
from engine.errors import BadInputError


def _passage(text: str, page: int | None = 1, title: str = "Torque standard") -> Passage:
    return Passage(path="/docs/t.pdf", title=title, kind="pdf", page=page, heading="Line 3",
                   text=text, score=1.0)


def _words(text: str) -> int:
    return len(text.split())


def test_the_last_message_carries_instructions_numbered_passages_and_the_question() -> None:
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "M8 torque?"}]
    grounded = with_passages(chat, [_passage("M8: 25 N·m"), _passage("M10: 49 N·m", page=4)])
    assert grounded[0] == chat[0]
    last = grounded[-1]["content"]
    assert last.startswith(INSTRUCTIONS)
    assert "[1] Torque standard — page 1\nM8: 25 N·m" in last
    assert "[2] Torque standard — page 4\nM10: 49 N·m" in last
    assert last.endswith("Question: M8 torque?")
    assert chat[-1]["content"] == "M8 torque?"  # the caller's chat is not changed


def test_no_passages_leaves_the_chat_as_it_was() -> None:
    chat = [{"role": "user", "content": "hello"}]
    assert with_passages(chat, []) == chat


def test_a_source_without_pages_names_its_heading() -> None:
    assert source_line(2, _passage("x", page=None)) == "[2] Torque standard — Line 3"


def test_passages_are_kept_in_order_while_they_fit_and_a_long_one_is_skipped() -> None:
    short_a, long_b, short_c = _passage("a " * 10), _passage("b " * 500), _passage("c " * 10)
    frame = _words(INSTRUCTIONS) + 16
    budget = frame + 2 * (_words(grounded_question("", [short_a])) + 2)
    kept = fit_passages([short_a, long_b, short_c], budget, _words)
    assert kept == [short_a, short_c]


def test_no_budget_no_passages() -> None:
    assert fit_passages([_passage("x")], 0, _words) == []
    assert fit_passages([_passage("x")], _words(INSTRUCTIONS), _words) == []


@pytest.mark.parametrize(
    ("context", "prompt", "answer", "free"),
    [(2048, 48, 512, 1116), (2048, 1800, 512, 0), (512, 0, 0, 384)],
)
def test_passages_get_a_share_of_the_context_the_chat_and_answer_leave(
    context: int, prompt: int, answer: int, free: int
) -> None:
    assert free_context(context, prompt, answer) == free


@pytest.mark.parametrize(
    ("setting", "wanted", "mode"),
    [
        ("use", None, "use"), ("use", True, "use"), ("use", False, "off"),
        ("require", None, "require"), ("require", True, "require"),
        ("require", False, "require"),  # policy requires sources: a caller cannot opt out
        ("off", None, "off"), ("off", False, "off"),
    ],
)
def test_the_documents_mode_of_an_answer(setting: str, wanted: bool | None, mode: str) -> None:
    assert docs_mode(setting, wanted) == mode


def test_asking_for_documents_when_policy_turned_them_off_says_what_to_do() -> None:
    with pytest.raises(BadInputError, match=r"docs\.answers = \"off\".*without --docs"):
        docs_mode("off", True)


def test_a_passage_sharing_one_common_word_is_not_found() -> None:
    from engine.docs.retrieve import relevant

    torque = _passage("Tighten the M8 flange bolts on line 3 to 25 N·m.")
    coolant = dataclasses.replace(
        _passage("Change the coolant of line 5 every 500 hours."), heading="Coolant"
    )
    question = "What torque for the M8 flange bolts on line 3?"
    assert relevant(question, [torque, coolant]) == [torque]  # coolant shares only "line"
    assert relevant("公差は？", [_passage("外径の公差は ±0.02 mm")])  # one term is enough alone
    assert relevant("???", [torque]) == []
