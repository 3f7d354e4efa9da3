"""Energy of one answer: from a real counter when the PC has one, else a labelled estimate.

Sources, in order of preference (every measured value carries its ``source``):

``rapl``
    Linux RAPL, the CPU package domains under ``/sys/class/powercap``
    (``intel-rapl:<n>/energy_uj``, one per socket; AMD's recent kernels use the
    same interface). The counter wraps at ``max_energy_range_uj``. It measures the
    whole package (every process), so it is the PC's CPU energy while the answer
    ran, not genba's share. Since Linux 5.10 (CVE-2020-8694) ``energy_uj`` is
    readable by root only: the update service (root) or a udev rule that opens it
    to a group is needed (``docs/pilot.md``).
``battery``
    A laptop discharging on battery: ``/sys/class/power_supply/BAT*/energy_now``
    (µWh), or ``charge_now`` (µAh) × ``voltage_now`` (µV). Firmware updates these
    coarsely (seconds to a minute), so one short answer may read 0 J; summed over
    many answers the steps average out. Whole-PC energy, screen included.
``estimate``
    No counter: CPU time × ``metrics.cpu_watts`` (a policy figure, W per busy core).

Windows' Energy Meter Interface (EMI, ``IOCTL_EMI_GET_MEASUREMENT``) is documented in
``docs/pilot.md`` but not implemented: no Windows machine to test it on.

The sysfs roots are parameters so tests give a folder that stands in for ``/sys``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

log = logging.getLogger(__name__)

EnergySource = Literal["rapl", "battery", "estimate"]
SOURCES: tuple[EnergySource, ...] = ("rapl", "battery", "estimate")

POWERCAP_ROOT = Path("/sys/class/powercap")
POWER_SUPPLY_ROOT = Path("/sys/class/power_supply")

_PACKAGE_ZONE = re.compile(r"^intel-rapl:\d+$")
"""Top-level RAPL zones (``intel-rapl:0``); ``intel-rapl:0:0`` is a sub-zone (core, dram)."""
_MICRO_WH_TO_J = 3600.0 / 1_000_000


class Counter(Protocol):
    """A real energy counter: read it before and after, get the joules in between."""

    @property
    def source(self) -> EnergySource:
        """Which kind of counter this is."""
        ...

    def read(self) -> tuple[int, ...] | None:
        """The raw counter value(s) now, or None when it cannot be read at this moment."""
        ...

    def joules(self, start: tuple[int, ...], end: tuple[int, ...]) -> float | None:
        """Energy between two readings, or None when the interval is not measurable."""
        ...


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _read_word(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class RaplZone:
    """One package domain: its counter file and the value it wraps at."""

    energy: Path
    max_range: int


@dataclass(frozen=True)
class RaplCounter:
    """The sum of the CPU package domains' RAPL counters (µJ), wrap-around handled."""

    zones: tuple[RaplZone, ...]
    source: EnergySource = "rapl"

    def read(self) -> tuple[int, ...] | None:
        values = [_read_int(zone.energy) for zone in self.zones]
        if any(v is None for v in values):
            return None
        return tuple(v for v in values if v is not None)

    def joules(self, start: tuple[int, ...], end: tuple[int, ...]) -> float | None:
        total = 0
        for zone, before, after in zip(self.zones, start, end, strict=True):
            delta = after - before
            if delta < 0:  # the counter wrapped (at most once in one answer: minutes apart)
                delta += zone.max_range
            total += delta
        return total / 1_000_000


def find_rapl(root: Path = POWERCAP_ROOT) -> tuple[RaplCounter | None, str]:
    """The package RAPL counter under ``root``, or None and why there is none."""
    if not root.is_dir():
        return None, f"no {root} (no RAPL driver, or a virtual machine that hides it)"
    zones: list[RaplZone] = []
    unreadable: list[str] = []
    for zone in sorted(root.iterdir()):
        if not _PACKAGE_ZONE.match(zone.name):
            continue
        if not _read_word(zone / "name").startswith("package"):
            continue  # psys (platform) or another top-level domain: not the CPU package
        max_range = _read_int(zone / "max_energy_range_uj")
        if _read_int(zone / "energy_uj") is None or not max_range:
            unreadable.append(zone.name)
            continue
        zones.append(RaplZone(zone / "energy_uj", max_range))
    if unreadable:
        return None, (
            f"RAPL {', '.join(unreadable)} energy_uj not readable by this user "
            "(root only since Linux 5.10; see docs/pilot.md for the udev rule)"
        )
    if not zones:
        return None, f"no CPU package domain under {root}"
    return RaplCounter(tuple(zones)), f"RAPL package domains {len(zones)} under {root}"


@dataclass(frozen=True)
class BatteryCounter:
    """Discharge of a laptop battery (µWh), measurable only while it is discharging."""

    folder: Path
    source: EnergySource = "battery"

    def read(self) -> tuple[int, ...] | None:
        if _read_word(self.folder / "status") != "Discharging":
            return None
        energy = _read_int(self.folder / "energy_now")
        if energy is not None:
            return (energy,)
        charge = _read_int(self.folder / "charge_now")
        voltage = _read_int(self.folder / "voltage_now")
        if charge is None or not voltage:
            return None
        return (charge * voltage // 1_000_000,)  # µAh × µV → µWh

    def joules(self, start: tuple[int, ...], end: tuple[int, ...]) -> float | None:
        used = start[0] - end[0]
        return used * _MICRO_WH_TO_J if used >= 0 else None  # charged meanwhile: no measure


def find_battery(root: Path = POWER_SUPPLY_ROOT) -> tuple[BatteryCounter | None, str]:
    """A discharging battery under ``root``, or None and why there is none."""
    if not root.is_dir():
        return None, f"no {root}"
    batteries = [d for d in sorted(root.iterdir()) if _read_word(d / "type") == "Battery"]
    if not batteries:
        return None, "no battery"
    for folder in batteries:
        counter = BatteryCounter(folder)
        if counter.read() is not None:
            return counter, f"battery {folder.name} discharging"
    return None, "battery not discharging (on mains power)"


def find_counter(
    powercap_root: Path = POWERCAP_ROOT, power_supply_root: Path = POWER_SUPPLY_ROOT
) -> tuple[Counter | None, str]:
    """The best real counter of this PC (RAPL, then a discharging battery) and why.

    None means energy will be an estimate; the reason says what was missing.
    """
    rapl, why_not_rapl = find_rapl(powercap_root)
    if rapl is not None:
        return rapl, why_not_rapl
    battery, why_not_battery = find_battery(power_supply_root)
    if battery is not None:
        return battery, f"{why_not_battery} ({why_not_rapl})"
    return None, f"estimate: {why_not_rapl}; {why_not_battery}"


@dataclass(frozen=True)
class Energy:
    """Energy of one answer in joules and where the number comes from."""

    joules: float
    source: EnergySource


class EnergyMeter:
    """Reads a counter around an answer; falls back to CPU time × watts, labelled ``estimate``.

    The counter is looked up once (at construction): a laptop that goes on mains
    power mid-session reads as unmeasurable and its answers become estimates.
    """

    def __init__(
        self,
        cpu_watts: float,
        *,
        powercap_root: Path = POWERCAP_ROOT,
        power_supply_root: Path = POWER_SUPPLY_ROOT,
    ) -> None:
        self.cpu_watts = cpu_watts
        self.counter, self.why = find_counter(powercap_root, power_supply_root)
        log.info("pilot energy: %s", self.why)

    def start(self) -> tuple[int, ...] | None:
        """A counter reading to pass to :meth:`stop` (None: no counter now)."""
        return self.counter.read() if self.counter is not None else None

    def stop(self, start: tuple[int, ...] | None, cpu_s: float | None) -> Energy | None:
        """The energy since ``start``: measured, else estimated (None with no CPU time)."""
        if self.counter is not None and start is not None:
            end = self.counter.read()
            if end is not None:
                joules = self.counter.joules(start, end)
                if joules is not None:
                    return Energy(joules, self.counter.source)
        if cpu_s is None:
            return None
        return Energy(cpu_s * self.cpu_watts, "estimate")
