"""Reloading while running: any change to a policy or user file yields new settings."""

from __future__ import annotations

import os

from engine.paths import Paths
from engine.settings import SettingsWatcher, save_user_setting

from .helpers import write_policy


def test_no_change_no_reload(paths: Paths) -> None:
    watcher = SettingsWatcher(paths)
    assert watcher.poll() is None
    assert watcher.poll() is None
    assert watcher.current.problems == ()


def test_policy_change_is_picked_up_and_locks(paths: Paths) -> None:
    watcher = SettingsWatcher(paths)
    write_policy(paths, "[fallback]\nenabled = false\n[ui]\nfont_scale = 150\n")
    fresh = watcher.poll()
    assert fresh is not None and fresh is watcher.current
    assert fresh.get_int("ui.font_scale") == 150 and fresh.is_locked("ui.font_scale")
    assert watcher.poll() is None


def test_same_size_same_mtime_rewrite_is_still_seen(paths: Paths) -> None:
    policy = write_policy(paths, '[ui]\nlanguage = "ja"\n')
    watcher = SettingsWatcher(paths)
    stamp = policy.stat()
    policy.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    os.utime(policy, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert policy.stat().st_size == stamp.st_size
    fresh = watcher.poll()
    assert fresh is not None and fresh.get_str("ui.language") == "en"


def test_new_and_removed_dropins_and_user_changes(paths: Paths) -> None:
    watcher = SettingsWatcher(paths)
    dropin = write_policy(paths, "[history]\nretention_days = 30\n", name="50-site.toml")
    fresh = watcher.poll()
    assert fresh is not None and fresh.get_int("history.retention_days") == 30
    dropin.unlink()
    fresh = watcher.poll()
    assert fresh is not None and fresh.source("history.retention_days") == "default"
    save_user_setting(paths, "ui.high_contrast", True)
    fresh = watcher.poll()
    assert fresh is not None and fresh.get_bool("ui.high_contrast") is True


def test_breaking_the_policy_fails_closed_on_reload(paths: Paths) -> None:
    policy = write_policy(paths, "[history]\nexport_allowed = true\n")
    watcher = SettingsWatcher(paths)
    assert watcher.current.get_bool("history.export_allowed") is True
    policy.write_text("[history\nexport_allowed = true\n", encoding="utf-8")
    fresh = watcher.poll()
    assert fresh is not None and fresh.fail_closed
    assert fresh.get_bool("history.export_allowed") is False


def test_explicit_policy_files_are_watched(paths: Paths) -> None:
    target = paths.policy_dir / "custom.toml"
    watcher = SettingsWatcher(paths, policy_files=[target])
    assert watcher.current.errors  # missing explicit file
    target.parent.mkdir(parents=True)
    target.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    fresh = watcher.poll()
    assert fresh is not None and fresh.errors == () and fresh.get_str("ui.language") == "en"
