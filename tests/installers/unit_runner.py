"""Start a systemd oneshot service the way systemd would, on a machine without systemd as init.

The CI and this machine run without systemd as PID 1, so ``systemctl start`` is not possible.
This runs a unit's ``ExecStart`` with the parts of its ``[Service]`` section that change what
the program sees: a clean environment (systemd's default ``PATH`` and ``LANG``, plus
``Environment=``; no ``HOME`` for a service without ``User=``), ``UMask=``, ``Nice=``,
``StateDirectory=`` folders created with ``StateDirectoryMode=``, working directory ``/``,
stdin from ``/dev/null``, and a new session with no controlling terminal — i.e. no operator
session. Sandboxing (``ProtectSystem=`` and friends) is not reproduced; ``systemd-analyze
verify`` checks those lines (tests/installers/test_update_units.py).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class ServiceRun:
    """What the service printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def service_section(unit: Path) -> dict[str, list[str]]:
    """The ``[Service]`` lines of ``unit``: key → values in order (keys may repeat)."""
    section = ""
    values: dict[str, list[str]] = {}
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def run_service(unit: Path, *, timeout: float = 600) -> ServiceRun:
    """Run ``unit``'s ``ExecStart`` (a oneshot) as described in the module docstring."""
    service = service_section(unit)
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8"}
    for line in service.get("Environment", []):
        for assignment in shlex.split(line):
            key, _, value = assignment.partition("=")
            env[key] = value
    mode = int(service.get("StateDirectoryMode", ["0755"])[-1], 8)
    for line in service.get("StateDirectory", []):
        for name in line.split():
            folder = Path("/var/lib") / name
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)
    umask = service.get("UMask", ["0022"])[-1]
    nice = service.get("Nice", ["0"])[-1]
    (command,) = service["ExecStart"]
    # umask and nice through sh, not preexec_fn: the caller may have threads (a Qt window).
    wrapper = 'umask "$1"; n="$2"; shift 2; exec nice -n "$n" "$@"'
    done = subprocess.run(
        ["/bin/sh", "-c", wrapper, "sh", umask, nice, *shlex.split(command)],
        env=env,
        cwd="/",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=timeout,
        check=False,
    )
    return ServiceRun(done.returncode, done.stdout, done.stderr)
