"""The engine's reason in the window's language: every code translated, shown in the status bar."""

from __future__ import annotations

import re
import string
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop import i18n_build
from desktop.reason_text import reason_text, translated_templates
from engine.reasons import ENGLISH, SEPARATOR, as_dicts, part

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff（）／]")


def test_reason_strings_are_current() -> None:
    from desktop import reason_strings

    assert list(reason_strings.TEXTS) == i18n_build.reason_texts(), (
        "engine.reasons.ENGLISH changed: run `python -m desktop.i18n_build --update` and translate"
    )


def test_every_code_has_a_japanese_template(japanese: Any) -> None:
    templates = translated_templates()
    for code, english in ENGLISH.items():
        if code == "text":
            continue  # free text is shown verbatim
        ja = templates[code]
        assert ja != english, code
        assert _JAPANESE.search(ja), (code, ja)
        fields = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        assert {f for _, f, _, _ in string.Formatter().parse(ja) if f} == fields, code
        formatted = ja.format(**dict.fromkeys(fields, 7))
        assert "{" not in formatted and "}" not in formatted, (code, formatted)
    assert QCoreApplication.translate("ReasonText", SEPARATOR) != SEPARATOR


def test_reasons_render_in_japanese_and_fall_back_to_english(japanese: Any) -> None:
    parts = as_dicts((
        part("experts.mode.balanced", n=11), part("local.fine"),
    ))
    assert reason_text("N=11 by balanced mode; resources fine → local", parts) == (
        "標準モードで N=11 ／ リソース十分 → ローカル"
    )
    slow = as_dicts((part("speed.slow", speed=2.1, floor=3.0), part("then.experts", n=4)))
    assert reason_text("x", slow) == "低速: 2.1 トークン/秒 < 3 トークン/秒 → N=4 に削減"
    memory = as_dicts((
        part("memory.low", free="3.1 GB", need="4.0 GB"), part("then.remote"),
    ))
    assert reason_text("x", memory) == "メモリ不足: 空き 3.1 GB、モデルに必要 4.0 GB → リモート"
    # An old history row, or an engine that sent no parts: the English words as they are.
    assert reason_text("on battery → N=2", None) == "on battery → N=2"


def test_a_real_answer_shows_a_japanese_reason(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        window.send("hello")
    final = blocker.args[0]
    assert final.reason_parts, final
    assert final.reason.endswith("resources fine → local"), final.reason
    shown = window.status.experts_label.text()
    assert "リソース十分 → ローカル" in shown, shown
    assert "resources" not in shown and "mode" not in shown, shown
    assert "リソース十分" in window.status.route_label.toolTip()
    window.save_setting("ui.language", "en")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "Send")
    assert "resources fine" in window.status.experts_label.toolTip()
