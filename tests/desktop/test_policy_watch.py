"""Item 10 of issue 13: the policy watcher never blocks the window.

Real Qt event loop, real files: odd entries in ``policy.d`` (a FIFO, a folder
named ``x.toml``, a link to ``/dev/zero``) never freeze the window, a valid
policy change is still applied, the GUI thread touches no policy file, and a
scan that hangs is abandoned while the window keeps its settings and responds.
"""

from __future__ import annotations

import builtins
import io
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from desktop import settings_controller
from engine.paths import Paths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 50 ms (the app: 2 s) so a test sees many polls quickly."""
    monkeypatch.setattr(settings_controller, "WATCH_INTERVAL_MS", 50)
    monkeypatch.setattr(settings_controller, "WATCH_TIMEOUT_MS", 2_000)


class Heartbeat:
    """A 20 ms timer on the GUI thread; the longest gap between beats shows a freeze."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(lambda: self.beats.append(time.monotonic()))
        self.timer.start()

    def longest_gap(self) -> float:
        stamps = [*self.beats, time.monotonic()]
        return max(b - a for a, b in itertools.pairwise(stamps))


@pytest.fixture
def heartbeat() -> Iterator[Heartbeat]:
    beat = Heartbeat()
    yield beat
    beat.timer.stop()


def _odd_entries(paths: Paths) -> None:
    dropins = paths.policy_dropin_dir
    dropins.mkdir(parents=True)
    os.mkfifo(dropins / "10-pipe.toml")
    (dropins / "x.toml").mkdir()
    (dropins / "30-zero.toml").symlink_to("/dev/zero")


def _write_dropin(paths: Paths, text: str) -> None:
    target = paths.policy_dropin_dir / "50-site.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".tmp")  # whole file at once: a poll never sees half of it
    temp.write_text(text, encoding="utf-8")
    temp.chmod(0o644)
    temp.replace(target)


def test_fifo_folder_and_dev_zero_in_policy_d_keep_the_window_responsive(
    qtbot: Any, make_window: Any, app_paths: Paths, heartbeat: Heartbeat
) -> None:
    _odd_entries(app_paths)
    # Broken policy fails closed, so the test model may not run: the window matters, not it.
    window = make_window(wait=False)
    poller = window.settings_controller.poller
    assert window.settings.fail_closed  # the odd entries count as broken policy files
    polls = poller._number
    qtbot.waitUntil(lambda: poller._number >= polls + 10, timeout=5_000)  # polling goes on
    window.notice.setText("still here")  # a normal UI change shows at once
    qtbot.waitUntil(lambda: window.notice.text() == "still here", timeout=500)
    assert window.actions_.high_contrast.isEnabled()
    _write_dropin(app_paths, "[ui]\nhigh_contrast = true\n")
    qtbot.waitUntil(lambda: not window.actions_.high_contrast.isEnabled(), timeout=5_000)
    assert window.actions_.high_contrast.isChecked()  # the policy's value, shown locked
    assert window.settings.is_locked("ui.high_contrast") and window.settings.fail_closed
    assert heartbeat.longest_gap() < 1.0, "the GUI thread stalled while the watcher polled"


class FileTouches:
    """Records which thread opens, stats or lists anything under one folder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        self.folder = str(folder)
        self.threads: list[tuple[str, str, str]] = []  # (function, path, thread name)
        for module, name in (
            (os, "open"),
            (os, "stat"),
            (os, "lstat"),
            (os, "listdir"),
            (os, "scandir"),
            (builtins, "open"),
            (io, "open"),
        ):
            monkeypatch.setattr(module, name, self._wrap(name, getattr(module, name)))

    def _wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def touched(*args: Any, **kwargs: Any) -> Any:
            target = args[0] if args else kwargs.get("path", kwargs.get("file", ""))
            if isinstance(target, str | os.PathLike) and os.fspath(target).startswith(self.folder):
                self.threads.append((name, os.fspath(target), threading.current_thread().name))
            return real(*args, **kwargs)

        return touched

    def on_main_thread(self) -> list[tuple[str, str, str]]:
        main = threading.main_thread().name
        return [touch for touch in self.threads if touch[2] == main]


def test_gui_thread_never_touches_policy_files(
    qtbot: Any, make_window: Any, app_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    _odd_entries(app_paths)
    _write_dropin(app_paths, "[history]\nretention_days = 30\n")
    window = make_window(wait=False)
    touches = FileTouches(monkeypatch, app_paths.policy_dir)
    text = "[history]\nretention_days = 30\n[ui]\nhigh_contrast = true\n"
    writer = threading.Thread(target=_write_dropin, args=(app_paths, text), name="test-writer")
    writer.start()  # the administrator's edit: not on the GUI thread either
    writer.join()
    qtbot.waitUntil(lambda: not window.actions_.high_contrast.isEnabled(), timeout=5_000)
    window.settings_controller.reload()  # after a model import: the user file only
    qtbot.wait(200)  # a few more polls
    opened = [t for t in touches.threads if t[0] in ("open", "io.open") and "50-site" in t[1]]
    assert opened, "the policy file was never read at all"
    assert touches.on_main_thread() == []


def test_a_hung_scan_is_abandoned_and_the_window_keeps_its_settings(
    qtbot: Any,
    make_window: Any,
    app_paths: Paths,
    *,
    heartbeat: Heartbeat,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(settings_controller, "WATCH_TIMEOUT_MS", 300)
    window = make_window()
    poller = window.settings_controller.poller
    watcher = window.settings_controller._watcher
    real_scan = watcher.scan
    mount_back = threading.Event()  # like a stuck NFS mount until the test says otherwise
    scans: list[str] = []

    def stuck_scan() -> Any:
        scans.append(threading.current_thread().name)
        mount_back.wait(30)
        return real_scan()

    monkeypatch.setattr(watcher, "scan", stuck_scan)
    try:
        with qtbot.waitSignal(poller.abandoned, timeout=5_000):
            pass
        assert "abandoned" in caplog.text
        _write_dropin(app_paths, "[ui]\nhigh_contrast = true\n")
        qtbot.wait(500)  # ten ticks while the scan hangs
        assert len(scans) == 1, "a second scan started while the first was stuck"
        assert threading.main_thread().name not in scans
        assert window.actions_.high_contrast.isEnabled()  # the last good settings stay
        window.notice.setText("still here")
        qtbot.waitUntil(lambda: window.notice.text() == "still here", timeout=500)
        assert heartbeat.longest_gap() < 1.0, "the GUI thread waited for the stuck scan"
    finally:
        mount_back.set()
    # The mount is back: the stuck scan's result is dropped and a fresh one applies the policy.
    qtbot.waitUntil(lambda: not window.actions_.high_contrast.isEnabled(), timeout=5_000)
    assert window.settings.is_locked("ui.high_contrast")
    assert len(scans) >= 2
