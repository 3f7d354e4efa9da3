"""The current-model pointer as the updater sees it: :mod:`disk.pointer` with updater errors.

The format and its rules (format 1, bare names inside the models folder, a regular file)
live in the shared :mod:`disk.pointer`, which the engine reads with too. Here a broken
pointer becomes a :class:`~updater.errors.ContentError` (stop, do not retry) that says
what to do, and a failed write a :class:`~updater.errors.StorageError`. ``previous``
names the model that :func:`updater.client.UpdateClient.rollback` returns to.
"""

from __future__ import annotations

from pathlib import Path

from disk.errors import PointerError
from disk.pointer import FORMAT, POINTER_NAME, ModelRef, Pointer
from disk.pointer import read_pointer as _read_pointer

from updater.errors import ContentError
from updater.files import atomic_write_bytes

__all__ = ["FORMAT", "POINTER_NAME", "ModelRef", "Pointer", "read_pointer", "write_pointer"]


def read_pointer(path: Path) -> Pointer | None:
    """Read the pointer; ``None`` if it does not exist. Raises ``ContentError`` if malformed."""
    try:
        return _read_pointer(path)
    except PointerError as exc:
        raise ContentError(
            f"The current-model pointer is unusable: {exc}. Delete {path} and run "
            "`genba update apply` (or `genba update import BUNDLE`) to install the model again."
        ) from exc


def write_pointer(path: Path, pointer: Pointer) -> None:
    """Replace the pointer atomically (``StorageError`` leaves the old one in place)."""
    atomic_write_bytes(path, pointer.to_bytes())
