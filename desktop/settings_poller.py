"""Polling the settings watcher off the GUI thread, with a timeout.

The watcher reads every policy and settings file on each poll; on a slow
network share or a stuck NFS mount that can take long or never return, and the
window must not freeze meanwhile. :class:`SettingsPoller` runs each
:meth:`~engine.settings.SettingsWatcher.scan` on a short-lived daemon thread
(a daemon so that a scan stuck in the kernel never keeps the app from
quitting) and posts the result back to the GUI thread with a queued signal; only
there is it accepted, so the watcher's state changes on one thread.

A scan that has not finished after the timeout is abandoned and logged: the
window keeps its last good settings, its result is dropped if it ever comes, and
no new scan starts while that thread is still stuck (a stuck mount would
otherwise collect one hung thread per tick).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from engine.settings import Settings, SettingsWatcher
from engine.settings.watcher import Scan
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class _Courier(QObject):
    """Carries a scan's result from its thread to the GUI thread (queued)."""

    done = Signal(int, object)  # poll number, Scan (or the exception that ended it)


class SettingsPoller(QObject):
    """Polls a :class:`SettingsWatcher` every ``interval_ms`` without blocking the GUI thread."""

    changed = Signal(object)  # Settings: a file changed; emitted on the GUI thread
    abandoned = Signal()  # a scan did not finish within the timeout

    def __init__(
        self,
        watcher: SettingsWatcher,
        parent: QObject | None = None,
        *,
        interval_ms: int,
        timeout_ms: int,
    ) -> None:
        super().__init__(parent)
        self._watcher = watcher
        self._timeout_ms = timeout_ms
        self._number = 0  # of the last scan started
        self._waiting_for: int | None = None  # the running scan whose result is wanted
        self._finished = threading.Event()  # the last scan's thread is done reading
        self._finished.set()
        self._started_at = 0.0
        self._stopped = False
        self._courier = _Courier(self)
        self._courier.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll_now)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_deadline)

    @property
    def busy(self) -> bool:
        """True while a scan's thread is still reading (also one that was abandoned)."""
        return not self._finished.is_set()

    def start(self) -> None:
        """Poll every interval from now on."""
        self._stopped = False
        self._timer.start()

    def stop(self) -> None:
        """Stop polling; a scan still running is left to end on its own, its result dropped."""
        self._stopped = True
        self._timer.stop()
        self._deadline.stop()
        self._waiting_for = None

    @Slot()
    def poll_now(self) -> None:
        """Start a scan now, unless one is still running (then it is skipped)."""
        if self._stopped:
            return
        if self.busy:
            if self._waiting_for is None:  # abandoned and still stuck
                stuck = time.monotonic() - self._started_at
                log.debug("settings scan stuck for %.0f s; not starting another", stuck)
            return
        self._number += 1
        number, finished, courier = self._number, threading.Event(), self._courier
        self._finished, self._waiting_for = finished, number
        self._started_at = time.monotonic()
        watcher = self._watcher

        def run() -> None:
            result: Scan | BaseException
            try:
                result = watcher.scan()
            except Exception as exc:  # a bug must not leave the poller waiting
                log.exception("settings scan failed")
                result = exc
            finished.set()
            with contextlib.suppress(RuntimeError):  # the window is gone meanwhile
                courier.done.emit(number, result)

        thread = threading.Thread(target=run, name=f"genba-settings-scan-{number}", daemon=True)
        self._deadline.start(self._timeout_ms)
        thread.start()

    @Slot()
    def _on_deadline(self) -> None:
        if self._waiting_for is None or not self.busy:
            return
        log.warning(
            "reading the settings and policy files took longer than %.1f s; abandoned, "
            "keeping the current settings (is a policy folder on a stuck network share?)",
            self._timeout_ms / 1000,
        )
        self._waiting_for = None
        self.abandoned.emit()

    @Slot(int, object)
    def _on_done(self, number: int, result: object) -> None:
        if number != self._waiting_for:
            if not self._stopped:
                log.info("an abandoned settings scan ended after all; its result is dropped")
            return
        self._waiting_for = None
        self._deadline.stop()
        if not isinstance(result, Scan):
            return  # logged on its thread
        fresh: Settings | None = self._watcher.accept(result)
        if fresh is not None:
            self.changed.emit(fresh)
