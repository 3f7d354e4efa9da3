"""Sources under an answer: shown, stored with the answer across a restart, opened at their page."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from desktop.chat_view import Entry
from desktop.history import History
from desktop.skip_text import english_templates, skip_text, templates
from desktop.source_viewer import SourceViewer, highlighted_html
from engine.docs.render import RenderError, render_page
from tests.desktop.docs_files import MANUAL_PAGES, torque_source, write_pdf


def _store_answer_with_sources(db: Path, sources: list[dict[str, Any]]) -> int:
    """A conversation whose answer was grounded on ``sources`` (what the window stores)."""
    history = History(db)
    conversation = history.create_conversation("torque")
    history.add_user_message(conversation, "What torque for the M8 flange bolts on line 3?")
    answer = history.start_answer(conversation)
    history.finish_answer(answer, "25 N·m [1]", "complete", {"route": "local"}, [], sources)
    history.close()
    return conversation


def test_history_keeps_sources_and_migrates_a_schema_2_database(tmp_path: Path, qapp: Any) -> None:
    pdf = write_pdf(tmp_path / "manual.pdf", MANUAL_PAGES)
    db = tmp_path / "history.sqlite3"
    # A schema-2 database (before sources): it gains the column and its rows read as before.
    with sqlite3.connect(db) as old:
        old.executescript(
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
            " created_at REAL NOT NULL, updated_at REAL NOT NULL);"
            "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER"
            " NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, status TEXT NOT NULL,"
            " created_at REAL NOT NULL, updated_at REAL NOT NULL, stats TEXT, notices TEXT,"
            " parent_id INTEGER, selected INTEGER NOT NULL DEFAULT 1);"
            "INSERT INTO conversations VALUES (1, 'old', 1, 1);"
            "INSERT INTO messages VALUES (1, 1, 'user', 'hi', 'complete', 1, 1, NULL, NULL, 0, 1);"
            "PRAGMA user_version=2;"
        )
    old.close()
    conversation = _store_answer_with_sources(db, [torque_source(pdf)])
    history = History(db)
    try:
        assert [m.sources for m in history.messages(1)] == [[]]
        answer = history.messages(conversation)[-1]
        assert answer.sources == [torque_source(pdf)]
        assert "sources" not in (answer.stats or {})  # a column of its own, not in the stats
        assert history.integrity_ok()
    finally:
        history.close()


def test_sources_render_under_the_answer_and_open_the_viewer_at_their_page(
    qtbot: Any, make_window: Any, app_paths: Any, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "manual.pdf", MANUAL_PAGES)
    _store_answer_with_sources(app_paths.history_db, [torque_source(pdf)])
    # The window opens the latest conversation: the sources came back from the history.
    window = make_window(wait=False)
    chat = window.chat
    qtbot.waitUntil(lambda: any(e.sources for e in chat.entries), timeout=10_000)
    shown = chat.toPlainText()
    assert "Sources" in shown
    assert "[1] Line 3 press manual — p. 2" in shown
    assert "Tighten the M8 flange bolts" in shown
    assert "The answer may be wrong" in shown
    # The source is a link in the document (a Tab stop), with its own action.
    index = next(i for i, e in enumerate(chat.entries) if e.sources)
    assert f":source/{index}/0" in chat.toHtml()
    # From the keyboard: Tab reaches the source link, Enter opens it.
    chat.setFocus()
    for _ in range(10):
        qtbot.keyClick(chat, Qt.Key.Key_Tab)
        if chat.textCursor().selectedText().startswith("[1]"):
            break
    assert chat.textCursor().selectedText() == "[1] Line 3 press manual — p. 2"
    qtbot.keyClick(chat, Qt.Key.Key_Return)
    assert window.docs.viewers, "Enter on the source link opened no viewer"
    viewer = window.docs.viewers[-1]
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=20_000)
    loaded = viewer.loaded_source
    assert loaded is not None and not loaded.problem
    assert loaded.image.page == 2 and loaded.pages == 3
    pixmap = viewer.image.pixmap()
    assert not pixmap.isNull() and pixmap.width() > 100 and pixmap.height() > 100
    image = pixmap.toImage()
    assert any(  # something is drawn: not a blank white page
        image.pixelColor(x, y).lightness() < 128
        for x in range(0, image.width(), 4)
        for y in range(0, image.height() // 4, 2)
    )
    assert "Page 2 of 3" in viewer.place.text()
    html = viewer.text.toHtml()
    assert "Check the torque wrench" in viewer.text.toPlainText()  # the whole page's text
    assert "#ffe066" in html  # the passage is highlighted
    viewer.close()


def test_the_viewer_scales_the_page_with_the_text_size(qtbot: Any, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "manual.pdf", MANUAL_PAGES)
    widths = []
    for scale in (100, 200):
        viewer = SourceViewer(torque_source(pdf), font_scale=scale)
        qtbot.addWidget(viewer)
        qtbot.waitUntil(lambda v=viewer: v.loaded_source is not None, timeout=20_000)
        widths.append(viewer.image.pixmap().width())
    assert widths[1] == 2 * widths[0]


def test_a_moved_document_is_one_plain_line(qtbot: Any, tmp_path: Path) -> None:
    source = torque_source(tmp_path / "gone.pdf")
    viewer = SourceViewer(source)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=10_000)
    assert viewer.problem.isVisible()
    assert "no longer where it was indexed" in viewer.problem.text()
    assert "Tighten the M8" in viewer.text.toPlainText()  # the passage as indexed stays
    assert not viewer.open_button.isEnabled()
    assert not viewer.open_externally()


def test_a_damaged_pdf_is_one_plain_line(qtbot: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n not really a pdf")
    try:
        render_page(bad, 1)
    except RenderError:
        pass
    else:
        raise AssertionError("a damaged PDF rendered")
    viewer = SourceViewer(torque_source(bad))
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=10_000)
    assert viewer.loaded_source.problem == "unreadable"
    assert "cannot be shown now" in viewer.problem.text()


def test_the_highlight_survives_rewrapped_whitespace() -> None:
    html = highlighted_html("Before.\nTighten the M8\n  flange bolts now.\nAfter.", "the M8 flange")
    assert '<span style="background-color:#ffe066;color:#000000">the M8<br/>  flange</span>' in html
    assert "Before." in html and "After." in html


def test_skip_reasons_are_the_engines_templates_and_read_in_japanese(japanese: Any) -> None:
    assert set(templates()) == set(english_templates())
    text = skip_text("too_large", {"limit_mb": 100}, "")
    assert text == "ファイルが 100 MB より大きいです (docs.max_file_mb)"
    assert "パスワード" in skip_text("encrypted", {}, "")
    assert skip_text("new_code", {}, "in English") == "in English"  # a newer engine's code


def test_search_entries_list_passages_or_say_nothing_was_found(qtbot: Any, tmp_path: Path) -> None:
    from desktop.chat_view import ChatView

    chat = ChatView()
    qtbot.addWidget(chat)
    pdf = tmp_path / "manual.pdf"
    chat.set_entries([Entry.search("torque", [torque_source(pdf)]), Entry.search("zzz", [])])
    shown = chat.toPlainText()
    assert "the model was not asked" in shown
    assert "[1] Line 3 press manual — p. 2" in shown
    assert "not an answer" in shown
    assert "Nothing in the site documents matches “zzz”" in shown
    assert chat.actions_for(0)[0][0] == "source" and chat.actions_for(1) == []


def test_a_markdown_source_shows_its_section_with_the_passage_marked(
    qtbot: Any, tmp_path: Path
) -> None:
    import dataclasses

    from engine.docs.index import DocIndex
    from engine.docs.model import DocSource

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "booth.md").write_text(
        "# Paint booth\n\n## Filters\n\nReplace the booth filters every 200 hours.\n\n"
        "Write the date on the filter frame.\n\n## Lights\n\nCheck the lights weekly.\n",
        encoding="utf-8",
    )
    index = DocIndex(tmp_path / "index.sqlite3")
    index.update([DocSource("personal", folder, str(folder))], max_bytes=1 << 20)
    passage = dataclasses.asdict(index.search("filters 200 hours")[0])
    viewer = SourceViewer(passage)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=10_000)
    assert viewer.loaded_source.problem == "" and viewer.loaded_source.image is None
    assert not viewer.image_area.isVisibleTo(viewer)
    text = viewer.text.toPlainText()
    assert "Replace the booth filters every 200 hours." in text
    assert "Check the lights weekly" not in text  # its section, not the whole document
    assert "#ffe066" in viewer.text.toHtml()
    assert viewer.place.text() == str(folder / "booth.md")
