"""Background update checks on a plain thread, reporting state changes as events.

API (everything else is private)::

    sched = UpdateScheduler(config, on_event=callback)   # callback(SchedulerEvent)
    sched.start()          # first check soon after start, then every check_interval_h
    sched.check_now()      # e.g. a "Check now" button; ignores the interval, not the window
    sched.apply_ready()    # the operator's "Apply now": switch to the ``ready`` model
    sched.state            # the latest SchedulerEvent
    sched.stop()           # returns after the thread ended (an apply in flight finishes first)

``on_event`` is called from the scheduler's thread; a GUI must hand it over to its own
thread (one queued signal). States: ``idle``, ``checking``, ``downloading`` (with
``done``/``total`` bytes), ``ready`` (verified, waiting for `genba update apply` when
``updates.auto_apply`` is off), ``applied``, ``failed`` (bad content or signatures: not
retried before the next interval), ``offline`` (network unreachable or offline mode:
silent, retried with exponential backoff from 5 minutes up to the interval), ``busy``
(an "apply now" found another update running; the operator may try again).

To switch to a ``ready`` model (the operator pressed "Apply now"), call
:meth:`UpdateScheduler.apply_ready`: the scheduler's thread switches to the file already
built and verified (:meth:`UpdateClient.apply_staged`), so this only moves the pointer,
works offline and outside the update window, and never runs on the GUI thread.

Policy: nothing happens outside ``updates.window`` ("22:00-05:00", may cross midnight;
empty = any time); ``updates.enabled`` false means the thread only idles.
"""

from __future__ import annotations

import logging
import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from updater.client import UpdateClient, UpdateEvent
from updater.config import UpdateConfig
from updater.errors import LockedError, NetworkError, ReadOnlyStoreError, UpdateError

log = logging.getLogger(__name__)

BACKOFF_START_S = 300.0
_BUSY = {"checking": "checking", "downloading": "downloading", "building": "downloading"}


@dataclass(frozen=True)
class SchedulerEvent:
    """The scheduler's state, with progress while downloading and the next check time."""

    state: str
    message: str = ""
    done: int = 0
    total: int = 0
    version: str | None = None
    next_check: datetime | None = None


def parse_window(window: str) -> tuple[time, time] | None:
    """``"HH:MM-HH:MM"`` → (start, end); empty → None. ``ValueError`` if malformed."""
    if not window.strip():
        return None
    start, end = (time.fromisoformat(part.strip()) for part in window.split("-"))
    return start, end


def seconds_until_window(window: str, now: datetime) -> float:
    """0 when ``now`` is inside the window (or there is none), else seconds until it opens."""
    parsed = parse_window(window)
    if parsed is None:
        return 0.0
    start, end = parsed
    t = now.time()
    inside = start <= t < end if start <= end else (t >= start or t < end)
    if inside:
        return 0.0
    opens = now.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if opens <= now:
        opens += timedelta(days=1)
    return (opens - now).total_seconds()


def backoff_seconds(failures: int, interval_s: float) -> float:
    """Exponential backoff after ``failures`` consecutive network failures, capped."""
    return float(min(BACKOFF_START_S * 2 ** max(failures - 1, 0), interval_s))


class UpdateScheduler:
    """Runs :class:`UpdateClient` checks in the background according to policy."""

    def __init__(
        self,
        config: UpdateConfig,
        on_event: Callable[[SchedulerEvent], None] | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
        first_delay_s: float = 60.0,
        client_factory: Callable[[Callable[[UpdateEvent], None]], UpdateClient] | None = None,
    ) -> None:
        self.config = config
        self._on_event = on_event
        self._clock = clock
        self._first_delay_s = first_delay_s
        self._make_client = client_factory or (lambda ev: UpdateClient(config, events=ev))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._apply_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self.state = SchedulerEvent("idle")

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="genba-updates", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def check_now(self) -> None:
        """Check at once (still only inside the update window)."""
        self._wake.set()

    def apply_ready(self) -> None:
        """Switch to the verified ``ready`` model on the scheduler's thread, then go on waiting.

        The operator asked for it, so the update window does not apply; the next check
        keeps its time.
        """
        self._apply_requested.set()
        self._wake.set()

    # -- thread ---------------------------------------------------------------------------------
    def _publish(self, event: SchedulerEvent) -> None:
        self.state = event
        if self._on_event is not None:
            self._on_event(event)

    def _from_client(self, event: UpdateEvent) -> None:
        state = _BUSY.get(event.state) or {"up-to-date": "idle"}.get(event.state, event.state)
        if state in {"failed", "offline"}:
            return  # the scheduler reports these itself, with its retry policy
        if state == "docpack":
            return  # document packs install silently: a "ready" model keeps its Apply now
        self._publish(SchedulerEvent(state, event.message, event.done, event.total, event.version))

    def _sleep(self, seconds: float) -> bool:
        """Wait; True if woken by check_now (False on timeout or stop)."""
        woken = self._wake.wait(seconds)
        self._wake.clear()
        return woken and not self._stop.is_set()

    def _run(self) -> None:
        delay = self._first_delay_s
        while not self._stop.is_set():
            due = clock_time.monotonic() + delay
            self._sleep(delay)
            if self._stop.is_set():
                return
            if self._apply_requested.is_set():
                self._apply_requested.clear()
                self._apply_staged()
                delay = due - clock_time.monotonic()
                if delay > 0:  # the check that was planned keeps its time
                    continue
            wait = seconds_until_window(self.config.window, self._clock())
            if not self.config.enabled or wait > 0:
                delay = wait or self.config.check_interval_h * 3600
                self._publish(
                    SchedulerEvent("idle", "Outside the update window", next_check=self._at(delay))
                )
                continue
            delay = self._check_once()

    def _at(self, seconds: float) -> datetime:
        return self._clock() + timedelta(seconds=seconds)

    def _apply_staged(self) -> None:
        try:
            self._make_client(self._from_client).apply_staged()  # reports "applied"
        except LockedError as exc:
            # another process (the CLI, the service) holds the lock: nothing is wrong
            self._publish(SchedulerEvent("busy", str(exc), version=self.state.version))
        except UpdateError as exc:
            self._publish(SchedulerEvent("failed", str(exc)))
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("applying the ready update crashed")
            self._publish(SchedulerEvent("failed", f"Internal error: {exc}"))

    def _check_once(self) -> float:
        interval = self.config.check_interval_h * 3600
        try:
            client = self._make_client(self._from_client)
            client.apply(auto=True, switch=self.config.auto_apply)
        except ReadOnlyStoreError:
            # The machine-wide store: the update service applies updates, not this window.
            self._failures = 0
            self._publish(SchedulerEvent(
                "idle", "Updates are installed by the update service",
                next_check=self._at(interval),
            ))
            return interval
        except (NetworkError, LockedError) as exc:
            # offline, unreachable or busy: silent, retried with backoff
            self._failures += 1
            delay = backoff_seconds(self._failures, interval)
            self._publish(SchedulerEvent("offline", str(exc), next_check=self._at(delay)))
            return delay
        except UpdateError as exc:
            self._failures = 0
            self._publish(SchedulerEvent("failed", str(exc), next_check=self._at(interval)))
            return interval
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("update check crashed")
            self._publish(
                SchedulerEvent("failed", f"Internal error: {exc}", next_check=self._at(interval))
            )
            return interval
        self._failures = 0
        if self.state.state not in {"ready", "applied"}:
            self._publish(SchedulerEvent("idle", "Up to date", next_check=self._at(interval)))
        return interval
