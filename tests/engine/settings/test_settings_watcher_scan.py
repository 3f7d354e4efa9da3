"""The watcher's two-step poll: scan (all file I/O, no state) and accept (state, no I/O)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from engine.paths import Paths
from engine.settings import SettingsWatcher, save_user_setting

from .helpers import write_policy


def test_scan_changes_nothing_until_accepted(paths: Paths) -> None:
    watcher = SettingsWatcher(paths)
    before = watcher.current
    write_policy(paths, "[ui]\nfont_scale = 150\n")
    abandoned = watcher.scan()  # e.g. a scan the window gave up on
    assert abandoned.settings is not None and abandoned.settings.get_int("ui.font_scale") == 150
    assert watcher.current is before
    again = watcher.scan()  # not accepted: the change is still seen
    assert again.settings is not None and again.settings.is_locked("ui.font_scale")
    assert watcher.accept(again) is again.settings and watcher.current is again.settings
    quiet = watcher.scan()
    assert quiet.settings is None and quiet.policy_layers is None
    assert watcher.accept(quiet) is None and watcher.current is again.settings


def test_reload_user_reads_only_the_user_file(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_policy(paths, "[ui]\nhigh_contrast = true\n")
    watcher = SettingsWatcher(paths)
    save_user_setting(paths, "ui.font_scale", 175)
    write_policy(paths, "[ui]\nhigh_contrast = false\n", name="90-later.toml")
    opened: list[str] = []
    real_open = os.open

    def recording_open(path: str | os.PathLike[str], *args: object) -> int:
        opened.append(os.fspath(path))
        return real_open(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", recording_open)
    fresh = watcher.reload_user()
    assert opened == [str(paths.user_settings_file)]
    assert fresh.get_int("ui.font_scale") == 175 and watcher.current is fresh
    assert fresh.get_bool("ui.high_contrast") is True  # policy as last scanned
    later = watcher.poll()  # the next poll brings the new drop-in
    assert later is not None and later.get_bool("ui.high_contrast") is False


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_scan_never_opens_non_regular_entries(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropins = paths.policy_dropin_dir
    dropins.mkdir(parents=True)
    os.mkfifo(dropins / "10-pipe.toml")
    (dropins / "x.toml").mkdir()
    (dropins / "30-zero.toml").symlink_to("/dev/zero")
    opened: list[Path] = []
    real_open = os.open

    def recording_open(path: str | os.PathLike[str], *args: object) -> int:
        opened.append(Path(path))
        return real_open(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", recording_open)
    watcher = SettingsWatcher(paths)
    assert watcher.current.fail_closed
    write_policy(paths, "[ui]\nfont_scale = 125\n", name="50-site.toml")
    fresh = watcher.poll()
    assert fresh is not None and fresh.is_locked("ui.font_scale")
    assert not {p.name for p in opened} & {"10-pipe.toml", "x.toml", "30-zero.toml"}
