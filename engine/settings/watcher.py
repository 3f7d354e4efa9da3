"""Noticing when a policy or user settings file changes, so settings reload while running.

:class:`SettingsWatcher` polls: each :meth:`SettingsWatcher.poll` lists the
policy files again (a new drop-in file counts), fingerprints every file by
mtime, size and SHA-256 (mtime alone misses two writes within its resolution),
and reloads only when a fingerprint changed. Polling needs no thread and no
platform file-watch API; the caller (the GUI's timer, the engine between
answers) decides how often, and applies the new :class:`Settings` at a moment
when that is safe (never under a running answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.paths import Paths
from engine.settings.loader import discover_policy_files, fingerprint, load_settings
from engine.settings.model import Settings

_Fingerprints = tuple[tuple[str, tuple[str, int, int, str] | None], ...]


class SettingsWatcher:
    """Reloads settings when any policy or user settings file changed since the last poll."""

    def __init__(self, paths: Paths, policy_files: Sequence[Path] | None = None) -> None:
        """Load the settings once; :attr:`current` holds them."""
        self._paths = paths
        self._policy_files = list(policy_files) if policy_files is not None else None
        self._seen = self._fingerprints()
        self._current = load_settings(paths, policy_files=self._policy_files)

    @property
    def current(self) -> Settings:
        """The settings as of the last load."""
        return self._current

    def _files(self) -> list[Path]:
        policy = (
            self._policy_files
            if self._policy_files is not None
            else discover_policy_files(self._paths)
        )
        return [*policy, self._paths.user_settings_file]

    def _fingerprints(self) -> _Fingerprints:
        return tuple((str(path), fingerprint(path)) for path in self._files())

    def poll(self) -> Settings | None:
        """New settings when a file changed since the last poll, else None."""
        # Fingerprint before loading: a write landing during the load is then seen
        # as a change by the next poll instead of being missed.
        seen = self._fingerprints()
        if seen == self._seen:
            return None
        self._seen = seen
        fresh = load_settings(self._paths, policy_files=self._policy_files)
        self._current = fresh
        return fresh
