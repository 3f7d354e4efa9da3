"""The updater's side of the disk layer: error mapping, ranged copies, and the atomic write.

The rules themselves (temp file beside the target, fsync, ``os.replace``, fsync of the
folder; one temp-file name and its cleanup; sha256) live in the shared leaf package
:mod:`disk`, which the engine uses too. This module turns their ``OSError`` into the
updater's :class:`~updater.errors.StorageError` with what to do next.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import BinaryIO

from disk.atomic import write_bytes_atomically
from disk.hashing import CHUNK, sha256_file

from updater.errors import DiskFullError, StorageError

__all__ = ["CHUNK", "atomic_write_bytes", "copy_range", "sha256_file", "storage_error"]

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def storage_error(exc: OSError, what: str) -> StorageError:
    """Turn an ``OSError`` into a user-facing :class:`StorageError` (or ``DiskFullError``)."""
    if exc.errno in _FULL_ERRNOS:
        return DiskFullError(
            f"Not enough disk space while {what} ({exc.strerror}). "
            "Free some space in the model folder and try again; nothing installed was changed."
        )
    return StorageError(f"Could not finish {what}: {exc}. Nothing installed was changed.")


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically; ``StorageError`` leaves it as it was."""
    try:
        write_bytes_atomically(target, data)
    except OSError as exc:
        raise storage_error(exc, f"writing {target.name}") from exc


def copy_range(
    src: BinaryIO, offset: int, length: int, dst: BinaryIO, *digests: hashlib._Hash
) -> None:
    """Copy ``length`` bytes at ``offset`` of ``src`` to ``dst``, feeding every digest."""
    src.seek(offset)
    left = length
    while left > 0:
        chunk = src.read(min(CHUNK, left))
        if not chunk:
            raise StorageError(
                f"The file ended {left} bytes early while copying; it is probably truncated. "
                "Run `genba update check` to download a fresh copy."
            )
        for digest in digests:
            digest.update(chunk)
        dst.write(chunk)
        left -= len(chunk)
