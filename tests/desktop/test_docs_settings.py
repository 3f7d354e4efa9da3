"""Settings → Documents: the operator's own folders, with a folder list, locked when policy says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from desktop.folder_list import FolderList
from desktop.settings_dialog import SettingsDialog, page_of
from engine.paths import Paths
from engine.settings import load_settings, save_user_setting
from tests.engine.settings.helpers import write_policy


def test_own_folders_are_added_removed_and_saved(
    qtbot: Any, make_window: Any, app_paths: Paths, tmp_path: Path
) -> None:
    window = make_window(wait=False)
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    assert page_of("docs.personal_folders") == "Documents"
    editor = dialog.editors["docs.personal_folders"]
    assert isinstance(editor, FolderList) and editor.isEnabled()
    assert editor.add_folder(str(tmp_path / "a")) and editor.add_folder(str(tmp_path / "b"))
    assert not editor.add_folder(str(tmp_path / "a"))  # listed once
    editor.list.setCurrentRow(0)
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)  # the keyboard removes the selected one
    assert editor.folders() == (str(tmp_path / "b"),)
    assert dialog.changes() == {"docs.personal_folders": (str(tmp_path / "b"),)}
    window.apply_dialog(dialog, lambda *_: None)
    assert load_settings(app_paths).get_texts("docs.personal_folders") == (str(tmp_path / "b"),)


def test_own_folders_are_locked_with_the_reason_when_policy_does_not_allow_them(
    qtbot: Any, app_paths: Paths, tmp_path: Path
) -> None:
    save_user_setting(app_paths, "docs.personal_folders", [str(tmp_path)])
    write_policy(app_paths, "[docs]\nallow_personal = false\n")
    dialog = SettingsDialog(load_settings(app_paths))
    qtbot.addWidget(dialog)
    editor = dialog.editors["docs.personal_folders"]
    assert not editor.isEnabled()
    assert dialog.lock_notes["docs.personal_folders"].why() == (
        "Your administrator does not allow own document folders"
    )
    assert dialog.changes() == {}
