"""The engine reads the updater's current-model pointer by the updater's rules, and checks the hash.

A pointer that escapes the models folder, has another format, or names a file whose
bytes do not match its sha256 is ignored (logged): the engine runs the configured or
built-in model instead of an unverified file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from engine.errors import ModelNotFoundError
from engine.models.current import read_current_model, verified_current_model
from engine.paths import Paths
from engine.service import resolve_model_path


def _pointer(paths: Paths, **fields: object) -> None:
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    paths.current_model_pointer.write_text(json.dumps({"format": 1, "version": "1", **fields}))


@pytest.fixture
def stored(paths: Paths, tiny_moe_path: Path) -> tuple[Path, str]:
    paths.models_dir.mkdir(parents=True, exist_ok=True)
    target = paths.models_dir / "m.gguf"
    shutil.copyfile(tiny_moe_path, target)
    return target, hashlib.sha256(target.read_bytes()).hexdigest()


BAD_POINTERS = [
    ("parent folder", {"path": "../m.gguf"}),
    ("absolute path", {"path": "/etc/passwd"}),
    ("sub folder", {"path": "sub/m.gguf"}),
    ("wrong format", {"path": "m.gguf", "format": 2}),
    ("no hash", {"path": "m.gguf", "sha256": None}),
]


@pytest.mark.parametrize(("case", "fields"), BAD_POINTERS, ids=[c[0] for c in BAD_POINTERS])
def test_a_pointer_breaking_the_updater_s_rules_is_ignored(
    paths: Paths, stored: tuple[Path, str], case: str, fields: dict[str, object]
) -> None:
    _pointer(paths, **{"sha256": stored[1], **fields})
    assert read_current_model(paths.current_model_pointer) is None
    with pytest.raises(ModelNotFoundError):
        resolve_model_path(paths)


def test_a_good_pointer_is_used_and_its_hash_checked_once(
    paths: Paths, stored: tuple[Path, str]
) -> None:
    target, sha = stored
    _pointer(paths, path="m.gguf", sha256=sha)
    assert resolve_model_path(paths) == target
    assert sha[:8] in paths.verified_models_file.read_text()


def test_a_file_that_does_not_match_the_pointer_s_hash_is_not_run(
    paths: Paths, stored: tuple[Path, str]
) -> None:
    target, sha = stored
    _pointer(paths, path="m.gguf", sha256=sha)
    with target.open("r+b") as f:
        f.seek(-8, 2)
        f.write(b"\xff" * 8)
    assert verified_current_model(paths.current_model_pointer, paths.verified_models_file) is None
    with pytest.raises(ModelNotFoundError):
        resolve_model_path(paths)


def test_a_pointer_that_is_not_a_regular_file_is_ignored(paths: Paths) -> None:
    paths.current_model_pointer.mkdir(parents=True)
    assert read_current_model(paths.current_model_pointer) is None


def test_a_pointer_naming_a_fifo_is_ignored_without_blocking(paths: Paths) -> None:
    import os
    import threading

    paths.models_dir.mkdir(parents=True)
    os.mkfifo(paths.models_dir / "m.gguf")
    _pointer(paths, path="m.gguf", sha256="0" * 64)
    result: list[object] = []
    reader = threading.Thread(
        target=lambda: result.append(
            verified_current_model(paths.current_model_pointer, paths.verified_models_file)
        ),
        daemon=True,
    )
    reader.start()
    reader.join(30)
    assert not reader.is_alive(), "hashing a FIFO blocked"
    assert result == [None]
