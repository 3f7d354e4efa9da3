"""Runs the updater's background scheduler and shows its state in the status area.

The updater's thread reports :class:`updater.scheduler.SchedulerEvent`; this
object hands each one to the GUI thread through one queued signal and turns it
into a translated line ("Downloading update 40 %", "New model ready..."). The
window imports nothing else of the updater, and if the updater cannot start
(for example a broken trusted root) the window keeps working without the line.

When policy leaves the switch to a verified update to people (``updates.auto_apply``
off), the line says a new model is ready and :attr:`UpdateStatus.apply_offered` tells the
window to show an "Apply now" button — only where policy allows it
(``updates.operator_apply``); the switch runs on the updater's thread
(:meth:`updater.scheduler.UpdateScheduler.apply_ready`) and the engine takes the new model
from the next answer, so a running answer is never disturbed.

The operator cannot fix an update problem, so a failure is one plain sentence
("… ask IT"); the updater's own words go to the log (and ``genba doctor``
reports the update set-up). An install with no update source set up (no
trusted root: neither one named by ``updates.trusted_root`` nor one built into
genba, or no ``updates.repository_url``) starts no scheduler and shows nothing.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from engine.paths import Paths
from engine.remote.network import NetworkConfig
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class UpdateStatus(QObject):
    """Emits :attr:`changed` with a one-line description of the update state."""

    changed = Signal(str)
    apply_offered = Signal(bool)  # True: show "Apply now" (a verified update waits, policy allows)
    _state_received = Signal(object)  # crosses from the updater's thread to the GUI thread

    def __init__(self, parent: QObject | None, paths: Paths, *, start: bool = True) -> None:
        super().__init__(parent)
        self._paths = paths
        self._scheduler: Any = None
        self._last: Any = None
        self._state_received.connect(self.on_state_received)
        self._start = start
        self._operator_apply = False

    def start(self, settings: Any) -> None:
        """Start the scheduler with the effective settings (no-op when disabled)."""
        self.apply_settings(settings)
        if not self._start or self._scheduler is not None:
            return
        try:
            from updater.config import UpdateConfig
            from updater.scheduler import UpdateScheduler

            values = settings.as_dict()
            # The engine's one network state (env switch, broken values: fail closed).
            values["network.offline"] = NetworkConfig.from_settings(settings).offline
            config = UpdateConfig.from_settings(values, self._paths)
            if not self._configured(config, values):
                return
            self._scheduler = UpdateScheduler(config, on_event=self._state_received.emit)
            self._scheduler.start()
        except Exception as exc:  # an optional status line must never stop the window
            log.warning("update status unavailable: %s", exc)
            self._scheduler = None

    def _configured(self, config: Any, values: dict[str, Any]) -> bool:
        """False (and a log line) when this install has no update source to check against."""
        if not config.enabled:
            return False
        if not config.repository_url:
            log.info("automatic model updates are not set up: no updates.repository_url")
            return False
        if not values.get("updates.trusted_root") and not config.trusted_root.is_file():
            # No root named by policy and none built in: updates were never set up here.
            log.info(
                "automatic model updates are not set up: no trusted root (%s is missing; "
                "set updates.trusted_root)",
                config.trusted_root,
            )
            return False
        if not config.trusted_root.is_file():
            # A root named by policy that is not there: set up wrongly, which only IT can fix.
            log.warning(
                "automatic model updates are not set up: the trusted root %s cannot be read "
                "(updates.trusted_root)",
                config.trusted_root,
            )
            self.on_state_received(SimpleNamespace(state="not_set_up"))
            return False
        return True

    def apply_settings(self, settings: Any) -> None:
        """Follow policy on whether the operator may switch to a ready update."""
        allowed = bool(settings.get_bool("updates.operator_apply"))
        if allowed != self._operator_apply:
            self._operator_apply = allowed
            if self._last is not None:
                self.on_state_received(self._last)

    def on_state_received(self, event: Any) -> None:
        """Show a scheduler event (runs on the GUI thread)."""
        self._last = event
        state = getattr(event, "state", "")
        if state in {"failed", "busy"}:
            log.warning("model update %s: %s", state, getattr(event, "message", ""))
        self.changed.emit(self.describe(event))
        self.apply_offered.emit(self._offers_apply(state))

    def _offers_apply(self, state: str) -> bool:
        return self._scheduler is not None and self._operator_apply and state in {"ready", "busy"}

    def check_now(self) -> None:
        """Look for an update at once (still only inside the update window)."""
        if self._scheduler is not None:
            self._scheduler.check_now()

    def apply_now(self) -> None:
        """The operator pressed "Apply now": the updater's thread switches to the ready model."""
        if self._scheduler is None or not self._operator_apply:
            return
        log.info("the operator asked to switch to the ready model update")
        self.apply_offered.emit(False)  # one press; the next state says how it went
        self.changed.emit(self.tr("Switching to the new model…"))
        self._scheduler.apply_ready()

    def describe(self, event: Any) -> str:
        """The status-bar text for a scheduler event ("" hides the field)."""
        state = getattr(event, "state", "")
        total = getattr(event, "total", 0)
        if state == "downloading" and total:
            pct = 100 * getattr(event, "done", 0) // total
            return self.tr("Downloading model update: {pct} %").format(pct=pct)
        version = getattr(event, "version", None) or ""
        texts = {
            "checking": self.tr("Checking for model updates…"),
            "downloading": self.tr("Downloading model update…"),
            "ready": (
                self.tr("Model update {version} is ready")
                if self._operator_apply
                else self.tr("Model update {version} is ready; IT will switch to it")
            ).format(version=version),
            "busy": self.tr("Another model update is running; try again in a minute"),
            "applied": self.tr("New model ready; it is used from the next answer"),
            # The details are in the log: the operator can only pass the problem on.
            "not_set_up": self.tr("Automatic model updates are not set up on this PC — ask IT"),
            "failed": self.tr("Automatic model updates are not working on this PC — ask IT"),
        }
        return texts.get(state, "")  # idle and offline (retried quietly) show nothing

    def retranslate(self) -> None:
        """Re-describe the last state in the new language (the window calls this)."""
        if self._last is not None:
            self.changed.emit(self.describe(self._last))

    def stop(self) -> None:
        """Stop the scheduler's thread (safe to call twice)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.stop(timeout=10)
