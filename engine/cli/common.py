"""Helpers shared by the ``genba`` subcommands: building the engine from settings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from engine.paths import Paths
from engine.service import Engine
from engine.settings import Settings, load_settings


def load_context() -> tuple[Paths, Settings]:
    """The user's paths and effective settings (``genba`` has already set up logging)."""
    paths = Paths.default()
    return paths, load_settings(paths)


def open_engine(model: Path | None = None, threads: int | None = None) -> Engine:
    """An :class:`Engine` for this user, on ``model`` or the configured/default model."""
    paths, settings = load_context()
    return Engine(paths=paths, settings=settings, model_path=model, n_threads=threads)


def print_json(obj: object) -> None:
    """Print one JSON document on stdout (UTF-8, not ASCII-escaped)."""
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()
