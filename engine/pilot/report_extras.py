"""What the report adds from this PC beyond its metrics: expert load, the speed curve, language.

* :func:`expert_load` — the ``genba experts`` statistics of the model with the most
  sampled tokens (``engine/expert_load/``), as the report's heatmap data;
* :func:`newest_speed` — the newest ``<data>/pilot/speed/<shape>.json`` of ``genba pilot
  speed`` (format ``genba-pilot-speed``, version 1), or None;
* :func:`report_language` — ``--lang`` or the ``ui.language`` setting (``system``: the
  locale's language), as ``ja`` or ``en``.

Each returns None (and the report shows a line saying what is missing) instead of failing:
a report must come out even when a statistics file is damaged.
"""

from __future__ import annotations

import json
import locale
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from disk.regular_file import FileReadError, read_regular_file

log = logging.getLogger(__name__)

SPEED_FOLDER = ("pilot", "speed")
SPEED_FORMAT = "genba-pilot-speed"
MAX_SPEED_BYTES = 1 << 20


def expert_load(db: Path, threshold: float) -> dict[str, Any] | None:
    """Share of routing per layer and expert of the most-sampled model, or None."""
    from engine.expert_load.metrics import report
    from engine.expert_load.store import ExpertLoadStore

    if not db.exists():
        return None
    store = ExpertLoadStore(db)
    try:
        totals = [t for t in (store.totals(m.sha256) for m in store.models()) if t is not None]
    except (OSError, sqlite3.Error) as exc:
        log.warning("expert-load statistics not readable for the report: %s", exc)
        return None
    totals = [t for t in totals if t.load.tokens > 0]
    if not totals:
        return None
    best = max(totals, key=lambda t: t.load.tokens)
    result = report(best.load.answers, best.load.tokens, best.load.layers, threshold)
    return {
        "model": best.model.name, "sha256": best.model.sha256,
        "expert_count": best.model.expert_count, "answers": result.answers,
        "tokens": result.tokens, "experts_per_token": result.experts_per_token,
        "alert": {"metric": result.alert.metric, "threshold": result.alert.threshold,
                  "value": result.alert.value, "raised": result.alert.raised},
        "layers": [{"layer": m.layer, "share": [round(s, 5) for s in m.share],
                    "normalized_gini": round(m.normalized_gini, 4)} for m in result.layers],
    }


def _speed_ok(doc: object) -> bool:
    if not isinstance(doc, dict) or doc.get("format") != SPEED_FORMAT or doc.get("version") != 1:
        return False
    rows = doc.get("rows")
    return (isinstance(doc.get("shape"), str) and isinstance(doc.get("threads"), int)
            and isinstance(rows, list) and bool(rows)
            and all(isinstance(r, dict) and isinstance(r.get("n"), int)
                    and isinstance(r.get("tokens_per_s"), int | float) for r in rows))


def newest_speed(data_dir: Path) -> dict[str, Any] | None:
    """The newest valid speed file (by modification time), or None."""
    folder = data_dir.joinpath(*SPEED_FOLDER)
    try:
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for path in files:
        try:
            doc = json.loads(read_regular_file(path, MAX_SPEED_BYTES).decode("utf-8"))
        except (FileReadError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if _speed_ok(doc):
            assert isinstance(doc, dict)
            return {**doc, "rows": sorted(doc["rows"], key=lambda r: r["n"]), "file": path.name}
        log.warning("%s is not a genba pilot speed file; left out of the report", path)
    return None


def report_language(asked: str | None, setting: str) -> str:
    """``ja`` or ``en``: ``--lang``, else ``ui.language``, else the locale's language."""
    if asked:
        return asked
    if setting in ("ja", "en"):
        return setting
    names = [os.environ.get(k, "") for k in ("LC_ALL", "LC_MESSAGES", "LANG")]
    names.append(locale.getlocale()[0] or "")
    return "ja" if any(n.lower().startswith("ja") for n in names if n) else "en"
