"""The test document set (bench/docs_set): its files, its questions and their grading."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from bench.docs_set import Question, is_answered, load_questions, make_docset, normalise
from engine.docs.extract import extract

MAX_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def docset(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_docset(tmp_path_factory.mktemp("docset"))


def test_the_set_has_every_format_and_both_languages(docset: list[Path]) -> None:
    assert len(docset) >= 12
    kinds = Counter(p.suffix for p in docset)
    assert set(kinds) == {".pdf", ".docx", ".md", ".txt", ".html"}
    assert Counter(p.stem.rsplit("_", 1)[1] for p in docset) == {"ja": 6, "en": 6}
    shift_jis = [p for p in docset if p.suffix == ".txt" and p.stem.endswith("_ja")]
    assert len(shift_jis) == 1
    with pytest.raises(UnicodeDecodeError):
        shift_jis[0].read_bytes().decode("utf-8")
    assert "引継ぎ" in shift_jis[0].read_bytes().decode("cp932")


def test_the_same_call_writes_the_same_bytes(docset: list[Path], tmp_path: Path) -> None:
    again = make_docset(tmp_path / "again")
    assert [p.name for p in again] == [p.name for p in docset]
    for first, second in zip(docset, again, strict=True):
        assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(
            second.read_bytes()
        ).digest(), first.name


def test_every_file_opens_in_the_extractor_with_its_pages(docset: list[Path]) -> None:
    pages = {p.name: len(extract(p, max_bytes=MAX_BYTES).pages) for p in docset}
    assert pages["line3_tightening_ja.pdf"] == 3
    assert pages["press_p200_manual_en.pdf"] == 4
    assert all(count >= 1 for count in pages.values()), pages


def test_the_viewer_shows_a_pdf_page_s_text_as_the_index_has_it(docset: list[Path]) -> None:
    # The Japanese PDFs' fonts map 金, 行 … to Kangxi look-alikes; the viewer must show the
    # page cleaned like the index, or it cannot find (and highlight) the indexed passage.
    from engine.docs.render import page_text

    pdfs = [p for p in docset if p.suffix == ".pdf"]
    assert any(p.name.endswith("_ja.pdf") for p in pdfs)
    for path in pdfs:
        for page in extract(path, max_bytes=MAX_BYTES).pages:
            assert page.number is not None
            assert page_text(path, page.number) == page.text, (path.name, page.number)


def test_questions_cover_both_languages_and_name_real_documents(docset: list[Path]) -> None:
    questions = load_questions()
    assert len(questions) >= 40
    langs = Counter(q.lang for q in questions)
    assert langs["ja"] >= 20 and langs["en"] >= 20
    assert len({q.id for q in questions}) == len(questions)
    names = {p.name for p in docset}
    for q in questions:
        assert q.doc in names, q.id
        assert (q.page is not None) == q.doc.endswith(".pdf"), q.id
        assert q.cross == (q.lang != q.doc.rsplit(".", 1)[0].rsplit("_", 1)[1]), q.id


def test_every_answer_is_on_the_page_the_question_names(docset: list[Path]) -> None:
    """What the extractor reads from the expected page (or document) contains an accepted answer,
    and no other page of a PDF does for the page-specific questions' distractor pairs."""
    by_name = {p.name: extract(p, max_bytes=MAX_BYTES) for p in docset}
    for q in load_questions():
        pages = by_name[q.doc].pages
        text = "\n".join(p.text for p in pages if q.page is None or p.number == q.page)
        assert is_answered(text, q), (q.id, text[:200])


def test_grading_accepts_the_usual_spellings_and_nothing_else() -> None:
    q = Question("x", "ja", "?", "d.pdf", 2, ("24 N·m", "24 Nm"))
    for good in ("24 N・m です", "24Nm", "２４ Ｎ・ｍ", "締付トルクは24 N‧m。", "24 n·m"):
        assert is_answered(good, q), good
    for bad in ("124 N·m", "2.24 N·m", "28 N·m", "24 kN·m", ""):
        assert not is_answered(bad, q), bad
    assert normalise("5～8 %") == normalise("5〜8%") == normalise("5 - 8 %")
    assert normalise("4,000 h") == "4000h"
