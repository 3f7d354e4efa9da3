"""Japanese completeness: no English where the operator expects Japanese.

The window is started in Japanese the way an operator starts it (``ui.language
= "ja"`` in their settings), on the real engine with the tiny model, under a
policy that locks settings, and is walked in the states an operator reaches:
the chat after answers (with a notice), the settings dialog with its policy
page, the update line, the conversation list, the rename / delete / export /
shortcut / about dialogs, and the first-run page of a PC without a model. A
second test switches to English and back, and restarts: notices and errors
shown in English must then read in Japanese too.

Every visible text of every widget is collected by walking the widget tree
(no widget is looked up by its attribute name, so the test keeps working while
the layout changes): window titles, label and button texts, combo items, tab
texts, item views' cells and headers, menu and action texts, tooltips, status
tips, accessible names and descriptions, placeholder texts, spin-box affixes,
and the chat view's text that is not a message.

The rule (:func:`english_words`): a text is untranslated when, after removing

* what is not ours to translate: the operator's own text (questions,
  conversation titles), the model's output, the model's proper name (its
  ``general.name`` without a trailing "(…)" description), and
* the tokens that stay as they are in Japanese text (:data:`ALLOWED`): proper
  names and technical terms (genba, GGUF, llama.cpp, OpenAI…), units (MB, N),
  key names (Ctrl+N), setting keys (``experts.mode``), commands
  (``genba doctor``), file names, paths, URLs and numbers,

an ASCII word of three or more letters is left. Strings with some Japanese and
an English word left over fail too (a half-translated sentence is still
English to the operator). Each failure names the text and where it was seen.
Qt's own file dialog is checked for our title and filters only: its labels are
Qt's translations (and the native dialog's on Windows and macOS).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSpinBox,
    QStackedWidget,
    QTabBar,
    QTextEdit,
    QWidget,
)

from desktop.error_text import error_text
from engine.error_codes import ErrorMessage
from engine.paths import Paths
from engine.settings.store import save_user_setting
from engine.tools import tiny_moe

# -- the rule ------------------------------------------------------------------

ALLOWED = re.compile(
    "|".join(
        (
            r"https?://\S+",  # URLs
            r"(?<![\w.])(?:/[\w.\-~]+)+/?",  # POSIX paths
            r"[A-Za-z]:\\\S+",  # Windows paths
            r"`[^`]*`",  # commands and code, quoted as code
            r"genba(?: [a-z][a-z-]*)+(?: [A-Z]+\b)?",  # genba commands: genba models import PATH
            r"\bllama\.cpp server\b",  # a program's name
            r"\b[a-z]+(?:_[a-z]+)+\b",  # identifiers, e.g. expert_used_count
            r"[\w-]+\.(?:gguf|json|toml|md|qm|ts|log|db)\b",  # file names
            r"\(?\*\.\w+\)?",  # file-dialog patterns
            r"\b[a-z_]+(?:\.[A-Za-z_]+)+(?:\s*=\s*(?:true|false))?",  # setting keys, llama.cpp
            r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",  # environment variables
            r"\b(?:Ctrl|Shift|Alt|Meta)\+[\w+,=←→↑↓-]+|\bShift\+Enter\b|\b(?:Enter|Esc|Tab)\b|\bF\d+\b",
            r"\bMixture-of-Experts\b|\bUTF-8\b|\bHugging Face\b",
            r"\b(?:genba|GGUF|gguf|MoE|CPU|GPU|ggml|Markdown|JSON|URL|HTTPS?|OpenAI|vLLM|Ollama"
            r"|PEM|TUF|USB|OS|PC|IT|MB|GB|RAM|English|dense|SmolLM2?|OLMoE|Qwen|Mixtral"
            r"|PDF|DOCX|Word|HTML)\b",  # file formats are names too
            r"\b(?:Windows|macOS|GNOME Keyring|KWallet|Secret Service)\b",  # keyrings' names
        )
    )
)
"""Tokens that stay as they are in a Japanese text."""

_WORD = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str, dynamic: Iterable[str] = ()) -> list[str]:
    """The English words left in ``text`` once ``dynamic`` values and :data:`ALLOWED` are out."""
    rest = text.replace("&&", "&")
    for value in sorted({d for d in dynamic if d}, key=len, reverse=True):
        rest = rest.replace(value, " ")
    rest = ALLOWED.sub(" ", rest)
    return _WORD.findall(rest)


def test_the_rule_flags_english_and_keeps_names() -> None:
    """The rule itself: English fails, Japanese with technical names passes."""
    assert english_words("Model update failed") == ["Model", "update", "failed"]
    assert english_words("トークン数: 12 tokens") == ["tokens"]
    assert english_words("balanced") == ["balanced"]
    assert english_words("false") == ["false"]
    assert english_words("モデル: genba tiny test MoE", ["genba tiny test MoE"]) == []
    assert english_words("`genba doctor` で確認 (GGUF, llama.cpp, Ctrl+Shift+C)") == []
    assert english_words("ポリシー: /etc/genba/policy.toml · https://x.example/v1 · 16 MB") == []
    assert english_words("model.allow_user_models = false") == []


# -- collecting what is on screen -------------------------------------------------


def _plain(text: str) -> str:
    """A label's text as read (rich text without its markup)."""
    if QtGui.Qt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _shown(widget: QWidget, root: QWidget) -> bool:
    """Shown, or a page of a stacked widget (tab pages, the window's pages) the operator reaches."""
    w: QWidget | None = widget
    while w is not None:
        parent = w.parentWidget()
        if w.isHidden() and not isinstance(parent, QStackedWidget):
            return False
        if w is root:
            return True
        w = parent
    return True


def _columns(model: Any, parent: QModelIndex) -> int:
    """Column count (a list model's ``columnCount`` is private in PySide6)."""
    count = 0
    while model.rowCount(parent) and model.index(0, count, parent).isValid():
        count += 1
    return max(count, 1 if model.rowCount(parent) else 0) if count else _header_columns(model)


def _header_columns(model: Any) -> int:
    count = 0
    while count < 64 and model.headerData(count, Qt.Orientation.Horizontal) is not None:
        count += 1
    return count


def _item_texts(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
    for orientation in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical):
        count = _columns(model, QModelIndex()) if orientation == Qt.Orientation.Horizontal else 0
        for section in range(count):
            for role in roles:
                value = model.headerData(section, orientation, role)
                if isinstance(value, str):
                    yield value

    def walk(parent: QModelIndex) -> Iterator[str]:
        for row in range(model.rowCount(parent)):
            for col in range(_columns(model, parent)):
                index = model.index(row, col, parent)
                for role in roles:
                    value = model.data(index, role)
                    if isinstance(value, str):
                        yield value
                if col == 0 and model.rowCount(index):
                    yield from walk(index)

    yield from walk(QModelIndex())


def _widget_texts(w: QWidget) -> Iterator[tuple[str, str]]:
    """Every text ``w`` shows or announces: its own, its kind's, its actions'."""
    yield "tooltip", w.toolTip()
    yield "status tip", w.statusTip()
    yield "what's this", w.whatsThis()
    yield "accessible name", w.accessibleName()
    yield "accessible description", w.accessibleDescription()
    if w.isWindow():
        yield "window title", w.windowTitle()
    full = w.property("fullText")  # a shortened label keeps its whole text here
    if isinstance(full, str):
        yield "full text", full
    yield from _text_widget_texts(w)
    yield from _list_widget_texts(w)
    for action in w.actions():
        yield "action", action.text()
        yield "action tooltip", action.toolTip()
        yield "action status tip", action.statusTip()
        menu = action.menu()
        if isinstance(menu, QMenu):
            yield "submenu title", menu.title()
            yield from (("submenu " + k, v) for k, v in _widget_texts(menu))


def _text_widget_texts(w: QWidget) -> Iterator[tuple[str, str]]:
    """Labels, buttons, fields: their text, placeholder and affixes."""
    if isinstance(w, QLabel):
        yield "text", _plain(w.text())
    elif isinstance(w, QAbstractButton):
        yield "text", w.text()
    elif isinstance(w, QGroupBox):
        yield "title", w.title()
    elif isinstance(w, QLineEdit):
        yield "placeholder", w.placeholderText()
    elif isinstance(w, QPlainTextEdit | QTextEdit):
        yield "placeholder", w.placeholderText()
        if w.isReadOnly():  # a transcript or a read-only text: its words are on screen
            yield from (("text", line) for line in w.toPlainText().splitlines())
    elif isinstance(w, QAbstractSpinBox):
        yield "special value", w.specialValueText()
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            yield "affix", f"{w.prefix()} {w.suffix()}"
    elif isinstance(w, QProgressBar) and w.isTextVisible():
        yield "text", w.text()
    elif isinstance(w, QMessageBox):
        yield "details", w.detailedText()


def _list_widget_texts(w: QWidget) -> Iterator[tuple[str, str]]:
    """Combo items, tabs, item views' cells and headers."""
    if isinstance(w, QComboBox):
        for i in range(w.count()):
            yield "item", w.itemText(i)
            tip = w.itemData(i, Qt.ItemDataRole.ToolTipRole)
            if isinstance(tip, str):
                yield "item tooltip", tip
    elif isinstance(w, QTabBar):
        for i in range(w.count()):
            yield "tab", w.tabText(i)
            yield "tab tooltip", w.tabToolTip(i)
    elif isinstance(w, QAbstractItemView):
        yield from (("item", text) for text in _item_texts(w))


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """``(where, text)`` for every text of every widget the operator can see under ``root``."""
    if isinstance(root, QFileDialog):
        # Qt's own file dialog: its labels are Qt's translations (the native dialog on
        # Windows and macOS), its list the operator's files. Ours are the title and filters.
        return [("file dialog title", root.windowTitle())] + [
            ("file dialog filter", f) for f in root.nameFilters()
        ]
    found: list[tuple[str, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QMenu | QHeaderView):
            # Menus are read from their actions (a popup is hidden until opened); a header's
            # sections are read from its view's model.
            continue
        if not _shown(w, root):
            continue
        where = f"{type(w).__name__}({w.objectName() or '-'})"
        found += [(f"{where} {kind}", t) for kind, t in _widget_texts(w) if t and t.strip()]
    return found


def untranslated(found: Iterable[tuple[str, str]], dynamic: Iterable[str]) -> list[str]:
    """One line per text with English words left: what it says, where, and the words."""
    values = list(dynamic)
    bad = []
    for where, text in found:
        words = english_words(text, values)
        if words:
            bad.append(f"{text!r} at {where}: {words}")
    return sorted(set(bad))


# -- the states an operator reaches -------------------------------------------------


def _message_lines(window: Any) -> set[str]:
    """Every line of the operator's questions and the model's answers, as shown."""
    lines: set[str] = set()
    history = window.history
    for conv in history.conversations():
        lines.add(conv.title.strip())
        for message in history.messages(conv.id):
            doc = QTextDocument()
            doc.setMarkdown(message.content)
            for text in (message.content, doc.toPlainText()):
                lines.update(line.strip() for line in text.splitlines())
    return {line for line in lines if line}


def _not_messages(found: list[tuple[str, str]], window: Any) -> list[tuple[str, str]]:
    """``found`` without the lines that are the operator's text or the model's output.

    Line by line, so it works for one transcript view and for a widget per message alike.
    """
    messages = _message_lines(window)
    kept = []
    for where, text in found:
        rest = [line for line in text.splitlines() if line.strip() not in messages]
        if any(line.strip() for line in rest):
            kept.append((where, "\n".join(rest)))
    return kept


def _dynamic(window: Any, model_name: str) -> list[str]:
    """Values in texts that are not ours to translate: titles, messages, the model's name.

    A message quoted inside a text (a tooltip "Answer: …") is removed too, but only lines long
    enough not to remove a stray English word from our own texts.
    """
    values = [re.sub(r"\s*\([^()]*\)\s*$", "", model_name)]  # its description is ours
    values += [c.title for c in window.history.conversations()]
    values += [line for line in _message_lines(window) if len(line) >= 12]
    return values


def _in_modal(trigger: Callable[[], object]) -> list[tuple[str, str]]:
    """The texts of the modal dialog ``trigger`` opens (none: ``[]``); the dialog is closed.

    ``exec()`` returns only once the dialog is closed, so a timer started before the trigger
    looks at the dialog from inside its own event loop, then closes it.
    """
    seen: list[tuple[str, str]] = []
    done = False

    def look() -> None:
        nonlocal done
        if done:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, look)
            return
        done = True
        seen.extend(visible_texts(dialog))
        dialog.close()
        if dialog.isVisible():  # a dialog that ignores close: reject it
            getattr(dialog, "reject", dialog.hide)()

    QTimer.singleShot(0, look)
    trigger()  # a dialog run with exec(): returns once look() has closed it
    QApplication.processEvents()  # a dialog opened with open(): look() sees it now
    done = True  # no dialog at all: stop looking
    return seen


SHORT = "手順は?"
"""Asked until the conversation outgrows the locked context (old turns are left out: a notice)."""
LONG = "トルクレンチの正しい使い方を、最初から最後まで手順で教えてください。" * 3
"""Too long to answer at all in the locked context (refused: a notice and an error)."""

DEMO_NAME = "genba tiny test MoE (8 experts, MoEfied)"
"""How the default-model build names its model (engine.models.default_model.build)."""

POLICY = """\
[experts]
user_can_choose = false
[resources]
on_battery = "remote"
max_context_tokens = 160
[history]
export_allowed = true
[ui]
high_contrast = false
[updates]
enabled = true
repository_url = "https://updates.example.com/genba/"
trusted_root = "/nonexistent/genba/root.json"
"""
"""Locks settings of every kind: an enum, booleans, a number, and an update set-up IT broke."""


@pytest.fixture
def demo_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny model, named the way the built-in demo model names itself."""
    add_name = tiny_moe.gguf.GGUFWriter.add_name
    monkeypatch.setattr(
        tiny_moe.gguf.GGUFWriter, "add_name", lambda self, _name: add_name(self, DEMO_NAME)
    )
    path = tiny_moe.build_tiny_moe(tmp_path / "models" / "demo-moe.gguf")
    monkeypatch.undo()
    return path


@pytest.fixture
def japanese_window(qtbot: Any, app_paths: Paths) -> Iterator[Callable[..., Any]]:
    """Start MainWindows the way an operator does, in Japanese; shut down in teardown."""
    from desktop.main_window import MainWindow

    app_paths.policy_dir.mkdir(parents=True, exist_ok=True)
    app_paths.policy_file.write_text(POLICY, encoding="utf-8")
    save_user_setting(app_paths, "ui.language", "ja")
    windows: list[Any] = []

    def make(model: Path | None) -> Any:
        window = MainWindow(app_paths, model_path=model, updates=True, max_tokens=24)
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        windows.append(window)
        window.resize(1100, 760)
        window.show()
        return window

    yield make
    for window in windows:
        window.shutdown()


def test_every_visible_string_is_japanese(
    qtbot: Any, japanese_window: Any, demo_model: Path
) -> None:
    window = japanese_window(demo_model)
    qtbot.waitUntil(lambda: window.model_ready, timeout=30_000)
    found: list[tuple[str, str]] = []
    # Answers, the last one long enough that the conversation no longer fits: a notice.
    trimmed = False
    for _ in range(12):  # answers' lengths vary: ask until old turns were left out
        final = _ask(qtbot, window, SHORT)
        found += visible_texts(window)
        trimmed = any(p.get("code") == "then.old_turns_trimmed" for p in final.reason_parts or [])
        if trimmed:
            break
    assert trimmed, "the conversation never outgrew the context"
    assert _ask(qtbot, window, LONG).route == "refuse"
    found += visible_texts(window)
    # The update line in every state the updater reports (not set up: for real, by policy).
    for state in ("checking", "downloading", "ready", "applied", "failed"):
        event = SimpleNamespace(state=state, total=100, done=40, version="2026.12.1")
        window.updates.on_state_received(event)
        found += visible_texts(window)
    window.updates.on_state_received(SimpleNamespace(state="not_set_up"))
    found += visible_texts(window)
    # Dialogs: every action of the window that opens one.
    for action in _dialog_actions(window):
        found += _in_modal(action.trigger)
    found = _not_messages(found, window)
    dynamic = _dynamic(window, DEMO_NAME)
    if os.environ.get("GENBA_DUMP_TEXTS"):  # to see what was checked: pytest -s
        print("\n".join(f"{w}: {t!r}" for w, t in sorted(set(found))))
    # The window really was in the states above (so the walk saw them).
    assert window.translations.language == "ja"
    assert any("ポリシー" in t or "管理者" in t for _, t in found), "no policy lock seen"
    assert any("更新" in t for _, t in found), "no update line seen"
    assert any("古いメッセージ" in t for _, t in found), "no notice about left-out messages seen"
    assert any("回答できません" in t for _, t in found), "no refusal seen"
    problems = untranslated(found, dynamic)
    assert problems == [], "English in the Japanese window:\n" + "\n".join(problems)


_DIALOG_ACTIONS = ("settings", "rename", "delete", "export", "shortcuts_help", "about")
"""The window's actions that ask or tell something in a dialog (where they exist)."""


def _dialog_actions(window: Any) -> list[Any]:
    """Actions that open a dialog: those named above, and any whose text ends in "…"."""
    owner = getattr(window, "actions_", None)
    named = [getattr(owner, name, None) for name in _DIALOG_ACTIONS]
    dotted = [a for a in window.actions() if a.text().rstrip().endswith(("…", "..."))]
    actions = []
    for action in [*named, *dotted]:
        if action is not None and action not in actions and action.isEnabled():
            actions.append(action)
    assert len(actions) >= len(_DIALOG_ACTIONS) - 1, "the dialogs were not reached"
    return actions


def _ask(qtbot: Any, window: Any, question: str) -> Any:
    """Send ``question`` and wait for its final event."""
    with qtbot.waitSignal(window.answer_completed, timeout=60_000) as blocker:
        assert window.send(question)
    final = blocker.args[0]
    assert not isinstance(final, str), final  # the engine failed: not a state to check
    return final


def _shows(window: Any, text: str) -> bool:
    return any(t == text for _, t in visible_texts(window))


def test_first_run_page_is_japanese(qtbot: Any, japanese_window: Any, app_paths: Paths) -> None:
    """A PC without a model, whose history file was damaged too (a notice above the input)."""
    app_paths.history_db.parent.mkdir(parents=True, exist_ok=True)
    app_paths.history_db.write_bytes(b"not a database " * 512)
    window = japanese_window(None)
    # The engine's "no model" error, as the first-run page explains it (in Japanese).
    # Read as plain text: its `commands` are shown as code, without the backticks.
    missing = error_text(ErrorMessage("", "model.none", {})).replace("`", "")
    assert "モデル" in missing
    qtbot.waitUntil(lambda: not window.model_ready and _shows(window, missing), timeout=30_000)
    found = visible_texts(window)
    assert any("履歴" in t and str(window.history.moved_aside) in t for _, t in found)
    problems = untranslated(found, [])
    assert problems == [], "English in the Japanese first-run page:\n" + "\n".join(problems)


def test_model_label_and_policy_values_follow_the_language(qapp: Any) -> None:
    """The two renderers the window uses, in both languages (a live switch re-renders)."""
    from desktop.i18n import Translations
    from desktop.i18n_values import setting_value_text
    from desktop.model_label import model_label

    translations = Translations(qapp, None)
    try:
        assert translations.switch("ja")
        assert (
            model_label(DEMO_NAME)
            == "genba tiny test MoE（エキスパート 8 個、Mixture-of-Experts に変換済み）"
        )
        assert model_label("site-model-2026") == "site-model-2026"  # a name stays as written
        assert setting_value_text("ui.high_contrast", True) == "オン"
        assert setting_value_text("experts.mode", "balanced") == "標準"
        assert setting_value_text("updates.repository_url", "") == "—"
        translations.clear()
        assert model_label(DEMO_NAME) == (
            "genba tiny test MoE (8 experts, converted to Mixture-of-Experts)"
        )
        assert setting_value_text("history.enabled", False) == "off"
        assert setting_value_text("resources.on_battery", "fewer_experts") == "fewer_experts"
    finally:
        translations.clear()


def _switch(qtbot: Any, window: Any, lang: str) -> None:
    """Change the language as the operator does; wait until the window has redrawn its texts."""
    before = window.windowTitle()
    assert window.save_setting("ui.language", lang)
    qtbot.waitUntil(lambda: window.windowTitle() != before)  # LanguageChange is posted


def test_engine_texts_follow_a_language_switch_and_a_restart(
    qtbot: Any, japanese_window: Any, demo_model: Path
) -> None:
    """Notices and errors shown in English are shown in Japanese after a switch, and after a
    restart from history: they are kept with how to render them, not only as words."""
    window = japanese_window(demo_model)
    qtbot.waitUntil(lambda: window.model_ready, timeout=30_000)
    _switch(qtbot, window, "en")
    _ask(qtbot, window, SHORT)  # "Loaded the model with …" (kept with the answer)
    assert _ask(qtbot, window, LONG).route == "refuse"  # a notice, an error, the notice line
    english = [t for _, t in visible_texts(window)]
    assert any(t.startswith("genba cannot answer this now") for t in english), english
    _switch(qtbot, window, "ja")
    found = _not_messages(visible_texts(window), window)
    assert any("回答できません" in t for _, t in found)
    problems = untranslated(found, _dynamic(window, DEMO_NAME))
    assert problems == [], "English after switching to Japanese:\n" + "\n".join(problems)
    window.close()
    # Started again: the conversation comes back from history, its notices in Japanese.
    again = japanese_window(demo_model)
    qtbot.waitUntil(lambda: again.model_ready, timeout=30_000)
    found = _not_messages(visible_texts(again), again)
    assert any("モデルを読み込みました" in t for _, t in found)
    problems = untranslated(found, _dynamic(again, DEMO_NAME))
    assert problems == [], "English after a restart in Japanese:\n" + "\n".join(problems)


def test_stored_engine_texts_render_again_or_stay_as_they_were(qapp: Any) -> None:
    """History rows: a record renders in the current language; a broken one keeps its words."""
    from desktop.i18n import Translations
    from desktop.i18n_text import restored, retranslated, stored
    from desktop.notice_text import notice_text
    from engine.notices import notice

    translations = Translations(qapp, None)
    try:
        shown = notice_text(notice("fallback"))
        assert shown == "Answering on this PC instead."
        row = {"kind": "notice", "message": shown, **stored(shown)}
        assert translations.switch("ja")
        assert restored(row) == "代わりにこのPCで回答します。"
        assert retranslated(shown) == "代わりにこのPCで回答します。"
        assert retranslated("free words") == "free words"
        assert stored("free words") == {}
        for broken in ("not json", "[1, 2]", '{"notice": {"code": "fallback"}}'):
            assert restored({"message": "As it was.", "localized": broken}) == "As it was."
        assert restored({"kind": "notice", "message": "Old row."}) == "Old row."
    finally:
        translations.clear()
