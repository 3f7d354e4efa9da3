"""Extraction of real files: every format, page numbers, and every skip reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from engine.docs.extract import extract
from engine.docs.model import DocumentSkippedError, Extracted
from tests.engine.docs.builders import make_pdf
from tests.engine.docs.conftest import DATA

MB = 1 << 20


def _skip_code(path: Path, max_bytes: int = 10 * MB) -> str:
    with pytest.raises(DocumentSkippedError) as info:
        extract(path, max_bytes=max_bytes)
    return info.value.code


def _page(doc: Extracted, number: int) -> str:
    return "\n".join(p.text for p in doc.pages if p.number == number)


def test_pdf_pages_numbered_in_english_and_japanese(corpus: Path) -> None:
    doc = extract(corpus / "line3-instruction.pdf", max_bytes=10 * MB)
    assert doc.kind == "pdf"
    assert doc.title == "Line 3 work instruction"
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert "M8 flange bolts on line 3 to 25 N m" in _page(doc, 3)
    ja = extract(corpus / "作業標準書.pdf", max_bytes=10 * MB)
    assert "金型温度は180度から200度" in _page(ja, 2)
    assert "7MPa" in _page(ja, 3)


def test_password_protected_pdf_is_encrypted() -> None:
    assert _skip_code(DATA / "password-protected.pdf") == "encrypted"


def test_truncated_and_fake_pdfs_are_corrupt(corpus: Path, tmp_path: Path) -> None:
    whole = (corpus / "line3-instruction.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    (tmp_path / "fake.pdf").write_bytes(b"this is not a PDF at all\n")
    assert _skip_code(tmp_path / "cut.pdf") == "corrupt"
    with pytest.raises(DocumentSkippedError) as info:
        extract(tmp_path / "fake.pdf", max_bytes=MB)
    assert info.value.params["kind"] == "PDF"
    assert "not a real PDF file" in str(info.value)


def test_pdf_without_text_is_no_text(qapp: object, tmp_path: Path) -> None:
    make_pdf(tmp_path / "scan.pdf", ["", ""])
    assert _skip_code(tmp_path / "scan.pdf") == "no_text"


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert _skip_code(tmp_path / "empty.pdf") == "empty"


def test_huge_sparse_file_is_too_large_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.pdf"
    subprocess.run(["truncate", "-s", "500M", str(huge)], check=True)

    def no_read(fd: int, n: int) -> bytes:
        raise AssertionError("a file over the limit was read")

    monkeypatch.setattr(os, "read", no_read)
    with pytest.raises(DocumentSkippedError) as info:
        extract(huge, max_bytes=100 * MB)
    assert info.value.code == "too_large"
    assert "larger than 100 MB" in str(info.value)


def test_fifo_is_unreadable_and_never_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome: list[str] = []

    def run() -> None:
        outcome.append(_skip_code(fifo))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)  # a hang detector, not a timing assertion: a blocked open never returns
    assert outcome == ["unreadable"]


def test_docx_headings_table_and_page_breaks(corpus: Path) -> None:
    doc = extract(corpus / "assembly.docx", max_bytes=10 * MB)
    assert doc.kind == "docx"
    assert doc.title == "Line 3 assembly"
    first = [p for p in doc.pages if p.number == 1]
    assert first[0].heading == "Flange bolts"
    assert "M8 flange | 25 N·m" in _page(doc, 1)
    assert [p.heading for p in doc.pages if p.number == 2] == ["検査"]
    assert "塗装の剥がれ" in _page(doc, 2)
    assert "hydraulic unit" in _page(doc, 3)


def test_docx_without_breaks_has_no_page_numbers(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Only one paragraph.")
    document.save(str(tmp_path / "one.docx"))
    doc = extract(tmp_path / "one.docx", max_bytes=MB)
    assert [p.number for p in doc.pages] == [None]
    assert doc.title == "one"


def test_bad_docx_is_corrupt_and_ole_docx_is_encrypted(tmp_path: Path) -> None:
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 but not really a zip")
    assert _skip_code(tmp_path / "bad.docx") == "corrupt"
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert _skip_code(tmp_path / "locked.docx") == "encrypted"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("締付トルク 25N・m".encode("cp932"), "締付トルク 25N・m"),
        ("\ufeff締付トルク".encode(), "締付トルク"),
        ("締付トルク".encode("utf-16"), "締付トルク"),
        (b"plain ascii", "plain ascii"),
    ],
)
def test_text_encodings(tmp_path: Path, data: bytes, expected: str) -> None:
    (tmp_path / "t.txt").write_bytes(data)
    doc = extract(tmp_path / "t.txt", max_bytes=MB)
    assert doc.pages[0].text == expected
    assert doc.title == "t"


def test_binary_text_file_is_corrupt(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 4)
    assert _skip_code(tmp_path / "bin.txt") == "corrupt"


def test_markdown_sections_and_title(corpus: Path) -> None:
    doc = extract(corpus / "safety.md", max_bytes=MB)
    assert doc.title == "Safety rules"
    assert [p.heading for p in doc.pages] == ["Safety rules", "Lockout"]
    assert "# not a heading" in doc.pages[1].text


def test_html_title_sections_without_scripts(corpus: Path) -> None:
    doc = extract(corpus / "web" / "forklift.html", max_bytes=MB)
    assert doc.title == "Forklift rules"
    assert [p.heading for p in doc.pages] == ["Forklift", "Charging"]
    assert "6 km/h" in doc.pages[0].text
    assert "scriptword" not in "".join(p.text for p in doc.pages)


def test_html_declared_shift_jis(tmp_path: Path) -> None:
    page = '<meta charset="Shift_JIS"><h1>安全</h1><p>保護具を着用する。</p>'
    (tmp_path / "sj.html").write_bytes(page.encode("cp932"))
    doc = extract(tmp_path / "sj.html", max_bytes=MB)
    assert doc.title == "安全"
    assert "保護具を着用する。" in doc.pages[0].text


def test_unsupported_and_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"x")
    assert _skip_code(tmp_path / "a.xlsx") == "unsupported"
    assert _skip_code(tmp_path / "missing.pdf") == "unreadable"
    (tmp_path / "folder.md").mkdir()
    assert _skip_code(tmp_path / "folder.md") == "unreadable"
    assert shutil.which("truncate")
