"""One PDF page as an image, for the window's source viewer (pypdfium2; no Qt).

The window calls :func:`render_page` on one of its threads and wraps the pixels
in a ``QImage`` itself, so this module stays plain Python. PDFium is not
thread-safe: every call into it here holds :data:`PDFIUM_LOCK`, which other
in-process users of pypdfium2 (the viewer's page text) take too. The image is
bounded (:data:`MAX_PIXELS`), so a page declared kilometres wide cannot exhaust
memory.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]

from engine.docs.extract import clean_page_text, pdf_page_text

PDFIUM_LOCK = threading.Lock()
"""Held around every in-process PDFium call (the library is not thread-safe)."""

MAX_PIXELS = 12_000_000
"""The largest image rendered (about 3000 × 4000): the scale is lowered to stay under it."""


class RenderError(Exception):
    """A page that cannot be rendered: not a readable PDF, or no such page."""


@dataclass(frozen=True)
class RenderedPage:
    """The pixels of one page: ``height`` rows of ``stride`` bytes, 4 bytes a pixel.

    ``pixel_format`` is ``"BGRX"``: blue, green, red and an unused byte (opaque),
    which is Qt's ``QImage.Format_RGB32`` on little-endian machines.
    """

    width: int
    height: int
    stride: int
    pixel_format: str
    data: bytes
    page: int
    """The 1-based page number rendered."""
    pages: int
    """How many pages the document has."""


@contextlib.contextmanager
def _open_page(path: Path, page: int, what: str) -> Iterator[tuple[Any, int]]:
    """1-based ``page`` of the PDF at ``path`` and the page count, under :data:`PDFIUM_LOCK`.

    ``what`` names the work in the error when PDFium fails on the page ("be drawn").
    """
    if not path.is_file():
        raise FileNotFoundError(str(path))
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise RenderError(f"{path.name} cannot be opened as a PDF ({exc})") from exc
        try:
            count = len(document)
            if not 1 <= page <= count:
                raise RenderError(f"{path.name} has no page {page} (it has {count})")
            pdf_page = document[page - 1]
            try:
                yield pdf_page, count
            finally:
                pdf_page.close()
        except pdfium.PdfiumError as exc:
            raise RenderError(f"page {page} of {path.name} cannot {what} ({exc})") from exc
        finally:
            document.close()


def render_page(path: Path | str, page: int, *, width: int = 1000) -> RenderedPage:
    """Render 1-based ``page`` of the PDF at ``path`` about ``width`` pixels wide.

    Raises ``FileNotFoundError`` when the file is gone and :class:`RenderError`
    when it is not a readable PDF (damaged, password-protected) or has no such page.
    """
    with _open_page(Path(path), page, "be drawn") as (pdf_page, count):
        points_w, points_h = pdf_page.get_size()
        bitmap = pdf_page.render(
            scale=_scale(points_w, points_h, width), fill_color=(255, 255, 255, 255),
            prefer_bgrx=True,
        )
        try:
            if bitmap.n_channels != 4 or bitmap.mode != "BGRX":
                raise RenderError(f"unexpected pixel format {bitmap.mode}")
            return RenderedPage(
                bitmap.width, bitmap.height, bitmap.stride, "BGRX", bytes(bitmap.buffer), page,
                count,
            )
        finally:
            bitmap.close()


def _scale(points_w: float, points_h: float, width: int) -> float:
    """PDF units to pixels so the page is ``width`` wide, within :data:`MAX_PIXELS`."""
    points_w, points_h = max(points_w, 1.0), max(points_h, 1.0)
    scale = max(width, 16) / points_w
    if points_w * points_h * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (points_w * points_h)) ** 0.5
    return scale


def page_text(path: Path | str, page: int) -> str:
    """The text of 1-based ``page`` of the PDF at ``path``, as the index extracted it.

    Read and cleaned by the extractor's own functions, so the viewer finds the indexed
    passage in it. Raises like :func:`render_page`.
    """
    with _open_page(Path(path), page, "be read as text") as (pdf_page, _count):
        return clean_page_text(pdf_page_text(pdf_page))
