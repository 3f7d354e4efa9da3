"""The ``genba pilot speed`` result file: its format, writer and reader, in one place.

``<data>/pilot/speed/<shape>.json`` holds one measured curve for one catalogue shape
on this PC (written by :mod:`engine.pilot.speed`, read by ``genba doctor`` and the
pilot report)::

    {"format": "genba-pilot-speed", "version": 1, "shape": "granite-3.1-1b-a400m",
     "threads": 2, "rows": [{"n": 1, "tokens_per_s": 30.1, "rss_mib": 612.0}, ...],
     "default_n": 8, "all_experts": 32, "machine": {"cpu": "...", "cores": 2}}

Random weights: the numbers are speed and memory only, never answer quality.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "genba-pilot-speed"
VERSION = 1
FOLDER = ("pilot", "speed")


@dataclass(frozen=True)
class SpeedRow:
    """Decode speed and the worker's memory at one N."""

    n: int
    tokens_per_s: float
    rss_mib: float


@dataclass(frozen=True)
class SpeedResult:
    """One measured curve: a shape, the threads used, a row per N measured."""

    shape: str
    threads: int
    rows: tuple[SpeedRow, ...]
    default_n: int
    all_experts: int
    cpu: str
    cores: int

    def row(self, n: int) -> SpeedRow | None:
        """The row measured at ``n``, if any."""
        return next((r for r in self.rows if r.n == n), None)

    @property
    def speedup(self) -> float | None:
        """Decode speed at the default N over the speed with all experts (None: not both)."""
        return self.speedup_vs(self.all_experts)

    @property
    def largest(self) -> SpeedRow | None:
        """The row of the largest N measured (below all experts when more crash here)."""
        return max(self.rows, key=lambda r: r.n) if self.rows else None

    def speedup_vs(self, n: int) -> float | None:
        """Decode speed at the default N over the speed at ``n`` (None: not both measured)."""
        default, other = self.row(self.default_n), self.row(n)
        if default is None or other is None or other.tokens_per_s <= 0:
            return None
        return default.tokens_per_s / other.tokens_per_s

    def as_dict(self) -> dict[str, Any]:
        """The file's JSON object."""
        return {
            "format": FORMAT, "version": VERSION, "shape": self.shape, "threads": self.threads,
            "rows": [{"n": r.n, "tokens_per_s": round(r.tokens_per_s, 3),
                      "rss_mib": round(r.rss_mib, 1)} for r in self.rows],
            "default_n": self.default_n, "all_experts": self.all_experts,
            "machine": {"cpu": self.cpu, "cores": self.cores},
        }


def speed_dir(data_dir: Path) -> Path:
    """The folder of the result files under the user's data folder."""
    return data_dir.joinpath(*FOLDER)


def speed_path(data_dir: Path, shape: str) -> Path:
    """The result file of ``shape``."""
    return speed_dir(data_dir) / f"{shape}.json"


def write_speed(result: SpeedResult, data_dir: Path) -> Path:
    """Write ``result`` atomically (a reader never sees half a file); returns the path."""
    path = speed_path(data_dir, result.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def parse_speed(data: Any) -> SpeedResult:
    """A :class:`SpeedResult` from the file's JSON object; ``ValueError`` if it is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a genba pilot speed file")
    if data.get("version") != VERSION:
        raise ValueError(f"pilot speed file version {data.get('version')!r} is not {VERSION}")
    try:
        machine = data["machine"]
        return SpeedResult(
            shape=str(data["shape"]), threads=int(data["threads"]),
            rows=tuple(SpeedRow(int(r["n"]), float(r["tokens_per_s"]), float(r["rss_mib"]))
                       for r in data["rows"]),
            default_n=int(data["default_n"]), all_experts=int(data["all_experts"]),
            cpu=str(machine["cpu"]), cores=int(machine["cores"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"pilot speed file is malformed ({exc})") from exc


def read_speed(path: Path) -> SpeedResult:
    """Read one result file (``OSError``/``ValueError`` when missing or malformed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not JSON ({exc})") from exc
    return parse_speed(data)


def newest_speed(data_dir: Path) -> SpeedResult | None:
    """The most recently written readable result, or None."""
    folder = speed_dir(data_dir)
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            return read_speed(path)
        except (OSError, ValueError):
            continue
    return None


def summary_line(result: SpeedResult) -> str:
    """One line for ``genba doctor``, e.g. "granite-3.1-1b-a400m-shaped speed here: 14.0
    tok/s at N=8 (×1.60 vs all 32)"."""
    if not result.rows:
        return f"{result.shape}-shaped model: no N ran on this PC ({result.threads} threads)"
    row = result.row(result.default_n) or max(result.rows, key=lambda r: r.n)
    text = f"{result.shape}-shaped speed here: {row.tokens_per_s:.1f} tok/s at N={row.n}"
    largest = result.largest
    if result.speedup is not None:
        text += f" (×{result.speedup:.2f} vs all {result.all_experts})"
    elif largest is not None and largest.n > row.n and result.speedup_vs(largest.n):
        text += (f" (×{result.speedup_vs(largest.n):.2f} vs N={largest.n}; all "
                 f"{result.all_experts} not measured)")
    return text + f", {result.threads} thread{'s' if result.threads != 1 else ''}"
