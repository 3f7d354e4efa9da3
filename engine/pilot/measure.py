"""One answer's cost: wall time, CPU time of the process that did the work, and energy.

For a local answer the work happens in the inference worker process, so its CPU
time is read with psutil from the worker's PID (user + system, children
excluded). A worker that starts during the answer is measured from zero: its
start and the model load are part of that first answer's cost. For a remote
answer the PC's own part is this process (the HTTP client and the event stream).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil

from engine.pilot.energy import Energy, EnergyMeter


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None: gone or not allowed)."""
    if pid is None:
        return None
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.Error, OSError):
        return None
    return float(times.user + times.system)


@dataclass(frozen=True)
class Cost:
    """What one answer cost: seconds of wall time, CPU seconds and energy."""

    total_s: float
    cpu_s: float | None
    energy: Energy | None


class Measurement:
    """Started before an answer, finished after it: see :meth:`finish`.

    ``pids`` are the processes that may do the work (the inference worker, when it
    runs, and this process); their CPU times are read now.
    """

    def __init__(self, meter: EnergyMeter, *pids: int | None) -> None:
        self.meter = meter
        self.started = time.perf_counter()
        self.cpu_start = {pid: cpu_seconds(pid) for pid in pids if pid is not None}
        self.counter_start = meter.start()

    def finish(self, pid: int | None) -> Cost:
        """The cost since the start; ``pid`` is the process that did the work.

        A process not read at the start (a worker started or restarted during the
        answer) is measured from zero.
        """
        total = time.perf_counter() - self.started
        start = self.cpu_start.get(pid, 0.0) if pid is not None else None
        end = cpu_seconds(pid)
        cpu = max(0.0, end - start) if end is not None and start is not None else None
        return Cost(total, cpu, self.meter.stop(self.counter_start, cpu))


def this_process() -> int:
    """This process's PID: the PC's side of a remote answer."""
    return os.getpid()
