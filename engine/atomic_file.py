"""Writing a small file so that readers see the old bytes or the new, never half.

The recipe lives once, in the shared leaf package :mod:`disk.atomic` (the updater
writes with it too); this module keeps the engine's (and the GUI's) import path.
Errors are raised as ``OSError`` for the caller to turn into its own message.
"""

from __future__ import annotations

from disk.atomic import fsync_folder, write_bytes_atomically

__all__ = ["fsync_folder", "write_bytes_atomically"]
