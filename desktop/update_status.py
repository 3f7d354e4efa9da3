"""Shows the updater's background state in the status bar, when the updater offers one.

A small adapter: ``updater.scheduler`` runs its own thread and reports state
events; this object turns each into a signal on the GUI thread. If the module
(or a scheduler class in it) is missing, the adapter stays silent and the
window works as before. The window never imports anything else of the updater.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from engine.paths import Paths
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class UpdateStatus(QObject):
    """Emits :attr:`changed` with a one-line description of the update state."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None, paths: Paths, *, start: bool = True) -> None:
        super().__init__(parent)
        self._scheduler: Any = None
        if start:
            self._scheduler = _start_scheduler(paths, self.on_state)

    def on_state(self, state: Any) -> None:
        """Called from the updater's thread; the signal crosses to the GUI thread."""
        text = getattr(state, "message", None) or getattr(state, "text", None) or str(state)
        self.changed.emit(str(text))

    def stop(self) -> None:
        """Stop the scheduler's thread (safe to call twice)."""
        scheduler, self._scheduler = self._scheduler, None
        stop = getattr(scheduler, "stop", None)
        if stop is not None:
            stop()


def _start_scheduler(paths: Paths, listener: Any) -> Any:
    try:
        module = importlib.import_module("updater.scheduler")
    except ModuleNotFoundError:
        return None
    cls = getattr(module, "UpdateScheduler", None) or getattr(module, "Scheduler", None)
    if cls is None:
        return None
    try:
        scheduler = cls(paths=paths, on_state=listener)
        scheduler.start()
    except Exception as exc:  # an optional status line must never stop the window
        log.warning("update status unavailable: %s", exc)
        return None
    return scheduler
