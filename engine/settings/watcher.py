"""Noticing when a policy or user settings file changes, so settings reload while running.

:class:`SettingsWatcher` polls: each poll lists the policy files again (a new
drop-in file counts), fingerprints every file by mtime, size and SHA-256 (mtime
alone misses two writes within its resolution), and reloads only when a
fingerprint changed. Entries that are not regular files are never opened (see
:func:`engine.settings.loader.fingerprint`). Polling needs no platform
file-watch API; the caller (the window, the engine between answers) decides how
often, and applies the new :class:`Settings` at a moment when that is safe
(never under a running answer).

A poll is two steps so that a caller can keep file I/O off a thread that must
not block (the window's GUI thread): :meth:`SettingsWatcher.scan` does all the
reading and changes nothing (it may run on any thread, one scan at a time), and
:meth:`SettingsWatcher.accept` records its result without touching a file.
:meth:`SettingsWatcher.poll` does both. A scan that is abandoned (it hung on a
stuck network share) is simply never accepted: the next scan sees the change
again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.paths import Paths
from engine.settings.loader import (
    Layer,
    discover_policy_files,
    fingerprint,
    merge,
    read_layer,
)
from engine.settings.model import Settings

_Fingerprints = tuple[tuple[str, tuple[str, int, int, str] | None], ...]


@dataclass(frozen=True)
class Scan:
    """What one :meth:`SettingsWatcher.scan` found: fingerprints, and settings if changed."""

    seen: _Fingerprints
    policy_layers: tuple[Layer, ...] | None = None  # None: nothing changed, nothing read
    settings: Settings | None = None  # the new effective settings, None when unchanged


class SettingsWatcher:
    """Reloads settings when any policy or user settings file changed since the last poll."""

    def __init__(self, paths: Paths, policy_files: Sequence[Path] | None = None) -> None:
        """Load the settings once; :attr:`current` holds them."""
        self._paths = paths
        self._policy_files = list(policy_files) if policy_files is not None else None
        self._seen: _Fingerprints = ()
        self._policy_layers: tuple[Layer, ...] = ()
        first = self.scan()
        assert first.settings is not None  # nothing seen yet: always a change
        self._current = first.settings
        self.accept(first)

    @property
    def current(self) -> Settings:
        """The settings as of the last accepted load."""
        return self._current

    def _files(self) -> list[Path]:
        return [*self._policy_paths(), self._paths.user_settings_file]

    def _policy_paths(self) -> list[Path]:
        if self._policy_files is not None:
            return list(self._policy_files)
        return discover_policy_files(self._paths)

    def _fingerprints(self) -> _Fingerprints:
        return tuple((str(path), fingerprint(path)) for path in self._files())

    def scan(self) -> Scan:
        """Fingerprint every file and, when any changed since the last accepted scan, load.

        Reads files and changes nothing here, so it may run on a worker thread
        (never two at once); :meth:`accept` then records the result.
        """
        # Fingerprint before loading: a write landing during the load is then seen
        # as a change by the next poll instead of being missed.
        seen = self._fingerprints()
        if seen == self._seen:
            return Scan(seen)
        explicit = self._policy_files is not None
        layers = tuple(
            read_layer(path, is_policy=True, required=explicit) for path in self._policy_paths()
        )
        user = read_layer(self._paths.user_settings_file, is_policy=False)
        return Scan(seen, layers, merge(user, layers))

    def accept(self, scan: Scan) -> Settings | None:
        """Record a finished :meth:`scan` (no file I/O); its new settings, or None if unchanged."""
        self._seen = scan.seen
        if scan.policy_layers is not None:
            self._policy_layers = scan.policy_layers
        if scan.settings is not None:
            self._current = scan.settings
        return scan.settings

    def poll(self) -> Settings | None:
        """New settings when a file changed since the last poll, else None (scan + accept)."""
        return self.accept(self.scan())

    def reload_user(self) -> Settings:
        """The user's settings file read again over the policy as last scanned.

        Opens only the user's own settings file, never a policy file: for a caller
        that must see a change it just made itself at once (the window after a
        model import) and leaves policy changes to the next poll.
        """
        fresh = merge(
            read_layer(self._paths.user_settings_file, is_policy=False), self._policy_layers
        )
        self._current = fresh
        return fresh
