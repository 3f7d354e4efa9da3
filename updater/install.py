"""Putting a verified model file into the store and moving the current-model pointer.

Invariants, whatever moment the process dies at (``kill -9``, power cut, disk full):

* the pointer always names a complete file whose sha256 it records — a new model is
  written to a temp file, fsynced, verified against the *signed* sha256 and renamed
  before the pointer (itself replaced atomically) names it;
* the previous model stays on disk for :func:`rollback`; only a model that is neither
  current nor previous is deleted, and only after the pointer moved away from it;
* leftovers of an interrupted run are temp files (named by :mod:`disk.temps`, the
  same convention the engine uses), which :func:`recover` removes — an interrupted
  ``genba models import`` included; partial full-model downloads (``.genba-part-*``)
  are kept so that the next run resumes them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from disk.atomic import commit_file, staged_file
from disk.errors import NotEnoughSpaceError
from disk.pointer import file_problem
from disk.space import require_free_space
from disk.temps import remove_stale_temps

from updater.diff import Progress, apply_diff
from updater.errors import ContentError, DiskFullError, NothingToDoError
from updater.files import storage_error
from updater.pointer import ModelRef, Pointer, read_pointer, write_pointer

PART_PREFIX = ".genba-part-"
Checkpoint = Callable[[str], None]


def _no_checkpoint(_: str) -> None:
    return None


def ensure_space(folder: Path, needed: int) -> None:
    """Raise ``DiskFullError`` early unless ``folder`` has ``needed`` bytes plus the margin
    of :mod:`disk.space`."""
    try:
        require_free_space(folder, needed)
    except NotEnoughSpaceError as exc:
        raise DiskFullError(
            f"The update needs {exc.needed / 2**20:.0f} MiB in {folder} but only "
            f"{exc.free / 2**20:.0f} MiB are free. Free some space and try again."
        ) from exc
    except OSError as exc:
        raise storage_error(exc, f"checking the free space in {folder}") from exc


def build_from_diff(
    base: Path,
    diff: Path,
    dest: Path,
    expected: tuple[str, int],
    *,
    progress: Progress | None = None,
    checkpoint: Checkpoint = _no_checkpoint,
) -> None:
    """Rebuild ``dest`` from ``base`` + ``diff``; it must match the signed ``(sha256, length)``."""
    sha, length = expected
    try:
        with staged_file(dest) as staged:
            index = apply_diff(base, diff, staged.file, progress)
            checkpoint("built")
            if index.target["sha256"] != sha or index.target["length"] != length:
                raise ContentError(
                    "The diff builds a model other than the signed target; it was not applied."
                )
            staged.commit(dest)
    except OSError as exc:
        raise storage_error(exc, f"building {dest.name}") from exc
    checkpoint("renamed")


def adopt_download(part: Path, dest: Path, checkpoint: Checkpoint = _no_checkpoint) -> None:
    """Move a verified full download into place (fsync first, then rename)."""
    try:
        with part.open("rb+") as fh:
            commit_file(fh, part, dest)
    except OSError as exc:
        raise storage_error(exc, f"installing {dest.name}") from exc
    checkpoint("renamed")


def switch_to(
    pointer_file: Path, ref: ModelRef, checkpoint: Checkpoint = _no_checkpoint
) -> Pointer:
    """Make ``ref`` current, keep the old current as previous, delete what neither names."""
    old = read_pointer(pointer_file)
    previous = None
    if old is not None:
        previous = old.current if old.current.sha256 != ref.sha256 else old.previous
    new = Pointer(current=ref, previous=previous)
    write_pointer(pointer_file, new)
    checkpoint("switched")
    if old is not None:
        _drop_unreferenced(pointer_file.parent, new, [old.current, old.previous])
    return new


def _drop_unreferenced(models_dir: Path, pointer: Pointer, refs: list[ModelRef | None]) -> None:
    keep = {pointer.current.path, pointer.previous.path if pointer.previous else None}
    for ref in refs:
        if ref is not None and ref.path not in keep:
            # On Windows the engine may still map the file; a leftover is harmless.
            with contextlib.suppress(OSError):
                (models_dir / ref.path).unlink(missing_ok=True)


def rollback(pointer_file: Path) -> Pointer:
    """Return to the previous model after checking its file still matches its hash."""
    old = read_pointer(pointer_file)
    if old is None or old.previous is None:
        raise NothingToDoError("There is no previous model to roll back to.")
    if file_problem(pointer_file.parent, old.previous) is not None:
        raise ContentError(
            f"The previous model {old.previous.path} is missing or damaged, so genba stays on "
            f"version {old.current.version}. Use `genba update import` or reinstall it."
        )
    new = Pointer(current=old.previous, previous=old.current)
    write_pointer(pointer_file, new)
    return new


def previous_intact(pointer_file: Path, *, full_check: bool = False) -> bool:
    """Whether :func:`rollback` could work: the previous file is there (and, fully, matches)."""
    pointer = read_pointer(pointer_file)
    if pointer is None or pointer.previous is None:
        return False
    if not (pointer_file.parent / pointer.previous.path).is_file():
        return False
    return not full_check or file_problem(pointer_file.parent, pointer.previous) is None


def verify_current(pointer_file: Path) -> ModelRef | None:
    """The current model if its file exists and matches the pointer's hash, else ``None``."""
    pointer = read_pointer(pointer_file)
    if pointer is None:
        return None
    return pointer.current if file_problem(pointer_file.parent, pointer.current) is None else None


def drop_partial_downloads(models_dir: Path) -> None:
    """Delete kept partial downloads once the update they belonged to is built."""
    for part in models_dir.glob(f"{PART_PREFIX}*"):
        part.unlink(missing_ok=True)


def recover(models_dir: Path, *other_dirs: Path) -> list[Path]:
    """Remove temp files of interrupted runs, the engine's included.

    Called while holding the update lock; a temp file another process is still writing
    is left alone (:func:`disk.temps.remove_stale_temps`).
    """
    removed = remove_stale_temps(models_dir)
    for folder in other_dirs:
        removed += remove_stale_temps(folder)
    return removed
