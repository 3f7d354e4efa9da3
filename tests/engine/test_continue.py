"""Continuing an answer cut by the token limit: the model goes on writing the same text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.answer.prompt_fit import trim_to_fit
from engine.events import FinalEvent
from engine.local.llama_adapter import Sampling
from engine.local.model import LocalModel, LocalRequest
from engine.models.info import inspect_model

GREEDY = Sampling(temperature=0.0)
QUESTION = [{"role": "user", "content": "Hello there"}]


@pytest.fixture
def local(tiny_moe_path: Path) -> Iterator[LocalModel]:
    model = LocalModel(inspect_model(tiny_moe_path), n_threads=2)
    yield model
    model.close()


def _final(
    local: LocalModel, messages: list[dict[str, str]], tokens: int, **kw: bool
) -> FinalEvent:
    request = LocalRequest(
        messages=messages, experts=2, max_tokens=tokens, n_ctx=512, sampling=GREEDY, **kw
    )
    final = list(local.stream(request))[-1]
    assert isinstance(final, FinalEvent)
    return final


def test_continuing_a_cut_answer_goes_on_with_the_same_text(local: LocalModel) -> None:
    full = _final(local, QUESTION, 30)
    cut = _final(local, QUESTION, 10)
    assert cut.stop_reason == "length" and full.text.startswith(cut.text)
    rest = _final(local, [*QUESTION, {"role": "assistant", "content": cut.text}], 20,
                  continue_last=True)
    assert rest.text  # something new, and only the new text (the caller joins them)
    joined = cut.text + rest.text
    # Greedy: the continued answer is the uncut answer (up to where either one ends).
    assert full.text.startswith(joined) or joined.startswith(full.text)
    # Answering anew would have started over with the cut text's beginning.
    assert not rest.text.startswith(cut.text[:2])


def test_the_continued_prompt_ends_with_the_partial_answer_not_an_end_of_turn(
    local: LocalModel,
) -> None:
    _final(local, QUESTION, 1)  # loads the model in the worker
    partial = "Step one is"
    request = LocalRequest(
        messages=[*QUESTION, {"role": "assistant", "content": partial}], experts=2,
        continue_last=True,
    )
    prompt = local._prompt_tokens(request)
    head = local.worker.request("chat_tokens", messages=QUESTION)["tokens"]
    own = local.worker.request("tokenize", text=partial, add_bos=False)["tokens"]
    assert prompt == [*head, *own]
    closed = local.worker.request(
        "chat_tokens", messages=[*QUESTION, {"role": "assistant", "content": partial}]
    )["tokens"]
    assert prompt != closed  # the finished turn would carry the template's end-of-turn


def test_trimming_a_continued_chat_keeps_the_question_and_the_partial_answer() -> None:
    chat = [
        {"role": "user", "content": "old"},
        {"role": "assistant", "content": "old answer"},
        {"role": "user", "content": "question"},
        {"role": "assistant", "content": "partial"},
    ]
    kept, dropped = trim_to_fit(chat, 0, len, keep_last=2)
    assert kept == chat[2:] and dropped == 2


def test_a_remote_continuation_sends_the_partial_answer_last(
    paths: Any, tiny_moe_path: Path
) -> None:
    import json

    from engine.service import Engine
    from tests.engine.remote_servers import WORDS, FaultServer
    from tests.engine.test_fallback import HUGE_RESERVE_MB, answer, final_of, remote_policy

    chat = [*QUESTION, {"role": "assistant", "content": "The first step"}]
    with FaultServer("ok") as server:
        engine = Engine(
            paths=paths, model_path=tiny_moe_path, n_threads=1,
            settings=remote_policy(server.url, resources__reserve_ram_mb=HUGE_RESERVE_MB),
        )
        try:
            final = final_of(answer(engine, chat, max_tokens=8, continue_last=True))
        finally:
            engine.close()
        body = json.loads(server.seen.requests[-1][3])
    assert final.route == "remote" and final.text == "".join(WORDS)  # only the new text
    assert body["messages"] == chat


def test_continue_needs_a_partial_answer_last(paths: Any, tiny_moe_path: Path) -> None:
    from engine.service import Engine

    engine = Engine(paths=paths, model_path=tiny_moe_path, n_threads=1)
    try:
        with pytest.raises(ValueError, match="partial assistant"):
            list(engine.stream(QUESTION, continue_last=True))
    finally:
        engine.close()
