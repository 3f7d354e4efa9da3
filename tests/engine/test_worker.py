"""llama.cpp in its own process: quantized models through the real worker, crashes survived.

Every test here runs the real inference worker (``python -m engine.local.worker_main``)
with the real llama.cpp. Crashes are real signals sent to the worker process
while it is in the middle of an answer (the worker waits for the engine between
tokens, so "after the first token" is a precise moment), and a real llama.cpp
abort: a model with Granite 3.1 1B-A400M's layer and expert counts, which
llama.cpp 0.3.36 runs at N <= 12 and aborts at N >= 13 (its graph outgrows the
node hash set).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf
import pytest

from engine.errors import LocalCrashError
from engine.events import Event, FinalEvent, NoticeEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.local.model import LocalModel, LocalRequest
from engine.local.safe_experts import SafeExpertsStore
from engine.models.info import inspect_model
from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, defaults
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

pytestmark = pytest.mark.slow

GREEDY = Sampling(temperature=0.0)
LONG = [{"role": "user", "content": "a" * 50}]  # the tiny model answers with hundreds of tokens
Q4 = gguf.GGMLQuantizationType.Q4_0


@pytest.fixture(scope="module")
def quantized_moe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Attention and experts in Q4_0, wide enough for llama.cpp's repacked kernels."""
    spec = TinyMoESpec(n_embd=256, n_ff=256, expert_type=Q4, dense_type=Q4)
    return build_tiny_moe(tmp_path_factory.mktemp("q4") / "q4-moe.gguf", spec)


@pytest.fixture(scope="module")
def granite_shaped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 layers, 32 experts, top-8: Granite 3.1 1B-A400M's graph, tiny widths (6.5 MB)."""
    spec = TinyMoESpec(n_layer=24, n_embd=64, n_ff=32, n_expert=32, n_expert_used=8)
    return build_tiny_moe(tmp_path_factory.mktemp("granite") / "granite-shaped.gguf", spec)


def settings_with(**values: Any) -> Settings:
    return defaults().with_values(
        {k.replace("__", "."): v for k, v in values.items()}, source="policy:test"
    )


@pytest.fixture
def engine_for(paths: Paths, tiny_moe_path: Path) -> Iterator[Any]:
    made: list[Engine] = []

    def make(model: Path = tiny_moe_path, settings: Settings | None = None) -> Engine:
        engine = Engine(paths=paths, settings=settings, model_path=model, n_threads=1)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


def answer_killing_worker(
    engine: Engine, sig: signal.Signals, max_tokens: int = 400, **kw: Any
) -> list[Event]:
    """One answer; the worker gets ``sig`` right after the first token reaches the engine."""
    events: list[Event] = []
    for event in engine.stream(LONG, sampling=GREEDY, max_tokens=max_tokens, **kw):
        events.append(event)
        if isinstance(event, TokenEvent) and sum(isinstance(e, TokenEvent) for e in events) == 1:
            pid = engine.local_model.worker.pid
            assert pid is not None and pid != os.getpid()
            os.kill(pid, sig)
    return events


def final_of(events: list[Event]) -> FinalEvent:
    finals = [e for e in events if isinstance(e, FinalEvent)]
    assert len(finals) == 1 and events[-1] is finals[0]
    assert finals[0].text == "".join(e.text for e in events if isinstance(e, TokenEvent))
    return finals[0]


def test_a_quantized_model_answers_through_the_worker_process(quantized_moe: Path) -> None:
    local = LocalModel(inspect_model(quantized_moe), n_threads=2)
    try:
        request = LocalRequest(messages=LONG, experts=2, max_tokens=12, sampling=GREEDY)
        events = list(local.stream(request))
        final = events[-1]
        assert isinstance(final, FinalEvent) and final.route == "local"
        assert final.generated_tokens > 0
        worker = local.worker.info()
        assert worker.pid != os.getpid() and local.worker.running
        assert worker.backend not in ("", "unknown")
    finally:
        local.close()
    assert not local.worker.running


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL])
def test_a_worker_dying_mid_answer_ends_the_answer_with_the_reason(
    engine_for: Any, sig: signal.Signals
) -> None:
    engine = engine_for()
    events = answer_killing_worker(engine, sig)
    final = final_of(events)
    assert final.stop_reason == "error" and final.route == "local"
    assert final.error is not None and "stopped unexpectedly" in final.error
    assert sig.name in final.error  # "killed by SIGSEGV"
    assert final.text  # the text streamed before the crash is kept
    notices = [e for e in events if isinstance(e, NoticeEvent)]
    assert [n.kind for n in notices][-1] == "local_crashed"
    # The next question starts a fresh worker and is answered normally.
    again = final_of(list(engine.stream(LONG, sampling=GREEDY, max_tokens=8)))
    assert again.route == "local" and again.stop_reason in ("stop", "length")
    assert again.generated_tokens > 0


def test_a_crash_goes_to_the_remote_server_when_policy_allows(
    engine_for: Any, llama_server_url: str
) -> None:
    policy = settings_with(fallback__enabled=True, fallback__url=llama_server_url)
    engine = engine_for(settings=policy)
    # 48 tokens, not 400: llama_cpp.server streams ~70 ms per token here (its SSE path; the
    # same answer unstreamed takes 0.7 s), so 400 could pass fallback.timeout_s on a busy CI.
    # The worker runs one token ahead, so it is still killed mid-answer.
    events = answer_killing_worker(engine, signal.SIGSEGV, max_tokens=48)
    final = final_of(events)
    assert final.route == "remote" and final.stop_reason in ("stop", "length")
    assert final.reason.startswith("the local model stopped unexpectedly → remote (")
    local_text = "".join(e.text for e in events if isinstance(e, TokenEvent) and e.route == "local")
    assert local_text and final.text.startswith(local_text + "\n\n")
    assert any(isinstance(e, TokenEvent) and e.route == "remote" and e.text for e in events)
    assert "local_crashed" in [e.kind for e in events if isinstance(e, NoticeEvent)]


def test_two_crashes_in_a_row_mark_the_model_broken(engine_for: Any, paths: Paths) -> None:
    engine = engine_for()
    for _ in range(2):
        assert final_of(answer_killing_worker(engine, signal.SIGSEGV)).stop_reason == "error"
    refused = final_of(list(engine.stream(LONG, sampling=GREEDY, max_tokens=8)))
    assert refused.route == "refuse"
    assert "marked broken on this PC" in refused.reason
    record = json.loads(paths.safe_experts_file.read_text(encoding="utf-8"))
    (entry,) = record.values()
    assert "crashed 2 times in a row" in entry["broken"] and "SIGSEGV" in entry["broken"]
    # A fresh engine (a restarted app) remembers it.
    assert final_of(list(engine_for().stream(LONG, max_tokens=8))).route == "refuse"


def test_a_crash_between_answers_does_not_count_against_the_model(engine_for: Any) -> None:
    engine = engine_for()
    assert final_of(answer_killing_worker(engine, signal.SIGKILL)).stop_reason == "error"
    assert final_of(list(engine.stream(LONG, max_tokens=4))).stop_reason in ("stop", "length")
    assert final_of(answer_killing_worker(engine, signal.SIGKILL)).stop_reason == "error"
    # crash, success, crash: never two in a row, so the model stays usable
    assert final_of(list(engine.stream(LONG, max_tokens=4))).route == "local"


def test_n_above_the_safe_range_answers_at_the_largest_safe_n(
    engine_for: Any, granite_shaped: Path, paths: Paths
) -> None:
    engine = engine_for(granite_shaped)
    final = final_of(list(engine.stream(LONG, experts=16, sampling=GREEDY, max_tokens=6)))
    assert final.route == "local" and final.experts == 12
    assert "llama.cpp crashes above N=12 with this model on this PC → N=12" in final.reason
    store = SafeExpertsStore(paths.safe_experts_file)
    (key,) = json.loads(paths.safe_experts_file.read_text(encoding="utf-8"))
    known = store.get(key)
    assert known is not None and known.max_ok == 12 and known.lowest_crash == 13
    assert "GGML_ASSERT" in known.reason or "SIGABRT" in known.reason
    # Thorough mode is held to the same limit, without probing again.
    thorough = engine_for(granite_shaped, settings_with(experts__mode="thorough"))
    final = final_of(list(thorough.stream(LONG, sampling=GREEDY, max_tokens=4)))
    assert final.route == "local" and final.experts == 12


def test_a_crash_learned_at_some_n_lowers_the_limit(granite_shaped: Path, paths: Paths) -> None:
    """Without a probe (a record from an older build, say) the crash itself teaches the limit."""
    store = SafeExpertsStore(paths.safe_experts_file)
    local = LocalModel(inspect_model(granite_shaped), n_threads=1, safe_store=store)
    try:
        request = LocalRequest(messages=LONG, experts=20, max_tokens=4, sampling=GREEDY)
        with pytest.raises(LocalCrashError, match="stopped unexpectedly"):
            list(local.stream(request))
        known = local.safe_range()
        assert known is not None and known.lowest_crash == 20 and known.limit == 19
        assert known.broken is None
    finally:
        local.close()


def test_the_worker_stops_when_the_engine_closes(engine_for: Any) -> None:
    engine = engine_for()
    final_of(list(engine.stream(LONG, max_tokens=2)))
    pid = engine.local_model.worker.pid
    assert pid is not None
    engine.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_stop_from_another_thread_ends_the_stream_in_the_worker(engine_for: Any) -> None:
    engine = engine_for()
    cancel = threading.Event()
    tokens = 0
    final = None
    for event in engine.stream(LONG, sampling=GREEDY, max_tokens=400, cancel=cancel):
        if isinstance(event, TokenEvent):
            tokens += 1
            if tokens == 3:
                threading.Thread(target=cancel.set).start()
        elif isinstance(event, FinalEvent):
            final = event
    assert final is not None and final.stop_reason == "cancelled"
    assert final.generated_tokens <= 5
    # The worker is in sync: the next answer starts cleanly.
    assert final_of(list(engine.stream(LONG, max_tokens=3))).generated_tokens > 0


def test_the_answering_process_never_loads_llama_cpp(tiny_moe_path: Path, tmp_path: Path) -> None:
    """Only the worker runs llama.cpp: after a whole answer, this process has not imported it."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from engine.paths import Paths\n"
        "from engine.service import Engine\n"
        f"engine = Engine(paths=Paths.under(Path({str(tmp_path)!r})), "
        f"model_path=Path({str(tiny_moe_path)!r}), n_threads=1)\n"
        "events = list(engine.stream([{'role': 'user', 'content': 'hi'}], max_tokens=4))\n"
        "engine.close()\n"
        "print(events[-1].route, 'llama_cpp' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["local", "False"]


def test_a_dropped_worker_exits_and_leaves_no_open_pipe() -> None:
    """An engine dropped without close() (a crashed caller, a test) must not leak its worker."""
    import gc
    import time

    from engine.local.worker_client import LlamaWorker

    worker = LlamaWorker()
    pid = worker.info().pid
    del worker
    gc.collect()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the dropped worker is still running")
    gc.collect()  # an unclosed pipe would surface here as an unraisable ResourceWarning
