"""The FTS5 index on a real document set: search, incremental updates, skips, damage."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

import engine.docs.index as index_module
from engine.docs.index import DocIndex
from engine.docs.model import DocSource, Extracted, IndexProgress
from tests.engine.docs.conftest import DATA

MB = 1 << 20


@pytest.fixture
def index(tmp_path: Path) -> DocIndex:
    return DocIndex(tmp_path / "data" / "docs-index.sqlite3")


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the index extracts (names), counted through the real extractor."""
    seen: list[str] = []
    real = index_module.extract

    def counting(path: Path, *, max_bytes: int) -> Extracted:
        seen.append(path.name)
        return real(path, max_bytes=max_bytes)

    monkeypatch.setattr(index_module, "extract", counting)
    return seen


def test_search_finds_the_right_page_in_english_and_japanese(
    index: DocIndex, source: DocSource
) -> None:
    report = index.update([source], max_bytes=10 * MB)
    assert report.added == 6
    assert report.skipped == 0
    # Two documents answer this one (the PDF's page 3 and the Word file's page 1).
    top = index.search("What torque for the M8 flange bolts on line 3?", limit=2)
    assert {(Path(h.path).name, h.page) for h in top} == {
        ("line3-instruction.pdf", 3), ("assembly.docx", 1)
    }
    hit = index.search("Which torque wrench for the flange bolts?")[0]
    assert (Path(hit.path).name, hit.page) == ("line3-instruction.pdf", 3)
    assert "25 N m" in hit.text
    assert hit.title == "Line 3 work instruction"
    assert hit.source == str(source.folder)
    assert hit.score > 0
    hit = index.search("金型温度は何度？")[0]
    assert (Path(hit.path).name, hit.page) == ("作業標準書.pdf", 2)
    hit = index.search("油圧の圧力の上限")[0]
    assert (Path(hit.path).name, hit.page) == ("作業標準書.pdf", 3)
    hit = index.search("ＥＰ２グリース")[0]  # full width, as typed with a Japanese IME
    assert (Path(hit.path).name, hit.page) == ("line3-instruction.pdf", 2)
    hit = index.search("ドレン")[0]  # a Shift-JIS text file
    assert Path(hit.path).name == "点検.txt"
    hit = index.search("塗装の剥がれ")[0]
    assert (Path(hit.path).name, hit.page, hit.heading) == ("assembly.docx", 2, "検査")
    hit = index.search("forklift speed limit")[0]
    assert (hit.kind, hit.heading) == ("html", "Forklift")
    assert index.search("scriptword") == []  # script text is never indexed
    assert index.search("lockout press jam")[0].heading == "Lockout"


def test_results_are_best_first_and_limited(index: DocIndex, source: DocSource) -> None:
    index.update([source], max_bytes=10 * MB)
    hits = index.search("line 3 torque flange bolts press", limit=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert index.search("line", limit=0) == []


@pytest.mark.parametrize(
    "query", ['"AND"', 'torque" OR "', "*", "NEAR(torque flange)", "torque AND", "の", "", "   "]
)
def test_user_text_is_never_fts_syntax(index: DocIndex, source: DocSource, query: str) -> None:
    index.update([source], max_bytes=10 * MB)
    hits = index.search(query)  # no sqlite3.OperationalError, whatever was typed
    assert all(h.text for h in hits)


def test_unchanged_files_are_not_extracted_again(
    index: DocIndex, source: DocSource, extractions: list[str]
) -> None:
    index.update([source], max_bytes=10 * MB)
    assert len(extractions) == 6
    extractions.clear()
    report = index.update([source], max_bytes=10 * MB)
    assert extractions == []
    assert (report.unchanged, report.added, report.updated, report.removed) == (6, 0, 0, 0)


def test_touched_file_with_same_content_is_only_restated(
    index: DocIndex, source: DocSource, corpus: Path, extractions: list[str]
) -> None:
    index.update([source], max_bytes=10 * MB)
    extractions.clear()
    md = corpus / "safety.md"
    os.utime(md, ns=(md.stat().st_atime_ns, md.stat().st_mtime_ns + 5_000_000_000))
    report = index.update([source], max_bytes=10 * MB)
    assert extractions == []  # same sha256: not extracted
    assert report.unchanged == 6
    extractions.clear()
    index.update([source], max_bytes=10 * MB)
    assert extractions == []  # and the new mtime was stored


def test_changed_and_removed_files(
    index: DocIndex, source: DocSource, corpus: Path, extractions: list[str]
) -> None:
    index.update([source], max_bytes=10 * MB)
    extractions.clear()
    (corpus / "safety.md").write_text("# Safety rules\n\nEar protection near the compressor.\n")
    (corpus / "web" / "forklift.html").unlink()
    report = index.update([source], max_bytes=10 * MB)
    assert extractions == ["safety.md"]
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 4)
    assert index.search("compressor ear protection")[0].title == "Safety rules"
    assert index.search("glasses") == []
    assert index.search("forklift") == []
    assert len(index.status()) == 5


def test_a_source_gone_removes_its_documents(index: DocIndex, source: DocSource) -> None:
    index.update([source], max_bytes=10 * MB)
    report = index.update([], max_bytes=10 * MB)
    assert report.removed == 6
    assert index.status() == []
    assert index.search("torque") == []


def test_bad_documents_are_skipped_with_reasons_and_retried_when_changed(
    index: DocIndex, source: DocSource, corpus: Path, extractions: list[str]
) -> None:
    bad = corpus / "bad"
    bad.mkdir()
    (bad / "locked.pdf").write_bytes((DATA / "password-protected.pdf").read_bytes())
    whole = (corpus / "line3-instruction.pdf").read_bytes()
    (bad / "cut.pdf").write_bytes(whole[:500])
    (bad / "empty.pdf").write_bytes(b"")
    subprocess.run(["truncate", "-s", "500M", str(bad / "huge.pdf")], check=True)
    os.mkfifo(bad / "pipe.md")
    report = index.update([source], max_bytes=100 * MB)
    assert (report.added, report.skipped) == (6, 5)
    reasons = {Path(s.path).name: (s.skip_code, s.reason) for s in index.status()
               if s.state == "skipped"}  # fmt: skip
    assert reasons == {
        "locked.pdf": ("encrypted", "the document is password-protected; ask its owner for an "
                       "open copy"),
        "cut.pdf": ("corrupt", reasons["cut.pdf"][1]),
        "empty.pdf": ("empty", "the file is empty (0 bytes)"),
        "huge.pdf": ("too_large", "the file is larger than 100 MB (docs.max_file_mb)"),
        "pipe.md": ("unreadable", "the file cannot be read (not a regular file)"),
    }  # fmt: skip
    assert reasons["cut.pdf"][1].startswith("the file is damaged or not a real PDF file")
    assert index.search("torque")  # the good documents are all there
    extractions.clear()
    index.update([source], max_bytes=100 * MB)
    assert extractions == []  # skipped files are not looked at again while unchanged
    (bad / "cut.pdf").write_bytes(whole)
    extractions.clear()
    report = index.update([source], max_bytes=100 * MB)
    assert "cut.pdf" in extractions
    assert report.updated == 1
    assert {s.state for s in index.status() if s.path.endswith("cut.pdf")} == {"indexed"}


def test_progress_and_cancel(index: DocIndex, source: DocSource) -> None:
    seen: list[IndexProgress] = []
    index.update([source], max_bytes=10 * MB, progress=seen.append)
    assert [p.done for p in seen] == [0, 1, 2, 3, 4, 5, 6]
    assert {p.total for p in seen} == {6}
    assert seen[-1].current == ""
    assert all(p.current for p in seen[:-1])

    fresh = DocIndex(index.path.with_name("other.sqlite3"))
    cancel = threading.Event()

    def stop_after_two(p: IndexProgress) -> None:
        if p.done == 2:
            cancel.set()

    report = fresh.update([source], max_bytes=10 * MB, progress=stop_after_two, cancel=cancel)
    assert report.cancelled
    assert report.added == 3
    assert len(fresh.status()) == 3
    report = fresh.update([source], max_bytes=10 * MB)
    assert (report.added, report.unchanged, report.cancelled) == (3, 3, False)


def test_status_lists_pages_and_passages(index: DocIndex, source: DocSource) -> None:
    index.update([source], max_bytes=10 * MB)
    by_name = {Path(s.path).name: s for s in index.status()}
    assert by_name["line3-instruction.pdf"].pages == 3
    assert by_name["line3-instruction.pdf"].passages == 3
    assert by_name["assembly.docx"].pages == 3
    assert by_name["line3-instruction.pdf"].source == str(source.folder)
    assert "notes.xlsx" not in by_name
    assert index.last_update() is not None


def test_damaged_index_is_moved_aside_and_rebuilt(
    index: DocIndex, source: DocSource, caplog: pytest.LogCaptureFixture
) -> None:
    index.path.parent.mkdir(parents=True)
    index.path.write_bytes(b"this is not SQLite" * 100)
    with caplog.at_level(logging.WARNING, logger="engine.docs.index"):
        assert index.search("torque") == []
        report = index.update([source], max_bytes=10 * MB)
    assert report.added == 6
    assert index.moved_aside is not None and index.moved_aside.exists()
    assert len([r for r in caplog.records if "damaged" in r.getMessage()]) == 1
    assert index.search("torque")


def test_a_file_that_crashed_the_extractor_is_skipped_next_time(
    index: DocIndex, source: DocSource, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Crash(BaseException):
        """Stands in for the process dying inside pdfium (nothing after it runs)."""

    real = index_module.extract

    def crash_on_pdf(path: Path, *, max_bytes: int) -> Extracted:
        if path.name == "作業標準書.pdf":
            raise Crash
        return real(path, max_bytes=max_bytes)

    monkeypatch.setattr(index_module, "extract", crash_on_pdf)
    with pytest.raises(Crash):
        index.update([source], max_bytes=10 * MB)
    report = index.update([source], max_bytes=10 * MB)  # would crash again if it tried
    assert report.skipped == 0 and report.added == 2
    crashed = [s for s in index.status() if s.state == "skipped"]
    assert [Path(s.path).name for s in crashed] == ["作業標準書.pdf"]
    assert crashed[0].skip_code == "corrupt"
    assert "crashed the extractor" in crashed[0].reason
    monkeypatch.setattr(index_module, "extract", real)
    pdf = corpus / "作業標準書.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n")  # changed: tried again
    report = index.update([source], max_bytes=10 * MB)
    assert report.updated == 1
    assert index.search("金型温度")[0].page == 2


def test_index_file_is_real_sqlite_with_fts5(index: DocIndex, source: DocSource) -> None:
    index.update([source], max_bytes=10 * MB)
    db = sqlite3.connect(index.path)
    try:
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        count = db.execute("SELECT count(*) FROM passage_terms").fetchone()[0]
        passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    finally:
        db.close()
    assert mode == "wal"
    assert count == passages > 0
