"""genba's settings layer: built-in defaults < user settings < administrator policy.

Every key is declared once in :data:`SCHEMA`. :func:`load_settings` reads the
policy files (``/etc/genba/policy.toml`` and ``policy.d/*.toml``, or
``%ProgramData%\\genba``) and the user's ``settings.toml`` into an immutable
:class:`Settings`; keys set by policy are locked. Bad files never stop genba:
they become :class:`Problem` entries, and a broken policy makes the
security-relevant keys fail closed. :func:`save_user_setting` writes the user's
file atomically; :class:`SettingsWatcher` notices changes while running.

Modules: ``schema`` (the keys), ``values`` (checking one value), ``model``
(:class:`Settings`, :class:`Problem`), ``loader`` (files and layering),
``store`` (saving), ``watcher`` (reload), ``json_schema`` and ``docs``
(derived artefacts for administrators).
"""

from __future__ import annotations

from engine.settings.loader import discover_policy_files, load_settings
from engine.settings.model import Problem, Settings, defaults
from engine.settings.schema import SCHEMA, SECTIONS, SECURITY_KEYS, SettingSpec
from engine.settings.store import clear_user_setting, save_user_setting
from engine.settings.values import in_window, parse_window, validate
from engine.settings.watcher import SettingsWatcher

__all__ = [
    "SCHEMA",
    "SECTIONS",
    "SECURITY_KEYS",
    "Problem",
    "SettingSpec",
    "Settings",
    "SettingsWatcher",
    "clear_user_setting",
    "defaults",
    "discover_policy_files",
    "in_window",
    "load_settings",
    "parse_window",
    "save_user_setting",
    "validate",
]
