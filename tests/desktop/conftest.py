"""Desktop tests: real Qt (offscreen), the real engine on the tiny MoE model, real SQLite."""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed or used.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")

from desktop import i18n_build
from engine.paths import Paths


@pytest.fixture(scope="session", autouse=True)
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the .qm files if the setup command has not (a fresh checkout)."""
    if not all((i18n_build.TS_DIR / f"genba_{lang}.qm").exists() for lang in i18n_build.LANGUAGES):
        i18n_build.compile_translations()


@pytest.fixture
def japanese(qapp: Any) -> Iterator[Any]:
    """The window's Japanese translation installed for one test (removed afterwards)."""
    from PySide6.QtCore import QCoreApplication

    from desktop.i18n import Translations

    translations = Translations(QCoreApplication.instance(), None)  # type: ignore[arg-type]
    assert translations.switch("ja")
    yield translations
    translations.clear()


@pytest.fixture
def app_paths(tmp_path: Path) -> Paths:
    """The app's folders (data, config, policy...) under this test's tmp dir."""
    return Paths.under(tmp_path / "app")


@pytest.fixture
def make_window(qtbot: Any, app_paths: Paths, tiny_moe_path: Path) -> Iterator[Callable[..., Any]]:
    """Build MainWindows on the real engine; each is shut down (thread joined) in teardown."""
    from desktop.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(*, model: Path | None = tiny_moe_path, wait: bool = True, **kw: Any) -> MainWindow:
        kw.setdefault("max_tokens", 24)
        kw.setdefault("updates", False)
        window = MainWindow(app_paths, model_path=model, **kw)
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        windows.append(window)
        window.resize(1000, 700)
        window.show()
        if wait:
            qtbot.waitUntil(lambda: window._model_ready, timeout=30_000)
        return window

    yield make
    for window in windows:
        window.shutdown()
        assert not window.client.engine_thread.isRunning()


class Gate:
    """Holds the worker thread after its first token until the test opens the gate.

    Connected with a direct connection, so it runs on the worker thread: the
    test sees the first token on screen while generation is provably paused.
    """

    def __init__(self) -> None:
        self.first_token = threading.Event()
        self.opened = threading.Event()
        self.tokens = 0

    def on_token(self, _text: str) -> None:
        self.tokens += 1
        if self.tokens == 1:
            self.first_token.set()
            self.opened.wait(30)

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate() -> Iterator[Gate]:
    """A :class:`Gate`; always opened in teardown so no thread stays blocked."""
    g = Gate()
    yield g
    g.open()
