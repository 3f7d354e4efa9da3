"""The settings dialog built from the schema, policy locks, the policy page, and the token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.settings_dialog import SettingsDialog
from engine.paths import Paths
from engine.remote import credentials
from engine.settings import SCHEMA, load_settings
from tests.engine.remote_servers import memory_keyring


def _policy(paths: Paths, text: str) -> None:
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    paths.policy_file.write_text(text, encoding="utf-8")
    paths.policy_file.chmod(0o644)


def test_every_schema_key_has_a_field_with_its_description(qtbot: Any, app_paths: Paths) -> None:
    dialog = SettingsDialog(load_settings(app_paths))
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == set(SCHEMA)
    spec = SCHEMA["ui.font_scale"]
    editor = dialog.editors["ui.font_scale"]
    assert editor.accessibleDescription() == spec.description  # English: the schema's own words
    assert (editor.minimum(), editor.maximum()) == (spec.minimum, spec.maximum)


def test_locked_setting_is_disabled_with_administrator_tooltip(
    qtbot: Any, app_paths: Paths
) -> None:
    _policy(app_paths, "[ui]\nhigh_contrast = true\n[experts]\nuser_can_choose = false\n")
    settings = load_settings(app_paths)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    locked = dialog.editors["ui.high_contrast"]
    assert not locked.isEnabled()
    assert locked.toolTip() == "Set by your administrator"
    assert locked.isChecked()  # shows the policy's value
    assert dialog.editors["ui.font_scale"].isEnabled()
    mode = dialog.editors["experts.mode"]
    assert not mode.isEnabled() and "administrator" in mode.toolTip()
    assert not dialog.editors["updates.repository_url"].isEnabled()  # policy-only key
    assert "ui.high_contrast" not in dialog.changes()


def test_locked_setting_tooltip_is_translated(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    _policy(app_paths, "[ui]\nhigh_contrast = true\n")
    window = make_window()
    window.save_setting("ui.language", "ja")
    qtbot.waitUntil(lambda: window.buttons.send_button.text() == "送信")
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    assert dialog.editors["ui.high_contrast"].toolTip() == "管理者によって設定されています"


def test_policy_page_lists_sources_and_policy_errors(qtbot: Any, app_paths: Paths) -> None:
    _policy(app_paths, "[ui]\nfont_scale = 150\n[history]\nretention_days = -3\n")
    settings = load_settings(app_paths)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    table = dialog.policy_table
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(rows) == set(SCHEMA)
    font_row = rows["ui.font_scale"]
    assert table.item(font_row, 1).text() == "150"
    assert table.item(font_row, 2).text() == f"Policy: {app_paths.policy_file}"
    assert table.item(rows["ui.language"], 2).text() == "Default"
    problems = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert any("history.retention_days" in p and p.startswith("Error") for p in problems)


def test_saving_settings_applies_them_at_run_time(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    window = make_window()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    before = QApplication.font().pointSizeF()
    dialog.set_value("ui.font_scale", 200)
    dialog.set_value("ui.high_contrast", True)
    window.apply_dialog(dialog, lambda *_: None)
    assert load_settings(app_paths).get_int("ui.font_scale") == 200
    assert QApplication.font().pointSizeF() == pytest.approx(before * 200 / 125)
    assert QApplication.palette().window().color().name() == "#000000"
    window.save_setting("ui.font_scale", 125)
    window.save_setting("ui.high_contrast", False)


def test_token_goes_to_the_keyring_and_never_to_a_file(
    qtbot: Any, make_window: Any, app_paths: Paths, tmp_path: Path
) -> None:
    with memory_keyring():
        window = make_window()
        token = "tok-7f3a9c1e-secret-0042"
        dialog = SettingsDialog(window.settings, window)
        qtbot.addWidget(dialog)
        assert dialog.token_edit.isEnabled()
        dialog.set_value("fallback.url", "https://llm.example.com/v1")
        dialog.token_edit.setText(token)
        window.apply_dialog(dialog, __import__("desktop.token_store").token_store.set_token)
        assert credentials.get_token("https://llm.example.com/v1") == token
        window.shutdown()  # flush and close everything the app writes
        leaked = [
            p for p in tmp_path.rglob("*") if p.is_file() and token.encode() in p.read_bytes()
        ]
        assert leaked == []
        assert load_settings(app_paths).get_str("fallback.url") == "https://llm.example.com/v1"


def test_policy_turns_off_history_and_export(
    qtbot: Any, make_window: Any, app_paths: Paths
) -> None:
    _policy(app_paths, "[history]\nenabled = false\nexport_allowed = false\n")
    window = make_window()
    assert not window.actions_.export.isEnabled()
    with qtbot.waitSignal(window.answer_completed, timeout=30_000):
        window.send("hello")
    assert len(window.history.messages(window.current_id)) == 2  # works for this session
    assert not app_paths.history_db.exists()  # but nothing is kept on disk
