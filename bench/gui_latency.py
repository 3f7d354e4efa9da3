"""GUI responsiveness while an answer streams: event-loop stalls and token-to-screen delay.

Runs the real window offscreen on the real engine and streams a few answers.

* Stall: a 10 ms timer ticks on the GUI thread; every gap between two ticks
  beyond 10 ms is time the event loop could not react (target: p99 <= 50 ms).
* Token to screen: the time from the worker thread receiving a token from the
  engine to the first repaint of the chat view that shows it.

Usage::

    python bench/gui_latency.py [--model PATH] [--answers 3] [--max-tokens 400]

Without ``--model`` the tiny test MoE is built in a temp folder (it decodes
thousands of tokens/s, the hardest case for the GUI).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from engine.paths import Paths

PROMPT = "a" * 50  # the tiny model answers this with ~400 tokens


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class PaintProbe(QObject):
    """Records when the chat view repaints and how many tokens it showed then."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.shown = 0  # tokens the GUI thread has put into the document
        self.paints: list[tuple[float, int]] = []
        self.ticks: list[float] = []
        self.renders: list[tuple[float, int]] = []

    @Slot(str)
    def on_token_received(self, _text: str) -> None:
        """Counted on the GUI thread, where the view appends the token."""
        self.shown += 1

    @Slot()
    def on_rendered(self) -> None:
        """The chat view's document now holds every token counted so far."""
        self.renders.append((time.perf_counter(), self.shown))

    @Slot()
    def on_tick(self) -> None:
        """The 10 ms timer fired."""
        self.ticks.append(time.perf_counter())


class EmitProbe(QObject):
    """Lives on no thread in particular; called directly on the worker thread."""

    def __init__(self) -> None:
        super().__init__()
        self.emitted: list[float] = []

    @Slot(str)
    def on_token_received(self, _text: str) -> None:
        """When the worker got the token from the engine."""
        self.emitted.append(time.perf_counter())

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.paints.append((time.perf_counter(), self.shown))
        return False


def run(model: Path, answers: int, max_tokens: int) -> None:
    """Stream ``answers`` answers and print the numbers."""
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="genba-bench-") as tmp:
        window = MainWindow(
            Paths.under(Path(tmp)), model_path=model, updates=False, max_tokens=max_tokens
        )
        window.resize(1100, 720)
        window.show()
        while not window._model_ready:
            app.processEvents()
            time.sleep(0.005)

        emit_probe = EmitProbe()
        window.client.worker.token_received.connect(
            emit_probe.on_token_received, Qt.ConnectionType.DirectConnection
        )
        emitted = emit_probe.emitted
        probe = PaintProbe(window)
        window.chat.viewport().installEventFilter(probe)
        window.client.worker.token_received.connect(probe.on_token_received)
        window.chat.rendered.connect(probe.on_rendered)
        ticks = probe.ticks
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(probe.on_tick)

        timer.start(10)
        started = time.perf_counter()
        loop = QEventLoop()  # a real event loop, like the app's: no busy polling
        window.answer_completed.connect(loop.quit)
        for i in range(answers):
            window.new_chat()
            window.send(PROMPT if i % 2 == 0 else PROMPT + " b")
            loop.exec()
        streaming_s = time.perf_counter() - started
        QTimer.singleShot(200, loop.quit)  # let the last repaint land
        loop.exec()
        timer.stop()
        window.shutdown()
        window.close()

    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
    delays = []
    for index, t_emit in enumerate(emitted):
        # Offscreen platforms may never paint; then the document update is "on screen".
        moments = probe.paints or probe.renders
        shown = next((t for t, n in moments if n >= index + 1 and t >= t_emit), None)
        if shown is not None:
            delays.append((shown - t_emit) * 1000)
    tokens = len(emitted)
    print(f"model: {model.name}")
    print(f"answers: {answers}, tokens: {tokens}, streaming time: {streaming_s:.2f} s")
    print(f"engine speed seen by the GUI: {tokens / streaming_s:.0f} tokens/s")
    print(
        f"event-loop tick gap (10 ms timer, {len(gaps)} gaps): p50 {percentile(gaps, 50):.1f} ms, "
        f"p99 {percentile(gaps, 99):.1f} ms, max {max(gaps, default=0):.1f} ms "
        f"(target p99 <= 50 ms)"
    )
    print(
        f"token -> screen ({len(delays)} tokens): p50 {percentile(delays, 50):.1f} ms, "
        f"p99 {percentile(delays, 99):.1f} ms, max {max(delays, default=0):.1f} ms"
    )
    print(
        f"chat view renders: {len(probe.renders)}, repaints: {len(probe.paints)} "
        "(token -> screen uses repaints when the platform paints, else renders)"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=400)
    args = parser.parse_args(argv)
    if args.model is None:
        from engine.tools.tiny_moe import build_tiny_moe

        folder = Path(tempfile.mkdtemp(prefix="genba-tiny-"))
        args.model = build_tiny_moe(folder / "tiny-moe.gguf")
    run(args.model, args.answers, args.max_tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
