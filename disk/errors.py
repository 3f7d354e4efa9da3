"""The disk layer's errors: few, because engine and updater wrap them into their own trees.

::

    DiskError                  root; str(exc) is one line saying what is wrong on disk
    ├── PointerError           ``current.json`` breaks the format-1 rules (bad JSON, format,
    │                          a name outside the models folder, not a regular file)
    ├── NotEnoughSpaceError    a folder lacks the bytes an operation needs (plus the margin)
    └── ExpertStatsError       an expert-load statistics file is unreadable or malformed

Each package turns these into its own errors at its boundary (``engine/errors.py``,
``updater/errors.py``) and adds what the operator should do next, which only the caller
knows. Plain ``OSError`` from the file system is raised as it is, for the same reason.
"""

from __future__ import annotations

from pathlib import Path


class DiskError(Exception):
    """Root of every error the disk layer raises on purpose."""


class PointerError(DiskError):
    """The current-model pointer is unreadable or breaks the format-1 rules."""


class NotEnoughSpaceError(DiskError):
    """``folder`` has ``free`` bytes but an operation needs ``needed`` (margin included)."""

    def __init__(self, folder: Path, needed: int, free: int) -> None:
        self.folder = folder
        self.needed = needed
        self.free = free
        super().__init__(
            f"{folder} needs {needed / 2**20:.0f} MiB free but has {free / 2**20:.0f} MiB"
        )


class ExpertStatsError(DiskError):
    """An expert-load statistics file (:mod:`disk.expert_stats`) is unreadable or malformed."""
