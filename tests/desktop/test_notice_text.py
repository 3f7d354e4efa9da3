"""The engine's notices in the window's language: every code translated, shown with the answer."""

from __future__ import annotations

import re
import string
from typing import Any

from desktop import i18n_build
from desktop.notice_text import notice_text, translated_templates
from engine.events import NoticeEvent
from engine.notices import ENGLISH, notice

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_notice_strings_are_current() -> None:
    from desktop import notice_strings

    assert list(notice_strings.TEXTS) == i18n_build.notice_texts(), (
        "engine.notices.ENGLISH changed: run `python -m desktop.i18n_build --update` and translate"
    )


def test_every_code_has_a_japanese_template(japanese: Any) -> None:
    templates = translated_templates()
    for code, english in ENGLISH.items():
        ja = templates[code]
        assert ja != english, code
        assert _JAPANESE.search(ja), (code, ja)
        assert _fields(ja) == _fields(english), code
        sample = {"seconds": 0.5} if "seconds" in _fields(english) else {}
        formatted = ja.format(**{**dict.fromkeys(_fields(english), 7), **sample})
        assert "{" not in formatted and "}" not in formatted, (code, formatted)


def test_notices_render_in_japanese_and_fall_back_to_english(japanese: Any) -> None:
    assert notice_text(notice("reload", experts=11, seconds=0.1912)) == (
        "エキスパート 11 個でモデルを読み込みました（0.19 秒）。"
    )
    assert notice_text(notice("fallback")) == "代わりにこのPCで回答します。"
    # The server's own words stay as they are, inside a Japanese sentence.
    assert notice_text(notice("remote_failed.kept", error="HTTP 500.", chars=3)) == (
        "リモートサーバーでエラーが起きました: HTTP 500. 受信済みの 3 文字はそのまま残します。"
    )
    # No code (an older engine), an unknown code, or parameters that do not fit: English.
    assert notice_text(NoticeEvent("reload", "Loaded.")) == "Loaded."
    assert notice_text(NoticeEvent("x", "Something.", (), "no.such.code")) == "Something."
    assert notice_text(NoticeEvent("reload", "Loaded.", (("n", 1),), "reload")) == "Loaded."


def test_english_window_shows_the_english_message(qapp: Any) -> None:
    event = notice("trimmed", dropped=3)
    assert notice_text(event) == event.message


def test_a_real_answer_shows_a_japanese_notice(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        window.send("hello")
    notices = window.chat.entries[-1].notices
    assert any("モデルを読み込みました" in n for n in notices), notices
    assert not any("Loaded the model" in n for n in notices), notices
    shown = window.chat.toPlainText()  # the answer's footer
    assert "モデルを読み込みました" in shown, shown
    assert "Loaded the model" not in shown, shown


def test_a_quoted_engine_error_is_translated_too(japanese: Any) -> None:
    from engine.errors import ModelLoadError
    from engine.notices import error_params

    exc = ModelLoadError.of("cpu.load_failed", file="libggml-cpu-zen4.so")
    event = notice("local_failed", **error_params(exc))
    assert event.message == f"The model on this PC failed: {exc}"  # English as before
    assert notice_text(event) == (
        "このPCのモデルでエラーが起きました: "
        "llama.cpp の CPU バックエンド libggml-cpu-zen4.so を読み込めませんでした。"
        "genba を入れ直してください。"
    )
    # An error without a code stays in its own words.
    plain = notice("local_failed", **error_params(ModelLoadError("Disk on fire.")))
    assert notice_text(plain) == "このPCのモデルでエラーが起きました: Disk on fire."


def test_a_refusal_reason_with_parts_is_translated(japanese: Any) -> None:
    from engine.notices import reason_params
    from engine.reasons import as_dicts, part, render

    parts = (part("context.even_without_old_turns"),)
    event = notice("refused", **reason_params(render(parts), as_dicts(parts)))
    assert event.message == f"genba cannot answer this now: {render(parts)}."  # English as before
    shown = notice_text(event)
    assert shown.startswith("genba は今この質問に回答できません: ")
    assert render(parts) not in shown and _JAPANESE.search(shown.split(": ", 1)[1]), shown
    # A reason without parts (an older engine) stays in its own words.
    assert render(parts) in notice_text(notice("refused", reason=render(parts)))
    broken = notice("refused", reason="why", reason_parts="not json")
    assert notice_text(broken) == "genba は今この質問に回答できません: why。"
