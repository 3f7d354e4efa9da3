"""Screenshots of the site's documents in the real window, in a real X server (issue 17).

    .venv/bin/python scripts/x11_docs_screenshots.py --out docs/screenshots/x11 [--model PATH]

Starts Xvfb (1280×800) with openbox on display :57, writes a small set of site documents
(a three-page PDF manual, a Markdown instruction, a Japanese safety rule, an empty file and
a damaged PDF) into a throw-away genba folder as the operator's own document folder, and
opens the real window on the model (default: the installed default model). The window
indexes the documents in the background; then, driven by xdotool (typing, keys, clicks on
the positions the app reports), it captures from the X server with ImageMagick's ``import``:

* ``docs-answer-en.png`` (150 % text) and ``docs-answer-ja.png`` (200 %): a question and its
  answer with the sources under it;
* ``docs-viewer.png``: the first source opened (the PDF page, the passage highlighted);
* ``docs-search.png``: Search documents (Ctrl+Shift+F) for the typed words, no model asked;
* ``docs-status.png``: the status line "Documents: 3 indexed" with the skipped files' list.

The app only reports what it shows ("ready", "answered", where a link or button is); every
action is X input. Needs Debian's xvfb, openbox, xdotool and imagemagick.
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

from x11_drive import XDriver, expect, missing_tool, x_server  # scripts/, beside this file

REPO = Path(__file__).resolve().parent.parent
DISPLAY = ":57"
SCREEN = "1280x800x24"
X = XDriver(DISPLAY)
QUESTIONS = {
    "en": "What torque for the M8 flange bolts on line 3?",
    "ja": "ライン3のM8フランジボルトの締付トルクは？",
}
SEARCH = {"en": "booth filters", "ja": "保護メガネ"}
MANUAL = [
    "Line 3 press manual\nGeneral safety rules for the press line.",
    "Flange bolts\nTighten the M8 flange bolts on line 3 to 25 N·m in a star pattern.\n"
    "Check the torque wrench calibration sticker first.",
    "Cleaning\nClean the die with a dry cloth at the end of each shift.",
]


def _write_documents(folder: Path) -> None:
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

    folder.mkdir(parents=True)
    writer = QPdfWriter(str(folder / "press-manual.pdf"))
    writer.setTitle("Line 3 press manual")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15)))
    writer.setResolution(72)
    painter = QPainter(writer)
    font = QFont("DejaVu Sans")
    font.setPointSize(14)
    painter.setFont(font)
    for number, text in enumerate(MANUAL):
        if number:
            writer.newPage()
        for row, line in enumerate(text.splitlines()):
            painter.drawText(40, 60 + 24 * row, line)
    painter.end()
    (folder / "paint-booth.md").write_text(
        "# Paint booth\n\n## Filters\n\nReplace the booth filters every 200 hours and write "
        "the date on the filter frame.\n", encoding="utf-8")
    (folder / "締付基準.md").write_text(
        "# 締付基準\n\n## ライン3\n\nライン3 の M8 フランジボルトの締付トルクは 25 N·m。"
        "対角の順に締め付ける。\n\n## 保護具\n\n作業中は保護メガネを必ず着用すること。\n",
        encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "scan-damaged.pdf").write_bytes(b"%PDF-1.7\n(truncated)")


def _child(home: Path, model: Path, max_tokens: int) -> int:
    """The app (runs in the X server); it reports states and positions on stdout."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow
    from desktop.theme import app_icon
    from engine.paths import Paths

    app = QApplication(sys.argv[:1])
    app.setApplicationName("genba")
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    window = MainWindow(Paths.under(home), model_path=model, max_tokens=max_tokens, updates=False)
    window.resize(1240, 770)
    window.show()

    def ready() -> None:
        if window.model_ready and window.docs.indexer.last is not None:
            timer.stop()
            print("ready", flush=True)

    timer = QTimer(window)
    timer.timeout.connect(ready)
    timer.start(100)

    def where_is_source() -> None:
        chat = window.chat
        # Scroll the answer's top to the top of the view: the question's end, the answer and
        # its sources on screen (what an operator sees after scrolling up a little).
        answer = QTextCursor(chat.document())
        answer.setPosition(chat._frames[-1].firstPosition())
        bar = chat.verticalScrollBar()
        bar.setValue(bar.value() + chat.cursorRect(answer).top() - 40)
        cursor = chat.document().find("[1]", 0)
        if cursor.isNull():
            print("link -1 -1", flush=True)
            return
        rect = chat.cursorRect(cursor)
        if rect.bottom() > chat.viewport().height():  # large text: the sources first
            bar.setValue(bar.value() + rect.top() - 3 * rect.height())
            rect = chat.cursorRect(cursor)
        point = chat.viewport().mapToGlobal(rect.center())
        print(f"link {point.x() + 20} {point.y()}", flush=True)

    def answered(_final: object) -> None:
        QTimer.singleShot(300, where_is_source)

    window.answer_completed.connect(answered)
    button = window.docs_status.skipped_button

    def where_is_skipped() -> None:
        point = button.mapToGlobal(button.rect().center())
        print(f"skipped {point.x()} {point.y()}", flush=True)

    window.docs.search_shown.connect(lambda: QTimer.singleShot(300, where_is_skipped))
    return app.exec()


def _docset_question(lang: str) -> str:
    """The first question of the test document set in ``lang`` (ja-01, en-01: PDF page 2)."""
    sys.path.insert(0, str(REPO))
    from bench.docs_set import load_questions

    return str(next(q.text for q in load_questions() if q.id == f"{lang}-01"))


def _one(
    out: Path, lang: str, scale: int, *, model: Path, max_tokens: int, full: bool,
    docset: bool = False,
) -> None:
    from engine.paths import Paths
    from engine.settings import save_user_setting

    with tempfile.TemporaryDirectory(prefix="genba-x11-docs-") as tmp:
        home = Path(tmp)
        paths = Paths.under(home)
        env = dict(os.environ, DISPLAY=DISPLAY, QT_QPA_PLATFORM="offscreen")
        subprocess.run(
            [sys.executable, __file__, "--write-docs", str(home / "site-docs"),
             *(["--docset"] if docset else [])],
            env=env, check=True,
        )
        save_user_setting(paths, "docs.personal_folders", [str(home / "site-docs")])
        save_user_setting(paths, "ui.language", lang)
        save_user_setting(paths, "ui.font_scale", scale)
        chosen = Paths.default().cpu_backend_file  # skip the CPU self-test in the new folder
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
            expect(app.stdout, "ready", "x11_docs_screenshots")
            time.sleep(1.5)
            X.type(_docset_question(lang) if docset else QUESTIONS[lang])
            X.key("Return")
            x, y = (int(v) for v in expect(app.stdout, "link", "x11_docs_screenshots"))
            time.sleep(1.0)
            X.shot(out, f"docset-answer-{lang}" if docset else f"docs-answer-{lang}")
            if not full:
                return
            X.click(x, y)  # the first source: the viewer at its page
            time.sleep(3.0)
            X.shot(out, "docs-viewer")
            X.key("Escape")
            X.key("ctrl+l")
            X.key("ctrl+a")
            X.type(SEARCH[lang])
            X.key("ctrl+shift+f")
            x, y = (int(v) for v in expect(app.stdout, "skipped", "x11_docs_screenshots"))
            time.sleep(1.0)
            X.shot(out, "docs-search")
            X.click(x, y)  # "2 skipped": which files and why
            time.sleep(1.5)
            X.shot(out, "docs-status")
            X.key("Escape")
        finally:
            app.terminate()
            app.wait(20)


def main() -> int:
    """Parse options; as parent start the X server and drive the window."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "x11")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--max-tokens", type=int, default=60)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write-docs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--docset", action="store_true",
        help="index the bench's test document set (bench/docs_set) and ask two of its questions "
        "(ja-01, en-01); writes docset-answer-ja.png and docset-answer-en.png",
    )
    args = parser.parse_args()
    if args.write_docs is not None:
        from PySide6.QtWidgets import QApplication

        _app = QApplication(sys.argv[:1])
        if args.docset:
            sys.path.insert(0, str(REPO))
            from bench.docs_set import make_docset

            make_docset(args.write_docs)
        else:
            _write_documents(args.write_docs)
        return 0
    if args.model is None:
        from engine.paths import Paths
        from engine.service import resolve_model_path

        args.model = resolve_model_path(Paths.default())
    if args.child is not None:
        return _child(args.child, args.model, args.max_tokens)
    problem = missing_tool()
    if problem is not None:
        print(f"x11_docs_screenshots: {problem}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with x_server(DISPLAY, SCREEN):
        if args.docset:
            for lang, scale in (("ja", 150), ("en", 150)):
                _one(args.out, lang, scale, model=args.model, max_tokens=args.max_tokens,
                     full=False, docset=True)
            return 0
        _one(args.out, "en", 150, model=args.model, max_tokens=args.max_tokens, full=True)
        _one(args.out, "ja", 200, model=args.model, max_tokens=args.max_tokens, full=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
