"""Driving genba's real window in a throw-away X server: the helpers both screenshot scripts use.

:func:`x_server` starts Xvfb and openbox on a display and stops them; :class:`XDriver`
types, presses keys, clicks and captures the screen there (xdotool, ImageMagick's
``import``); :func:`expect` waits for the app's report line on its stdout. The app
only reports what it shows; every action is X input.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TOOLS = ("Xvfb", "openbox", "xdotool", "import")


def missing_tool() -> str | None:
    """What to install when a tool this needs is missing (None when all are there)."""
    tool = next((tool for tool in TOOLS if shutil.which(tool) is None), None)
    if tool is None:
        return None
    return f"{tool} is missing; apt-get install xvfb openbox xdotool imagemagick"


@contextlib.contextmanager
def x_server(display: str, screen: str = "1280x800x24") -> Iterator[None]:
    """Xvfb on ``display`` with openbox as its window manager, for the ``with`` block."""
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", screen, "-nolisten", "tcp"])
    time.sleep(1.0)
    wm = subprocess.Popen(["openbox"], env=dict(os.environ, DISPLAY=display))
    time.sleep(1.0)
    try:
        yield
    finally:
        wm.terminate()
        xvfb.terminate()
        xvfb.wait(10)


class XDriver:
    """X input and screen captures on one display, each followed by a pause to settle."""

    def __init__(self, display: str) -> None:
        self.display = display

    def run(self, *cmd: str, check: bool = True) -> str:
        """Run ``cmd`` against the display; its stdout."""
        env = dict(os.environ, DISPLAY=self.display)
        done = subprocess.run(cmd, env=env, check=check, capture_output=True, text=True,
                              timeout=60)
        return done.stdout

    def key(self, *keys: str) -> None:
        """Press ``keys`` (xdotool names, e.g. ``ctrl+shift+f``)."""
        self.run("xdotool", "key", "--clearmodifiers", *keys)
        time.sleep(0.5)

    def type(self, text: str) -> None:
        """Type ``text`` as keystrokes."""
        self.run("xdotool", "type", "--delay", "40", text)
        time.sleep(0.4)

    def click(self, x: int, y: int) -> None:
        """Click the left button at screen position (``x``, ``y``)."""
        self.run("xdotool", "mousemove", str(x), str(y), "click", "1")
        time.sleep(0.5)

    def wait_for_window(self, name: str) -> None:
        """Wait until a visible window whose title contains ``name`` is mapped."""
        self.run("xdotool", "search", "--sync", "--onlyvisible", "--name", name)

    def shot(self, out: Path, name: str) -> Path:
        """Capture the whole screen as ``out/name.png``."""
        path = out / f"{name}.png"
        self.run("import", "-window", "root", str(path))
        print(f"wrote {path}")
        return path


def expect(stream: IO[str], event: str, who: str) -> list[str]:
    """Wait for the app's line starting with ``event``; the words after it.

    ``who`` names the script in the message when the app ends first.
    """
    for line in stream:
        words = line.split()
        if words and words[0] == event:
            return words[1:]
    raise SystemExit(f"{who}: the app ended before '{event}'")
