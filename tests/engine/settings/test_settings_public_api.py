"""The public surface other packages code against stays as promised."""

from __future__ import annotations

import dataclasses
import inspect
from types import MappingProxyType

import engine.settings as api


def test_exported_names() -> None:
    assert set(api.__all__) >= {
        "SCHEMA", "SettingSpec", "Problem", "Settings", "load_settings", "defaults",
        "save_user_setting", "SettingsWatcher",
    }  # fmt: skip
    assert len(api.__all__) == len(set(api.__all__))
    for name in api.__all__:
        exported = getattr(api, name)
        if name.isupper():  # the declared keys, as read-only data
            continue
        # Classes and functions: the settings layer's own, documented, not a stray re-export.
        assert inspect.isclass(exported) or inspect.isfunction(exported), name
        assert exported.__module__.startswith("engine.settings."), name
        assert exported.__name__ == name
        assert inspect.getdoc(exported), name
    assert isinstance(api.SCHEMA, MappingProxyType)
    assert all(isinstance(s, api.SettingSpec) and s.key == k for k, s in api.SCHEMA.items())
    assert tuple(dict.fromkeys(key.split(".")[0] for key in api.SCHEMA)) == api.SECTIONS
    assert api.SECURITY_KEYS and set(api.SECURITY_KEYS) <= set(api.SCHEMA)


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
