"""The one temp-file naming convention, and the one cleanup of what a killed process left.

Every temp file genba writes — an atomic write, a model being imported, built or
extracted, an update being built — is called ``.genba-tmp-<target name>.<random>.tmp``
and lives in the folder of the file it will replace (so ``os.replace`` stays a rename
on one file system). One name means one rule for recovery: :func:`remove_stale_temps`.

A temp file is *stale* when no process is writing it. The writer holds an exclusive
``flock`` on it for its whole life (:func:`hold`); the kernel drops that lock when the
process exits, ``kill -9`` included. So the cleanup may run at any time, from any
process — the engine at the start of a model-store operation, the updater's recovery —
and never deletes a file that another process is still writing. On Windows there is
no ``flock``, but an open file cannot be deleted there, which gives the same guarantee.

Older genba versions named temp files differently (``.<name>.<random>.part`` or
``.tmp``, ``.extract-<random>``); the cleanup removes those too, so an upgrade after a
crash leaves nothing behind. It never touches anything else: not a model (``*.gguf``),
not the pointer, not a store record, not a resumable download (``.genba-part-*``,
``.partial/``), not a folder, link, FIFO or device. Temp *folders* (:func:`temp_folder`,
a document pack being unpacked) follow the same name and lock rule and have their own
cleanup, :func:`remove_stale_temp_folders`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".genba-tmp-"
TEMP_SUFFIX = ".tmp"
_NAME_ROOM = 100  # bytes of the target's name in a temp name: file names end at 255 bytes
_LEGACY_SUFFIXES = (".part", ".tmp")
_LEGACY_EXTRACT = ".extract-"
_KEPT_PREFIX = ".genba-part-"  # the updater's resumable downloads: kept on purpose


def temp_prefix(target_name: str) -> str:
    """The start of a temp file's name for ``target_name`` (random part and suffix follow)."""
    room = target_name.encode("utf-8")[:_NAME_ROOM].decode("utf-8", errors="ignore")
    return f"{TEMP_PREFIX}{room}."


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is a temp file's name, of this convention or an older one."""
    if name.startswith((TEMP_PREFIX, _LEGACY_EXTRACT)):
        return True
    return (
        name.startswith(".")
        and not name.startswith(_KEPT_PREFIX)
        and name.endswith(_LEGACY_SUFFIXES)
    )


def hold(fd: int) -> None:
    """Mark the open temp file ``fd`` as in use until it is closed (or its process dies).

    Where the file system has no ``flock`` the write goes on unmarked: the cleanup
    cannot lock such a file either, and keeps it (a leftover, never a lost write).
    """
    if sys.platform != "win32":
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temp files no process is writing in ``folder``; return what was removed.

    Not recursive: each caller names the folders it writes to. A missing folder is
    empty. A file that cannot be deleted (permissions, Windows' open file) is skipped:
    the next run tries again, and a leftover costs disk space, never correctness.
    """
    removed: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        if is_temp_name(path.name) and _remove_if_stale(path):
            removed.append(path)
    return removed


def _remove_if_stale(path: Path) -> bool:
    """Unlink ``path`` if it is a regular file nobody holds; True when it was removed."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        if sys.platform == "win32":
            path.unlink()  # fails while another process has the file open
            return True
    except OSError:
        return False
    return _remove_unlocked(path)


def _remove_unlocked(path: Path) -> bool:
    """POSIX: take the writer's lock ourselves; only a file nobody holds is unlinked."""
    import fcntl

    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when ``fd`` is closed
        # Unlinked while we hold the lock: a writer starting now makes a new name anyway.
        path.unlink()
    except OSError:  # a live writer holds it, or it went meanwhile
        return False
    finally:
        os.close(fd)
    return True


@contextlib.contextmanager
def temp_folder(parent: Path, target_name: str) -> Iterator[Path]:
    """A new temp *folder* in ``parent`` for ``target_name`` (named like temp files), held
    while the block runs; removed on exit unless the caller renamed it away.

    Used where a whole folder must appear at once (a document pack being unpacked, then
    renamed to its version folder). On POSIX the writer holds ``flock`` on the folder
    itself, so :func:`remove_stale_temp_folders` leaves a live one alone.
    """
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=temp_prefix(target_name), suffix=TEMP_SUFFIX, dir=parent))
    fd = _open_folder(path)
    try:
        if fd is not None:
            hold(fd)
        yield path
    finally:
        if fd is not None:
            os.close(fd)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def remove_stale_temp_folders(folder: Path) -> list[Path]:
    """Delete the temp folders (:func:`temp_folder`) no process holds in ``folder``.

    Only names of this convention (``.genba-tmp-….tmp``), only real folders (never a
    link). On Windows a folder cannot be locked: there only the updater makes temp
    folders, and it calls this while it holds its update lock, so none is live.
    """
    removed: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        name = path.name
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        fd = _open_folder(path)
        try:
            if fd is not None:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(path)
            removed.append(path)
        except OSError:  # a live writer holds it, or it could not be removed: next run
            continue
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def _open_folder(path: Path) -> int | None:
    """A read-only descriptor of folder ``path`` to lock (None on Windows or if it fails)."""
    if sys.platform == "win32":
        return None
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
