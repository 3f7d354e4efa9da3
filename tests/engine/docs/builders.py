"""Real document files for the document tests: PDFs drawn with Qt, DOCX with python-docx.

Tests may import PySide6 (the engine may not). PDFs are written with ``QPdfWriter``: real
text objects with embedded fonts (Noto CJK for Japanese, installed by
``scripts/system-deps.sh``), one page per string.
"""

from __future__ import annotations

import os
from pathlib import Path


def make_pdf(path: Path, pages: list[str], *, title: str = "") -> Path:
    """A PDF at ``path`` with one page per string, one line per ``\\n`` (keep lines short)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFont, QGuiApplication, QPageSize, QPainter, QPdfWriter

    if QGuiApplication.instance() is None:
        raise RuntimeError("make_pdf needs a Qt application (use the qapp fixture)")
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # 300 dpi and DejaVu Sans (Japanese falls back to Noto CJK): at 72 dpi pdfium loses the
    # spaces between words, and Noto CJK's Latin digits come out without a Unicode mapping.
    writer.setResolution(300)
    if title:
        writer.setTitle(title)
    painter = QPainter(writer)
    try:
        font = QFont("DejaVu Sans")
        font.setPointSize(10)
        painter.setFont(font)
        spacing = painter.fontMetrics().lineSpacing() * 1.4
        for number, text in enumerate(pages):
            if number:
                writer.newPage()
            # One drawText per line at a point: a wrapped QRectF layout loses spaces in pdfium.
            for line_number, line in enumerate(text.split("\n")):
                painter.drawText(QPointF(150, 250 + line_number * spacing), line)
    finally:
        painter.end()
    return path


def make_docx(path: Path) -> Path:
    """A Word file: title, two headings, a table and an explicit page break (3 pages)."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Line 3 assembly"
    document.add_heading("Flange bolts", level=1)
    document.add_paragraph("Tighten the M8 flange bolts on line 3 crosswise in two passes.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Bolt"
    table.cell(0, 1).text = "Torque"
    table.cell(1, 0).text = "M8 flange"
    table.cell(1, 1).text = "25 N·m"
    run = document.add_paragraph().add_run()
    run.add_break(WD_BREAK.PAGE)
    document.add_heading("検査", level=2)
    document.add_paragraph("外観検査では塗装の剥がれを確認する。")
    document.add_page_break()
    document.add_paragraph("Page three: cleaning the hydraulic unit once a week.")
    document.save(str(path))
    return path
