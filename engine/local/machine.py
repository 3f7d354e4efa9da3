"""What the PC has to offer right now: memory, CPU load, battery, recent decode speed.

:func:`snapshot` reads psutil once and returns the frozen
:class:`~engine.decision.MachineState` the decision function consumes. The only
state kept between queries is :class:`DecodeSpeedTracker`, which remembers how
fast local answers were recently decoded at each N; everything else is read
fresh, because free memory on a shared shop-floor PC changes by the minute.

psutil is wrapped here so nothing else in the engine touches it; a platform
where a reading is unavailable (no battery, no load average) gives a neutral
value rather than an error.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass

import psutil

from engine.decision import MachineState

MIN_SAMPLE_TOKENS = 8
"""Answers shorter than this say little about decode speed and are not recorded."""

SAMPLES_PER_N = 5
"""Recent answers remembered per N; the median of them is the speed used."""


@dataclass(frozen=True)
class SpeedSample:
    """One local answer's decode speed."""

    experts: int
    tokens_per_s: float


class DecodeSpeedTracker:
    """Recent local decode speeds, per N. Thread-safe: the GUI may read while a query runs."""

    def __init__(self, samples_per_n: int = SAMPLES_PER_N) -> None:
        self._samples: dict[int, deque[float]] = {}
        self._last_n: int | None = None
        self._size = samples_per_n
        self._lock = threading.Lock()

    def record(self, experts: int, generated_tokens: int, decode_seconds: float) -> None:
        """Remember one answer's speed (ignored when too short to be meaningful)."""
        if generated_tokens < MIN_SAMPLE_TOKENS or decode_seconds <= 0:
            return
        with self._lock:
            ring = self._samples.setdefault(experts, deque(maxlen=self._size))
            ring.append(generated_tokens / decode_seconds)
            self._last_n = experts

    def record_speed(self, experts: int, tokens_per_s: float, generated_tokens: int) -> None:
        """Like :meth:`record`, from a speed already computed (e.g. a FinalEvent's)."""
        if tokens_per_s > 0:
            self.record(experts, generated_tokens, generated_tokens / tokens_per_s)

    def recent(self) -> SpeedSample | None:
        """Median speed at the N used most recently, or None before any local answer."""
        with self._lock:
            if self._last_n is None:
                return None
            values = list(self._samples[self._last_n])
            return SpeedSample(self._last_n, statistics.median(values))

    def clear(self) -> None:
        """Forget everything (after a model change the old speeds no longer apply)."""
        with self._lock:
            self._samples.clear()
            self._last_n = None


def cpu_load() -> float:
    """One-minute run-queue length per core (1.0 = every core busy); 0.0 if unknown."""
    try:
        load1, _, _ = psutil.getloadavg()
    except (OSError, AttributeError):
        return 0.0
    return float(load1) / max(psutil.cpu_count() or 1, 1)


def battery() -> tuple[bool, float | None]:
    """(running on battery, percent left); (False, None) on PCs without a battery."""
    try:
        info = psutil.sensors_battery()
    except (OSError, NotImplementedError, AttributeError, RuntimeError):
        return False, None
    if info is None:
        return False, None
    on_battery = info.power_plugged is False
    return on_battery, float(info.percent)


def snapshot(
    tracker: DecodeSpeedTracker | None = None, *, resident_bytes: int = 0
) -> MachineState:
    """Read the machine now. ``resident_bytes``: what genba's loaded model already holds."""
    memory = psutil.virtual_memory()
    on_battery, percent = battery()
    recent = tracker.recent() if tracker is not None else None
    return MachineState(
        available_bytes=int(memory.available),
        total_bytes=int(memory.total),
        cpu_load=cpu_load(),
        on_battery=on_battery,
        battery_percent=percent,
        decode_tokens_per_s=recent.tokens_per_s if recent else None,
        decode_experts=recent.experts if recent else None,
        resident_bytes=resident_bytes,
    )
