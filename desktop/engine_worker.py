"""The bridge between the engine's synchronous event stream and the Qt event loop.

One :class:`EngineWorker` lives on one ``QThread`` and owns the engine: every
model operation (load, answer, import, default-model build) runs there, one at
a time, so the GUI thread never blocks. The GUI talks to it only through
:class:`EngineClient`, which emits request signals (queued onto the worker
thread) and re-emits the worker's signals on the GUI thread.

Engine errors travel to the GUI thread as :class:`engine.error_codes.ErrorMessage`
values (English message, code, parameters): plain data that the GUI renders in
its language (:mod:`desktop.error_text`), never the exception with its traceback.

Stop does not travel through the event loop (the worker is busy inside the
stream): the client sets the ``threading.Event`` the engine checks between
tokens, so the answer ends within one token with ``stop_reason="cancelled"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from engine.error_codes import ErrorMessage
from engine.errors import GenbaError, ModelFileError
from engine.events import FinalEvent, NoticeEvent, TokenEvent
from PySide6.QtCore import QObject, QThread, Signal, Slot


class EngineLike(Protocol):
    """What the window needs from :class:`engine.service.Engine`."""

    model_info: Any

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        experts: int | None = None,
        max_tokens: int = 512,
        trace: bool = False,
        cancel: threading.Event | None = None,
        continue_last: bool = False,
    ) -> Iterator[Any]:
        """Yield token, notice and final events (``continue_last``: go on with the last,
        partial answer; the events carry only the new text)."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...

    def check_local(self) -> tuple[Exception | None, bool]:
        """llama.cpp's self-test: why it cannot run here (or None), and whether remote can."""
        ...


EngineFactory = Callable[[], EngineLike]
"""Builds the engine; raises a ModelFileError when there is no usable model."""


class EngineWorker(QObject):
    """Owns the engine on the worker thread. Signals are emitted from that thread."""

    model_loaded = Signal(object)  # ModelInfo (or "" when the engine has none)
    model_changed = Signal(object)  # ModelInfo: the engine took a new model between answers
    model_missing = Signal(object)  # ErrorMessage of the ModelFileError
    model_failed = Signal(object)  # ErrorMessage
    cannot_run = Signal(object)  # ErrorMessage: llama.cpp cannot run here, no server can answer
    token_received = Signal(str)
    notice_received = Signal(object)  # NoticeEvent
    answer_finished = Signal(object)  # FinalEvent
    answer_failed = Signal(object)  # ErrorMessage
    task_progressed = Signal(str, float)  # what, fraction 0..1 (or -1 when unknown)
    task_finished = Signal(str, object)  # what, ErrorMessage (None on success)

    def __init__(self, factory: EngineFactory) -> None:
        super().__init__()
        self._factory = factory
        self._engine: EngineLike | None = None
        self._model_path: object = None  # of the model the window was last told about

    @Slot()
    def on_load_requested(self) -> None:
        """(Re)build the engine; reports loaded, missing model, or failure."""
        self._close_engine()
        try:
            self._engine = self._factory()
        except ModelFileError as exc:
            self.model_missing.emit(ErrorMessage.of(exc))
            return
        except GenbaError as exc:
            self.model_failed.emit(ErrorMessage.of(exc))
            return
        check = getattr(self._engine, "check_local", None)
        if check is not None:
            problem, remote_ok = check()
            if problem is not None and not remote_ok:
                self.cannot_run.emit(ErrorMessage.of(problem))
                return
        info = getattr(self._engine, "model_info", None)
        self._model_path = getattr(info, "path", None)
        self.model_loaded.emit(info or "")

    @Slot(object, object, int, object, bool)
    def on_answer_requested(
        self,
        messages: list[dict[str, str]],
        experts: int | None,
        max_tokens: int,
        cancel: threading.Event,
        continue_last: bool = False,
    ) -> None:
        """Run one answer (or continue the last one), emitting one signal per event."""
        if self._engine is None:
            self.answer_failed.emit(ErrorMessage("no model is loaded"))
            return
        # Only asked for when needed: engines wrapped by tests may not take the flag.
        extra: dict[str, Any] = {"continue_last": True} if continue_last else {}
        try:
            for event in self._engine.stream(
                messages, experts=experts, max_tokens=max_tokens, cancel=cancel, **extra
            ):
                if isinstance(event, TokenEvent):
                    self.token_received.emit(event.text)
                elif isinstance(event, NoticeEvent):
                    self.notice_received.emit(event)
                elif isinstance(event, FinalEvent):
                    self.answer_finished.emit(event)
        except GenbaError as exc:
            self.answer_failed.emit(ErrorMessage.of(exc))
        self._tell_if_model_changed()

    def _tell_if_model_changed(self) -> None:
        """The engine follows the model pointer between answers (an update was applied)."""
        info = getattr(self._engine, "model_info", None)
        path = getattr(info, "path", None)
        if info is not None and path is not None and path != self._model_path:
            self._model_path = path
            self.model_changed.emit(info)

    @Slot(object, str)
    def on_task_requested(
        self, task: Callable[[Callable[[float], None]], object], what: str
    ) -> None:
        """Run a model-store task (import, default-model build) here, serialised with answers."""
        last = [0.0]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            # Throttled: a build can report thousands of steps; the bar needs ~10/s.
            if now - last[0] >= 0.1 or fraction >= 1.0:
                last[0] = now
                self.task_progressed.emit(what, fraction)

        try:
            task(progress)
        except (GenbaError, OSError) as exc:
            self.task_finished.emit(what, ErrorMessage.of(exc))
            return
        self.task_finished.emit(what, None)

    @Slot(object)
    def on_settings_changed(self, settings: object) -> None:
        """Hand new effective settings to the engine (applies from the next answer)."""
        update = getattr(self._engine, "update_settings", None)
        if update is not None:
            update(settings)

    @Slot()
    def on_shutdown_requested(self) -> None:
        """Free the model before the thread ends."""
        self._close_engine()

    def _close_engine(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


class EngineClient(QObject):
    """The GUI-thread handle on the worker thread. Create one per window."""

    load_requested = Signal()
    answer_requested = Signal(object, object, int, object, bool)
    task_requested = Signal(object, str)
    shutdown_requested = Signal()
    settings_changed = Signal(object)

    def __init__(self, factory: EngineFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine_thread = QThread()
        self.engine_thread.setObjectName("genba-engine")
        self.worker = EngineWorker(factory)
        self.worker.moveToThread(self.engine_thread)
        self.load_requested.connect(self.worker.on_load_requested)
        self.answer_requested.connect(self.worker.on_answer_requested)
        self.task_requested.connect(self.worker.on_task_requested)
        self.shutdown_requested.connect(self.worker.on_shutdown_requested)
        self.settings_changed.connect(self.worker.on_settings_changed)
        self.worker.answer_finished.connect(self._on_answer_done)
        self.worker.answer_failed.connect(self._on_answer_done)
        self._cancel: threading.Event | None = None
        self.busy = False
        self.engine_thread.start()

    def load(self) -> None:
        """Ask the worker to (re)load the engine."""
        self.load_requested.emit()

    def ask(
        self,
        messages: list[dict[str, str]],
        *,
        experts: int | None,
        max_tokens: int,
        continue_last: bool = False,
    ) -> None:
        """Start one answer; its events arrive through the worker's signals.

        ``continue_last``: the last message is a cut answer to go on with.
        """
        self._cancel = threading.Event()
        self.busy = True
        self.answer_requested.emit(messages, experts, max_tokens, self._cancel, continue_last)

    def run_task(self, what: str, task: Callable[[Callable[[float], None]], object]) -> None:
        """Run ``task(progress)`` on the worker thread (file import, model build)."""
        self.task_requested.emit(task, what)

    def update_settings(self, settings: object) -> None:
        """Pass new settings to the engine between answers."""
        self.settings_changed.emit(settings)

    def stop(self) -> None:
        """Cancel the running answer; it ends within one token."""
        if self._cancel is not None:
            self._cancel.set()

    def _on_answer_done(self, *_: object) -> None:
        self.busy = False

    def shutdown(self) -> None:
        """Cancel any answer, free the model on its thread, and join the thread."""
        self.stop()
        if self.engine_thread.isRunning():
            self.shutdown_requested.emit()
            self.engine_thread.quit()
            self.engine_thread.wait()
