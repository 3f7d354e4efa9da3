"""The current-model pointer: ``models_dir/current.json``, the one file engine and updater share.

Format (``format`` 1)::

    {"format": 1,
     "path": "<model file name relative to models_dir>",
     "sha256": "<hex>",
     "version": "<publisher's version string>",
     "previous": {"path": ..., "sha256": ..., "version": ...} | null}

The updater writes it atomically (see :mod:`updater.files`); the engine reads it only
between answers, so a switch never happens under a running answer. ``previous`` names the
model that :func:`updater.client.UpdateClient.rollback` returns to; its file is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from updater.errors import ContentError
from updater.files import atomic_write_bytes

POINTER_NAME = "current.json"
FORMAT = 1


@dataclass(frozen=True)
class ModelRef:
    """One model file in the store: its name (relative to ``models_dir``), hash and version."""

    path: str
    sha256: str
    version: str

    def to_json(self) -> dict[str, str]:
        """The JSON object form used inside the pointer."""
        return {"path": self.path, "sha256": self.sha256, "version": self.version}

    @classmethod
    def from_json(cls, obj: Any) -> ModelRef:
        """Parse the JSON object form; raises ``ContentError`` if it is malformed."""
        if not isinstance(obj, dict):
            raise ContentError("The current-model pointer is malformed (expected an object).")
        try:
            path, sha, version = obj["path"], obj["sha256"], obj["version"]
        except KeyError as exc:
            raise ContentError(f"The current-model pointer lacks the key {exc}.") from exc
        if not all(isinstance(v, str) for v in (path, sha, version)):
            raise ContentError("The current-model pointer has non-text values.")
        if Path(path).name != path or path in {"", ".", ".."}:
            raise ContentError("The current-model pointer must name a file inside models_dir.")
        return cls(path=path, sha256=sha, version=version)


@dataclass(frozen=True)
class Pointer:
    """Parsed content of ``current.json``."""

    current: ModelRef
    previous: ModelRef | None = None

    def to_bytes(self) -> bytes:
        """Serialised form (stable key order, trailing newline)."""
        obj: dict[str, Any] = {"format": FORMAT, **self.current.to_json()}
        obj["previous"] = self.previous.to_json() if self.previous else None
        return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def read_pointer(path: Path) -> Pointer | None:
    """Read the pointer; ``None`` if it does not exist. Raises ``ContentError`` if malformed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise ContentError(
            f"{path} is not valid JSON. Run `genba update rollback` or reinstall the model."
        ) from exc
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ContentError(f"{path} has an unknown format; this genba expects format {FORMAT}.")
    previous = obj.get("previous")
    return Pointer(
        current=ModelRef.from_json(obj),
        previous=ModelRef.from_json(previous) if previous is not None else None,
    )


def write_pointer(path: Path, pointer: Pointer) -> None:
    """Replace the pointer atomically."""
    atomic_write_bytes(path, pointer.to_bytes())
