"""The engine's route per query, end to end: local, remote (a real llama.cpp server), faults.

The remote is ``python -m llama_cpp.server`` serving the tiny test model on
127.0.0.1, started once for the module. Faults come from a loopback server this
test controls. Queries are forced remote the way an administrator would: a
memory reserve above the free memory, or a context cap below the prompt.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.events import Event, FinalEvent, NoticeEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.logging_setup import configure_logging
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, defaults
from tests.engine.remote_servers import (
    FaultServer,
    LlamaServer,
    free_port,
    memory_keyring,
    self_signed,
)

pytestmark = pytest.mark.slow

HUGE_RESERVE_MB = 1_048_576  # 1 TB: more than any test machine has free
GREEDY = Sampling(temperature=0.0)
HANG_GUARD_S = 60.0
QUESTION = [{"role": "user", "content": "What is a torque wrench?"}]


def settings_with(**values: Any) -> Settings:
    """Defaults plus ``values`` set as policy (``a__b`` stands for ``a.b``)."""
    return defaults().with_values(
        {k.replace("__", "."): v for k, v in values.items()}, source="policy:test"
    )


def remote_policy(url: str, **more: Any) -> Settings:
    return settings_with(fallback__enabled=True, fallback__url=url, **more)


def answer(
    engine: Engine, messages: list[dict[str, str]] | None = None, **kw: Any
) -> list[Event]:
    """All events of one answer, collected on a thread with a generous hang guard."""
    events: list[Event] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            events.extend(engine.stream(messages or QUESTION, sampling=GREEDY, **kw))
        except BaseException as exc:  # handed to the test
            error.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), "the answer outlived every deadline"
    if error:
        raise error[0]
    return events


def final_of(events: list[Event]) -> FinalEvent:
    finals = [e for e in events if isinstance(e, FinalEvent)]
    assert len(finals) == 1
    assert events[-1] is finals[0]
    # The final text is exactly what the token events streamed.
    assert finals[0].text == "".join(e.text for e in events if isinstance(e, TokenEvent))
    return finals[0]


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events if isinstance(e, NoticeEvent)]


@pytest.fixture
def engine_for(paths: Paths, tiny_moe_path: Path) -> Iterator[Any]:
    made: list[Engine] = []

    def make(settings: Settings, model: Path = tiny_moe_path) -> Engine:
        engine = Engine(paths=paths, settings=settings, model_path=model, n_threads=1)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


# ------------------------------------------------------------ real remote server
def test_low_memory_goes_to_the_real_remote_server(
    engine_for: Any, llama_server: LlamaServer
) -> None:
    engine = engine_for(remote_policy(llama_server.url, resources__reserve_ram_mb=HUGE_RESERVE_MB))
    events = answer(engine, max_tokens=24)
    final = final_of(events)
    assert final.route == "remote"
    assert final.reason.startswith("low memory:")
    assert "free, model needs" in final.reason
    assert final.reason.endswith("→ remote")
    assert final.stop_reason in ("stop", "length")
    assert final.experts is None
    assert final.context is None
    assert final.model  # the server names its model
    assert any(isinstance(e, TokenEvent) and e.route == "remote" for e in events)
    assert all(e.route == "remote" for e in events if isinstance(e, TokenEvent))
    assert engine._local.resident_experts is None  # the weights were never loaded


def test_too_long_for_the_local_context_goes_remote(
    engine_for: Any, llama_server: LlamaServer
) -> None:
    engine = engine_for(remote_policy(llama_server.url, resources__max_context_tokens=256))
    long_question = [{"role": "user", "content": "Explain the torque table. " * 12}]
    final = final_of(answer(engine, long_question, max_tokens=16))
    assert final.route == "remote"
    assert "> local context 256" in final.reason


def test_resources_fine_stays_local_even_with_remote_configured(
    engine_for: Any, llama_server: LlamaServer
) -> None:
    engine = engine_for(remote_policy(llama_server.url))
    final = final_of(answer(engine, max_tokens=8, experts=3))
    assert final.route == "local"
    assert final.experts == 3
    assert final.context == 1024  # the tiny model's whole context
    assert final.reason == "N=3 requested; resources fine → local"


# ------------------------------------------------------------ offline
@pytest.mark.parametrize("how", ["policy", "environment"])
def test_offline_answers_locally(
    how: str, engine_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer("ok") as server:
        extra = {"network__offline": True} if how == "policy" else {}
        if how == "environment":
            monkeypatch.setenv("GENBA_OFFLINE", "1")
        engine = engine_for(
            remote_policy(server.url, resources__reserve_ram_mb=HUGE_RESERVE_MB, **extra)
        )
        final = final_of(answer(engine, max_tokens=8))
    assert final.route == "local"
    assert "offline mode is on" in final.reason
    assert "local anyway" in final.reason
    assert server.seen.requests == []  # not one connection


# ------------------------------------------------------------ faults mid-answer
FAULTS = [
    ("refused", ""),
    ("hang", ""),
    ("status500", ""),
    ("cut", "Hello wor"),
    ("garbage", "Hello"),
    ("trickle", "slow"),
    ("tls", ""),
]


@pytest.fixture
def fault_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    mode, kept = request.param
    if mode == "refused":
        yield f"http://127.0.0.1:{free_port()}/v1", kept
        return
    tls = self_signed(tmp_path / "certs").server_context if mode == "tls" else None
    with FaultServer("ok" if mode == "tls" else mode, tls=tls) as server:
        yield server.url, kept


@pytest.mark.parametrize("fault_url", FAULTS, ids=[m for m, _ in FAULTS], indirect=True)
def test_remote_fault_keeps_what_arrived_and_answers_locally(
    fault_url: tuple[str, str], engine_for: Any
) -> None:
    url, kept = fault_url
    engine = engine_for(remote_policy(
        url, resources__reserve_ram_mb=HUGE_RESERVE_MB, fallback__timeout_s=1.0
    ))
    events = answer(engine, max_tokens=8)
    final = final_of(events)
    assert kinds(events)[:2] == ["remote_failed", "fallback"]
    assert final.route == "local"
    assert final.stop_reason in ("stop", "length")
    assert "remote failed → " in final.reason
    assert final.experts is not None and final.context is not None
    remote_text = "".join(e.text for e in events if isinstance(e, TokenEvent) and
                          e.route == "remote")
    assert remote_text == kept
    if kept:
        assert final.text.startswith(kept + "\n\n")
        assert f"The {len(kept)} characters that arrived are kept" in "".join(
            e.message for e in events if isinstance(e, NoticeEvent))


@pytest.mark.parametrize("fault_url", [FAULTS[3]], ids=["cut"], indirect=True)
def test_remote_fault_with_no_local_way_ends_with_a_clear_error(
    fault_url: tuple[str, str], engine_for: Any
) -> None:
    url, kept = fault_url
    engine = engine_for(remote_policy(url, resources__max_context_tokens=256))
    too_long = [{"role": "user", "content": "Explain the torque table. " * 12}]
    events = answer(engine, too_long, max_tokens=8)
    final = final_of(events)
    assert kinds(events) == ["remote_failed"]
    assert "No local answer is possible now" in events[-2].message  # type: ignore[union-attr]
    assert final.route == "remote"
    assert final.stop_reason == "error"
    assert final.error and "ended the stream" in final.error
    assert final.text == kept


def test_cancel_during_a_remote_answer(engine_for: Any) -> None:
    cancel = threading.Event()
    cancel.set()
    with FaultServer("ok") as server:
        engine = engine_for(remote_policy(server.url, resources__reserve_ram_mb=HUGE_RESERVE_MB))
        final = final_of(answer(engine, max_tokens=8, cancel=cancel))
    assert final.route == "remote"
    assert final.stop_reason == "cancelled"


# ------------------------------------------------------------ local model broken
def test_missing_local_model_goes_remote_or_is_refused(
    engine_for: Any, tiny_moe_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "gone.gguf"
    shutil.copy(tiny_moe_path, copy)
    with FaultServer("ok") as server:
        engine = engine_for(remote_policy(server.url), model=copy)
        copy.unlink()  # deleted (or being replaced) after genba started
        final = final_of(answer(engine, max_tokens=8))
        assert final.route == "remote"
        assert final.reason == "local model unavailable: gone.gguf is missing → remote"
        engine.update_settings(remote_policy(
            server.url, fallback__allow_when_offline_local_fails=False))
        refused = final_of(answer(engine, max_tokens=8))
    assert refused.route == "refuse"
    assert refused.stop_reason == "error"
    assert "policy keeps questions local" in refused.reason


# ------------------------------------------------------------ trimming
def test_long_chat_without_remote_trims_old_turns(engine_for: Any) -> None:
    engine = engine_for(settings_with(resources__max_context_tokens=512))
    chat = [{"role": "system", "content": "You are a shop-floor assistant."}]
    for i in range(6):
        chat.append({"role": "user", "content": f"Question {i}: " + "torque " * 12})
        chat.append({"role": "assistant", "content": f"Answer {i}: " + "newton metre " * 6})
    chat.append({"role": "user", "content": "And the last question?"})
    events = answer(engine, chat, max_tokens=64)
    final = final_of(events)
    assert "trimmed" in kinds(events)
    assert final.route == "local"
    assert "old turns trimmed" in final.reason
    assert final.prompt_tokens + 64 <= 512


# ------------------------------------------------------------ the token stays secret
def test_token_is_sent_but_never_written_to_logs_or_files(
    engine_for: Any, isolated_home: Path, paths: Paths, caplog: pytest.LogCaptureFixture
) -> None:
    token = "tok-7f3a9c1e-never-in-a-file"
    home_paths = Paths.default()  # under the isolated GENBA_HOME
    handler = configure_logging(home_paths, level=logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)  # let httpx/httpcore debug lines through too
    caplog.set_level(logging.DEBUG)
    try:
        with memory_keyring() as ring, FaultServer("ok") as good, FaultServer("status500") as bad:
            from engine.remote import credentials

            for server in (good, bad):
                credentials.set_token(server.url, token)
                engine = engine_for(
                    remote_policy(server.url, resources__reserve_ram_mb=HUGE_RESERVE_MB)
                )
                events = answer(engine, max_tokens=8)
                for event in events:
                    assert token not in repr(event)
            assert good.seen.requests[0][2]["Authorization"] == f"Bearer {token}"
            assert bad.seen.requests[0][2]["Authorization"] == f"Bearer {token}"
            assert ring.secrets  # it lives in the keyring
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert home_paths.log_file.exists()
    assert "remote" in home_paths.log_file.read_text(encoding="utf-8")
    assert token not in caplog.text
    for root in (isolated_home, paths.data_dir.parent):
        for file in root.rglob("*"):
            if file.is_file():
                assert token.encode() not in file.read_bytes(), file


# ------------------------------------------------------------ speed feeds the next decision
def test_measured_speed_feeds_the_next_decision(engine_for: Any) -> None:
    engine = engine_for(settings_with(resources__min_tokens_per_s=5.0, experts__mode="thorough"))
    first = final_of(answer(engine, max_tokens=24))
    assert first.experts == 8
    recent = engine.speeds.recent()
    if first.generated_tokens >= 8:  # short answers are not timed
        assert recent is not None and recent.experts == 8
    # A slow PC: 2 tokens/s at N=8 recorded as if from real answers.
    engine.speeds.clear()
    engine.speeds.record(8, generated_tokens=20, decode_seconds=10.0)
    slow = final_of(answer(engine, max_tokens=8))
    assert slow.route == "local"
    assert slow.experts is not None and slow.experts < 8
    assert "slow: 2.0 tokens/s < 5 tokens/s" in slow.reason
    # The tiny model is really fast at the lower N: N climbs back, one step per answer.
    after = final_of(answer(engine, max_tokens=16))
    assert after.experts in (slow.experts, slow.experts + 1)


def test_local_load_failure_goes_remote_with_a_notice(
    engine_for: Any, tiny_moe_path: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.gguf"
    shutil.copy(tiny_moe_path, model)
    with FaultServer("ok") as server:
        engine = engine_for(remote_policy(server.url), model=model)
        assert final_of(answer(engine, max_tokens=4, experts=2)).route == "local"
        # Replaced under us by a damaged copy (a new file, so the mapped one stays valid).
        damaged = tmp_path / "damaged.gguf"
        damaged.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
        damaged.replace(model)
        events = answer(engine, max_tokens=8, experts=3)  # a new N needs a reload
        final = final_of(events)
        assert kinds(events)[0] == "local_failed"
        assert final.route == "remote"
        assert final.reason.startswith("local model failed → remote")
        # Until the retry time passes, the next question goes straight to the server.
        again = final_of(answer(engine, max_tokens=8))
        assert again.route == "remote"
        assert again.reason.startswith("local model unavailable:")
        assert len(server.seen.requests) == 2
