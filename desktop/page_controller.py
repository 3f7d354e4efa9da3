"""Which page the window shows, following the engine's model: loading, chat or first run.

The worker reports whether a model could be loaded; this object switches the
window's stacked pages, shows the model in the status panel, and sends the
first-run page's requests (import a file or folder, build the default model)
to :class:`~desktop.model_tasks.ModelTasks`. :attr:`PageController.model_ready`
is the one place that says whether questions can be asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from desktop.main_window import MainWindow


class PageController(QObject):
    """Shows the page that fits the model's state in one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.model_ready = False
        worker, first_run = window.client.worker, window.first_run
        worker.model_loaded.connect(self.on_model_loaded)
        worker.model_missing.connect(self.on_model_missing)
        worker.model_failed.connect(self.on_model_missing)
        worker.cannot_run.connect(self.on_cannot_run)
        first_run.import_file_requested.connect(window.tasks.ask_import_file)
        first_run.import_folder_requested.connect(window.tasks.ask_import_folder)
        first_run.build_default_requested.connect(window.tasks.build_default)

    def show_loading(self) -> None:
        """Show the loading page while the worker builds the engine."""
        self.window.pages.setCurrentWidget(self.window.loading)

    def on_model_loaded(self, info: Any) -> None:
        """The engine is ready: show the chat."""
        w = self.window
        if w.closed:
            return  # queued before the worker stopped
        self.model_ready = True
        w.status.set_model(getattr(info, "name", None) or _file_name(info), info)
        w.pages.setCurrentWidget(w.chat_page)
        w.first_run.set_busy(False)
        w.set_busy(False)
        w.input.setFocus()

    def on_cannot_run(self, message: str) -> None:
        """llama.cpp failed its self-test on this PC and no server is set up: say so plainly."""
        self.on_model_missing(message)
        self.window.first_run.set_cannot_run(True)

    def on_model_missing(self, message: str) -> None:
        """No usable model: explain and offer import or build."""
        w = self.window
        if w.closed:
            return  # queued before the worker stopped
        self.model_ready = False
        w.status.set_model(None)
        w.first_run.set_problem(message)
        w.first_run.set_busy(False)
        w.pages.setCurrentWidget(w.first_run)
        w.set_busy(False)


def _file_name(info: Any) -> str | None:
    path = getattr(info, "path", None)
    return Path(path).name if path else None
