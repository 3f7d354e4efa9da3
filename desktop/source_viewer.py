"""The source viewer: the document a passage came from, at its page, with the passage marked.

A PDF shows the page itself (drawn by :func:`engine.docs.render.render_page` on
a thread, sized to the window's text scale) and the page's text below it with
the passage highlighted; other formats show the section's text with the passage
highlighted. "Open in the default application" hands the file to the operating
system (``QDesktopServices.openUrl``): no portable way exists to ask a PDF viewer
for a page, so the dialog says which page to go to.

The dialog opens at once; the page is loaded on a daemon thread and shown when it
arrives. A file that was moved or deleted, or can no longer be read, is one plain
line in the dialog — never a crash, and the passage as indexed is still shown.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.source_list import source_title

log = logging.getLogger(__name__)

PAGE_WIDTH = 760
"""The page image's width in pixels at 100 % text (scaled with the text size)."""

_HIGHLIGHT = "background-color:#ffe066;color:#000000"


@dataclass(frozen=True)
class LoadedSource:
    """What the loading thread found: the page image, the text around the passage, or a problem."""

    problem: str = ""  # "", "missing" or "unreadable"
    image: Any = None  # engine.docs.render.RenderedPage
    context: str = ""  # the page's or section's text
    pages: int = 0


def load_source(source: Mapping[str, Any], width: int) -> LoadedSource:
    """Read what the viewer shows for ``source`` (runs on a thread; never raises)."""
    path = Path(str(source.get("path") or ""))
    page = source.get("page")
    try:
        if not path.is_file():
            return LoadedSource("missing")
        if source.get("kind") == "pdf" and isinstance(page, int) and page > 0:
            from engine.docs.render import page_text, render_page

            image = render_page(path, page, width=width)
            return LoadedSource(image=image, context=page_text(path, page), pages=image.pages)
        return LoadedSource(context=_section_text(path, source))
    except FileNotFoundError:
        return LoadedSource("missing")
    except Exception as exc:  # a damaged or changed file: say so, keep the indexed passage
        log.warning("source %s cannot be shown: %s", path, exc)
        return LoadedSource("unreadable")


def _section_text(path: Path, source: Mapping[str, Any]) -> str:
    """The section holding the passage, from the document as it is now ("" if not found)."""
    from engine.docs.extract import extract

    extracted = extract(path, max_bytes=path.stat().st_size + 1)
    passage = _pattern(str(source.get("text") or ""))
    heading = str(source.get("heading") or "")
    pages = extracted.pages
    for candidate in sorted(pages, key=lambda p: p.heading != heading):  # its heading first
        if passage is not None and passage.search(candidate.text):
            return candidate.text
    same = [p.text for p in pages if heading and p.heading == heading]
    return same[0] if same else ""


def _pattern(passage: str) -> re.Pattern[str] | None:
    """The passage as a pattern that ignores how whitespace was wrapped."""
    words = passage.split()
    if not words:
        return None
    return re.compile(r"\s*".join(re.escape(w) for w in words))


def highlighted_html(context: str, passage: str) -> str:
    """``context`` as HTML with ``passage`` marked; the passage alone when it is not in it."""
    pattern = _pattern(passage)
    match = pattern.search(context) if pattern is not None and context else None
    mark = f'<span style="{_HIGHLIGHT}">{{}}</span>'
    if match is None:
        return "<p>" + mark.format(_paragraphs(passage)) + "</p>"
    before, found, after = context[: match.start()], match.group(0), context[match.end() :]
    return (
        "<p>" + _paragraphs(before) + mark.format(_paragraphs(found)) + _paragraphs(after) + "</p>"
    )


def _paragraphs(text: str) -> str:
    return html.escape(text).replace("\n", "<br/>")


class _Courier(QObject):
    loaded = Signal(object)  # LoadedSource


class SourceViewer(QDialog):
    """One source: its page (PDFs), its text with the passage marked, and "Open"."""

    loaded = Signal()  # the page (or the problem) is on screen

    def __init__(
        self, source: Mapping[str, Any], parent: QWidget | None = None, *, font_scale: int = 100
    ) -> None:
        super().__init__(parent)
        self.source = dict(source)
        self.loaded_source: LoadedSource | None = None
        self.place = QLabel(self)
        self.place.setWordWrap(True)
        self.place.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setVisible(False)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.image_area = QScrollArea()
        self.image_area.setWidget(self.image)
        self.image_area.setWidgetResizable(True)
        self.image_area.setVisible(False)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setHtml(highlighted_html("", str(self.source.get("text") or "")))
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.image_area)
        self.split.addWidget(self.text)
        self.split.setChildrenCollapsible(False)
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(self.open_externally)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.place)
        layout.addWidget(self.problem)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.buttons)
        self._width = max(200, PAGE_WIDTH * max(100, min(200, font_scale)) // 100)
        fm = self.fontMetrics()
        self.resize(min(self._width + fm.height() * 4, 1240), fm.height() * 34)
        self._courier = _Courier(self)
        self._courier.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self.retranslate()
        threading.Thread(target=self._load, name="genba-source-viewer", daemon=True).start()

    def _load(self) -> None:
        """On the loading thread: read the source, hand it to the GUI thread."""
        loaded = load_source(self.source, self._width)
        with contextlib.suppress(RuntimeError):  # the dialog was closed and deleted meanwhile
            self._courier.loaded.emit(loaded)

    def retranslate(self) -> None:
        """The texts of the dialog in the current language."""
        title = source_title(self.source)
        self.setWindowTitle(self.tr("Source: {title}").format(title=title))
        path = str(self.source.get("path") or "")
        page = self.source.get("page")
        pages = self.loaded_source.pages if self.loaded_source else 0
        if isinstance(page, int) and page > 0 and pages:
            where = self.tr("Page {page} of {pages} — {path}").format(
                page=page, pages=pages, path=path
            )
        elif isinstance(page, int) and page > 0:
            where = self.tr("Page {page} — {path}").format(page=page, path=path)
        else:
            where = path
        self.place.setText(where)
        self.open_button.setText(self.tr("Open in the default application"))
        self.open_button.setToolTip(
            self.tr("Opens the file in the program set for it; go to page {page} there.").format(
                page=page
            )
            if isinstance(page, int) and page > 0
            else self.tr("Opens the file in the program set for it.")
        )
        self.image.setAccessibleName(self.tr("Page image"))
        self.text.setAccessibleName(self.tr("Text with the passage highlighted"))
        if self.loaded_source is not None and self.loaded_source.problem:
            self.problem.setText(self._problem_text(self.loaded_source.problem))

    def _problem_text(self, problem: str) -> str:
        if problem == "missing":
            return self.tr(
                "This document is no longer where it was indexed (moved or deleted). "
                "The passage below is as it was indexed."
            )
        return self.tr(
            "This document cannot be shown now (it changed or is damaged). "
            "The passage below is as it was indexed."
        )

    def _on_loaded(self, result: LoadedSource) -> None:
        self.loaded_source = result
        passage = str(self.source.get("text") or "")
        if result.problem:
            self.problem.setVisible(True)
            self.open_button.setEnabled(result.problem != "missing")
        elif result.image is not None:
            page = result.image
            rgb32 = QImage.Format.Format_RGB32  # BGRX bytes on little-endian machines
            image = QImage(page.data, page.width, page.height, page.stride, rgb32)
            self.pixmap = QPixmap.fromImage(image.copy())  # copy: the bytes are not kept alive
            self.image.setPixmap(self.pixmap)
            self.image_area.setVisible(True)
            self.split.setSizes([self.height() * 2 // 3, self.height() // 3])
        if not result.problem:
            self.text.setHtml(highlighted_html(result.context, passage))
            self._scroll_to_passage()
        self.retranslate()
        self.loaded.emit()

    def _scroll_to_passage(self) -> None:
        cursor = self.text.document().find(" ".join(str(self.source.get("text") or "").split()[:3]))
        if not cursor.isNull():
            self.text.setTextCursor(cursor)
            self.text.ensureCursorVisible()

    def open_externally(self) -> bool:
        """Hand the file to the program the operating system has for it."""
        path = str(self.source.get("path") or "")
        # The loading thread looked at the file (no stat here: a share may hang the GUI thread).
        if not path or (self.loaded_source is not None and self.loaded_source.problem == "missing"):
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(path))
