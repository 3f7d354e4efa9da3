"""The largest N each model file runs at with this llama.cpp build: probed, learned, remembered.

llama.cpp can abort the whole process for a model at a high N although it
runs at lower ones (a Granite-3.1-1B-A400M-shaped model runs at N <= 12 and
aborts at 14, 16 and 32: its graph outgrows llama.cpp's node hash set). So the
largest N that runs is a recorded fact per model file *and* library build
(llama-cpp-python version and CPU backend variant), found by a probe in a
throw-away worker when a model is first loaded and lowered by any crash learned
later. Only this module reads or writes that record.

The record is a cache (``Paths.safe_experts_file``): losing it costs one probe.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from disk.atomic import write_bytes_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SafeRange:
    """What is known about one model file with one build."""

    max_ok: int | None
    """The largest N that ran, if any did yet."""
    lowest_crash: int | None
    """The smallest N at which llama.cpp crashed, if any did."""
    reason: str = ""
    broken: str | None = None
    """Why the model is marked broken with this build (it crashed twice at a safe N)."""

    @property
    def limit(self) -> int | None:
        """The largest N to use: below the lowest crash; None when nothing is known."""
        if self.lowest_crash is not None:
            return max(0, self.lowest_crash - 1)
        return self.max_ok


def model_key(path: Path, build: str) -> str:
    """Identity of a model file (path, size, modification time) with a library build."""
    try:
        stat = path.stat()
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        stamp = "missing"
    return f"{path.resolve()}|{stamp}|{build}"


class SafeExpertsStore:
    """The JSON record of safe N per model file and build."""

    def __init__(self, file: Path | None) -> None:
        self._file = file

    def _load(self) -> dict[str, dict[str, object]]:
        if self._file is None:
            return {}
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, dict[str, object]]) -> None:
        if self._file is None:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(self._file, json.dumps(data, indent=1).encode("utf-8"))
        except OSError as exc:  # a read-only cache costs a probe next time, nothing more
            log.warning("cannot record safe expert counts in %s: %s", self._file, exc)

    def get(self, key: str) -> SafeRange | None:
        """The record for ``key``, or None when this model and build were never probed."""
        entry = self._load().get(key)
        if not isinstance(entry, dict):
            return None
        max_ok, crash = entry.get("max_ok"), entry.get("lowest_crash")
        return SafeRange(
            max_ok if isinstance(max_ok, int) else None,
            crash if isinstance(crash, int) else None,
            str(entry.get("reason", "")),
            str(entry["broken"]) if entry.get("broken") else None,
        )

    def record_ok(self, key: str, experts: int) -> None:
        """N ran: raise ``max_ok`` to it."""
        data = self._load()
        entry = data.setdefault(key, {})
        old = entry.get("max_ok")
        if not isinstance(old, int) or experts > old:
            entry["max_ok"] = experts
            self._save(data)

    def record_crash(self, key: str, experts: int, reason: str) -> None:
        """llama.cpp crashed at N: lower ``lowest_crash`` to it, with why."""
        data = self._load()
        entry = data.setdefault(key, {})
        old = entry.get("lowest_crash")
        if not isinstance(old, int) or experts < old:
            entry["lowest_crash"] = experts
            entry["reason"] = reason
            max_ok = entry.get("max_ok")
            if isinstance(max_ok, int) and max_ok >= experts:
                entry["max_ok"] = experts - 1
            self._save(data)
        log.warning("llama.cpp crashed at N=%d (%s); recorded", experts, reason)

    def mark_broken(self, key: str, reason: str) -> None:
        """The model keeps crashing llama.cpp with this build: stop using it locally."""
        data = self._load()
        data.setdefault(key, {})["broken"] = reason
        self._save(data)
        log.error("model marked broken: %s", reason)
