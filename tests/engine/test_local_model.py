"""The resident model: streaming, cancel, N validation and reload-only-on-change."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import ExpertCountError
from engine.events import FinalEvent, NoticeEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.local.model import LocalModel, LocalRequest
from engine.models.info import inspect_model

GREEDY = Sampling(temperature=0.0)


def _request(experts: int = 2, max_tokens: int = 12, text: str = "Hello there") -> LocalRequest:
    return LocalRequest(
        messages=[{"role": "user", "content": text}],
        experts=experts,
        max_tokens=max_tokens,
        n_ctx=256,
        sampling=GREEDY,
    )


@pytest.fixture
def local(tiny_moe_path: Path) -> Iterator[LocalModel]:
    model = LocalModel(inspect_model(tiny_moe_path), n_threads=2)
    yield model
    model.close()


def test_stream_yields_tokens_then_one_final_event(local: LocalModel) -> None:
    events = list(local.stream(_request(max_tokens=12)))
    finals = [e for e in events if isinstance(e, FinalEvent)]
    assert len(finals) == 1 and events[-1] is finals[0]
    final = finals[0]
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert len(tokens) >= 2
    assert final.text == "".join(t.text for t in tokens)
    assert final.route == "local" and final.experts == 2
    assert final.prompt_tokens > 5
    assert 1 <= final.generated_tokens <= 12
    assert final.stop_reason in ("stop", "length")
    if final.stop_reason == "length":
        assert final.generated_tokens == 12
    assert final.ttft_s is not None and final.ttft_s > 0
    assert final.context == 256


def test_greedy_answers_are_reproducible(local: LocalModel) -> None:
    first = list(local.stream(_request()))[-1]
    second = list(local.stream(_request()))[-1]
    assert isinstance(first, FinalEvent) and isinstance(second, FinalEvent)
    assert first.text == second.text


def test_reload_only_when_n_changes(local: LocalModel) -> None:
    first = list(local.stream(_request(experts=2)))
    assert any(isinstance(e, NoticeEvent) and e.kind == "reload" for e in first)
    assert isinstance(first[-1], FinalEvent) and first[-1].switch_s is not None

    same = list(local.stream(_request(experts=2)))
    assert not any(isinstance(e, NoticeEvent) for e in same)
    assert isinstance(same[-1], FinalEvent) and same[-1].switch_s is None

    other = list(local.stream(_request(experts=3)))
    assert isinstance(other[-1], FinalEvent)
    assert other[-1].switch_s is not None and other[-1].experts == 3
    assert local.resident_experts == 3


def test_different_n_gives_a_different_answer(local: LocalModel) -> None:
    texts = {n: list(local.stream(_request(experts=n, max_tokens=16)))[-1] for n in (1, 8)}
    assert isinstance(texts[1], FinalEvent) and isinstance(texts[8], FinalEvent)
    assert texts[1].text != texts[8].text


@pytest.mark.parametrize("bad", [0, -1, 9, 100])
def test_bad_n_is_refused_before_llama_cpp_sees_it(local: LocalModel, bad: int) -> None:
    # llama.cpp would abort the whole process; reaching the assert proves it did not.
    with pytest.raises(ExpertCountError, match="between 1 and 8"):
        list(local.stream(_request(experts=bad)))
    assert local.resident_experts is None


def test_cancel_from_another_thread_stops_within_one_token(local: LocalModel) -> None:
    cancel = threading.Event()
    seen_first = threading.Event()
    stopper = threading.Thread(target=lambda: (seen_first.wait(10), cancel.set()))
    stopper.start()
    produced_at_cancel: int | None = None
    count = 0
    final: FinalEvent | None = None
    for event in local.stream(_request(max_tokens=400), cancel):
        if isinstance(event, TokenEvent):
            count += 1
            if not seen_first.is_set():
                seen_first.set()
                stopper.join()
                produced_at_cancel = count
        elif isinstance(event, FinalEvent):
            final = event
    assert final is not None and produced_at_cancel is not None
    assert final.stop_reason == "cancelled"
    assert count - produced_at_cancel <= 1
    assert final.generated_tokens < 400
