"""Render the window's main states offscreen to PNG (``python -m desktop --screenshot DIR``).

Everything happens under a throw-away genba folder, so the operator's history
and settings are never touched. The chat screenshots show a seeded example
conversation (labelled as such in its title) and one answer generated live by
the real engine on the given model (``--model``, else the installed
default), so the status bar shows the engine's own numbers. Without any model
only the first-run screen and the settings dialog can be rendered.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import ModelNotFoundError
from engine.paths import Paths
from PySide6.QtWidgets import QApplication, QWidget

EXAMPLE_QUESTION = "トルクレンチの校正手順を教えてください。"
EXAMPLE_ANSWER = """校正は次の順で行います。

1. **外観点検** — 破損や摩耗がないか確認する
2. **ゼロ点確認** — 校正器に取り付け、無負荷で表示を確認する
3. **測定** — 設定トルクの 20 %、60 %、100 % で各 5 回測定する

| 設定値 | 許容差 |
|---|---|
| 20 N·m | ±4 % |
| 100 N·m | ±4 % |

記録は `校正記録票` に残してください。"""

EXAMPLE_STATS = None  # the example answer is not from a model: no stats are shown for it


def _wait(app: QApplication, done: Callable[[], bool], timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    return done()


def _save(widget: QWidget, out: Path, name: str) -> Path:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    # Language and font changes arrive as posted events, then re-layouts: let both settle.
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    return path


def _default_model(paths: Paths) -> Path | None:
    from engine.service import resolve_model_path

    try:
        return resolve_model_path(paths)
    except ModelNotFoundError:
        return None


def render_screenshots(out: Path, *, model: Path | None = None) -> list[Path]:
    """Write the PNGs into ``out``; returns their paths."""
    from engine.settings import save_user_setting

    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    out.mkdir(parents=True, exist_ok=True)
    model = model or _default_model(Paths.default())
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="genba-shots-") as tmp:
        paths = Paths.under(Path(tmp))
        save_user_setting(paths, "ui.language", "en")
        save_user_setting(paths, "ui.font_scale", 125)
        # First run: no model anywhere under the temporary folder.
        empty = MainWindow(paths, updates=False)
        empty.resize(1100, 720)
        empty.show()
        _wait(app, lambda: empty.pages.currentWidget() is empty.first_run)
        written.append(_save(empty, out, "first-run"))
        empty.shutdown()
        empty.close()
        if model is not None:
            written += _chat_shots(app, paths, model, out)
    return written


def _chat_shots(app: QApplication, paths: Paths, model: Path, out: Path) -> list[Path]:
    from desktop.main_window import MainWindow
    from desktop.settings_dialog import SettingsDialog

    written = []
    window = MainWindow(paths, model_path=model, updates=False, max_tokens=80)
    window.resize(1100, 720)
    window.show()
    _wait(app, lambda: window._model_ready)
    cid = window.history.create_conversation("Example: torque wrench calibration")
    window.history.add_user_message(cid, EXAMPLE_QUESTION)
    answer = window.history.start_answer(cid)
    window.history.finish_answer(answer, EXAMPLE_ANSWER, "complete", EXAMPLE_STATS)
    window.new_chat()  # the live question gets its own short conversation
    finished: list[object] = []
    window.answer_completed.connect(finished.append)
    window.send("What is a torque wrench used for?")
    _wait(app, lambda: bool(finished))
    written.append(_save(window, out, "main"))
    live = window.current_id
    window.save_setting("ui.language", "ja")
    window.open_conversation(cid)
    written.append(_save(window, out, "chat-ja"))
    assert live is not None
    window.open_conversation(live)
    dialog = SettingsDialog(window.settings, window)
    dialog.resize(760, 640)
    dialog.show()
    written.append(_save(dialog, out, "settings"))
    dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)
    written.append(_save(dialog, out, "policy"))
    dialog.close()
    window.save_setting("ui.high_contrast", True)
    window.save_setting("ui.font_scale", 200)
    window.resize(1400, 900)
    written.append(_save(window, out, "high-contrast-200"))
    window.shutdown()
    window.close()
    return written
