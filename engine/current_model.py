"""Reading the current-model pointer that the updater writes.

The pointer is a small JSON file in the model store (``models/current.json``)::

    {"format": 1, "path": "<file name relative to the models folder>",
     "sha256": "<hex>", "version": "<str>", "previous": {...} | null}

The updater replaces it atomically (``os.replace``), so a reader sees either
the old or the new pointer, never half of one. The engine reads it only between
answers, so a model is never swapped under a running answer; the old file stays
in the store (for rollback), so an answer that started on it finishes on it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CurrentModel:
    """What the pointer names."""

    path: Path
    sha256: str
    version: str


def read_current_model(pointer: Path) -> CurrentModel | None:
    """The model the pointer names, or None when there is no usable pointer.

    A damaged pointer is logged and treated as absent: the engine then falls
    back to the configured or default model instead of failing to start.
    """
    try:
        raw = json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable current-model pointer %s: %s", pointer, exc)
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        log.warning("ignoring current-model pointer %s without a 'path'", pointer)
        return None
    target = Path(raw["path"])
    if not target.is_absolute():
        target = pointer.parent / target
    return CurrentModel(
        path=target, sha256=str(raw.get("sha256", "")), version=str(raw.get("version", ""))
    )


def pointer_stamp(pointer: Path) -> tuple[int, int] | None:
    """A cheap change marker for the pointer file (mtime in ns, size), or None if absent."""
    try:
        st = pointer.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)
