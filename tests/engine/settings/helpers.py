"""Small helpers for the settings tests: writing policy and user files."""

from __future__ import annotations

from pathlib import Path

from engine.paths import Paths


def write_policy(paths: Paths, text: str, name: str | None = None) -> Path:
    """Write the main policy file (or a drop-in called ``name``) and return its path."""
    target = paths.policy_file if name is None else paths.policy_dropin_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_user(paths: Paths, text: str) -> Path:
    """Write the user's settings file and return its path."""
    target = paths.user_settings_file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
