"""Write the test document set: ``python bench/docs_set/make_docset.py OUT_DIR``.

Twelve shop-floor documents (:mod:`bench.docs_set.content`) in the formats genba indexes:
multi-page PDF (Qt's QPdfWriter, Japanese in Noto Sans CJK JP), DOCX (python-docx, with
headings and a table), Markdown, text (the Japanese one in Shift-JIS, as old Windows PCs
write it) and HTML. The same call writes the same bytes (the PDFs' dates and ids are
fixed), so an index of the set is reproducible. Takes well under a second.

The PDFs need Qt (``scripts/system-deps.sh`` installs the fonts: fonts-noto-cjk for
Japanese, fonts-dejavu-core for Latin letters and digits — the CJK font's digits come out of
the PDF text layer garbled); a ``QApplication`` is created when none exists.
"""

from __future__ import annotations

import html
import io
import os
import re
import sys
import zipfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench.docs_set`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.docs_set.content import DOCS, Doc, Row

FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK JP"]
"""Latin text and digits from DejaVu, Japanese from Noto CJK (fallback per character)."""

_FIXED_DATE = "20260101000000"
_FIXED_UUID = "{6e3c1a8e-0000-4000-8000-000000000017}"


def make_docset(out: Path) -> list[Path]:
    """Write every document of the set into ``out`` (created); returns their paths in order."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in DOCS:
        path = out / doc.name
        _WRITERS[path.suffix](doc, path)
        written.append(path)
    return written


# -- PDF -------------------------------------------------------------------------------------
def _write_pdf(doc: Doc, path: Path) -> None:
    # Qt writes the PDF's fonts in hash order; a fixed seed makes the bytes reproducible
    # (read by Qt at its first hash, so it only helps when Qt is not yet in use).
    os.environ.setdefault("QT_HASH_SEED", "0")
    from PySide6.QtCore import QCoreApplication, QUuid
    from PySide6.QtGui import QFont, QPageSize, QPdfWriter, QTextDocument

    if QCoreApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        # Kept alive for the process: Qt wants one application object, and tests'
        # pytest-qt reuses it (a QApplication, so widgets work too).
        _keep.append(QApplication([]))
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(300)
    writer.setTitle(doc.title)
    writer.setCreator("genba test document set")
    writer.setDocumentId(QUuid(_FIXED_UUID))
    text = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(10)
    text.setDefaultFont(font)
    text.setHtml(_html_body(doc, page_breaks=True))
    text.print_(writer)
    del writer  # finishes the file
    _freeze_pdf(path)


_keep: list[object] = []


def _freeze_pdf(path: Path) -> None:
    """Replace the PDF's creation dates by a fixed one of the same length (offsets stay valid)."""
    data = path.read_bytes()
    data = re.sub(rb"D:\d{14}", b"D:" + _FIXED_DATE.encode(), data)
    data = re.sub(
        rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
        lambda m: b"2026-01-01T00:00:00"[: len(m.group())],
        data,
    )
    path.write_bytes(data)


# -- HTML (also the PDFs' layout) -------------------------------------------------------------
def _html_table(rows: tuple[Row, ...]) -> str:
    head, *body = rows
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    lines = [f"<tr>{cells}</tr>"]
    for row in body:
        lines.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    return '<table border="1" cellpadding="4" cellspacing="0">' + "".join(lines) + "</table>"


def _html_body(doc: Doc, *, page_breaks: bool) -> str:
    parts = [f"<h1>{html.escape(doc.title)}</h1>"]
    for section in doc.sections:
        style = ' style="page-break-before: always"' if page_breaks and section.new_page else ""
        parts.append(f"<h2{style}>{html.escape(section.heading)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        if section.table:
            parts.append(_html_table(section.table))
    return "\n".join(parts)


def _write_html(doc: Doc, path: Path) -> None:
    page = (
        f'<!DOCTYPE html>\n<html lang="{doc.lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>body {{ font-family: sans-serif; }}"
        f"</style>\n</head>\n<body>\n{_html_body(doc, page_breaks=False)}\n"
        '<footer><p>Printed copies are uncontrolled.</p></footer>\n</body>\n</html>\n'
    )
    path.write_text(page, encoding="utf-8")


# -- DOCX --------------------------------------------------------------------------------------
def _write_docx(doc: Doc, path: Path) -> None:
    import datetime

    import docx

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.author = "genba test document set"
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.add_heading(doc.title, level=0)
    for section in doc.sections:
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        if section.table:
            table = document.add_table(rows=0, cols=len(section.table[0]))
            table.style = "Table Grid"
            for row in section.table:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
    # Re-zip with fixed entry dates so the same call writes the same bytes.
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(item.filename))


# -- Markdown and text ------------------------------------------------------------------------
def _write_markdown(doc: Doc, path: Path) -> None:
    lines = [f"# {doc.title}", ""]
    for section in doc.sections:
        lines += [f"## {section.heading}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.table:
            head, *body = section.table
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(row) + " |" for row in body]
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _write_text(doc: Doc, path: Path) -> None:
    lines = [doc.title, "=" * 40, ""]
    for section in doc.sections:
        lines += [section.heading, ""]
        lines += [f"  {p}" for p in section.paragraphs]
        for row in section.table[1:]:
            lines.append("  " + " / ".join(row))
        lines.append("")
    # Japanese plain text from the shop floor is often Shift-JIS (cp932: Windows' variant,
    # which has the wave dash ～ and the other characters such files really contain).
    encoding = "cp932" if doc.lang == "ja" else "utf-8"
    path.write_bytes("\r\n".join(lines).encode(encoding))


_WRITERS = {
    ".pdf": _write_pdf,
    ".docx": _write_docx,
    ".md": _write_markdown,
    ".txt": _write_text,
    ".html": _write_html,
}


def main(argv: list[str] | None = None) -> int:
    """``make_docset.py OUT_DIR``: write the set and list the files."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: make_docset.py OUT_DIR", file=sys.stderr)
        return 2
    for path in make_docset(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
