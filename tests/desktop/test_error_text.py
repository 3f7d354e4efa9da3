"""The engine's errors in the window's language: every code translated, shown where it happens."""

from __future__ import annotations

import os
import re
import signal
import string
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop import i18n_build
from desktop.error_text import error_text, final_error, translated_templates
from engine.error_codes import ENGLISH, ErrorMessage
from engine.errors import GenbaError, LocalCrashError
from engine.events import FinalEvent

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _fields(template: str) -> set[tuple[str, str | None]]:
    return {(f, conv) for _, f, _, conv in string.Formatter().parse(template) if f}


def test_error_strings_are_current() -> None:
    from desktop import error_strings

    assert list(error_strings.TEXTS) == i18n_build.error_texts(), (
        "engine.error_codes.ENGLISH changed: run `python -m desktop.i18n_build --update` and "
        "translate"
    )


def test_every_code_has_a_japanese_template(japanese: Any) -> None:
    templates = translated_templates()
    for code, english in ENGLISH.items():
        ja = templates[code]
        assert ja != english, code
        assert _JAPANESE.search(ja), (code, ja)
        assert _fields(ja) == _fields(english), code
        formatted = ja.format(**dict.fromkeys({f for f, _ in _fields(english)}, 7))
        assert "{" not in formatted and "}" not in formatted, (code, formatted)


def test_errors_render_in_japanese_and_fall_back_to_english(japanese: Any) -> None:
    assert error_text(ErrorMessage.of(GenbaError.of("question.empty"))) == (
        "質問が空です。先に質問を入力してください。"
    )
    # llama.cpp's own words and file names stay as they are, inside a Japanese sentence.
    crash = error_text(ErrorMessage.of(LocalCrashError("killed by SIGSEGV", "GGML_ASSERT(x)")))
    assert crash.startswith(
        "このPCのモデルが予期せず停止しました（killed by SIGSEGV: GGML_ASSERT(x)）"
    )
    forced = GenbaError.of("cpu.forced_missing", forced="zen9", installed="x64, haswell")
    assert "'zen9'" in error_text(ErrorMessage.of(forced))
    assert "x64, haswell" in error_text(ErrorMessage.of(forced))
    # No code, an unknown code, or parameters that do not fit: the English message.
    assert error_text(ErrorMessage.of(GenbaError("Plain English."))) == "Plain English."
    assert error_text(ErrorMessage("Something.", "no.such.code")) == "Something."
    assert error_text(ErrorMessage("Fixed.", "experts.fixed", {"file": "x"})) == "Fixed."
    assert error_text("Already words.") == "Already words."


def test_english_window_shows_the_english_message(qapp: Any) -> None:
    exc = GenbaError.of("context.too_long", tokens=700, n_ctx=512)
    assert error_text(ErrorMessage.of(exc)) == str(exc)


def test_a_final_event_carries_its_error_code(japanese: Any) -> None:
    exc = LocalCrashError("exit code 134")
    final = FinalEvent(
        text="", route="local", reason="r", experts=None, context=None, prompt_tokens=1,
        generated_tokens=0, ttft_s=None, tokens_per_s=None, stop_reason="error",
        error=str(exc), error_code=exc.code, error_params=dict(exc.params),
    )
    error = final_error(final)
    assert error == ErrorMessage(str(exc), "local_crashed", {"why": "exit code 134"})
    assert "予期せず停止しました（exit code 134）" in error_text(error)
    # An older final event (error text only) is shown as it is.
    plain = FinalEvent(
        text="", route="local", reason="r", experts=None, context=None, prompt_tokens=1,
        generated_tokens=0, ttft_s=None, tokens_per_s=None, stop_reason="error", error="Old.",
    )
    assert error_text(final_error(plain) or "") == "Old."
    assert final_error(FinalEvent(
        text="a", route="local", reason="r", experts=None, context=None, prompt_tokens=1,
        generated_tokens=1, ttft_s=None, tokens_per_s=None, stop_reason="stop",
    )) is None


def test_a_processor_problem_shows_in_japanese_on_the_first_run_page(
    qtbot: Any, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CPU backend that does not exist: the engine's real error, from the inference worker.
    monkeypatch.setenv("GENBA_LLAMA_CPU", "no-such-cpu")
    window = make_window(wait=False)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    page = window.first_run
    assert page.problem.text().startswith("GENBA_LLAMA_CPU names the CPU backend 'no-such-cpu'")
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: page.title.text() == "このPCではモデルを動かせません")
    shown = page.problem.text()
    assert shown.startswith("GENBA_LLAMA_CPU で指定された CPU バックエンド 'no-such-cpu' は"), shown
    assert "not installed" not in shown


def test_no_model_shows_in_japanese(qtbot: Any, make_window: Any) -> None:
    window = make_window(model=None, wait=False)
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.first_run, timeout=30_000)
    qtbot.waitUntil(lambda: "モデルがまだ入っていません" in window.first_run.problem.text())
    assert "No model is installed" not in window.first_run.problem.text()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_crash_mid_answer_is_explained_in_japanese_under_the_answer(
    qtbot: Any, make_window: Any, gate: Any
) -> None:
    window = make_window(max_tokens=400)
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    window.client.worker.token_received.connect(gate.on_token, Qt.ConnectionType.DirectConnection)
    window.send("a" * 50)  # the tiny model answers this one with hundreds of tokens
    qtbot.waitUntil(lambda: window.chat.entries[-1].text != "", timeout=30_000)
    pid = window.client.worker._engine.local_model.worker.pid
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    with qtbot.waitSignal(window.answer_completed, timeout=30_000) as blocker:
        gate.open()
    final = blocker.args[0]
    assert isinstance(final, FinalEvent) and final.error_code == "local_crashed"
    assert final.error_params == {"why": "killed by SIGKILL"}
    # The final event's error, kept with the answer, reads in Japanese; how it ended does not.
    notices = window.chat.entries[-1].notices
    # (The crash notice before it reads much the same, but asks IT to check the PC.)
    expected = error_text(final_error(final) or "")
    assert expected.startswith("このPCのモデルが予期せず停止しました（killed by SIGKILL）")
    assert expected.endswith("`genba doctor` でモデルを確認するよう依頼してください。")
    assert notices[-1] == expected, notices
    assert not any("stopped unexpectedly" in n for n in notices), notices


def test_a_refusal_shows_its_reason_in_japanese(japanese: Any) -> None:
    from engine.reasons import as_dicts, part, render

    parts = (part("remote.off"),)
    reason = render(parts)
    final = FinalEvent(
        text="", route="refuse", reason=reason, experts=None, context=None, prompt_tokens=1,
        generated_tokens=0, ttft_s=None, tokens_per_s=None, stop_reason="error",
        error=f"genba cannot answer this now: {reason}.", error_code="refused",
        error_params={"reason": reason}, reason_parts=as_dicts(parts),
    )
    shown = error_text(final_error(final) or "")
    assert shown.startswith("genba は今この質問に回答できません: "), shown
    assert _JAPANESE.search(shown.removeprefix("genba は今この質問に回答できません: ")), shown
    assert "remote fallback is off" not in shown
