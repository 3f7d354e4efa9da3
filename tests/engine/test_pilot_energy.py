"""Which energy source a PC gives, read from folders laid out like /sys (real file parsing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.pilot.energy import EnergyMeter, find_counter


def write(folder: Path, **files: str | int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (folder / name).write_text(f"{value}\n", encoding="ascii")
    return folder


def rapl_tree(root: Path, energy: int = 1_000_000, max_range: int = 262_143_328_850) -> Path:
    """A package domain, its core sub-zone, and a psys domain (which must be ignored)."""
    write(root / "intel-rapl:0", name="package-0", energy_uj=energy,
          max_energy_range_uj=max_range)
    write(root / "intel-rapl:0:0", name="core", energy_uj=5, max_energy_range_uj=max_range)
    write(root / "intel-rapl:1", name="psys", energy_uj=7, max_energy_range_uj=max_range)
    return root


def battery_tree(root: Path, status: str = "Discharging", **values: int) -> Path:
    write(root / "AC", type="Mains", online=0)
    write(root / "BAT0", type="Battery", status=status, **values)
    return root


def test_rapl_package_energy_with_wrap_around(tmp_path: Path) -> None:
    cap = rapl_tree(tmp_path / "powercap", energy=1_000, max_range=10_000_000)
    meter = EnergyMeter(10.0, powercap_root=cap, power_supply_root=tmp_path / "none")
    assert meter.counter is not None and meter.counter.source == "rapl"
    start = meter.start()
    (cap / "intel-rapl:0" / "energy_uj").write_text("2501000\n")
    energy = meter.stop(start, cpu_s=1.0)
    assert energy is not None and energy.source == "rapl"
    assert energy.joules == pytest.approx(2.5)  # the core and psys zones are not added
    # The counter wrapped at max_energy_range_uj: 9.5 J before the wrap + 0.5 J after.
    (cap / "intel-rapl:0" / "energy_uj").write_text("9500000\n")
    start = meter.start()
    (cap / "intel-rapl:0" / "energy_uj").write_text("500000\n")
    energy = meter.stop(start, cpu_s=1.0)
    assert energy is not None and energy.joules == pytest.approx(1.0)


def test_two_sockets_add_up(tmp_path: Path) -> None:
    cap = rapl_tree(tmp_path / "powercap")
    write(cap / "intel-rapl:2", name="package-1", energy_uj=0, max_energy_range_uj=10**9)
    meter = EnergyMeter(10.0, powercap_root=cap, power_supply_root=tmp_path / "none")
    start = meter.start()
    (cap / "intel-rapl:0" / "energy_uj").write_text("3000000\n")
    (cap / "intel-rapl:2" / "energy_uj").write_text("1000000\n")
    energy = meter.stop(start, cpu_s=None)
    assert energy is not None and energy.joules == pytest.approx(3.0)


def test_unreadable_rapl_falls_back_to_a_discharging_battery(tmp_path: Path) -> None:
    cap = rapl_tree(tmp_path / "powercap")
    (cap / "intel-rapl:0" / "energy_uj").unlink()
    (cap / "intel-rapl:0" / "energy_uj").mkdir()  # reading it fails, as for a non-root user
    supply = battery_tree(tmp_path / "power_supply", energy_now=40_000_000)
    counter, why = find_counter(cap, supply)
    assert counter is not None and counter.source == "battery"
    assert "not readable" in why and "udev" in why
    meter = EnergyMeter(10.0, powercap_root=cap, power_supply_root=supply)
    start = meter.start()
    (supply / "BAT0" / "energy_now").write_text("39999000\n")  # 1000 µWh = 3.6 J
    energy = meter.stop(start, cpu_s=2.0)
    assert energy is not None and energy.source == "battery"
    assert energy.joules == pytest.approx(3.6)


def test_battery_reporting_charge_and_voltage(tmp_path: Path) -> None:
    supply = battery_tree(tmp_path / "ps", charge_now=4_000_000, voltage_now=12_000_000)
    meter = EnergyMeter(10.0, powercap_root=tmp_path / "none", power_supply_root=supply)
    start = meter.start()
    (supply / "BAT0" / "charge_now").write_text("3999900\n")  # 100 µAh × 12 V = 1200 µWh
    energy = meter.stop(start, cpu_s=1.0)
    assert energy is not None and energy.source == "battery"
    assert energy.joules == pytest.approx(1200 * 3600 / 1e6)


def test_battery_on_mains_or_no_counter_gives_a_labelled_estimate(tmp_path: Path) -> None:
    supply = battery_tree(tmp_path / "ps", status="Charging", energy_now=1)
    counter, why = find_counter(tmp_path / "no-powercap", supply)
    assert counter is None
    assert why.startswith("estimate:") and "not discharging" in why
    meter = EnergyMeter(12.5, powercap_root=tmp_path / "no-powercap", power_supply_root=supply)
    energy = meter.stop(meter.start(), cpu_s=2.0)
    assert energy is not None and energy.source == "estimate"
    assert energy.joules == pytest.approx(25.0)
    assert meter.stop(meter.start(), cpu_s=None) is None


def test_a_battery_that_starts_charging_mid_answer_is_estimated(tmp_path: Path) -> None:
    supply = battery_tree(tmp_path / "ps", energy_now=5_000_000)
    meter = EnergyMeter(10.0, powercap_root=tmp_path / "none", power_supply_root=supply)
    start = meter.start()
    (supply / "BAT0" / "status").write_text("Charging\n")
    energy = meter.stop(start, cpu_s=0.5)
    assert energy is not None and energy.source == "estimate" and energy.joules == 5.0
