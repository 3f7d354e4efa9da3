"""Release checks on the artifacts `make dist` built: run by `make dist-check`, skipped otherwise.

The frozen app takes ~10 minutes to build, too long for every CI run, so these tests run
against a finished ``build/dist`` (``GENBA_DIST_DIR``) on the build machine. They answer
with the built-in default model (``GENBA_DIST_MODEL``, or the one genba built in this
user's store) from the AppImage, through FUSE and with FUSE absent, and open the window
from the AppImage in a real X server (Xvfb), saving a screenshot next to the artifacts.
The fast tests of the same parts on small stand-ins run in every CI run
(tests/installers/test_appimage.py, test_deb.py, test_msi.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DIST = Path(os.environ.get("GENBA_DIST_DIR", "")) if os.environ.get("GENBA_DIST_DIR") else None
APPIMAGE = DIST / "genba-x86_64.AppImage" if DIST else None
DISPLAY = ":95"
TITLE = "genba — shop-floor assistant"

pytestmark = pytest.mark.skipif(
    APPIMAGE is None or not APPIMAGE.is_file(),
    reason="release check: run `make dist` then `make dist-check` (GENBA_DIST_DIR unset)",
)


@pytest.fixture(scope="module")
def model() -> Path:
    named = os.environ.get("GENBA_DIST_MODEL")
    if named:
        return Path(named)
    import platformdirs

    built = Path(platformdirs.user_data_dir("genba", appauthor=False)) / "models"
    found = sorted(built.glob("genba-*.gguf"))
    if not found:
        pytest.skip("no default model: run `genba models build-default` or set GENBA_DIST_MODEL")
    return found[0]


def _ask(model: Path, tmp_path: Path, *prefix: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert APPIMAGE is not None
    cmd = [*prefix, str(APPIMAGE), "ask", "--model", str(model), "--max-tokens", "12",
           "--temperature", "0", "What should I check before starting the press?"]  # fmt: skip
    return subprocess.run(
        cmd,
        env={**os.environ, "GENBA_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_genba_ask_answers_from_the_appimage_through_fuse(model: Path, tmp_path: Path) -> None:
    done = _ask(model, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "no answer"
    assert "FUSE is not available" not in done.stderr


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs unshare")
def test_genba_ask_answers_with_fuse_absent(model: Path, tmp_path: Path) -> None:
    # A private mount namespace with an empty /dev: this PC has no FUSE at all.
    hide = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none /dev && exec "$0" "$@"']
    done = _ask(model, tmp_path, *hide)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "no answer"
    assert "FUSE is not available" in done.stderr  # it said so, then extracted and ran


@pytest.fixture
def xserver() -> Iterator[dict[str, str]]:
    for tool in ("Xvfb", "xdotool", "import"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} missing: apt-get install xvfb xdotool imagemagick")
    server = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
    time.sleep(1.0)
    try:
        yield {**os.environ, "DISPLAY": DISPLAY}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_log(folder: Path, text: str, app: subprocess.Popen[bytes]) -> None:
    """Wait until the app's log says ``text`` (the window's own account of its state)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for log in folder.glob("*.log"):
            if text in log.read_text(encoding="utf-8", errors="replace"):
                return
        assert app.poll() is None, "the app ended"
        time.sleep(1)
    raise AssertionError(f"the log never said {text!r}")


def test_the_window_renders_from_the_appimage_in_a_real_x_server(
    model: Path, tmp_path: Path, xserver: dict[str, str]
) -> None:
    assert APPIMAGE is not None and DIST is not None
    env = {**xserver, "GENBA_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # the real X server, not offscreen
    app = subprocess.Popen([str(APPIMAGE), "--model", str(model)], env=env)
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "genba"],
            env=xserver, capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        window = found.stdout.split()[0]
        name = subprocess.run(
            ["xdotool", "getwindowname", window], env=xserver, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        assert name == TITLE
        log = tmp_path / "home" / "logs"
        _wait_for_log(log, "the window is ready to answer", app)
        subprocess.run(["xdotool", "windowactivate", "--sync", window], env=xserver, check=False)
        subprocess.run(
            ["xdotool", "type", "--delay", "40", "What should I check before starting the press?"],
            env=xserver, check=True,
        )  # fmt: skip
        subprocess.run(["xdotool", "key", "Return"], env=xserver, check=True)
        _wait_for_log(log, "decision:", app)
        time.sleep(20)  # a short answer streams in
        shot = DIST / "appimage-window.png"
        subprocess.run(["import", "-window", "root", str(shot)], env=xserver, check=True)
        colours = subprocess.run(
            ["identify", "-format", "%k", str(shot)], capture_output=True, text=True, check=True
        ).stdout
        assert int(colours) > 50, "the screen is blank: nothing was drawn"
        assert app.poll() is None, "the app ended"
    finally:
        app.terminate()
        app.wait(timeout=60)
