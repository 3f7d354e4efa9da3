"""Honesty about the model (issue 13, item 1): demo notice, welcome page, site examples.

Real windows on the real engine (tiny models built for the test, real llama.cpp), real
policy files, real key presses and clicks.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from engine.paths import Paths
from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

SITE = ["Where is the spill kit on line 3?", "How do I reset the press after an e-stop?"]
SITE_JA = ["3号ラインのスピルキットはどこ？"]


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model marked the way ``genba models build-default`` marks its build."""
    folder = tmp_path_factory.mktemp("demo")
    return build_tiny_moe(folder / "demo.gguf", TinyMoESpec(demo=True))


def _policy(paths: Paths, text: str) -> None:
    paths.policy_file.parent.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(text, encoding="utf-8")


def _answered(qtbot: Any, window: Any, text: str) -> None:
    with qtbot.waitSignal(window.answer_completed, timeout=60_000):
        assert window.send(text)


def test_demo_model_shows_a_notice_nothing_dismisses(
    qtbot: Any, make_window: Any, demo_model: Path
) -> None:
    window = make_window(model=demo_model)
    notice = window.demo_notice
    assert notice.isVisible()
    assert "demonstration model" in notice.label.text()
    assert "ask IT" in notice.label.text() and "import" in notice.label.text()
    # Its only button imports a model; there is nothing that closes it.
    assert [b.objectName() or b.text() for b in notice.findChildren(QAbstractButton)] == [
        notice.import_button.text()
    ]
    notice.label.setFocus()
    qtbot.keyClick(notice.label, Qt.Key.Key_Escape)
    window.new_chat()
    _answered(qtbot, window, "hello")
    assert notice.isVisible()


def test_another_model_shows_no_demo_notice(qtbot: Any, make_window: Any) -> None:
    window = make_window()  # the tiny test model: no genba.demo key, no build recipe
    assert not window.demo_notice.isVisibleTo(window)
    assert window.reminder.isVisible()  # the small caution stays with any model


def test_without_own_models_the_notice_only_says_ask_it(
    qtbot: Any, make_window: Any, app_paths: Paths, demo_model: Path
) -> None:
    _policy(app_paths, "[model]\nallow_user_models = false\n")
    # Where `genba models build-default` puts its build: the model genba runs by default.
    app_paths.default_model_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_model, app_paths.default_model_path)
    window = make_window(model=None)
    notice = window.demo_notice
    assert notice.isVisible()
    assert not notice.import_button.isVisibleTo(notice)
    assert "Ask IT to install your site's model" in notice.label.text()


def test_the_notice_and_reminder_are_translated(
    qtbot: Any, make_window: Any, demo_model: Path
) -> None:
    window = make_window(model=demo_model)
    english = window.demo_notice.label.text(), window.reminder.text()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.reminder.text() != english[1])  # LanguageChange is posted
    japanese = window.demo_notice.label.text(), window.reminder.text()
    assert "デモ" in japanese[0] and "作業手順書" in japanese[1]
    assert window.demo_notice.import_button.text() != "&Import model…"


def test_welcome_page_in_an_empty_chat_until_a_message_exists(
    qtbot: Any, make_window: Any
) -> None:
    window = make_window()
    assert window.chat_stack.currentWidget() is window.welcome
    assert window.welcome.isVisible() and not window.chat.isVisible()
    assert "work instructions" in window.welcome.caution.text()
    _answered(qtbot, window, "hello")
    assert window.chat_stack.currentWidget() is window.chat
    window.new_chat()
    assert window.chat_stack.currentWidget() is window.welcome
    window.open_conversation(window.history.conversations()[0].id)
    assert window.chat_stack.currentWidget() is window.chat


def test_a_clicked_example_fills_the_message_box(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    examples = window.welcome.examples
    item = examples.item(1)
    qtbot.mouseClick(
        examples.viewport(), Qt.MouseButton.LeftButton, pos=examples.visualItemRect(item).center()
    )
    assert window.input.toPlainText() == item.text()
    assert window.input.hasFocus()  # ready to send with Enter or to change


def test_an_example_is_picked_with_tab_and_enter(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.activateWindow()
    window.input.setFocus()
    qtbot.waitUntil(window.input.hasFocus)
    examples = window.welcome.examples
    for _ in range(12):  # Tab through the window until the examples have the focus
        if examples.hasFocus():
            break
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert examples.hasFocus()
    qtbot.keyClick(examples, Qt.Key.Key_Down)
    qtbot.keyClick(examples, Qt.Key.Key_Return)
    assert window.input.toPlainText() == examples.item(1).text()


def test_policy_examples_replace_the_built_in_ones_per_language(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    quoted = ", ".join(f'"{s}"' for s in SITE)
    _policy(
        app_paths,
        f'[assistant]\nexample_prompts = [{quoted}]\nexample_prompts_ja = ["{SITE_JA[0]}"]\n',
    )
    window = make_window()
    assert window.welcome.example_texts() == SITE
    window.save_setting("ui.language", "ja")
    qtbot.wait(50)  # let the posted LanguageChange run: it must keep the site's examples
    assert window.welcome.example_texts() == SITE_JA
    window.save_setting("ui.language", "en")
    qtbot.wait(50)
    assert window.welcome.example_texts() == SITE


def test_built_in_examples_follow_the_language(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    english = window.welcome.example_texts()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.welcome.example_texts() != english)  # LanguageChange is posted
    japanese = window.welcome.example_texts()
    assert len(japanese) == len(english) == 4
    assert not set(japanese) & set(english)


def test_importing_from_the_notice_replaces_the_demo_model(
    qtbot: Any,
    make_window: Any,
    *,
    app_paths: Paths,
    demo_model: Path,
    tiny_moe_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop import model_tasks

    app_paths.default_model_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_model, app_paths.default_model_path)
    window = make_window(model=None)  # the model comes from settings, as after a real import
    assert window.demo_notice.isVisible()
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("not a model", encoding="utf-8")
    picked = [bogus, tiny_moe_path]
    monkeypatch.setattr(
        model_tasks.QFileDialog, "getOpenFileName", lambda *a, **k: (str(picked.pop(0)), "")
    )
    # A file that is not a model: the chat comes back, with one line saying why.
    qtbot.mouseClick(window.demo_notice.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.notice.isVisible, timeout=30_000)
    assert window.pages.currentWidget() is window.chat_page
    assert window.demo_notice.isVisible() and window.model_ready
    # The site's model: it answers from now on and the notice goes away.
    qtbot.mouseClick(window.demo_notice.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.pages.currentWidget() is window.chat_page
        and not window.demo_notice.isVisibleTo(window),
        timeout=60_000,
    )
    assert window.model_ready
    assert window.client.worker._engine.model_info.path.name == tiny_moe_path.name


def test_site_examples_fall_back_from_japanese_to_the_common_list() -> None:
    from desktop.welcome_page import site_examples
    from engine.settings import defaults

    common = defaults().with_values({"assistant.example_prompts": SITE}, source="policy:p")
    assert site_examples(common, "ja") == site_examples(common, "en") == tuple(SITE)
    both = common.with_values({"assistant.example_prompts_ja": SITE_JA}, source="policy:p")
    assert site_examples(both, "ja") == tuple(SITE_JA)
    assert site_examples(defaults(), "ja") == ()  # the window then shows genba's own
