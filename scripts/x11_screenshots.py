"""Screenshots of the real window in a real X server, driven by keyboard as an operator would.

    .venv/bin/python scripts/x11_screenshots.py --out docs/screenshots/x11 [--model PATH]

Starts Xvfb (1280×800) with openbox, then for English and Japanese at 100 % and
200 % text opens the window on the model (default: the installed default model)
under a throw-away genba folder with a policy that locks the answer mode, and
drives it with xdotool only (keys and typing, no calls into the app): the
welcome page with the demo notice, a question whose answer is cut short by the
length limit (with Continue), the same answer after Continue, and the settings
dialog with a locked setting and its explanation. Each state is captured from
the X server's root window with ImageMagick's ``import``, so what is saved is
what the screen showed.

Needs Debian's xvfb, openbox, xdotool and imagemagick. The answer length is
set low (``--max-tokens``) so that the cut-short state is reached quickly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from x11_drive import XDriver, expect, missing_tool, x_server  # scripts/, beside this file

REPO = Path(__file__).resolve().parent.parent
DISPLAY = ":97"
SCREEN = "1280x800x24"
X = XDriver(DISPLAY)
QUESTIONS = {
    "en": "Write a long checklist for starting the press line in the morning.",
    "ja": "朝のプレスライン始業点検のチェックリストを詳しく書いてください。",
}
POLICY = """\
[experts]
mode = "balanced"
"""


def _child(home: Path, model: Path, max_tokens: int) -> int:
    """The app itself (runs in the X server): the real window on folders under ``home``."""
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow
    from desktop.theme import app_icon
    from engine.paths import Paths

    app = QApplication(sys.argv[:1])
    app.setApplicationName("genba")
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    window = MainWindow(Paths.under(home), model_path=model, max_tokens=max_tokens, updates=False)
    window.resize(1100, 760)
    window.show()
    # Observation only (the parent drives by X input): say when the model is ready and when
    # an answer has ended, so the parent captures settled states instead of guessing times.
    ready = QTimer(window)
    ready.timeout.connect(lambda: _say("ready", ready) if window._model_ready else None)
    ready.start(100)
    window.answer_completed.connect(lambda _final: _say("answered"))
    return app.exec()


def _say(event: str, timer: QTimer | None = None) -> None:
    if timer is not None:
        timer.stop()
    print(event, flush=True)


def _one(
    out: Path, lang: str, scale: int, *, model: Path, max_tokens: int, wait_s: float
) -> None:
    from engine.paths import Paths
    from engine.settings import save_user_setting

    with tempfile.TemporaryDirectory(prefix="genba-x11-") as tmp:
        home = Path(tmp)
        paths = Paths.under(home)
        save_user_setting(paths, "ui.language", lang)
        save_user_setting(paths, "ui.font_scale", scale)
        paths.policy_dir.mkdir(parents=True, exist_ok=True)
        paths.policy_file.write_text(POLICY, encoding="utf-8")
        # The CPU backend this machine already chose (skips the self-test in the new folder).
        chosen = Paths.default().cpu_backend_file
        if chosen.is_file():
            paths.cpu_backend_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(chosen, paths.cpu_backend_file)
        env = dict(os.environ, DISPLAY=DISPLAY, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
        app = subprocess.Popen(
            [sys.executable, __file__, "--child", str(home), "--model", str(model),
             "--max-tokens", str(max_tokens)],
            env=env, stdout=subprocess.PIPE, text=True,
        )
        assert app.stdout is not None
        try:
            X.wait_for_window("genba")
            expect(app.stdout, "ready", "x11_screenshots")
            time.sleep(wait_s)  # let the page switch and layout settle
            tag = f"{lang}-{scale}"
            X.shot(out, f"welcome-{tag}")
            X.type(QUESTIONS[lang])
            X.key("Return")
            expect(app.stdout, "answered", "x11_screenshots")
            time.sleep(wait_s)
            X.shot(out, f"cut-short-{tag}")
            X.key("ctrl+shift+Return")  # Continue
            expect(app.stdout, "answered", "x11_screenshots")
            time.sleep(wait_s)
            X.shot(out, f"continued-{tag}")
            X.key("ctrl+comma")
            time.sleep(1.5)
            X.shot(out, f"locked-{tag}")
            X.key("Escape")
        finally:
            app.terminate()
            app.wait(20)


def main() -> int:
    """Parse options; as parent start the X server and drive each language and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "x11")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--max-tokens", type=int, default=40)
    parser.add_argument("--wait", type=float, default=1.5, help="seconds for layouts to settle")
    parser.add_argument("--only", help="one run, e.g. en-100")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model is None:
        from engine.paths import Paths
        from engine.service import resolve_model_path

        args.model = resolve_model_path(Paths.default())
    if args.child is not None:
        return _child(args.child, args.model, args.max_tokens)
    problem = missing_tool()
    if problem is not None:
        print(f"x11_screenshots: {problem}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with x_server(DISPLAY, SCREEN):
        for scale in (100, 200):
            for lang in ("en", "ja"):
                if args.only and args.only != f"{lang}-{scale}":
                    continue
                _one(
                    args.out, lang, scale,
                    model=args.model, max_tokens=args.max_tokens, wait_s=args.wait,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
