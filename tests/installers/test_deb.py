"""The .deb built by installers/linux/build_deb.py: its contents, then a real dpkg cycle.

Builds from the stub payload (the two programs are shell scripts), reads the package back with
``dpkg-deb``, then installs, upgrades, removes and purges it on this machine with ``dpkg``
(the CI runs as root on Debian). That changes the real system, so every step is undone in a
``finally`` (``dpkg --purge``), and the cycle is skipped when a real genba package is present.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the window below; no display in CI

from engine.settings.loader import read_layer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "linux" / "build_deb.py"
CONFFILE = Path("/etc/genba/policy.d/00-sample.toml")
STORE = Path("/var/lib/genba")
TIMER_LINK = Path("/etc/systemd/system/timers.target.wants/genba-update.timer")

pytestmark = pytest.mark.skipif(
    shutil.which("dpkg-deb") is None, reason="dpkg-deb missing: not a Debian system"
)


def _build(tmp: Path, version: str, out: str = "out", payload: Path | None = None) -> Path:
    source = ["--payload", str(payload)] if payload else ["--stub", str(tmp / "stub")]
    cmd = [sys.executable, str(SCRIPT), *source, "--out", str(tmp / out)]
    done = subprocess.run(
        [*cmd, "--version", version, "--compress", "gzip"],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    deb = tmp / out / f"genba_{version}_amd64.deb"
    assert deb.is_file()
    return deb


def _run(*cmd: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("deb"), "0.1.0")


def test_control_fields(deb: Path) -> None:
    fields = {
        name: _run("dpkg-deb", "--field", str(deb), name).strip()
        for name in ("Package", "Version", "Architecture", "Depends", "Installed-Size")
    }
    assert fields["Package"] == "genba"
    assert fields["Version"] == "0.1.0"
    assert fields["Architecture"] == "amd64"
    depends = {d.split()[0] for d in fields["Depends"].split(", ")}
    assert {"libc6", "libgl1", "libegl1", "libxcb1", "fontconfig-config"} <= depends
    assert "fonts-noto-cjk" in _run("dpkg-deb", "--field", str(deb), "Recommends")
    assert int(fields["Installed-Size"]) > 0
    info = _run("dpkg-deb", "--info", str(deb))
    for script in ("postinst", "prerm", "postrm", "conffiles", "md5sums"):
        assert script in info


def test_contents_layout_owners_and_links(deb: Path) -> None:
    rows = [line.split(None, 5) for line in _run("dpkg-deb", "--contents", str(deb)).splitlines()]
    entries = {row[5].split(" -> ")[0].removeprefix("."): row for row in rows}
    for path in (
        "/opt/genba/genba",
        "/opt/genba/genba-desktop",
        "/usr/share/applications/genba.desktop",
        "/usr/share/icons/hicolor/48x48/apps/genba.png",
        "/usr/share/icons/hicolor/scalable/apps/genba.svg",
        str(CONFFILE),
        "/lib/systemd/system/genba-update.service",
        "/lib/systemd/system/genba-update.timer",
        "/usr/share/doc/genba/copyright",
        "/usr/share/doc/genba/changelog.gz",
        "/usr/share/lintian/overrides/genba",
    ):
        assert path in entries, f"{path} not in the package"
    assert entries["/opt/genba/genba"][0] == "-rwxr-xr-x"
    assert entries["/opt/genba/_internal/libpython3.11.so.1.0"][0] == "-rw-r--r--"
    assert entries["/usr/bin/genba"][5].endswith("-> /opt/genba/genba")
    assert entries["/usr/bin/genba-desktop"][5].endswith("-> /opt/genba/genba-desktop")
    assert {row[1] for row in rows} == {"root/root"}
    assert not any(path.startswith("/var/lib/genba") for path in entries)  # postinst makes it
    assert not any(path.startswith(("/home", "/root")) for path in entries)


def test_conffile_is_a_sample_that_sets_no_policy(deb: Path, tmp_path: Path) -> None:
    _run("dpkg-deb", "--extract", str(deb), str(tmp_path))
    sample = tmp_path / CONFFILE.relative_to("/")
    lines = sample.read_text(encoding="utf-8").splitlines()
    assert all(not line.strip() or line.lstrip().startswith("#") for line in lines)
    assert any("allow_user_models" in line for line in lines)  # the sample's keys are all there
    layer = read_layer(sample, is_policy=True)
    assert layer.values == {}
    assert layer.problems == []
    assert _run("dpkg-deb", "--ctrl-tarfile", str(deb))  # readable control archive
    conffiles = subprocess.run(
        ["dpkg-deb", "--info", str(deb), "conffiles"], capture_output=True, text=True, check=True
    ).stdout
    assert conffiles.split() == [str(CONFFILE)]


def test_same_inputs_same_bytes(deb: Path, tmp_path: Path) -> None:
    again = _build(tmp_path, "0.1.0")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(deb.read_bytes()).digest()


def test_bad_payload_and_version_are_one_line(tmp_path: Path) -> None:
    for args, needle in (
        (["--payload", str(tmp_path / "missing")], "make package"),
        (["--stub", str(tmp_path / "s"), "--version", "v1"], "not a Debian version"),
    ):
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *args, "--out", str(tmp_path / "o")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2
        assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1


def _installed_genba() -> str | None:
    return _status("genba")


def _status(package: str) -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Abbrev}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None if done.returncode == 0 else None


def _depends(deb: Path) -> list[str]:
    field = _run("dpkg-deb", "--field", str(deb), "Depends")
    return [dep.split("|")[0].split()[0] for dep in field.split(",")]


@pytest.fixture
def dpkg_cycle(deb: Path) -> Iterator[None]:
    if shutil.which("dpkg") is None or os.geteuid() != 0:
        pytest.skip("installing a package needs root and dpkg (the CI runs as root on Debian)")
    if _installed_genba() not in (None, "un"):
        pytest.skip("a genba package is installed on this machine; not touching it")
    missing = [name for name in _depends(deb) if _status(name) != "ii"]
    if missing:
        pytest.skip(f"the package's Depends are not installed: apt-get install {' '.join(missing)}")
    if STORE.exists() or CONFFILE.exists():
        pytest.skip(f"{STORE} or {CONFFILE} exists without the package; not touching it")
    try:
        yield
    finally:
        subprocess.run(["dpkg", "--purge", "genba"], capture_output=True, check=False)


def test_install_upgrade_remove_purge(dpkg_cycle: None, deb: Path, tmp_path: Path) -> None:
    home = tmp_path / "home" / "operator"
    operator_data = home / ".local" / "share" / "genba" / "history.sqlite3"
    operator_data.parent.mkdir(parents=True)
    operator_data.write_text("an operator's history", encoding="utf-8")
    env = {**os.environ, "HOME": str(home)}

    _run("dpkg", "-i", str(deb), env=env)
    assert _installed_genba() == "ii"
    assert _run("/usr/bin/genba", "--version").strip() == "genba stub --version"
    assert Path("/usr/bin/genba-desktop").resolve() == Path("/opt/genba/genba-desktop")
    assert (STORE / "models").is_dir() and (STORE / "models").stat().st_mode & 0o777 == 0o755
    assert CONFFILE.is_file()
    if shutil.which("deb-systemd-helper"):
        assert TIMER_LINK.is_symlink(), "postinst did not enable the update timer"

    # An administrator edits the conffile; the upgrade keeps it (unchanged upstream: no prompt).
    CONFFILE.write_text(CONFFILE.read_text(encoding="utf-8") + "# site edit\n", encoding="utf-8")
    (STORE / "models" / "current.json").write_text("{}", encoding="utf-8")
    upgrade = _build(tmp_path, "0.1.1", out="up")
    _run("dpkg", "-i", "--force-confold", str(upgrade), env=env)
    assert _run("dpkg-query", "-W", "-f=${Version}", "genba") == "0.1.1"
    assert CONFFILE.read_text(encoding="utf-8").endswith("# site edit\n")
    assert (STORE / "models" / "current.json").is_file()

    _run("dpkg", "-r", "genba", env=env)
    assert not Path("/opt/genba/genba").exists() and not Path("/usr/bin/genba").exists()
    assert CONFFILE.is_file(), "remove must keep the conffile"
    assert (STORE / "models" / "current.json").is_file(), "remove must keep the machine store"
    assert operator_data.read_text(encoding="utf-8") == "an operator's history"

    _run("dpkg", "-P", "genba", env=env)
    assert _installed_genba() in (None, "un")
    assert not CONFFILE.exists() and not STORE.exists()
    assert not TIMER_LINK.exists() and not TIMER_LINK.is_symlink()
    assert operator_data.read_text(encoding="utf-8") == "an operator's history"


SERVICE_UNIT = Path("/lib/systemd/system/genba-update.service")
DROP_IN = Path("/etc/genba/policy.d/50-test-update-service.toml")
MACHINE_POINTER = STORE / "models" / "current.json"
RETRAINED = "genba tiny test MoE, retrained experts"
SOURCE_GENBA = """#!/bin/sh
# this checkout's genba CLI, standing in for the frozen program
PYTHONPATH={root} exec {python} -m engine.cli "$@"
"""


def _source_payload(tmp: Path) -> Path:
    """The stub folder with a ``genba`` that runs this checkout's CLI (the desktop stays a stub)."""
    _build(tmp, "0.1.0", out="first")  # writes tmp/stub
    program = tmp / "stub" / "genba"
    program.write_text(SOURCE_GENBA.format(root=ROOT, python=sys.executable), encoding="utf-8")
    return tmp / "stub"


def _machine_version() -> str:
    from updater.pointer import read_pointer

    pointer = read_pointer(MACHINE_POINTER)
    assert pointer is not None
    return pointer.current.version


def _answer(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.answer_completed, timeout=60_000) as blocker:
        assert window.send("Status of line 3?")
    assert not isinstance(blocker.args[0], str), blocker.args[0]


def test_the_timer_s_service_updates_the_machine_store_and_a_running_window_follows(
    dpkg_cycle: None, qtbot: Any, tmp_path: Path
) -> None:
    """The .deb's update service, run as systemd would, with no operator session.

    Version 1 arrives by full download into the empty machine store; an operator's window
    (policy ``model.store = "machine"``) answers with it; version 2 is published with an
    expert diff; an hour later the service builds it from the diff and switches the
    machine pointer; the same window's next answer names the new model.
    """
    from desktop.main_window import MainWindow
    from engine.paths import Paths
    from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe
    from tests.installers.unit_runner import run_service
    from tests.updater.testkit import CHANGED, RepoServer, derive_model
    from updater.repository import PublisherRepository

    _run("dpkg", "-i", str(_build(tmp_path, "0.1.0", payload=_source_payload(tmp_path))))
    made = tmp_path / "models"
    made.mkdir()
    base = build_tiny_moe(made / "base.gguf")
    donor = build_tiny_moe(made / "donor.gguf", TinyMoESpec(seed=7))
    new = derive_model(base, donor, made / "new.gguf", CHANGED, new_name=RETRAINED)
    repo = PublisherRepository.create(tmp_path / "repo")
    repo.add_version(base, "1")
    server = RepoServer(repo.root / "published")
    window = None
    try:
        DROP_IN.write_text(
            '[model]\nstore = "machine"\n\n[updates]\n'
            f'repository_url = "{server.url}"\n'
            f'trusted_root = "{repo.metadata_dir / "1.root.json"}"\n'
            "check_interval_h = 1\n",
            encoding="utf-8",
        )
        first = run_service(SERVICE_UNIT)
        assert first.returncode == 0, first.stderr
        assert _machine_version() == "1"
        model_file = STORE / "models" / "base-1.gguf"
        assert not [p for p in (STORE / "models").iterdir() if p.stat().st_mode & 0o022]
        assert model_file.stat().st_mode & 0o777 == 0o644  # operators read it
        again = run_service(SERVICE_UNIT)  # the next hourly run: not due yet
        assert again.returncode == 0 and "next check due" in again.stdout, again.stdout

        window = MainWindow(Paths.default(), model_path=None, updates=False, max_tokens=8)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_ready, timeout=30_000)
        _answer(qtbot, window)
        assert RETRAINED not in window.status.model_label.full_text()

        repo.add_version(new, "2", diff_from=["1"])
        state_file = STORE / "updates" / "state.json"
        state = json.loads(state_file.read_text(encoding="utf-8"))
        hour_ago = datetime.now(UTC) - timedelta(hours=1, minutes=5)
        state["last_check"] = hour_ago.isoformat(timespec="seconds")  # an hour passes
        state_file.write_text(json.dumps(state), encoding="utf-8")
        second = run_service(SERVICE_UNIT)
        assert second.returncode == 0, second.stderr
        assert _machine_version() == "2"
        diffs = [path for path in server.requests if path.endswith("1..2.gdiff")]
        assert diffs, server.requests  # built from the expert diff, not downloaded whole

        _answer(qtbot, window)  # between answers the engine follows the machine pointer
        qtbot.waitUntil(lambda: RETRAINED in window.status.model_label.full_text(), timeout=10_000)
    finally:
        if window is not None:
            window.shutdown()
        server.close()
        DROP_IN.unlink(missing_ok=True)
