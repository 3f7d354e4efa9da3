"""Does the window stay responsive while it indexes documents and searches them?

    .venv/bin/python bench/docs_gui_latency.py [--docs 400] [--pdfs 20]

Writes ``--docs`` Markdown instructions and ``--pdfs`` five-page PDFs into a throw-away
folder, opens the real window (offscreen, no model: indexing and search do not need one)
with that folder as the operator's own, and measures while the background index update
runs (a child process, :mod:`engine.docs.index_job`): the gaps of a 10 ms event-loop timer
(a frozen window shows as a long gap), the time to index, then the time from "Search
documents" to the passages on screen, for 20 searches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    "torque", "flange", "bolt", "press", "line", "die", "coolant", "filter", "inspection",
    "gauge", "tolerance", "safety", "glasses", "forklift", "aisle", "shift", "cleaning",
    "lubricate", "spindle", "clamp", "weld", "preheat", "paint", "booth",
]  # fmt: skip


def _write(folder: Path, docs: int, pdfs: int) -> None:
    from PySide6.QtGui import QFont, QPainter, QPdfWriter

    folder.mkdir(parents=True)
    for n in range(docs):
        words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(120)]
        (folder / f"sop-{n:04d}.md").write_text(
            f"# Instruction {n}\n\n## Steps\n\n" + " ".join(words) + f". Torque {n % 40} N·m.\n",
            encoding="utf-8",
        )
    for n in range(pdfs):
        writer = QPdfWriter(str(folder / f"manual-{n:03d}.pdf"))
        writer.setResolution(72)
        painter = QPainter(writer)
        painter.setFont(QFont("DejaVu Sans", 11))
        for page in range(5):
            if page:
                writer.newPage()
            for row in range(30):
                words = [WORDS[(n + page * 5 + row + i) % len(WORDS)] for i in range(10)]
                painter.drawText(30, 40 + 18 * row, " ".join(words))
        painter.end()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _index(app: Any, window: Any) -> tuple[list[float], float]:
    """Show the window (which starts indexing); the event-loop gaps until it is done."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    started = time.perf_counter()
    window.show()  # starts the index update; the first layout and paint are not measured
    app.processEvents()
    last[0] = clock.nsecsElapsed()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    while window.docs.indexer.last is None:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return gaps, time.perf_counter() - started


def _search(app: Any, window: Any) -> list[float]:
    """Milliseconds from "Search documents" to the passages in the conversation, 20 times."""
    latencies: list[float] = []
    for n in range(20):
        window.input.setPlainText(f"{WORDS[n % len(WORDS)]} {WORDS[(n * 5) % len(WORDS)]}")
        entries = len(window.chat.entries)
        t0 = time.perf_counter()
        window.docs.search()
        while len(window.chat.entries) == entries:
            app.processEvents()
            time.sleep(0.0005)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def main() -> int:
    """Index, search, and print the event-loop gaps and latencies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--pdfs", type=int, default=20)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow
    from engine.paths import Paths
    from engine.settings import save_user_setting

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="genba-docs-bench-") as tmp:
        home = Path(tmp)
        _write(home / "docs", args.docs, args.pdfs)
        paths = Paths.under(home / "app")
        save_user_setting(paths, "docs.personal_folders", [str(home / "docs")])
        window = MainWindow(paths, model_path=home / "no-model.gguf", updates=False)
        gaps, indexed_s = _index(app, window)
        outcome = window.docs.indexer.last
        latencies = _search(app, window)
        window.shutdown()
    print(
        f"documents: {outcome.indexed} indexed, {len(outcome.skipped)} skipped, "
        f"{outcome.report.pages} pages, in {indexed_s:.1f} s (window start to status line)"
    )
    print(
        f"event-loop tick gap while indexing (10 ms timer, {len(gaps)} ticks): "
        f"p50 {_percentile(gaps, 0.5):.1f} ms, p99 {_percentile(gaps, 0.99):.1f} ms, "
        f"max {max(gaps):.1f} ms"
    )
    print(
        f"search documents → passages on screen (20 searches): "
        f"p50 {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
