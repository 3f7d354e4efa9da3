"""The update service's units: systemd service + timer, and the Windows scheduled task.

``systemd-analyze verify`` checks the Linux units where it is installed (Debian's systemd
252 here: it needs no running systemd); only the service's program path is pointed at a
stand-in, because ``/usr/bin/genba`` exists only once the package is installed. Every
check below also reads the files as INI/XML, so a machine without systemd still tests them.
The Windows task is checked against Task Scheduler's schema by hand (no Windows here).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "installers"
SERVICE = ROOT / "linux" / "genba-update.service"
TIMER = ROOT / "linux" / "genba-update.timer"
TASK = ROOT / "windows" / "genba-update-task.xml"
NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_service_applies_when_due_as_root_into_the_machine_store() -> None:
    unit = _unit(SERVICE)
    service = unit["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == "/usr/bin/genba update apply --when-due"
    assert "User" not in service  # root: the only account that writes /var/lib/genba
    assert "genba/models" in service["StateDirectory"].split()
    assert service["StateDirectoryMode"] == "0755" and service["UMask"] == "0022"
    assert service["Environment"] == "GENBA_HOME=/var/lib/genba/service"
    assert unit["Unit"]["After"] == "network-online.target"


def test_the_timer_fires_hourly_and_catches_up() -> None:
    timer = _unit(TIMER)
    assert timer["Timer"]["OnCalendar"] == "hourly"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_verifies_both_units(tmp_path: Path) -> None:
    stand_in = tmp_path / "genba"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    (tmp_path / TIMER.name).write_text(TIMER.read_text())
    text = SERVICE.read_text().replace("/usr/bin/genba", str(stand_in))
    (tmp_path / SERVICE.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", SERVICE.name, TIMER.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    # Unknown keys are only warnings (exit 0), so any output at all fails the test.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_windows_task_runs_hourly_as_system() -> None:
    task = ET.parse(TASK).getroot()
    assert task.tag == f"{{{NS['t']}}}Task"
    assert task.findtext("t:Principals/t:Principal/t:UserId", namespaces=NS) == "S-1-5-18"
    exe = task.find("t:Actions/t:Exec", NS)
    assert exe is not None
    assert (exe.findtext("t:Command", namespaces=NS) or "").endswith("genba.exe")
    assert exe.findtext("t:Arguments", namespaces=NS) == "update apply --when-due"
    trigger = task.find("t:Triggers/t:CalendarTrigger", NS)
    assert trigger is not None
    assert trigger.findtext("t:Repetition/t:Interval", namespaces=NS) == "PT1H"
    settings = task.find("t:Settings", NS)
    assert settings is not None
    assert settings.findtext("t:StartWhenAvailable", namespaces=NS) == "true"
    assert settings.findtext("t:MultipleInstancesPolicy", namespaces=NS) == "IgnoreNew"
