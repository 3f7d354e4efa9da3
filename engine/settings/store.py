"""Saving the operator's own settings: validated, never over policy, written atomically.

The user settings file is the only settings file genba writes. Each change is
read-modify-write under a lock file (the GUI and a ``genba`` command may save at
the same time), keeps keys this version does not know (a newer genba may have
written them), and lands with temp file + fsync + ``os.replace`` so a crash or
full disk leaves either the old file or the new one, never half of each. A file
that is not valid TOML is kept beside as ``settings.toml.broken`` and replaced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import filelock
import tomli_w
from disk.atomic import write_bytes_atomically

from engine.errors import SettingsError
from engine.paths import Paths
from engine.settings.loader import load_settings, parse_toml, read_bytes
from engine.settings.model import Settings, suggest
from engine.settings.schema import SCHEMA, SettingSpec
from engine.settings.values import validate

_LOCK_TIMEOUT_S = 10.0


def _spec_for_user(key: str) -> SettingSpec:
    spec = SCHEMA.get(key)
    if spec is None:
        raise SettingsError(f"Unknown setting {key!r}{suggest(key, list(SCHEMA))}.")
    if spec.policy_only:
        raise SettingsError(f"{key} can only be set by your administrator's policy.")
    return spec


def save_user_setting(
    paths: Paths, key: str, value: object, *, policy_files: Sequence[Path] | None = None
) -> Settings:
    """Validate ``value`` and store it as the user's ``key``; return the new effective settings.

    Raises SettingsError when the key is unknown, policy-only or locked by policy,
    when the value is invalid, or when the file cannot be written.
    """
    spec = _spec_for_user(key)
    checked = validate(spec, value)
    with _locked(paths):
        current = load_settings(paths, policy_files=policy_files)
        if current.is_locked(key):
            raise SettingsError(
                f"{key} is set by your administrator ({current.source(key)}) and cannot be "
                "changed here."
            )
        document = _read_document(paths.user_settings_file)
        document.pop(key, None)  # a quoted "section.name" key would shadow the table entry
        section = document.get(spec.section)
        if not isinstance(section, dict):
            section = document[spec.section] = {}
        section[spec.name] = checked
        _write_document(paths.user_settings_file, document)
    return load_settings(paths, policy_files=policy_files)


def clear_user_setting(
    paths: Paths, key: str, *, policy_files: Sequence[Path] | None = None
) -> Settings:
    """Remove the user's value for ``key`` (back to the default); return the new settings."""
    spec = _spec_for_user(key)
    with _locked(paths):
        document = _read_document(paths.user_settings_file)
        removed = document.pop(key, None) is not None
        section = document.get(spec.section)
        if isinstance(section, dict) and spec.name in section:
            del section[spec.name]
            removed = True
            if not section:
                del document[spec.section]
        if removed:
            _write_document(paths.user_settings_file, document)
    return load_settings(paths, policy_files=policy_files)


@contextlib.contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    target = paths.user_settings_file
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(target.with_name(target.name + ".lock")))
        with lock.acquire(timeout=_LOCK_TIMEOUT_S):
            yield
    except filelock.Timeout as exc:
        raise SettingsError(
            f"Another genba program is saving settings ({target}); try again in a moment."
        ) from exc
    except OSError as exc:
        raise SettingsError(
            f"Cannot save settings in {target.parent}: {exc.strerror or exc}. "
            "Check the folder's permissions and free disk space."
        ) from exc


def _read_document(path: Path) -> dict[str, object]:
    try:
        data = read_bytes(path)
        return {} if data is None else parse_toml(data, path)
    except SettingsError:
        # The operator cannot fix TOML by hand from the GUI; keep the old bytes for
        # support and start afresh rather than refusing every change forever.
        with contextlib.suppress(OSError):
            path.replace(path.with_name(path.name + ".broken"))
        return {}


def _write_document(path: Path, document: dict[str, object]) -> None:
    atomic_write_bytes(path, tomli_w.dumps(document).encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a failure leaves the old file and says why."""
    try:
        write_bytes_atomically(path, data)
    except OSError as exc:
        raise SettingsError(
            f"Cannot save settings to {path}: {exc.strerror or exc}. "
            "Check free disk space and the folder's permissions."
        ) from exc
