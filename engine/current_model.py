"""Reading the current-model pointer that the updater writes.

The pointer is a small JSON file in the model store (``models/current.json``)::

    {"format": 1, "path": "<file name relative to the models folder>",
     "sha256": "<hex>", "version": "<str>", "previous": {...} | null}

The updater replaces it atomically (``os.replace``), so a reader sees either
the old or the new pointer, never half of one. The engine reads it only between
answers, so a model is never swapped under a running answer; the old file stays
in the store (for rollback), so an answer that started on it finishes on it.

The engine applies the updater's rules (``updater/pointer.py``): format 1, and a
bare file name inside the models folder (no ``../``, no absolute path). It also
checks the file's sha256 against the pointer before using it — once per file
version, remembered in the cache folder, because hashing a large model takes
seconds. A pointer that breaks a rule is ignored (and logged): the engine falls
back to the configured or default model instead of running an unverified file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CurrentModel:
    """What the pointer names."""

    path: Path
    sha256: str
    version: str


POINTER_FORMAT = 1
_MAX_POINTER_BYTES = 64 * 1024


def read_current_model(pointer: Path) -> CurrentModel | None:
    """The model the pointer names, or None when there is no usable pointer.

    A damaged pointer is logged and treated as absent: the engine then falls
    back to the configured or default model instead of failing to start.
    """
    try:
        if pointer.exists() and not pointer.is_file():
            raise ValueError("not a regular file")
        with pointer.open("rb") as handle:
            raw = json.loads(handle.read(_MAX_POINTER_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable current-model pointer %s: %s", pointer, exc)
        return None
    parsed = _parse(raw, pointer.parent)
    if isinstance(parsed, str):
        log.warning("ignoring current-model pointer %s: %s", pointer, parsed)
        return None
    return parsed


def _parse(raw: object, models_dir: Path) -> CurrentModel | str:
    """The pointer's model, or why the pointer breaks the updater's rules."""
    if not isinstance(raw, dict) or raw.get("format") != POINTER_FORMAT:
        return f"not format {POINTER_FORMAT}"
    name, sha, version = raw.get("path"), raw.get("sha256"), raw.get("version")
    if not (isinstance(name, str) and isinstance(sha, str) and isinstance(version, str)):
        return "path, sha256 or version missing"
    if Path(name).name != name or name in {"", ".", ".."}:
        return f"{name!r} is not a file name in the models folder"
    return CurrentModel(path=models_dir / name, sha256=sha.lower(), version=version)


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
    problem = _hash_problem(current, S_ISREG(stat.st_mode))
    if problem:
        log.error("ignoring the current-model pointer: %s", problem)
        return None
    _save_verified(cache_file, known | {stamp})
    return current


def _hash_problem(current: CurrentModel, regular: bool) -> str | None:
    """Why the pointer's file is not the one it names by hash (None: it is)."""
    if not regular:  # a FIFO would block the hash forever
        return f"{current.path} is not a regular file"
    from engine.model_store import sha256_of

    try:
        actual = sha256_of(current.path)
    except OSError as exc:
        return f"cannot read {current.path} to check it ({exc})"
    if actual != current.sha256:
        return f"the sha256 of {current.path} ({actual}) is not the pointer's ({current.sha256})"
    return None


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
    from engine.atomic_file import write_bytes_atomically

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
