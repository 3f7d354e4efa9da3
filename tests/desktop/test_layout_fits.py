"""The window fits a 1024-px-wide screen at 200 % text, whatever the status line says."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.status_panel import ElidedLabel, StatusPanel
from engine.events import FinalEvent

LONG_FAILURE = (
    "The trusted root /opt/genba/_internal/assets/tuf/root.json cannot be read (No such file "
    "or directory). Set updates.trusted_root in the policy to the root.json of your update "
    "repository, or ask the people who run it for one."
)
LONG_MODEL = "genba-smollm2-moe-16x135m-instruct-q4_k_m-site-maintenance-manuals-2026-11.gguf"
LONG_REASON = (
    "N=11 by balanced mode; memory pressure 93 % above the 90 % threshold so the local "
    "route was kept with fewer experts; remote fallback refused by policy fallback.enabled"
)


class _FailedEvent:
    state = "failed"
    message = LONG_FAILURE


def _long_final() -> FinalEvent:
    from engine.reasons import as_dicts, part, render

    # Answered remotely because the local model cannot be used: the longest plain line.
    parts = (part("model.unavailable"), part("model.missing", file=LONG_MODEL), part("then.remote"))
    return FinalEvent(
        text="x",
        route="remote",
        reason=render(parts),
        reason_parts=as_dicts(parts),
        experts=11,
        context=2048,
        prompt_tokens=10,
        generated_tokens=10,
        ttft_s=0.25,
        tokens_per_s=12.5,
        stop_reason="length",
        model=LONG_MODEL,
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_minimum_width_fits_1024_at_200_percent(
    qtbot: Any, make_window: Any, language: str
) -> None:
    window = make_window()
    window.save_setting("ui.language", language)
    window.save_setting("ui.font_scale", 200)
    # Issue 13, item 1: the demo notice, the welcome page (with a long site example) and
    # the answer reminder wrap too. (A new chat clears the last answer's numbers, so first.)
    window.demo_notice.set_demo(True)
    window.new_chat()
    window.welcome.set_site_examples((LONG_REASON + " " + LONG_FAILURE,))
    window.updates.on_state_received(_FailedEvent())
    window.status.set_model(LONG_MODEL)
    window.status.set_final(_long_final())
    window.status.set_network("online", LONG_REASON)
    window.show_error(LONG_REASON + " " + LONG_FAILURE)
    window.status.details_button.click()  # the details open too: every field on screen
    qtbot.wait(50)
    assert window.status.update_label.isVisibleTo(window)
    assert window.status.details.isVisibleTo(window)
    summary = window.status.summary_label
    assert summary.isVisibleTo(window) and summary.text() == window.status.summary()
    cause = "モデル" if language == "ja" else "the model on this PC cannot be used"
    assert cause in summary.text(), summary.text()
    for part in (window.demo_notice, window.welcome, window.reminder):
        assert part.isVisibleTo(window)
    hint = window.minimumSizeHint().width()
    assert hint <= 1024, hint
    window.resize(hint, 700)
    qtbot.waitUntil(lambda: window.width() <= 1024, timeout=2000)
    assert window.width() <= 1024
    # Whatever was shortened on screen is there in full for the mouse and the keyboard.
    assert LONG_FAILURE not in window.status.update_label.text()  # details go to the log
    elided = [label for label in window.status.findChildren(ElidedLabel) if label.is_elided()]
    assert window.status.model_label in elided
    for label in elided:
        assert label.toolTip() and label.accessibleDescription() == label.full_text()


def test_update_failure_is_one_plain_sentence(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    window.updates.on_state_received(_FailedEvent())
    text = window.status.update_label.text()
    assert "trusted root" not in text
    assert "ask IT" in text


def test_no_update_repository_configured_shows_nothing(qtbot: Any, app_paths: Any) -> None:
    from desktop.update_status import UpdateStatus
    from engine.settings import defaults

    shown: list[str] = []
    status = UpdateStatus(None, app_paths)
    status.changed.connect(shown.append)
    status.start(defaults())
    try:
        assert status._scheduler is None  # nothing to check against: no thread, no line
        assert shown == []
    finally:
        status.stop()


def test_elided_label_keeps_full_text(qtbot: Any) -> None:
    panel = StatusPanel()
    qtbot.addWidget(panel)
    panel.set_model(LONG_MODEL)
    panel.set_update_text(LONG_FAILURE)
    panel.resize(400, 200)
    panel.show()
    qtbot.wait(20)
    label = panel.model_label
    assert label.minimumSizeHint().width() < 400
    assert label.is_elided() and label.shown_text().endswith("…")
    assert label.toolTip() == label.full_text() == f"Model: {LONG_MODEL}"
    assert label.accessibleDescription() == label.full_text()
    assert label.focusPolicy() == Qt.FocusPolicy.TabFocus  # the keyboard reaches the full text
    panel.set_model("tiny")
    assert not label.is_elided() and label.focusPolicy() == Qt.FocusPolicy.NoFocus
    panel.set_model(LONG_MODEL)
    assert panel.details_texts()[0] == label.full_text()
    assert panel.minimumSizeHint().width() < 400  # the wrapped update line too


def test_trusted_root_named_but_missing_is_one_plain_sentence(
    qtbot: Any, app_paths: Any, tmp_path: Any
) -> None:
    from desktop.update_status import UpdateStatus
    from engine.settings import defaults

    shown: list[str] = []
    status = UpdateStatus(None, app_paths)
    status.changed.connect(shown.append)
    settings = defaults().with_values({"updates.trusted_root": str(tmp_path / "nope.json")})
    status.start(settings)
    try:
        assert status._scheduler is None
        assert shown == ["Automatic model updates are not set up on this PC — ask IT"]
    finally:
        status.stop()
