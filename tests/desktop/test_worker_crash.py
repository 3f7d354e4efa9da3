"""The window survives llama.cpp dying mid-answer, and says plainly when llama.cpp cannot run.

Real window (offscreen Qt), real engine, real inference worker: the worker gets a
real SIGSEGV/SIGABRT while the window shows the first token of an answer.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from PySide6.QtCore import Qt

from engine.events import FinalEvent

LONG_PROMPT = "a" * 50  # the tiny model answers this one with hundreds of tokens


def worker_pid(window: Any) -> int:
    engine = window.client.worker._engine
    pid = engine.local_model.worker.pid
    assert pid is not None and pid != os.getpid()
    return int(pid)


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT])
def test_a_crash_mid_answer_keeps_the_window_the_text_and_the_next_answer(
    qtbot: Any, make_window: Any, gate: Any, sig: signal.Signals
) -> None:
    window = make_window(max_tokens=400)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send(LONG_PROMPT)
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    partial = window.chat.entries[-1].text
    os.kill(worker_pid(window), sig)
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        gate.open()
    final = blocker.args[0]
    assert isinstance(final, FinalEvent) and final.stop_reason == "error"
    assert final.error is not None and sig.name in final.error
    # The operator sees why, and keeps what had arrived, on screen and in history.
    assert window.notice.isVisible()
    assert "stopped unexpectedly" in window.notice.text()
    entry = window.chat.entries[-1]
    assert entry.status == "failed" and entry.text.startswith(partial)
    stored = window.history.messages(window.current_id)[-1]
    assert stored.role == "assistant" and stored.status == "failed"
    assert stored.content == entry.text
    assert window.buttons.send_button.isEnabled()
    # The next question starts a fresh worker and is answered.
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as again:
        window.send("hello")
    assert isinstance(again.args[0], FinalEvent)
    assert again.args[0].stop_reason in ("stop", "length")
    assert window.chat.entries[-1].status == "complete"


def test_llama_cpp_that_cannot_run_here_gets_a_plain_first_run_screen(
    qtbot: Any, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CPU backend that does not exist stands for a PC whose processor no variant suits.
    monkeypatch.setenv("GENBA_LLAMA_CPU", "no-such-cpu")
    window = make_window(wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    page = window.first_run
    assert page.title.text() == "The model cannot run on this PC"
    assert "no-such-cpu" in page.problem.text()
    assert "Traceback" not in page.problem.text()
    assert "tell IT" in page.help.text()
    # Importing a model cannot fix the processor: those buttons are not offered.
    assert not page.import_file_button.isVisibleTo(page)
    assert not page.build_button.isVisibleTo(page)
    assert not window._model_ready
