"""Start the desktop app: ``genba-desktop`` and ``python -m desktop``.

Options: ``--model PATH`` runs a given GGUF file; ``--screenshot DIR`` renders
the main states offscreen to PNG files and exits. On a machine with no display
(Linux without ``DISPLAY``/``WAYLAND_DISPLAY`` and no ``QT_QPA_PLATFORM``) it
says so in one line and starts the terminal chat (``genba chat``) instead of
failing inside Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.logging_setup import configure_logging
from engine.paths import Paths


def has_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """False on Linux/BSD with no X11/Wayland display and no explicit Qt platform."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat in ("win32", "darwin"):
        return True
    return any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def build_parser() -> argparse.ArgumentParser:
    """The command-line options of the desktop app."""
    parser = argparse.ArgumentParser(prog="genba-desktop", description="genba desktop app")
    parser.add_argument("--model", type=Path, help="GGUF model file to run")
    parser.add_argument(
        "--screenshot", type=Path, metavar="DIR", help="render the main states to DIR/*.png"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="open the window, wait until the model is loaded, print the time and quit "
        "(exit 1 when no model can answer): an install check for IT and a start-up benchmark",
    )
    return parser


SMOKE_TIMEOUT_MS = 300_000


def run_window(paths: Paths, model: Path | None, *, smoke: bool = False) -> int:
    """Open the window and run the Qt event loop (``smoke``: until the model is ready)."""
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow
    from desktop.theme import app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("genba")
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    window = MainWindow(paths, model_path=model)
    window.resize(1100, 760)
    window.show()
    if smoke:
        _quit_when_ready(app, window)
    return app.exec()


def _quit_when_ready(app: Any, window: Any) -> None:
    """Print how long the window took to be ready to answer, then end the event loop."""
    from PySide6.QtCore import QTimer

    started = time.monotonic()

    def done(ready: bool) -> None:
        seconds = time.monotonic() - started
        if ready:
            print(f"genba-desktop: ready to answer after {seconds:.2f} s")
        else:
            print(
                "genba-desktop: no model can answer; the window shows the first-run page",
                file=sys.stderr,
            )
        window.close()
        app.exit(0 if ready else 1)

    window.page_controller.model_ready_changed.connect(done)
    QTimer.singleShot(SMOKE_TIMEOUT_MS, lambda: done(False))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    paths = Paths.default()
    try:
        configure_logging(paths)
    except OSError as exc:  # a read-only profile must not stop the window, as in the CLI
        print(
            f"genba-desktop: cannot write the log file ({exc}); continuing without it",
            file=sys.stderr,
        )
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from desktop.screenshot import render_screenshots

        for png in render_screenshots(args.screenshot, model=args.model):
            print(f"wrote {png}")
        return 0
    if args.smoke and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # an install check needs no screen
    if not has_display():
        print(
            "genba-desktop: no display found (DISPLAY/WAYLAND_DISPLAY unset); "
            "starting the terminal chat instead.",
            file=sys.stderr,
        )
        from engine.cli import main as cli_main

        chat = ["chat"] if args.model is None else ["chat", "--model", str(args.model)]
        return cli_main(chat)
    return run_window(paths, args.model, smoke=args.smoke)
