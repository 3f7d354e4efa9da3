"""Reading the current-model pointer that the updater writes.

The pointer is a small JSON file in the model store (``models/current.json``)::

    {"format": 1, "path": "<file name relative to the models folder>",
     "sha256": "<hex>", "version": "<str>", "previous": {...} | null}

The updater replaces it atomically (``os.replace``), so a reader sees either
the old or the new pointer, never half of one. The engine reads it only between
answers, so a model is never swapped under a running answer; the old file stays
in the store (for rollback), so an answer that started on it finishes on it.

The rules and the reader are the updater's, shared through :mod:`disk.pointer`:
format 1, a regular file, and a bare file name inside the models folder (no ``../``,
no absolute path). The engine also checks the file's sha256 against the pointer
before using it (:func:`disk.pointer.file_problem`) — once per file version,
remembered in the cache folder, because hashing a large model takes seconds. A
pointer that breaks a rule is ignored (and logged): the engine falls back to the
configured or default model instead of running an unverified file.

Which store's pointer is read (the operator's own or the machine-wide one) is
policy's ``model.store``, decided by the one rule in :func:`disk.store.active_store`;
:func:`model_store` applies it to the engine's settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from disk.atomic import write_bytes_atomically
from disk.errors import PointerError
from disk.paths import Paths
from disk.pointer import FORMAT, ModelRef, file_problem, read_pointer
from disk.store import KEY as STORE_KEY
from disk.store import ModelStore, active_store

if TYPE_CHECKING:
    from engine.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CurrentModel:
    """What the pointer names."""

    path: Path
    sha256: str
    version: str


POINTER_FORMAT = FORMAT


def model_store(paths: Paths, settings: Settings | None) -> ModelStore:
    """The model store these settings make active (no settings: the user's)."""
    value = settings.get(STORE_KEY) if settings is not None else None
    return active_store(value, paths)


def read_current_model(pointer: Path) -> CurrentModel | None:
    """The model the pointer names, or None when there is no usable pointer.

    A damaged pointer is logged and treated as absent: the engine then falls
    back to the configured or default model instead of failing to start.
    """
    try:
        parsed = read_pointer(pointer)
    except PointerError as exc:
        log.warning("ignoring the current-model pointer %s: %s", pointer, exc)
        return None
    if parsed is None:
        return None
    ref = parsed.current
    return CurrentModel(path=pointer.parent / ref.path, sha256=ref.sha256, version=ref.version)


def verified_current_model(pointer: Path, cache_file: Path | None) -> CurrentModel | None:
    """The pointer's model if its file exists and matches the pointer's sha256, else None."""
    current = read_current_model(pointer)
    if current is None:
        return None
    try:
        stat = current.path.stat()
    except OSError:
        log.warning("the current-model pointer names %s, which is missing", current.path)
        return None
    stamp = f"{current.path}|{stat.st_size}|{stat.st_mtime_ns}|{current.sha256}"
    known = _load_verified(cache_file)
    if stamp in known:
        return current
    ref = ModelRef(path=current.path.name, sha256=current.sha256, version=current.version)
    problem = file_problem(current.path.parent, ref)
    if problem:
        log.error("ignoring the current-model pointer: %s", problem)
        return None
    _save_verified(cache_file, known | {stamp})
    return current


def _load_verified(cache_file: Path | None) -> set[str]:
    if cache_file is None:
        return set()
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {str(s) for s in data} if isinstance(data, list) else set()


def _save_verified(cache_file: Path | None, stamps: set[str]) -> None:
    if cache_file is None:
        return
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(cache_file, json.dumps(sorted(stamps)[-64:]).encode("utf-8"))
    except OSError as exc:  # costs a re-hash next time, nothing more
        log.warning("cannot remember verified models in %s: %s", cache_file, exc)


def pointer_stamp(pointer: Path) -> tuple[int, int] | None:
    """A cheap change marker for the pointer file (mtime in ns, size), or None if absent."""
    try:
        st = pointer.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)
