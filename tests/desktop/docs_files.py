"""Real documents for the window's document tests: PDFs drawn with Qt, Markdown and text files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter


def write_pdf(path: Path, pages: list[str], title: str = "") -> Path:
    """A PDF with one text per page (real text, so pdfium extracts and renders it).

    ``title`` goes in the document's metadata (the index's title); default: the first line.
    """
    writer = QPdfWriter(str(path))
    writer.setTitle(title or pages[0].splitlines()[0])
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
        )
    )
    writer.setResolution(72)
    painter = QPainter(writer)
    # DejaVu Sans: with Noto Sans CJK JP as the first family Qt writes digits pdfium cannot map
    # back to text; Japanese still comes out right through Qt's font fallback.
    font = QFont("DejaVu Sans")
    font.setPointSize(12)
    painter.setFont(font)
    for number, text in enumerate(pages):
        if number:
            writer.newPage()
        y = 40
        for line in text.splitlines():
            painter.drawText(20, y, line)
            y += 18
    painter.end()
    return path


MANUAL_PAGES = [
    "Line 3 press manual\nGeneral safety rules for the press line.",
    "Flange bolts\nTighten the M8 flange bolts on line 3 to 25 N·m in a star pattern.\n"
    "Check the torque wrench calibration sticker first.",
    "Cleaning\nClean the die with a dry cloth at the end of each shift.",
]
"""A three-page manual: the torque answer is on page 2."""


def torque_source(pdf: Path) -> dict[str, object]:
    """The passage a search for the M8 torque finds in :data:`MANUAL_PAGES`, as a Passage dict."""
    return {
        "path": str(pdf),
        "title": "Line 3 press manual",
        "kind": "pdf",
        "page": 2,
        "heading": "",
        "text": "Tighten the M8 flange bolts on line 3 to 25 N·m in a star pattern.",
        "score": 3.5,
        "source": str(pdf.parent),
    }
