"""The public surface other packages code against stays as promised."""

from __future__ import annotations

import dataclasses
import inspect

import engine.settings as api


def test_exported_names() -> None:
    assert set(api.__all__) >= {
        "SCHEMA", "SettingSpec", "Problem", "Settings", "load_settings", "defaults",
        "save_user_setting", "SettingsWatcher",
    }  # fmt: skip
    for name in api.__all__:
        assert getattr(api, name) is not None


def test_dataclass_fields() -> None:
    spec_fields = [f.name for f in dataclasses.fields(api.SettingSpec)]
    assert spec_fields[:8] == [
        "key", "kind", "default", "description", "minimum", "maximum", "choices", "restrictive",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(api.Problem)] == [
        "file", "key", "message", "severity",
    ]  # fmt: skip
    assert api.SettingSpec.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert api.Problem.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_signatures() -> None:
    load = inspect.signature(api.load_settings)
    assert list(load.parameters) == ["paths", "policy_files"]
    assert load.parameters["policy_files"].kind is inspect.Parameter.KEYWORD_ONLY
    save = inspect.signature(api.save_user_setting)
    assert list(save.parameters)[:3] == ["paths", "key", "value"]
    assert list(inspect.signature(api.SettingsWatcher).parameters) == ["paths", "policy_files"]
    for method in ("get", "get_bool", "get_int", "get_float", "get_str", "source", "is_locked",
                   "as_dict"):  # fmt: skip
        assert callable(getattr(api.Settings, method))
    assert isinstance(api.defaults().problems, tuple)
