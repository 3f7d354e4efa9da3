"""Japanese and English: complete translations, switchable while the window runs."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from desktop import i18n_build, token_store
from desktop.settings_dialog import SettingsDialog


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [
        (ctx.findtext("name") or "", m.findtext("source") or "", m)
        for ctx in root.iter("context")
        for m in ctx.iter("message")
    ]


def test_translation_sources_are_current_and_complete(tmp_path: Path) -> None:
    """A new or changed string in the code that nobody translated fails here."""
    from desktop import schema_strings

    assert list(schema_strings.TEXTS) == i18n_build.schema_texts(), (
        "settings schema changed: run `python -m desktop.i18n_build --update` and translate"
    )
    for lang in i18n_build.LANGUAGES:
        shutil.copy(i18n_build.ts_file(lang), tmp_path / i18n_build.ts_file(lang).name)
    i18n_build.update_sources(tmp_path, write_schema=False)
    for lang in i18n_build.LANGUAGES:
        committed = _messages(i18n_build.ts_file(lang))
        fresh = _messages(i18n_build.ts_file(lang, tmp_path))
        assert {(c, s) for c, s, _ in fresh} == {(c, s) for c, s, _ in committed}, (
            f"{lang}: .ts is out of date; run `python -m desktop.i18n_build --update`"
        )
        unfinished = [
            (c, s)
            for c, s, m in fresh
            if m.find("translation") is None
            or m.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
            or not (m.findtext("translation") or "").strip()
        ]
        assert unfinished == [], f"{lang}: untranslated strings {unfinished[:5]}"


def _visible_texts(root: QWidget) -> list[str]:
    texts: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        texts += [w.toolTip(), w.accessibleName()]
        if isinstance(w, QAbstractButton | QLabel):
            texts.append(w.text())
        if isinstance(w, QLineEdit | QPlainTextEdit):
            texts.append(w.placeholderText())
        if isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
    for action in root.findChildren(type(root.actions()[0])) if root.actions() else []:
        texts += [action.text(), action.toolTip()]
    return [t for t in texts if t]


def test_language_switch_changes_visible_strings(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    assert window.buttons.send_button.text() == "Send"
    assert window.actions_.file_menu.title() == "&File"
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")  # LanguageChange is posted
    assert window.buttons.stop_button.text() == "停止"
    assert window.actions_.file_menu.title() == "ファイル(&F)"
    assert window.input.placeholderText().startswith("質問を入力")
    assert window.status.summary().startswith("準備完了")
    window.save_setting("ui.language", "en")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "Send")
    assert window.status.summary() == "Ready · on this PC"


_ALLOWED_ASCII = re.compile(
    r"Ctrl\+[\w,+=-]+|Shift\+Enter|Enter|Esc|F\d|GGUF|Mixture-of-Experts|genba|MB|PC|URL|"
    r"Markdown|JSON|English|N·m|OK|\(\*\.\w+\)|\*\.\w+|[a-z_]+\.[a-z_]+|[\d.%:/ -]+"
)


def _untranslated(texts: list[str], english: set[str], dynamic: list[str]) -> list[str]:
    bad = []
    for text in texts:
        rest = text
        for d in dynamic:
            rest = rest.replace(d, "")
        rest = _ALLOWED_ASCII.sub("", rest)
        # Translated texts keep technical names (USB, OpenAI...); a text with no Japanese
        # at all and English words left over was not translated.
        japanese = re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", rest)
        if text in english or (not japanese and re.search(r"[A-Za-z]{3,}", rest)):
            bad.append(text)
    return bad


def test_every_visible_string_is_japanese_in_japanese_mode(
    qtbot: Any, make_window: Any, app_paths: Any
) -> None:
    window = make_window()
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        window.send("hello")
    final = blocker.args[0]
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    english = {
        s
        for _c, s, m in _messages(i18n_build.ts_file("ja"))
        if (m.findtext("translation") or "") != s
    }
    # Values that come from the engine, the model file or the operator are not ours to translate.
    dynamic = [window.status.model_label.text().split(": ", 1)[-1], final.reason, "hello"]
    dynamic += [window.history.conversations()[0].title]
    dynamic += [n for e in window.chat.entries for n in e.notices]
    dynamic += [token_store.unavailable_reason()]
    texts = _visible_texts(window) + _visible_texts(window.first_run) + _visible_texts(dialog)
    for menu in (window.actions_.file_menu, window.actions_.chat_menu, window.actions_.help_menu):
        texts.append(menu.title())
    texts = [t for t in texts if t not in ("日本語", "English")]
    assert _untranslated(texts, english, dynamic) == []
