"""The administrator's instructions (``assistant.system_prompt``) reach every answer.

Issue 13, item 1: set by policy (a locked value wins over the operator's), put in front
of the chat by the engine, counted in the prompt's size, sent to the local model and to
the remote server, and never part of the conversation the caller passed in.
Real llama.cpp on the tiny model; a real loopback HTTP server for the remote route.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from engine.answer.prompt_fit import trim_to_fit, with_system_prompt
from engine.events import Event, FinalEvent
from engine.local.llama_adapter import Sampling
from engine.paths import Paths
from engine.service import Engine
from engine.settings import defaults, load_settings
from tests.engine.recording import record_requests
from tests.engine.remote_servers import FaultServer

INSTRUCTIONS = "Answer briefly, in numbered steps."
QUESTION = [{"role": "user", "content": "How do I check a torque wrench?"}]
GREEDY = Sampling(temperature=0.0)
HUGE_RESERVE_MB = 1_048_576  # more memory than any test machine has free: forces remote


def _answer(engine: Engine, messages: list[dict[str, str]]) -> list[Event]:
    events: list[Event] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            events.extend(engine.stream(messages, max_tokens=4, sampling=GREEDY))
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    if errors:
        raise errors[0]
    return events


def _final(events: list[Event]) -> FinalEvent:
    final = events[-1]
    assert isinstance(final, FinalEvent)
    return final


def test_instructions_go_first_and_are_counted_in_the_prompt(engine_for: Any) -> None:
    plain = engine_for(defaults())
    instructed = engine_for(
        defaults().with_values({"assistant.system_prompt": INSTRUCTIONS}, source="policy:p")
    )
    seen = record_requests(instructed)
    messages = [dict(m) for m in QUESTION]
    without = _final(_answer(plain, messages))
    with_it = _final(_answer(instructed, messages))
    assert seen == [[{"role": "system", "content": INSTRUCTIONS}, *QUESTION]]
    assert messages == QUESTION  # the caller's chat (the history) is left as it was
    # The prompt the engine sized and ran is the instructed chat, token for token.
    expected = instructed.count_tokens(seen[0])
    assert with_it.prompt_tokens == expected
    assert with_it.prompt_tokens > without.prompt_tokens == plain.count_tokens(QUESTION)


def test_a_locked_policy_value_wins_over_the_operators(
    engine_for: Any, paths: Paths, tmp_path: Path
) -> None:
    paths.user_settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.user_settings_file.write_text(
        '[assistant]\nsystem_prompt = "Answer at length."\n', encoding="utf-8"
    )
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[assistant]\nsystem_prompt = "{INSTRUCTIONS}"\n', encoding="utf-8")
    settings = load_settings(paths, policy_files=[policy])
    assert settings.is_locked("assistant.system_prompt")
    engine = engine_for(settings)
    seen = record_requests(engine)
    _answer(engine, [dict(m) for m in QUESTION])
    assert seen[0][0] == {"role": "system", "content": INSTRUCTIONS}


def test_no_instructions_add_nothing(engine_for: Any) -> None:
    engine = engine_for(defaults())
    seen = record_requests(engine)
    _answer(engine, [dict(m) for m in QUESTION])
    assert seen == [QUESTION]


def test_instructions_reach_the_remote_server(engine_for: Any) -> None:
    with FaultServer("ok") as server:
        settings = defaults().with_values(
            {
                "assistant.system_prompt": INSTRUCTIONS,
                "fallback.enabled": True,
                "fallback.url": server.url,
                "resources.reserve_ram_mb": HUGE_RESERVE_MB,
            },
            source="policy:p",
        )
        final = _final(_answer(engine_for(settings), [dict(m) for m in QUESTION]))
    assert final.route == "remote"
    body = json.loads(server.seen.requests[0][3])
    assert body["messages"] == [{"role": "system", "content": INSTRUCTIONS}, *QUESTION]


def test_trimming_keeps_the_instructions() -> None:
    chat = with_system_prompt(
        [{"role": "user", "content": "old"}, {"role": "assistant", "content": "x"}, *QUESTION],
        INSTRUCTIONS,
    )
    kept, dropped = trim_to_fit(chat, 2, len)
    assert dropped == 2
    assert kept == [{"role": "system", "content": INSTRUCTIONS}, *QUESTION]
