"""A document file to its title and pages of text, or the reason it is skipped.

:func:`extract` looks at the file once (``fstat`` on a descriptor opened with
``O_NONBLOCK``, the rule of :mod:`disk.regular_file`): a FIFO, device or folder is
``unreadable`` and never waited on; 0 bytes is ``empty``; more than ``max_bytes`` is
``too_large`` and is never read. Otherwise the bytes are read once and handed to the
format's reader:

* PDF: pypdfium2, one :class:`Page` per page (1-based numbers). pdfium's password error is
  ``encrypted``, any other load error ``corrupt``, no text on any page ``no_text`` (a scan).
* DOCX: python-docx, paragraphs and table cells in reading order; a new section at each
  heading style; page numbers from Word's ``lastRenderedPageBreak`` marks when the file
  has them, else from explicit page breaks, else None. An OLE container (``D0 CF 11 E0``:
  what Office writes for a password-protected file) is ``encrypted``.
* Markdown: sections by ATX heading (``#`` … ``######``, not inside code fences); the
  title is the first ``#`` heading, else the file name.
* Text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp932 (Shift-JIS as Windows
  writes it, common for Japanese shop-floor files), else ``corrupt``.
* HTML: :mod:`html.parser`, without script/style; title from ``<title>`` or the first
  ``<h1>``; sections by ``h1``–``h3``.

Limits (so one huge document cannot stall the index): at most :data:`MAX_PAGES` pages
and :data:`MAX_CHARS` characters of text per document; the rest is not indexed.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from disk.regular_file import FileReadError, read_regular_file

from engine.docs.model import DocumentKind, DocumentSkippedError, Extracted, Page

MAX_PAGES = 2000
"""Pages read from one PDF (a manual of 2,000 pages is already rare)."""
MAX_CHARS = 3_000_000
"""Characters of text kept from one document (about 1,500 dense pages)."""

EXTENSIONS: dict[str, DocumentKind] = {
    ".pdf": "pdf", ".docx": "docx", ".md": "markdown", ".markdown": "markdown",
    ".txt": "text", ".text": "text", ".html": "html", ".htm": "html",
}  # fmt: skip
"""The file types indexed (by lower-case suffix); other files are ignored."""

KIND_NAMES: dict[str, str] = {
    "pdf": "PDF", "docx": "Word", "markdown": "Markdown", "text": "text", "html": "HTML",
}  # fmt: skip
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(path: Path) -> DocumentKind | None:
    """The document kind of ``path`` by its suffix, or None when it is not indexed."""
    return EXTENSIONS.get(path.suffix.lower())


def extract(path: Path, *, max_bytes: int) -> Extracted:
    """The title and pages of ``path``; :class:`DocumentSkippedError` saying why not."""
    kind = kind_of(path)
    if kind is None:
        raise DocumentSkippedError("unsupported")
    data = _read(path, max_bytes)
    if kind == "pdf":
        return _pdf(path, data)
    if kind == "docx":
        return _docx(path, data)
    text = _decode(data, kind)
    if kind == "markdown":
        return _markdown(path, text)
    if kind == "html":
        return _html(path, text)
    return _finish(Extracted("text", path.stem, [Page(None, text)]), kind)


# -- reading -----------------------------------------------------------------
def _read(path: Path, max_bytes: int) -> bytes:
    """The file's bytes by the one rule for named files (:mod:`disk.regular_file`)."""
    try:
        data = read_regular_file(path, max_bytes)
    except FileReadError as exc:
        if exc.kind == "too-large":
            raise DocumentSkippedError("too_large", limit_mb=max(1, max_bytes >> 20)) from exc
        detail = "not a regular file" if exc.kind == "not-regular" else str(exc)
        raise DocumentSkippedError("unreadable", detail=detail) from exc
    if not data:
        raise DocumentSkippedError("empty")
    return data


_KANGXI = re.compile("[\u2f00-\u2fdf]")
"""Kangxi radicals: many Japanese PDF fonts map 金, 行, 力 … to these look-alikes (U+2FA6 ⾦),
so the text would not match what people type; NFKC turns them back into the ideographs."""


def clean_page_text(text: str) -> str:
    """The one clean-up of a page's extracted text: line ends, NULs, Kangxi look-alikes.

    The source viewer shows a PDF page's text through it too, so the indexed passage is
    found (and highlighted) in what the viewer shows.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def pdf_page_text(page: Any) -> str:
    """The raw text of one open pypdfium2 page, read as the index reads it."""
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_bounded())
    finally:
        textpage.close()


def _finish(doc: Extracted, kind: DocumentKind) -> Extracted:
    """Drop empty pages, cap the text at :data:`MAX_CHARS`; ``no_text`` when nothing is left."""
    pages: list[Page] = []
    budget = MAX_CHARS
    for page in doc.pages:
        text = clean_page_text(page.text)
        if not text.strip():
            continue
        text = text[:budget]
        budget -= len(text)
        pages.append(Page(page.number, text, page.heading))
        if budget <= 0:
            break
    if not pages:
        raise DocumentSkippedError("no_text")
    title = " ".join(doc.title.split()) or "?"
    return Extracted(kind, title, pages)


def _corrupt(kind: DocumentKind, detail: str) -> DocumentSkippedError:
    return DocumentSkippedError("corrupt", kind=KIND_NAMES[kind], detail=detail[:200])


# -- PDF ---------------------------------------------------------------------
def _pdf(path: Path, data: bytes) -> Extracted:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD,
                                               pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentSkippedError("encrypted") from exc
        raise _corrupt("pdf", str(exc)) from exc
    try:
        pages: list[Page] = []
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            try:
                text = pdf_page_text(page)
            finally:
                page.close()
            pages.append(Page(index + 1, text))
        try:
            title = _pdf_title(str(pdf.get_metadata_dict().get("Title", "")))
        except pdfium.PdfiumError:
            title = ""
    except pdfium.PdfiumError as exc:
        raise _corrupt("pdf", str(exc)) from exc
    finally:
        pdf.close()
    return _finish(Extracted("pdf", title or path.stem, pages), "pdf")


_EXPORT_PREFIX = re.compile(r"^(microsoft (word|powerpoint|excel) - )", re.IGNORECASE)
_NO_TITLE = frozenset({"untitled", "無題", "document", "ドキュメント"})


def _pdf_title(raw: str) -> str:
    """A PDF's metadata title when it is one: ``Microsoft Word - 手順書.docx`` → ``手順書``."""
    title = " ".join(raw.split())
    if _EXPORT_PREFIX.match(title):
        title = _EXPORT_PREFIX.sub("", title)
        title = re.sub(r"\.(docx?|pptx?|xlsx?)$", "", title, flags=re.IGNORECASE)
    return "" if title.casefold() in _NO_TITLE else title


# -- DOCX --------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(heading\s*\d|title|見出し\s*\d|表題)$", re.IGNORECASE)
"""Word's built-in heading styles (stored in English) and Japanese-named copies of them."""


def _docx(path: Path, data: bytes) -> Extracted:
    if data.startswith(_OLE_MAGIC):
        raise DocumentSkippedError("encrypted")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        return _finish(_docx_pages(path, document), "docx")
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise _corrupt("docx", str(exc) or type(exc).__name__) from exc
    except DocumentSkippedError:
        raise
    except Exception as exc:  # lxml and python-docx raise many kinds on a damaged file
        raise _corrupt("docx", f"{type(exc).__name__}: {exc}") from exc


def _docx_pages(path: Path, document: object) -> Extracted:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    assert isinstance(document, Document)
    body = document.element.body
    rendered = body.find(f".//{_W}lastRenderedPageBreak") is not None
    explicit = any(br.get(f"{_W}type") == "page" for br in body.iter(f"{_W}br"))
    number: int | None = 1 if (rendered or explicit) else None
    heading = ""
    title = (document.core_properties.title or "").strip()
    pages: list[Page] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            pages.append(Page(number, text, heading))
        lines.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
            continue
        assert isinstance(block, Paragraph)
        style = block.style.name if block.style is not None else ""
        if _HEADING_STYLE.match(style or ""):
            text = block.text.strip()
            if text:
                flush()
                heading = text
                title = title or text
                lines.append(text)
            continue
        parts: list[str] = []
        for node in block._p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}lastRenderedPageBreak"):
            tag = node.tag
            is_break = (tag == f"{_W}lastRenderedPageBreak" and rendered) or (
                tag == f"{_W}br" and node.get(f"{_W}type") == "page" and not rendered
            )
            if is_break and number is not None:
                lines.append("".join(parts))
                parts = []
                flush()
                number += 1
            elif tag == f"{_W}t":
                parts.append(node.text or "")
            elif tag in (f"{_W}tab", f"{_W}br"):
                parts.append("\t" if tag == f"{_W}tab" else "\n")
        lines.append("".join(parts))
    flush()
    return Extracted("docx", title or path.stem, pages)


def _table_lines(table: object) -> Iterator[str]:
    from docx.table import Table

    assert isinstance(table, Table)
    for row in table.rows:
        cells: list[str] = []
        last: object = None
        for cell in row.cells:
            if cell._tc is last:  # a merged cell repeats
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        line = " | ".join(c for c in cells if c)
        if line:
            yield line


# -- text, Markdown ----------------------------------------------------------
def _decode(data: bytes, kind: DocumentKind) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = [*_declared(data, kind), "utf-8", "cp932"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" not in text:
            return text
    raise _corrupt(kind, "not UTF-8, UTF-16 or Shift-JIS text")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def _declared(data: bytes, kind: DocumentKind) -> list[str]:
    """An HTML page's declared charset (tried first), e.g. ``Shift_JIS`` or ``EUC-JP``."""
    if kind != "html":
        return []
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return []
    name = match.group(1).decode("ascii").lower().replace("_", "-")
    return ["cp932" if name in ("shift-jis", "sjis", "x-sjis", "windows-31j") else name]


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _markdown(path: Path, text: str) -> Extracted:
    title = ""
    heading = ""
    pages: list[Page] = []
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _ATX.match(line)
        # A heading with no text of its own ("# Paint booth" right before "## Filters")
        # stays with the next section instead of becoming a passage of one title.
        if match and any(ln.strip() and not _ATX.match(ln) for ln in lines):
            pages.append(Page(None, "\n".join(lines), heading))
            lines = []
        if match:
            heading = match.group(2).strip()
            if len(match.group(1)) == 1 and not title:
                title = heading
        lines.append(line)
    if lines:
        pages.append(Page(None, "\n".join(lines), heading))
    return _finish(Extracted("markdown", title or path.stem, pages), "markdown")


# -- HTML --------------------------------------------------------------------
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
_SECTION_TAGS = frozenset({"h1", "h2", "h3"})
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "tr", "table", "section", "article", "h4", "h5", "h6",
    "pre", "blockquote", "ul", "ol", "dl", "dt", "dd", "hr", "td", "th",
})  # fmt: skip


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.first_h1 = ""
        self.sections: list[tuple[str, list[str]]] = [("", [])]
        self._skip = 0
        self._in_title = False
        self._heading: list[str] | None = None
        self._heading_tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _SECTION_TAGS:
            self._heading, self._heading_tag = [], tag
        elif tag in _BLOCK_TAGS:
            self._text("\n" if tag not in ("td", "th") else " | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == self._heading_tag and self._heading is not None:
            heading = " ".join("".join(self._heading).split())
            self._heading, self._heading_tag = None, ""
            if tag == "h1" and not self.first_h1:
                self.first_h1 = heading
            self.sections.append((heading, [heading, "\n"]))
        elif tag in _BLOCK_TAGS:
            self._text("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._heading is not None:
            self._heading.append(data)
        else:
            self._text(data)

    def _text(self, data: str) -> None:
        if not self._skip:
            self.sections[-1][1].append(data)


def _html(path: Path, text: str) -> Extracted:
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser is lenient; be safe anyway
        raise _corrupt("html", str(exc)) from exc
    pages = []
    for heading, parts in parser.sections:
        lines = [" ".join(line.split()) for line in "".join(parts).splitlines()]
        pages.append(Page(None, "\n".join(line for line in lines if line), heading))
    title = " ".join(parser.title.split()) or parser.first_h1 or path.stem
    return _finish(Extracted("html", title, pages), "html")
