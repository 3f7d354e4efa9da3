"""The current-model pointer, ``models/current.json``: the one reader and writer of its rules.

Format 1::

    {"format": 1,
     "path": "<model file name inside the models folder>",
     "sha256": "<hex>",
     "version": "<publisher's version string>",
     "previous": {"path": ..., "sha256": ..., "version": ...} | null}

The rules, the strict ones: ``format`` is 1; every ``path`` is a bare file name
(no folder, no ``..``, not absolute — on POSIX *and* Windows spelling), so a pointer can
only name a file inside the folder it sits in; the pointer itself is a regular file of
at most 64 KiB (a FIFO would block a reader forever). :func:`read_pointer` raises
:class:`~disk.errors.PointerError` for anything else; the engine ignores such a pointer
(logs it, runs another model), the updater stops.

The updater writes the pointer (:func:`write_pointer`, atomically); the engine reads it
between answers. :func:`file_problem` is the sha256 check of the file a reference names.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from disk.atomic import write_bytes_atomically
from disk.errors import PointerError
from disk.hashing import sha256_file
from disk.regular_file import FileReadError, read_regular_file

POINTER_NAME = "current.json"
FORMAT = 1
MAX_POINTER_BYTES = 64 * 1024


@dataclass(frozen=True)
class ModelRef:
    """One model file in the store: its bare name, sha256 (lower-case hex) and version."""

    path: str
    sha256: str
    version: str

    def to_json(self) -> dict[str, str]:
        """The JSON object form used inside the pointer."""
        return {"path": self.path, "sha256": self.sha256, "version": self.version}

    @classmethod
    def from_json(cls, obj: Any) -> ModelRef:
        """Parse the JSON object form; raises :class:`PointerError` if it breaks the rules."""
        if not isinstance(obj, dict):
            raise PointerError("the current-model pointer is malformed (expected an object)")
        path, sha, version = obj.get("path"), obj.get("sha256"), obj.get("version")
        if not (isinstance(path, str) and isinstance(sha, str) and isinstance(version, str)):
            raise PointerError("the current-model pointer lacks a text path, sha256 or version")
        if not is_bare_name(path):
            raise PointerError(f"the current-model pointer names {path!r}, not a file name")
        return cls(path=path, sha256=sha.lower(), version=version)


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


def is_bare_name(name: str) -> bool:
    """Whether ``name`` is a plain file name, confined to the folder it is joined to."""
    if name in {"", ".", ".."}:
        return False
    return PurePosixPath(name).name == name and PureWindowsPath(name).name == name


def read_pointer(path: Path) -> Pointer | None:
    """The pointer at ``path``; ``None`` if there is none. Raises :class:`PointerError`."""
    raw = _read_small_regular_file(path)
    if raw is None:
        return None
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise PointerError(f"{path} is not valid JSON") from exc
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise PointerError(f"{path} is not format {FORMAT}")
    previous = obj.get("previous")
    return Pointer(
        current=ModelRef.from_json(obj),
        previous=ModelRef.from_json(previous) if previous is not None else None,
    )


def _read_small_regular_file(path: Path) -> bytes | None:
    try:
        return read_regular_file(path, MAX_POINTER_BYTES)
    except FileReadError as exc:
        if exc.kind == "missing":
            return None
        raise PointerError(str(exc)) from exc


def write_pointer(path: Path, pointer: Pointer) -> None:
    """Replace the pointer atomically (``OSError`` leaves the old one in place)."""
    write_bytes_atomically(path, pointer.to_bytes())


def file_problem(models_dir: Path, ref: ModelRef) -> str | None:
    """Why the file ``ref`` names is not the one it names by hash, or None when it is.

    Only a regular file is hashed: a FIFO or a device would block or never end.
    """
    target = models_dir / ref.path
    try:
        mode = target.stat().st_mode
    except OSError:
        return f"{target} is missing"
    if not stat.S_ISREG(mode):
        return f"{target} is not a regular file"
    try:
        actual = sha256_file(target)
    except OSError as exc:
        return f"cannot read {target} to check it ({exc.strerror})"
    if actual != ref.sha256:
        return f"the sha256 of {target} ({actual}) is not the pointer's ({ref.sha256})"
    return None
