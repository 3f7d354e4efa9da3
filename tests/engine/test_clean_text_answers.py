"""Clean text end to end (issue 13, item 3): real answers through :class:`engine.service.Engine`.

The tiny test model has a byte-level vocabulary (every byte is a token), so its
answers contain bytes that never form valid UTF-8 — exactly what a byte-level
tokenizer can emit. Real answers from the real inference worker, local and
remote: no U+FFFD in any token event or final text, the final text still equals
the token events, and the log says how much was dropped (counts, never text).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.events import Event, FinalEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.logging_setup import configure_logging
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, defaults
from tests.engine import remote_servers
from tests.engine.remote_servers import FaultServer

pytestmark = pytest.mark.slow

PROMPTS = [
    "日本語で答えてください。ロックアウト・タグアウトとは？",
    "Explain lockout tagout 😀👍🏽",
    "a" * 50,
    "トルクレンチ — torque wrench, ñ é ок",
]
SAMPLINGS = [Sampling(temperature=0.0), Sampling(temperature=0.8, seed=1),
             Sampling(temperature=1.2, seed=7)]
HUGE_RESERVE_MB = 1_048_576  # more than any test machine has free: the answer goes remote


@pytest.fixture
def engine_for(paths: Paths, tiny_moe_path: Path) -> Iterator[Any]:
    made: list[Engine] = []

    def make(settings: Settings | None = None) -> Engine:
        engine = Engine(paths=paths, settings=settings, model_path=tiny_moe_path, n_threads=1)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


def answer(engine: Engine, content: str, sampling: Sampling) -> list[Event]:
    events: list[Event] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            events.extend(engine.stream([{"role": "user", "content": content}],
                                        sampling=sampling, max_tokens=160))
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    assert not errors, errors
    return events


def tokens_and_final(events: list[Event]) -> tuple[list[str], FinalEvent]:
    finals = [e for e in events if isinstance(e, FinalEvent)]
    assert len(finals) == 1
    return [e.text for e in events if isinstance(e, TokenEvent)], finals[0]


def assert_clean(text: str) -> None:
    assert "\ufffd" not in text
    text.encode("utf-8")  # no lone surrogate either


def dropped_lines(paths: Paths, logger: str) -> list[str]:
    """The messages of the log lines ``logger`` wrote about dropped text."""
    lines = paths.log_file.read_text(encoding="utf-8").splitlines()
    return [line.partition("] ")[2] for line in lines
            if f" {logger} " in line and "answer: dropped" in line]


def test_real_local_answers_carry_no_replacement_character(
    engine_for: Any, paths: Paths
) -> None:
    configure_logging(paths)
    engine = engine_for()
    answers = 0
    for content in PROMPTS:
        for sampling in SAMPLINGS:
            tokens, final = tokens_and_final(answer(engine, content, sampling))
            assert final.route == "local"
            assert final.stop_reason in ("stop", "length")
            for text in tokens:
                assert_clean(text)
            assert_clean(final.text)
            assert final.text == "".join(tokens)
            answers += 1
    # The byte-level model did emit invalid UTF-8 (else this test proves nothing), and
    # such an answer logged one line of counts, without its text.
    lines = dropped_lines(paths, "engine.local.llama_adapter")
    assert 0 < len(lines) <= answers + 1  # + the engine's 2-token warm-up of the model
    pattern = re.compile(r"local answer: dropped \d+ bytes that are not UTF-8 and \d+ U\+FFFD "
                         r"from the text")
    assert all(pattern.fullmatch(line) for line in lines), lines


def test_real_remote_answer_drops_the_servers_replacement_characters(
    engine_for: Any, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_logging(paths)
    words = ["日本", "語\ufffd", " \ud83d", "\ude00", "\udc80"]
    monkeypatch.setattr(remote_servers, "WORDS", words)
    with FaultServer("ok") as server:
        engine = engine_for(defaults().with_values(
            {"fallback.enabled": True, "fallback.url": server.url,
             "resources.reserve_ram_mb": HUGE_RESERVE_MB},
            source="policy:test",
        ))
        tokens, final = tokens_and_final(answer(engine, "日本語", Sampling(temperature=0.0)))
    assert final.route == "remote"
    for text in tokens:
        assert_clean(text)
    assert final.text == "".join(tokens) == "日本語 😀"
    lines = dropped_lines(paths, "engine.remote.client")
    assert lines == [f"remote ({server.url.split('/')[2]}) answer: dropped 1 lone surrogates "
                     "and 1 U+FFFD from the text"]
