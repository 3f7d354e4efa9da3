"""Small file helpers every updater module relies on: atomic writes, hashing, error mapping.

Invariant: a file written through :func:`atomic_write_bytes` or :func:`commit_temp` is
either wholly the old content or wholly the new one, even after ``kill -9`` or a power
cut (temp file in the same folder, ``fsync``, ``os.replace``, ``fsync`` of the folder).
Temp files carry the prefix :data:`TEMP_PREFIX` so that recovery can find and delete
the leftovers of an interrupted run.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from updater.errors import DiskFullError, StorageError

TEMP_PREFIX = ".genba-tmp-"
CHUNK = 1 << 20  # 1 MiB: large enough for throughput, small enough for bounded memory

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def storage_error(exc: OSError, what: str) -> StorageError:
    """Turn an ``OSError`` into a user-facing :class:`StorageError` (or ``DiskFullError``)."""
    if exc.errno in _FULL_ERRNOS:
        return DiskFullError(
            f"Not enough disk space while {what} ({exc.strerror}). "
            "Free some space in the model folder and try again; the current model is unchanged."
        )
    return StorageError(f"Could not finish {what}: {exc}. The current model is unchanged.")


def fsync_dir(folder: Path) -> None:
    """Persist a rename inside ``folder`` (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is still atomic
    finally:
        os.close(fd)


@contextmanager
def temp_file_beside(target: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """Open a temp file in ``target``'s folder; it is deleted unless :func:`commit_temp` ran."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
    finally:
        if tmp.exists():
            tmp.unlink()


def commit_temp(fh: BinaryIO, tmp: Path, target: Path) -> None:
    """Flush and fsync ``fh``, then atomically rename ``tmp`` over ``target``."""
    fh.flush()
    os.fsync(fh.fileno())
    tmp.replace(target)
    fsync_dir(target.parent)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically."""
    try:
        with temp_file_beside(target) as (fh, tmp):
            fh.write(data)
            commit_temp(fh, tmp, target)
    except OSError as exc:
        raise storage_error(exc, f"writing {target.name}") from exc


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temp files left by an interrupted run in ``folder``; return what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if path.name.startswith(TEMP_PREFIX) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
