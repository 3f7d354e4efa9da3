"""Run by test_crash.py in a subprocess: the real window streams a long answer until killed.

The engine is the real one on the tiny model; each event is handed on 20 ms
late so the answer lasts seconds and the parent can kill the process mid-answer.
Usage: python crash_child.py APP_ROOT MODEL_PATH
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow
from engine.paths import Paths
from engine.service import Engine

PROMPT = "a" * 50  # the tiny model answers this with hundreds of tokens


class SlowEngine:
    """The real engine, with each event delivered a little later."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.model_info = engine.model_info

    def stream(self, messages: Any, **kw: Any) -> Iterator[Any]:
        for event in self._engine.stream(messages, **kw):
            time.sleep(0.02)
            yield event

    def close(self) -> None:
        self._engine.close()


def main() -> None:
    root, model = Path(sys.argv[1]), Path(sys.argv[2])
    paths = Paths.under(root)
    app = QApplication([])
    window = MainWindow(
        paths,
        updates=False,
        max_tokens=4000,
        engine_factory=lambda: SlowEngine(Engine(paths=paths, model_path=model)),
    )
    sent: list[bool] = []

    def send_once() -> None:  # runs on the GUI thread (the timer's thread)
        if not sent and window.send(PROMPT):
            sent.append(True)

    timer = QTimer()
    timer.timeout.connect(send_once)
    timer.start(20)
    window.show()
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
