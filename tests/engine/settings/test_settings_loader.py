"""Layering defaults < user < policy, locking, every error class, and failing closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings import SCHEMA, SECURITY_KEYS, Problem, Settings, defaults, load_settings
from engine.settings.loader import MAX_FILE_BYTES

from .helpers import write_policy, write_user


def _only(problems: tuple[Problem, ...], key: str | None, severity: str = "") -> Problem:
    found = [p for p in problems if p.key == key and severity in ("", p.severity)]
    assert len(found) == 1, problems
    return found[0]


def test_nothing_on_disk_gives_defaults_without_problems(paths: Paths) -> None:
    settings = load_settings(paths)
    assert settings == defaults()
    assert settings.problems == ()
    assert not settings.fail_closed
    assert all(settings.source(k) == "default" and not settings.is_locked(k) for k in SCHEMA)
    assert settings.as_dict() == {k: s.default for k, s in SCHEMA.items()}


def test_user_beats_default_and_policy_beats_user(paths: Paths) -> None:
    write_user(paths, '[ui]\nfont_scale = 150\nlanguage = "en"\n')
    policy = write_policy(paths, '[ui]\nlanguage = "ja"\n')
    settings = load_settings(paths)
    assert settings.get_int("ui.font_scale") == 150
    assert settings.source("ui.font_scale") == "user"
    assert not settings.is_locked("ui.font_scale")
    assert settings.get_str("ui.language") == "ja"
    assert settings.source("ui.language") == f"policy:{policy}"
    assert settings.is_locked("ui.language")
    assert settings.locked_keys() == ("ui.language",)
    note = _only(settings.problems, "ui.language")
    assert note.severity == "warning"
    assert "set by your administrator" in note.message
    assert note.file == str(paths.user_settings_file)


def test_dropins_apply_in_name_order_after_the_main_file(paths: Paths) -> None:
    write_policy(paths, "[updates]\ncheck_interval_h = 6\ncheck_interval_h_x = 1\n")
    write_policy(paths, "[updates]\ncheck_interval_h = 12\n", name="20-site.toml")
    last = write_policy(paths, "[updates]\ncheck_interval_h = 48\n", name="10-base.toml")
    write_policy(paths, "[updates]\ncheck_interval_h = 1\n", name="README.txt")
    settings = load_settings(paths)
    assert settings.get_int("updates.check_interval_h") == 12
    assert settings.source("updates.check_interval_h").endswith("20-site.toml")
    assert last.name == "10-base.toml"


def test_explicit_policy_files_replace_the_system_location(paths: Paths, tmp_path: Path) -> None:
    write_policy(paths, "[ui]\nhigh_contrast = true\n")
    other = tmp_path / "candidate.toml"
    other.write_text("[ui]\nfont_scale = 175\n", encoding="utf-8")
    settings = load_settings(paths, policy_files=[other])
    assert settings.get_bool("ui.high_contrast") is False
    assert settings.get_int("ui.font_scale") == 175
    assert settings.source("ui.font_scale") == f"policy:{other}"


def test_a_missing_explicit_policy_file_is_an_error(paths: Paths, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    settings = load_settings(paths, policy_files=[missing])
    problem = _only(settings.problems, None, "error")
    assert "does not exist" in problem.message
    assert settings.fail_closed


def test_a_dangling_policy_link_is_an_error_not_an_absent_policy(paths: Paths) -> None:
    paths.policy_dropin_dir.mkdir(parents=True)
    link = paths.policy_dropin_dir / "50-site.toml"
    link.symlink_to(paths.policy_dir / "moved-away.toml")
    settings = load_settings(paths)
    problem = _only(settings.problems, None, "error")
    assert problem.file == str(link) and "does not exist" in problem.message
    assert settings.fail_closed


def test_unknown_key_is_a_warning_with_a_suggestion(paths: Paths) -> None:
    policy = write_policy(paths, '[ui]\nfont_scal = 130\nlanguage = "en"\n')
    settings = load_settings(paths)
    problem = _only(settings.problems, "ui.font_scal")
    assert problem == Problem(
        str(policy), "ui.font_scal",
        'unknown key (did you mean "ui.font_scale"?); it is ignored.', "warning",
    )  # fmt: skip
    assert settings.get_str("ui.language") == "en"
    assert not settings.fail_closed and settings.errors == ()


def test_unknown_section_and_top_level_keys(paths: Paths) -> None:
    write_policy(paths, 'colour = "red"\n[modle]\npath = "/x.gguf"\n')
    settings = load_settings(paths)
    assert 'did you mean "model"' in _only(settings.problems, "modle").message
    assert _only(settings.problems, "colour").severity == "warning"


def test_misspelt_security_key_in_policy_fails_closed(paths: Paths) -> None:
    write_policy(paths, "[history]\nexport_alowed = false\n[fallback]\nenabled = true\n")
    settings = load_settings(paths)
    problem = _only(settings.problems, "history.export_alowed")
    assert problem.severity == "error"
    assert 'did you mean "history.export_allowed"' in problem.message
    assert settings.fail_closed
    assert settings.get_bool("history.export_allowed") is False


def test_misspelt_security_key_in_user_file_is_only_a_warning(paths: Paths) -> None:
    write_user(paths, "[history]\nexport_alowed = false\n")
    settings = load_settings(paths)
    assert _only(settings.problems, "history.export_alowed").severity == "warning"
    assert not settings.fail_closed


def test_bad_value_is_an_error_and_the_rest_of_the_file_applies(paths: Paths) -> None:
    policy = write_policy(paths, '[ui]\nfont_scale = 300\nlanguage = "en"\n')
    settings = load_settings(paths)
    problem = _only(settings.problems, "ui.font_scale")
    assert problem.file == str(policy)
    assert problem.severity == "error"
    assert problem.message == (
        "expected a whole number from 100 to 200, got 300 (too large). This key is ignored."
    )
    assert settings.get_int("ui.font_scale") == 125
    assert settings.source("ui.font_scale") == "default"
    assert settings.get_str("ui.language") == "en" and settings.is_locked("ui.language")


def test_a_key_given_a_table_instead_of_a_value(paths: Paths) -> None:
    write_policy(paths, "[ui.language]\nvalue = 'ja'\n")
    problem = _only(load_settings(paths).problems, "ui.language")
    assert "got a table" in problem.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"[ui\nlanguage = 'ja'\n", "is not valid TOML"),
        (b"[ui]\nlanguage = 'ja'\nlanguage = 'en'\n", "is not valid TOML"),
        (b"[ui]\nlanguage = '\xff\xfe'\n", "is not UTF-8 text"),
        (b"a = [" * 5000, "not valid TOML"),
    ],
)
def test_unreadable_file_is_ignored_whole(paths: Paths, content: bytes, fragment: str) -> None:
    paths.policy_dir.mkdir(parents=True)
    paths.policy_file.write_bytes(content)
    write_policy(paths, "[ui]\nhigh_contrast = true\n", name="50-ok.toml")
    settings = load_settings(paths)
    problem = _only(settings.problems, None, "error")
    assert problem.file == str(paths.policy_file)
    assert fragment in problem.message and "The whole file is ignored." in problem.message
    assert settings.get_str("ui.language") == "system"
    assert settings.get_bool("ui.high_contrast") is True  # the other file still applies
    assert settings.fail_closed


def test_a_notepad_bom_is_accepted(paths: Paths) -> None:
    paths.policy_dir.mkdir(parents=True)
    paths.policy_file.write_bytes(b"\xef\xbb\xbf[ui]\nlanguage = 'ja'\n")
    settings = load_settings(paths)
    assert settings.problems == () and settings.get_str("ui.language") == "ja"


def test_oversized_and_unreadable_files(paths: Paths) -> None:
    paths.policy_dir.mkdir(parents=True)
    paths.policy_file.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (paths.policy_dropin_dir / "dir.toml").mkdir(parents=True)  # reading a folder fails
    settings = load_settings(paths)
    messages = [p.message for p in settings.errors]
    assert any("larger than 1024 KB" in m for m in messages)
    assert any(m.startswith("Cannot read this file") for m in messages)


def test_world_writable_policy_is_warned_about(paths: Paths) -> None:
    policy = write_policy(paths, "[ui]\nhigh_contrast = true\n")
    policy.chmod(0o666)
    problem = _only(load_settings(paths).problems, None)
    assert problem.severity == "warning" and "writable by every user" in problem.message


def test_policy_errors_fail_closed_over_user_and_valid_policy(paths: Paths) -> None:
    write_user(paths, "[history]\nexport_allowed = true\n[model]\nallow_user_models = true\n")
    write_policy(paths, '[fallback]\nenabled = true\nurl = "https://llm.example.com/v1"\n')
    broken = write_policy(paths, "[ui]\nfont_scale = 1\n", name="90-broken.toml")
    settings = load_settings(paths)
    assert settings.fail_closed
    for key in SECURITY_KEYS:
        assert settings.get(key) == SCHEMA[key].restrictive, key
        assert settings.source(key) == f"policy:{broken}"
        assert settings.is_locked(key)
    # Not security-relevant: stays as the valid policy said.
    assert settings.get_str("fallback.url") == "https://llm.example.com/v1"
    assert settings.get_bool("network.offline") is False
    summary = [p for p in settings.problems if "most restrictive" in p.message]
    assert len(summary) == 1 and "genba policy check" in summary[0].message


def test_fail_closed_pins_the_update_source(paths: Paths) -> None:
    write_policy(
        paths,
        '[updates]\nrepository_url = "https://mirror.example.com/genba/"\n'
        'trusted_root = "/etc/genba/root.json"\nwindow = "always"\n',
    )
    settings = load_settings(paths)
    assert settings.get_str("updates.repository_url") == SCHEMA["updates.repository_url"].default
    assert settings.get_path("updates.trusted_root") is None


def test_valid_policy_sets_security_keys_normally(paths: Paths) -> None:
    write_policy(paths, "[history]\nexport_allowed = true\n[fallback]\nenabled = true\n"
                        'url = "https://x.example.com/v1"\n')  # fmt: skip
    settings = load_settings(paths)
    assert not settings.fail_closed
    assert settings.get_bool("history.export_allowed") is True
    assert settings.get_bool("fallback.enabled") is True


def test_user_file_errors_never_fail_closed_and_never_crash(paths: Paths) -> None:
    user = write_user(
        paths,
        '[ui]\nfont_scale = "big"\nlanguage = "en"\n'
        '[updates]\ntrusted_root = "/home/me/root.json"\n',
    )
    settings = load_settings(paths)
    assert not settings.fail_closed
    assert _only(settings.problems, "ui.font_scale").severity == "error"
    policy_only = _only(settings.problems, "updates.trusted_root")
    assert policy_only.severity == "warning" and "administrator" in policy_only.message
    assert policy_only.file == str(user)
    assert settings.get_str("ui.language") == "en"
    assert settings.get_path("updates.trusted_root") is None


def test_cross_key_contradictions_are_warnings(paths: Paths) -> None:
    policy = write_policy(paths, "[experts]\nmin = 6\nmax = 4\ndefault = 8\n"
                                 "[fallback]\nenabled = true\n")  # fmt: skip
    settings = load_settings(paths)
    assert _only(settings.problems, "experts.min").file == str(policy)
    assert "outside" in _only(settings.problems, "experts.default").message
    assert "fallback.url is empty" in _only(settings.problems, "fallback.enabled").message
    assert settings.errors == ()


def test_quoted_dotted_keys_are_understood(paths: Paths) -> None:
    write_policy(paths, '"ui.language" = "en"\n')
    settings = load_settings(paths)
    assert settings.get_str("ui.language") == "en" and settings.problems == ()


def test_a_key_set_twice_through_quoting_is_an_error(paths: Paths) -> None:
    write_policy(paths, '"ui.language" = "en"\n[ui]\nlanguage = "ja"\n')
    settings = load_settings(paths)
    assert "set twice" in _only(settings.problems, "ui.language").message
    assert settings.source("ui.language") == "default"


def test_settings_accessors(paths: Paths) -> None:
    settings = defaults()
    with pytest.raises(SettingsError, match=r'did you mean "ui\.font_scale"'):
        settings.get("ui.font_scal")
    with pytest.raises(SettingsError):
        settings.source("nope")
    with pytest.raises(SettingsError, match="not bool"):
        settings.get_bool("ui.font_scale")
    with pytest.raises(SettingsError):
        settings.get_int("ui.language")
    assert settings.get_float("ui.font_scale") == 125.0
    assert settings.get_float("fallback.timeout_s") == 60.0
    assert settings.get_path("model.path") is None
    assert list(settings) == list(SCHEMA)
    with pytest.raises(AttributeError):
        settings.problems = ()  # type: ignore[misc]


def test_with_values_validates_and_respects_locks(paths: Paths) -> None:
    changed = defaults().with_values({"resources.reserve_ram_mb": 4096})
    assert changed.get_int("resources.reserve_ram_mb") == 4096
    assert changed.source("resources.reserve_ram_mb") == "user"
    locked = changed.with_values({"fallback.enabled": False}, source="policy:test")
    assert locked.is_locked("fallback.enabled")
    with pytest.raises(SettingsError, match="administrator"):
        locked.with_values({"fallback.enabled": True})
    with pytest.raises(SettingsError):
        defaults().with_values({"ui.font_scale": 5})
    assert isinstance(changed, Settings) and changed != defaults()


def test_settings_are_independent_of_later_file_changes(paths: Paths) -> None:
    policy = write_policy(paths, '[ui]\nlanguage = "ja"\n')
    settings = load_settings(paths)
    policy.unlink()
    assert settings.get_str("ui.language") == "ja"
