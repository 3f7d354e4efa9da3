"""Entry points: display detection and the terminal fallback, screenshots, restart with history."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from desktop.app import has_display
from desktop.screenshot import render_screenshots

REPO = Path(__file__).resolve().parents[2]

Region = tuple[float, float, float, float]
"""left, top, right, bottom as fractions of the image (the window is resized, fonts vary)."""

_WINDOW: dict[str, Region] = {
    "menu": (0.0, 0.0, 0.3, 0.035),
    "conversations": (0.01, 0.1, 0.22, 0.3),
    "chat": (0.26, 0.08, 0.97, 0.65),
    "first-run message": (0.24, 0.25, 0.98, 0.5),
    "status": (0.0, 0.93, 0.7, 1.0),
}
_DIALOG: dict[str, Region] = {"tabs": (0.0, 0.0, 0.6, 0.07), "page": (0.02, 0.08, 0.97, 0.5)}


def _gray(png: Path) -> npt.NDArray[np.int16]:
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width()].astype(np.int16)


def _crop(gray: npt.NDArray[np.int16], region: Region) -> npt.NDArray[np.int16]:
    height, width = gray.shape
    left, top, right, bottom = region
    return gray[int(top * height) : int(bottom * height), int(left * width) : int(right * width)]


def _ink(gray: npt.NDArray[np.int16], region: Region) -> int:
    """Strong left-to-right contrast steps in ``region``: text strokes make many of them;
    a blank area, a frame or a solid selection bar without its title make almost none."""
    part = _crop(gray, region)
    return int((np.abs(part[:, 2:] - part[:, :-2]) > 96).sum())


def _changed(a: npt.NDArray[np.int16], b: npt.NDArray[np.int16], region: Region) -> int:
    """Pixels of ``region`` that differ strongly between two images of the same size."""
    return int((np.abs(_crop(a, region) - _crop(b, region)) > 96).sum())


def test_display_detection() -> None:
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32") and has_display({}, "darwin")


def test_no_display_says_so_and_starts_the_terminal_chat(
    tmp_path: Path, tiny_moe_path: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env.update(GENBA_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--model", str(tiny_moe_path)],
        env=env,
        input="",  # the operator presses Ctrl-D right away
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    first_line = result.stderr.splitlines()[0]
    assert "no display found" in first_line and "terminal chat" in first_line
    assert "genba chat" in result.stdout + result.stderr  # the chat's own greeting
    assert "Traceback" not in result.stderr
    assert result.returncode == 0


def test_smoke_opens_the_window_waits_for_the_model_and_quits(
    tmp_path: Path, tiny_moe_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(GENBA_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO))
    ready, missing = (
        subprocess.run(
            [sys.executable, "-m", "desktop", "--smoke", "--model", str(model)],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        for model in (tiny_moe_path, tmp_path / "gone.gguf")
    )
    assert ready.returncode == 0, ready.stderr
    assert "ready to answer after" in ready.stdout
    assert missing.returncode == 1
    assert "no model can answer" in missing.stderr and "Traceback" not in missing.stderr


def test_history_survives_a_restart(qtbot: Any, make_window: Any) -> None:
    first = make_window()
    with qtbot.waitSignal(first.answer_completed, timeout=30_000) as blocker:
        first.send("hello")
    answer = first.chat.last_answer()
    first.rename_conversation(first.current_id, "Shift A handover")
    first.close()  # closes history and joins the worker thread
    assert not first.client.engine_thread.isRunning()

    second = make_window()
    assert [c.title for c in second.history.conversations()] == ["Shift A handover"]
    assert second.sidebar.list.item(0).text() == "Shift A handover"
    entries = second.chat.entries  # the latest conversation is reopened
    assert [(e.role, e.status) for e in entries] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert entries[1].text == answer
    assert entries[1].stats is not None
    assert entries[1].stats["tokens_per_s"] == blocker.args[0].tokens_per_s


def test_screenshot_renders_main_states(qtbot: Any, tmp_path: Path, tiny_moe_path: Path) -> None:
    written = render_screenshots(tmp_path / "shots", model=tiny_moe_path)
    names = {p.name for p in written}
    assert {"first-run.png", "main.png", "chat-ja.png", "settings.png", "policy.png"} <= names
    for png in written:
        image = QImage(str(png))
        assert image.width() > 600 and image.height() > 400
    shots = {p.stem: _gray(p) for p in written}
    # The first run shows its menu, the "no model" explanation and the status bar, and no
    # conversations yet: the empty list proves the ink measure does not count noise.
    first = shots["first-run"]
    for region in ("menu", "status", "first-run message"):
        assert _ink(first, _WINDOW[region]) > 200, region
    assert _ink(first, _WINDOW["conversations"]) == 0
    # With a model: the conversation titles, the chat and the engine's numbers are drawn.
    for name in ("main", "chat-ja"):
        for region in ("menu", "conversations", "chat", "status"):
            assert _ink(shots[name], _WINDOW[region]) > 200, (name, region)
    # The Japanese shot (another conversation, another language) is really another picture.
    assert _changed(shots["main"], shots["chat-ja"], _WINDOW["chat"]) > 2000
    for name in ("settings", "policy"):
        assert _ink(shots[name], _DIALOG["tabs"]) > 200, name
        assert _ink(shots[name], _DIALOG["page"]) > 200, name
    assert _changed(shots["settings"], shots["policy"], _DIALOG["page"]) > 2000


def test_qt_binding_keeps_reference_counts_when_emitting() -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit and crashed mid-answer.

    pyproject excludes that release; this fails loudly if such a build is installed.
    """
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        happened = Signal(str)

    emitter = Emitter()
    received: list[str] = []
    emitter.happened.connect(received.append)
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for _ in range(200):
        emitter.happened.emit("token")
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    assert len(received) == 200
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)


def test_update_state_reaches_the_status_area(qtbot: Any, app_paths: Any) -> None:
    from desktop.update_status import UpdateStatus
    from engine.settings import load_settings
    from updater.scheduler import SchedulerEvent

    status = UpdateStatus(None, app_paths)
    status.start(load_settings(app_paths))  # real scheduler thread; first check is a minute away
    try:
        with qtbot.waitSignal(status.changed) as blocker:
            # Delivered like the scheduler does it: from another thread, queued to this one.
            import threading

            t = threading.Thread(
                target=status._state_received.emit,
                args=(SchedulerEvent("downloading", done=40, total=100),),
            )
            t.start()
            t.join()
        assert blocker.args == ["Downloading model update: 40 %"]
        assert status.describe(SchedulerEvent("applied")).startswith("New model ready")
        assert status.describe(SchedulerEvent("idle")) == ""
    finally:
        status.stop()
    assert status._scheduler is None


def test_app_icon_is_found(qtbot: Any) -> None:
    from desktop.theme import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 48, 256}


def test_an_unwritable_log_folder_does_not_stop_the_app(
    tmp_path: Path, tiny_moe_path: Path
) -> None:
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    (home / "logs").write_text("a file where the log folder should be")
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--screenshot", str(tmp_path / "shots"),
         "--model", str(tiny_moe_path)],
        env={**os.environ, "GENBA_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "cannot write the log file" in done.stderr and "Traceback" not in done.stderr
    assert list((tmp_path / "shots").glob("*.png"))
