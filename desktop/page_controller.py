"""Which page the window shows, following the engine's model: loading, chat or first run.

The worker reports whether a model could be loaded; this object switches the
window's stacked pages, shows the model in the status panel and the demo notice
while the demonstration model is loaded, and reports with
:attr:`PageController.model_ready_changed` whether questions can be asked
(:attr:`PageController.model_ready` is the one place that says so).

An import started from the chat (the demo notice) shows its progress on the first-run
page; when it fails while a model is still loaded, the chat comes back and
:attr:`PageController.task_failed` carries the reason.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine.error_codes import ErrorMessage
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from desktop.demo_notice import DemoNotice, shows_demo_notice
from desktop.engine_worker import EngineClient
from desktop.first_run import FirstRunPage
from desktop.status_panel import StatusPanel

log = logging.getLogger(__name__)


class PageController(QObject):
    """Shows the page that fits the model's state in one window."""

    model_ready_changed = Signal(bool)  # emitted on every report, also when unchanged
    task_failed = Signal(object)  # ErrorMessage of an import started from the chat

    def __init__(
        self,
        parent: QObject,
        client: EngineClient,
        *,
        pages: QStackedWidget,
        chat_page: QWidget,
        loading: QWidget,
        first_run: FirstRunPage,
        status: StatusPanel,
        focus_on_ready: QWidget,
        demo_notice: DemoNotice,
    ) -> None:
        super().__init__(parent)
        self._client, self._pages = client, pages
        self._chat_page, self._loading, self._first_run = chat_page, loading, first_run
        self._status, self._focus_on_ready = status, focus_on_ready
        self._demo_notice = demo_notice
        self.model_ready = False
        self._closed = False
        self._task_from_chat = False
        worker = client.worker
        worker.model_loaded.connect(self.on_model_loaded)
        worker.model_changed.connect(self.on_model_changed)
        worker.model_missing.connect(self.on_model_missing)
        worker.model_failed.connect(self.on_model_missing)
        worker.cannot_run.connect(self.on_cannot_run)
        worker.task_finished.connect(self.on_task_finished)

    def show_loading(self) -> None:
        """Show the loading page while the worker builds the engine."""
        self._pages.setCurrentWidget(self._loading)

    def reload_model(self) -> None:
        """Load the engine again (a model was imported or built): loading page meanwhile."""
        self.show_loading()
        self._client.load()

    def on_model_loaded(self, info: Any) -> None:
        """The engine is ready: show the chat."""
        if self._closed:
            return  # queued before the worker stopped
        self.model_ready = True
        log.info("the window is ready to answer (model %s)", _file_name(info) or "remote")
        self._status.set_model(getattr(info, "name", None) or _file_name(info), info)
        self._demo_notice.set_demo(shows_demo_notice(info))
        self._pages.setCurrentWidget(self._chat_page)
        self._first_run.set_busy(False)
        self.model_ready_changed.emit(True)
        self._focus_on_ready.setFocus()

    def on_model_changed(self, info: Any) -> None:
        """The engine answered with a new model (an update): name it; the page stays."""
        if self._closed:
            return
        self._status.set_model(getattr(info, "name", None) or _file_name(info), info)
        self._demo_notice.set_demo(shows_demo_notice(info))

    def on_cannot_run(self, problem: ErrorMessage) -> None:
        """llama.cpp failed its self-test on this PC and no server is set up: say so plainly."""
        self.on_model_missing(problem)
        self._first_run.set_cannot_run(True)

    def on_model_missing(self, problem: ErrorMessage) -> None:
        """No usable model: explain and offer import or build."""
        if self._closed:
            return  # queued before the worker stopped
        self.model_ready = False
        self._status.set_model(None)
        self._demo_notice.set_demo(False)
        self._first_run.set_problem(problem)
        self._first_run.set_busy(False)
        self._pages.setCurrentWidget(self._first_run)
        self.model_ready_changed.emit(False)

    def show_task_page(self) -> None:
        """An import started from the chat: show its progress on the first-run page."""
        self._task_from_chat = True
        self._pages.setCurrentWidget(self._first_run)

    def on_task_finished(self, _what: str, error: ErrorMessage | None) -> None:
        """After a failed import from the chat, go back to the model that still answers."""
        from_chat, self._task_from_chat = self._task_from_chat, False
        if self._closed or not from_chat or error is None or not self.model_ready:
            return  # success reloads the model; a first-run import stays on its page
        self._first_run.set_busy(False)
        self._pages.setCurrentWidget(self._chat_page)
        self.task_failed.emit(error)

    def stop(self) -> None:
        """The window is closing: ignore the worker's late reports."""
        self._closed = True


def _file_name(info: Any) -> str | None:
    path = getattr(info, "path", None)
    return Path(path).name if path else None
