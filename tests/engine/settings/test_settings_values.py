"""Checking single values: every kind, valid and invalid, with the message an admin reads."""

from __future__ import annotations

from datetime import time

import pytest

from engine.errors import SettingsError
from engine.settings import SCHEMA, in_window, parse_window, validate

VALID = [
    ("ui.high_contrast", True, True),
    ("ui.font_scale", 100, 100),
    ("ui.font_scale", 200, 200),
    ("fallback.timeout_s", 30, 30.0),
    ("fallback.timeout_s", 2.5, 2.5),
    ("ui.language", "en", "en"),
    ("fallback.model", "qwen3-30b-a3b", "qwen3-30b-a3b"),
    ("fallback.url", "", ""),
    ("fallback.url", "https://llm.example.com/v1", "https://llm.example.com/v1"),
    ("fallback.url", "http://10.0.0.5:8080/v1", "http://10.0.0.5:8080/v1"),
    ("network.proxy", "socks5h://proxy:1080", "socks5h://proxy:1080"),
    ("model.path", "/opt/models/a.gguf", "/opt/models/a.gguf"),
    ("model.path", r"C:\models\a.gguf", r"C:\models\a.gguf"),
    ("model.path", r"\\server\share\a.gguf", r"\\server\share\a.gguf"),
    ("updates.window", "22:00-05:00", "22:00-05:00"),
    ("updates.window", " 8:30 - 17:15 ", "8:30 - 17:15"),
    ("updates.window", "", ""),
]

INVALID = [
    ("ui.high_contrast", "true", "without quotes"),
    ("ui.high_contrast", 1, "expected true or false, got 1"),
    ("ui.font_scale", 99, "too small"),
    ("ui.font_scale", 201, "too large"),
    ("ui.font_scale", 125.0, "a whole number from 100 to 200"),
    ("ui.font_scale", "125", "without quotes"),
    ("ui.font_scale", True, "got true"),
    ("fallback.timeout_s", float("nan"), "a number from 1 to 3600"),
    ("fallback.timeout_s", float("inf"), "a number"),
    ("fallback.timeout_s", 0.5, "too small"),
    ("ui.language", "de", 'one of "ja", "en", "system"'),
    ("ui.language", ["ja"], "got a list"),
    ("experts.mode", {"a": 1}, "got a table"),
    ("fallback.url", "ftp://example.com", "needs a scheme and a host name"),
    ("fallback.url", "llm.example.com", "needs a scheme and a host name"),
    ("fallback.url", "https://exa mple.com", "contains spaces"),
    ("fallback.url", "https://example.com:99999/", "not a valid URL"),
    ("fallback.url", "https://bob:hunter2@example.com/", "OS keyring"),
    ("updates.repository_url", "", "a https/http URL, got"),
    ("model.path", "models/a.gguf", "relative paths are not allowed"),
    ("model.path", "/a\x00b", "NUL"),
    ("fallback.model", "x" * 5000, "too long"),
    ("updates.window", "22:00", 'time window "HH:MM-HH:MM"'),
    ("updates.window", "24:00-05:00", "time window"),
    ("updates.window", "05:00-05:00", "time window"),
    ("updates.window", "5-6", "time window"),
]


@pytest.mark.parametrize(("key", "raw", "normalised"), VALID)
def test_valid_values(key: str, raw: object, normalised: object) -> None:
    value = validate(SCHEMA[key], raw)
    assert value == normalised
    assert type(value) is type(normalised)


@pytest.mark.parametrize(("key", "raw", "fragment"), INVALID)
def test_invalid_values_name_the_key_and_what_is_expected(
    key: str, raw: object, fragment: str
) -> None:
    with pytest.raises(SettingsError) as info:
        validate(SCHEMA[key], raw)
    message = str(info.value)
    assert message.startswith(f"{key}: expected ")
    assert fragment in message


def test_a_password_in_a_url_is_never_repeated_in_the_message() -> None:
    with pytest.raises(SettingsError) as info:
        validate(SCHEMA["fallback.url"], "https://bob:hunter2@example.com/")
    assert "hunter2" not in str(info.value)


def test_windows_parse_and_cross_midnight() -> None:
    assert parse_window("22:00-05:00") == (time(22), time(5))
    assert parse_window("nonsense") is None
    assert in_window("22:00-05:00", time(23, 30))
    assert in_window("22:00-05:00", time(4, 59))
    assert not in_window("22:00-05:00", time(5, 0))
    assert not in_window("22:00-05:00", time(12))
    assert in_window("09:00-17:00", time(9))
    assert not in_window("09:00-17:00", time(17))
    assert in_window("", time(12))
    assert not in_window("garbage", time(12))
