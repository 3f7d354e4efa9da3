"""Saving user settings: validated, refused when locked, atomic, safe under concurrency."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings import clear_user_setting, load_settings, save_user_setting

from .helpers import write_policy, write_user


def _leftovers(paths: Paths) -> list[str]:
    return sorted(p.name for p in paths.config_dir.iterdir() if p.name.endswith(".tmp"))


def test_save_writes_toml_and_returns_new_settings(paths: Paths) -> None:
    settings = save_user_setting(paths, "ui.font_scale", 150)
    assert settings.get_int("ui.font_scale") == 150
    assert settings.source("ui.font_scale") == "user"
    settings = save_user_setting(paths, "fallback.timeout_s", 20)
    document = tomllib.loads(paths.user_settings_file.read_text(encoding="utf-8"))
    assert document == {"ui": {"font_scale": 150}, "fallback": {"timeout_s": 20.0}}
    assert load_settings(paths) == settings
    assert _leftovers(paths) == []


def test_save_keeps_keys_it_does_not_know(paths: Paths) -> None:
    write_user(paths, '[ui]\nlanguage = "en"\nfuture_key = 3\n[future]\nx = "y"\n')
    save_user_setting(paths, "ui.high_contrast", True)
    document = tomllib.loads(paths.user_settings_file.read_text(encoding="utf-8"))
    assert document == {
        "ui": {"language": "en", "future_key": 3, "high_contrast": True},
        "future": {"x": "y"},
    }


def test_save_refuses_a_locked_key_and_leaves_the_file_alone(paths: Paths) -> None:
    write_user(paths, "[ui]\nfont_scale = 110\n")
    before = paths.user_settings_file.read_bytes()
    policy = write_policy(paths, "[ui]\nfont_scale = 175\n")
    with pytest.raises(SettingsError, match="set by your administrator") as info:
        save_user_setting(paths, "ui.font_scale", 150)
    assert str(policy) in str(info.value)
    assert paths.user_settings_file.read_bytes() == before


def test_save_refuses_keys_locked_by_fail_closed(paths: Paths) -> None:
    write_policy(paths, "this is not toml")
    with pytest.raises(SettingsError, match="administrator"):
        save_user_setting(paths, "history.export_allowed", True)


def test_save_honours_explicit_policy_files(paths: Paths, tmp_path: Path) -> None:
    other = tmp_path / "p.toml"
    other.write_text("[ui]\nhigh_contrast = true\n", encoding="utf-8")
    with pytest.raises(SettingsError):
        save_user_setting(paths, "ui.high_contrast", False, policy_files=[other])
    settings = save_user_setting(paths, "ui.font_scale", 120, policy_files=[other])
    assert settings.is_locked("ui.high_contrast")


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("ui.font_scale", 500, "too large"),
        ("ui.font_scal", 120, 'did you mean "ui.font_scale"'),
        ("updates.trusted_root", "/tmp/root.json", "only be set by your administrator"),
        ("fallback.url", "https://u:secret@example.com/", "keyring"),
    ],
)
def test_save_refuses_invalid_input(paths: Paths, key: str, value: object, fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        save_user_setting(paths, key, value)
    assert fragment in str(info.value)
    assert not paths.user_settings_file.exists()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_user_setting(paths, "ui.font_scale", 110)
    before = paths.user_settings_file.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(SettingsError, match="No space left on device") as info:
        save_user_setting(paths, "ui.font_scale", 190)
    assert "free disk space" in str(info.value)
    monkeypatch.undo()
    assert paths.user_settings_file.read_bytes() == before
    assert _leftovers(paths) == []


def test_a_broken_user_file_is_kept_aside_and_replaced(paths: Paths) -> None:
    write_user(paths, "[ui\nbroken")
    settings = load_settings(paths)
    assert settings.errors  # reported, not raised
    settings = save_user_setting(paths, "ui.language", "ja")
    assert settings.get_str("ui.language") == "ja" and settings.problems == ()
    broken = paths.user_settings_file.with_name("settings.toml.broken")
    assert broken.read_text(encoding="utf-8") == "[ui\nbroken"


def test_clear_returns_to_the_default(paths: Paths) -> None:
    save_user_setting(paths, "ui.language", "en")
    save_user_setting(paths, "ui.font_scale", 150)
    settings = clear_user_setting(paths, "ui.language")
    assert settings.source("ui.language") == "default"
    assert settings.get_int("ui.font_scale") == 150
    settings = clear_user_setting(paths, "ui.font_scale")
    assert tomllib.loads(paths.user_settings_file.read_text(encoding="utf-8")) == {}
    assert clear_user_setting(paths, "ui.font_scale") == settings


_WRITER = """
import sys
from engine.paths import Paths
from engine.settings import save_user_setting
paths = Paths.under(__import__("pathlib").Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    save_user_setting(paths, sys.argv[2], 100 + i)
"""


def test_concurrent_savers_from_two_processes_lose_nothing(paths: Paths) -> None:
    root = str(paths.config_dir.parent)
    rounds = 15
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, root, key, str(rounds)])
        for key in ("ui.font_scale", "experts.default")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    settings = load_settings(paths)
    assert settings.get_int("ui.font_scale") == 100 + rounds - 1
    assert settings.get_int("experts.default") == 100 + rounds - 1
    assert settings.problems == ()
    assert _leftovers(paths) == []
