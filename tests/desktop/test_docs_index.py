"""Documents in the window on a real index of real files: indexing, skipped files, search mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.chat_view import DOCUMENTS
from engine.settings import save_user_setting
from tests.desktop.docs_files import MANUAL_PAGES, write_pdf


@pytest.fixture
def site_docs(tmp_path: Path, app_paths: Any, qapp: Any) -> Path:
    """The operator's own folder: a PDF manual, Markdown and text, an empty and a damaged file."""
    folder = tmp_path / "my docs"
    folder.mkdir()
    write_pdf(folder / "press-manual.pdf", MANUAL_PAGES)
    (folder / "cleaning.md").write_text(
        "# Cleaning the paint booth\n\nReplace the booth filters every 200 hours.\n",
        encoding="utf-8",
    )
    (folder / "安全.txt").write_text(
        "安全規則\n\n保護メガネを必ず着用すること。フォークリフトの通路を横切らないこと。\n",
        encoding="utf-8",
    )
    (folder / "empty.md").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not a PDF at all")
    save_user_setting(app_paths, "docs.personal_folders", [str(folder)])
    return folder


def _indexed(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(lambda: window.docs.indexer.last is not None, timeout=30_000)
    return window.docs.indexer.last


def test_indexing_shows_progress_then_totals_and_lists_skipped_files(
    qtbot: Any, make_window: Any, site_docs: Path
) -> None:
    window = make_window(wait=False)
    seen: list[str] = []
    window.docs.indexer.progressed.connect(lambda _p: seen.append(window.docs_status.text()))
    outcome = _indexed(qtbot, window)
    assert outcome.indexed == 3 and len(outcome.skipped) == 2
    # Progress went through the status area (the first one may have been shown before we
    # connected, the last one always comes after).
    assert seen and all(s.startswith("Indexing documents") for s in seen)
    assert "5 of 5" in seen[-1]
    status = window.docs_status
    assert status.isVisible() and status.text() == "Documents: 3 indexed"
    assert status.skipped_button.isVisible() and status.skipped_button.text() == "2 skipped"
    assert status.skipped_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    qtbot.mouseClick(status.skipped_button, Qt.MouseButton.LeftButton)
    dialog = status.dialog
    assert dialog is not None and dialog.isVisible()
    rows = {f.splitlines()[0]: why for f, why in dialog.reasons()}
    assert rows["empty.md"] == "the file is empty (0 bytes)"
    assert rows["broken.pdf"].startswith("the file is damaged or not a real PDF file")
    # In the window's language: the reasons and the line are Japanese.
    assert window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: status.text() == "文書: 3 件を索引済み", timeout=5_000)
    rows = {f.splitlines()[0]: why for f, why in dialog.reasons()}
    assert rows["empty.md"] == "ファイルが空です（0 バイト）"
    assert rows["broken.pdf"].startswith("ファイルが壊れているか")
    assert status.text() == "文書: 3 件を索引済み"
    assert status.skipped_button.text() == "2 件を除外"
    dialog.close()


def test_search_mode_lists_passages_and_never_asks_the_model(
    qtbot: Any, make_window: Any, site_docs: Path
) -> None:
    window = make_window()
    _indexed(qtbot, window)
    asked: list[object] = []
    window.client.ask = lambda *a, **k: asked.append(a)  # the model must not be asked
    window.input.setPlainText("torque for the M8 flange bolts")
    qtbot.mouseClick(window.buttons.search_docs_button, Qt.MouseButton.LeftButton)
    chat = window.chat
    qtbot.waitUntil(lambda: any(e.role == DOCUMENTS for e in chat.entries), timeout=10_000)
    entry = chat.entries[-1]
    assert entry.text == "torque for the M8 flange bolts"
    best = entry.sources[0]
    assert Path(best["path"]).name == "press-manual.pdf" and best["page"] == 2
    assert window.chat_stack.currentWidget() is chat  # shown even in a new chat
    assert "[1] Line 3 press manual — p. 2" in chat.toPlainText()
    assert window.input.toPlainText() == "torque for the M8 flange bolts"  # kept, to send
    # Japanese text finds the Japanese file; the shortcut works like the button.
    window.input.setPlainText("保護メガネ")
    qtbot.keyClick(
        window,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: chat.entries[-1].text == "保護メガネ", timeout=10_000)
    assert Path(chat.entries[-1].sources[0]["path"]).name == "安全.txt"
    # Nothing found: one plain sentence.
    window.input.setPlainText("zeppelin hangar")
    window.actions_.search_docs.trigger()
    qtbot.waitUntil(lambda: chat.entries[-1].text == "zeppelin hangar", timeout=10_000)
    assert chat.entries[-1].sources == []
    assert "Nothing in the site documents matches “zeppelin hangar”" in chat.toPlainText()
    assert asked == [] and not window.session.answering
    # The PDF passage opens at its page, drawn.
    index = next(i for i, e in enumerate(chat.entries) if e.sources)
    chat.request_action("source", index, 0)
    viewer = window.docs.viewers[-1]
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=20_000)
    assert viewer.loaded_source.image.page == 2
    assert not viewer.image.pixmap().isNull()
    viewer.close()


def test_an_empty_message_box_says_what_to_do(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.input.clear()
    assert window.docs.search() is False
    assert window.notice.isVisible() and "Type the words" in window.notice.text()


def test_changing_the_folders_setting_indexes_again(
    qtbot: Any, make_window: Any, site_docs: Path, tmp_path: Path
) -> None:
    window = make_window(wait=False)
    _indexed(qtbot, window)
    other = tmp_path / "other"
    other.mkdir()
    (other / "welding.md").write_text("# Welding\n\nPreheat to 150 °C.\n", encoding="utf-8")
    with qtbot.waitSignal(window.docs.indexer.finished, timeout=30_000) as blocker:
        assert window.save_setting("docs.personal_folders", [str(other)])
    assert blocker.args[0].indexed == 1  # the old folder's documents are gone, the new one in


def test_the_documents_parts_of_the_window_are_japanese(
    qtbot: Any, make_window: Any, site_docs: Path, app_paths: Any
) -> None:
    from tests.desktop.test_japanese_complete import untranslated, visible_texts

    save_user_setting(app_paths, "ui.language", "ja")
    window = make_window(wait=False)  # no model needed to search and view documents
    _indexed(qtbot, window)
    window.input.setPlainText("flange bolts torque")
    window.actions_.search_docs.trigger()
    chat = window.chat
    qtbot.waitUntil(lambda: any(e.role == DOCUMENTS for e in chat.entries), timeout=10_000)
    chat.request_action("source", len(chat.entries) - 1, 0)
    viewer = window.docs.viewers[-1]
    qtbot.waitUntil(lambda: viewer.loaded_source is not None, timeout=20_000)
    window.docs_status.show_skipped()
    dialog = window.docs_status.dialog
    # Not ours to translate: the documents' own words, their paths, and what was typed.
    passages = [s for e in chat.entries for s in e.sources]
    dynamic = ["flange bolts torque", str(site_docs), *MANUAL_PAGES]
    dynamic += [str(p[k]) for p in passages for k in ("title", "heading", "text", "path")]
    dynamic += [line for page in MANUAL_PAGES for line in page.splitlines()]
    found = visible_texts(window) + visible_texts(viewer) + visible_texts(dialog)
    found = [(where, text) for where, text in found if "PDFium" not in text]  # pdfium's words
    assert untranslated(found, dynamic) == []
    assert "文書の検索（モデルには質問していません）" in chat.toPlainText()
    assert "1/3 ページ" not in viewer.place.text() and "2/3 ページ" in viewer.place.text()
    viewer.close()
    dialog.close()


def test_a_search_during_an_answer_is_shown_once_the_answer_ended(
    qtbot: Any, make_window: Any, site_docs: Path, gate: Any
) -> None:
    window = make_window()
    _indexed(qtbot, window)
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    assert window.send("Say something about the press.")
    assert gate.first_token.wait(30)
    window.input.setPlainText("booth filters")
    window.actions_.search_docs.trigger()  # works while the model writes (it is not asked)
    qtbot.waitUntil(lambda: len(window.docs._deferred) == 1, timeout=10_000)
    assert window.chat.entries[-1].status == "streaming"  # the answer's frame stays last
    with qtbot.waitSignal(window.answer_completed, timeout=60_000):
        gate.open()
    roles = [e.role for e in window.chat.entries]
    assert roles == ["user", "assistant", DOCUMENTS]
    assert window.chat.entries[1].status == "complete" and window.chat.entries[1].text
    assert Path(window.chat.entries[-1].sources[0]["path"]).name == "cleaning.md"


def test_a_folder_that_cannot_be_reached_is_said_in_the_status_and_listed(
    qtbot: Any, make_window: Any, site_docs: Path, app_paths: Any, tmp_path: Path
) -> None:
    share = tmp_path / "share-not-mounted"
    save_user_setting(app_paths, "docs.personal_folders", [str(site_docs), str(share)])
    window = make_window(wait=False)
    outcome = _indexed(qtbot, window)
    assert [s.folder for s in outcome.unreachable] == [share]
    status = window.docs_status
    assert status.text() == (
        "Documents: 3 indexed · cannot reach 1 of the document folders (not connected?) — ask IT"
    )
    status.show_skipped()
    rows = status.dialog.reasons()
    assert rows[0][0] == str(share) and "cannot be reached" in rows[0][1]
    assert len(rows) == 3  # the folder, then the two skipped files
    status.dialog.close()
