"""``genba pilot export``: the file IT collects from each PC, its writer and its validating reader.

Format ``genba-pilot-export``, version 1 — one JSON object (UTF-8), no question or
answer text, only counts and distributions:

``format``, ``version``
    ``"genba-pilot-export"`` and ``1``; a reader refuses other formats and newer versions.
``created``
    UTC time of the export (ISO 8601). ``site``: the site this PC belongs to (``--site``,
    else the policy's ``pilot.site``, else the host name), which ``genba pilot merge``
    groups by.
``host``
    the PC's network name (so IT can tell files apart; never sent anywhere by genba).
``machine``
    ``{"model", "cpu", "cores", "threads", "ram_bytes", "os", "arch"}``: the PC's product
    name (DMI, "" when unknown), CPU model name, physical cores, logical CPUs, RAM.
``genba_version``, ``models``, ``current_model``
    genba's version, ``{name: answers}`` of the models that answered, and the model the
    active store's pointer names now (``{"file", "version", "sha256"}``, null without one).
``period``
    ``{"first", "last"}``: times of the first and last answer counted (null when none).
``answers``
    number of answers counted; ``routes`` ``{"local", "remote", "degraded", "refused": n}``
    (they sum to ``answers``); ``stop_reasons`` and ``reasons`` (decision reason codes) as
    ``{code: n}``; ``experts`` — the N histogram ``{"<N>": n}`` of local answers.
``latency``
    ``{"edges_s": [...], "ttft": D, "total": D, "by_route": {route: {"ttft": D, "total": D}}}``
    where ``D = {"count", "mean", "p50", "p95", "histogram"}`` and ``histogram`` has
    ``len(edges_s) + 1`` counts (``<= edges_s[0]``, …, ``> edges_s[-1]``).
``tokens``
    ``{"prompt", "generated"}`` totals; ``cpu_s``: total CPU seconds measured.
``energy``
    ``{"sources": {source: {"answers", "joules"}}, "why", "cpu_watts"}``: energy totals by
    source (``rapl``, ``battery``, ``estimate``), why this PC has that source, and the watt
    figure estimates used.
``daily``
    ``[{"day": "YYYY-MM-DD", "answers": n, "ttft": D, "total": D}]`` per UTC day with
    answers, oldest first (queries per day and latency over time in the report). Optional:
    files written before it was added lack it, and readers then show no time series.
``eval``
    the newest ``genba pilot eval`` run's variant table (``variants`` as in ``eval.json``,
    plus ``created``, ``model``, ``questions``, ``max_tokens``), or null.
"""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from disk.atomic import write_bytes_atomically
from disk.regular_file import FileReadError, read_regular_file

from engine.errors import BadInputError
from engine.pilot.energy import SOURCES
from engine.pilot.stats import LATENCY_EDGES_S, histogram, summary
from engine.pilot.store import AnswerMetrics

MAX_EXPORT_BYTES = 16 << 20
"""An export is a few kB of counts; anything above this is not one."""
FORMAT = "genba-pilot-export"
VERSION = 1
ROUTES = ("local", "remote", "degraded", "refused")


class ExportFormatError(BadInputError):
    """A pilot export file that cannot be read (one line: which file, what is wrong)."""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    for line in _read(cpuinfo).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return platform.processor() or platform.machine()


def machine_info(dmi: Path = Path("/sys/class/dmi/id")) -> dict[str, Any]:
    """What kind of PC this is: product, CPU, cores, RAM, OS (no user data)."""
    vendor, product = _read(dmi / "sys_vendor"), _read(dmi / "product_name")
    return {
        "model": " ".join(p for p in (vendor, product) if p),
        "cpu": cpu_model(),
        "cores": psutil.cpu_count(logical=False) or 0,
        "threads": psutil.cpu_count(logical=True) or os.cpu_count() or 0,
        "ram_bytes": int(psutil.virtual_memory().total),
        "os": f"{platform.system()} {platform.release()}".strip(),
        "arch": platform.machine(),
    }


def genba_version() -> str:
    """The installed genba's version ("" when not installed as a package)."""
    try:
        return metadata.version("genba")
    except metadata.PackageNotFoundError:
        return ""


def _distribution(values: list[float]) -> dict[str, Any]:
    return {**summary(values), "histogram": histogram(values, LATENCY_EDGES_S)}


def _latency(rows: list[AnswerMetrics]) -> dict[str, Any]:
    return {
        "ttft": _distribution([r.ttft_s for r in rows if r.ttft_s is not None]),
        "total": _distribution([r.total_s for r in rows]),
    }


def _daily(rows: list[AnswerMetrics]) -> list[dict[str, Any]]:
    days: dict[str, list[AnswerMetrics]] = {}
    for r in rows:
        days.setdefault(r.at[:10], []).append(r)
    return [{"day": day, "answers": len(mine), **_latency(mine)}
            for day, mine in sorted(days.items())]


def build_export(
    rows: list[AnswerMetrics],
    *,
    energy_why: str,
    cpu_watts: float,
    evaluation: dict[str, Any] | None = None,
    site: str = "",
    current_model: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The export document for these metrics rows (and the newest evaluation, if any)."""
    routes = dict.fromkeys(ROUTES, 0)
    routes.update(Counter(r.route for r in rows))
    energy: dict[str, dict[str, float | int]] = {
        s: {"answers": 0, "joules": 0.0} for s in SOURCES
    }
    for r in rows:
        if r.energy_source in energy and r.energy_j is not None:
            energy[r.energy_source]["answers"] += 1
            energy[r.energy_source]["joules"] += r.energy_j
    reasons: Counter[str] = Counter()
    for r in rows:
        reasons.update(code for code in r.reasons.split(",") if code)
    eval_part = None
    if evaluation is not None:
        eval_part = {k: evaluation.get(k) for k in
                     ("created", "model", "questions", "max_tokens", "energy_why", "variants")}
    return {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "site": site,
        "host": platform.node(),
        "machine": machine_info(),
        "genba_version": genba_version(),
        "models": dict(Counter(r.model for r in rows)),
        "current_model": current_model,
        "period": {"first": rows[0].at if rows else None, "last": rows[-1].at if rows else None},
        "answers": len(rows),
        "routes": routes,
        "stop_reasons": dict(Counter(r.stop_reason for r in rows)),
        "reasons": dict(reasons),
        "experts": {str(n): c for n, c in sorted(
            Counter(r.experts for r in rows if r.experts is not None).items())},
        "latency": {
            "edges_s": list(LATENCY_EDGES_S),
            **_latency(rows),
            "by_route": {route: _latency([r for r in rows if r.route == route])
                         for route in ROUTES if routes[route]},
        },
        "tokens": {"prompt": sum(r.prompt_tokens for r in rows),
                   "generated": sum(r.generated_tokens for r in rows)},
        "cpu_s": sum(r.cpu_s or 0.0 for r in rows),
        "energy": {"sources": energy, "why": energy_why, "cpu_watts": cpu_watts},
        "daily": _daily(rows),
        "eval": eval_part,
    }


def write_export(document: dict[str, Any], path: Path) -> None:
    """Write an export atomically (the reader validates it first, so no bad file leaves)."""
    validate(document, str(path))
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    write_bytes_atomically(path, data)


@dataclass(frozen=True)
class PilotExport:
    """A validated export: the document plus the fields a merge reads most."""

    path: Path
    site: str
    host: str
    answers: int
    document: dict[str, Any]


def read_export(path: Path) -> PilotExport:
    """Read and validate one export file; :class:`ExportFormatError` (one line) when bad."""
    try:
        # IT names these files (genba pilot merge): a FIFO or a folder must not hang the merge.
        raw = read_regular_file(path, MAX_EXPORT_BYTES)
    except FileReadError as exc:
        raise ExportFormatError(str(exc)) from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ExportFormatError(f"{path} is not a JSON file") from None
    validate(document, str(path))
    return PilotExport(path, document["site"], document["host"], document["answers"], document)


def _need(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise ExportFormatError(f"{where}: {what}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_num(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or value is None


def _check_counts(doc: dict[str, Any], key: str, where: str) -> dict[str, int]:
    counts = doc.get(key)
    _need(isinstance(counts, dict) and all(
        isinstance(k, str) and _is_int(v) for k, v in counts.items()),
        where, f"'{key}' must map names to counts")
    assert isinstance(counts, dict)
    return counts


def _check_distribution(dist: object, bins: int, where: str) -> None:
    _need(isinstance(dist, dict), where, "a latency distribution must be an object")
    assert isinstance(dist, dict)
    _need(_is_int(dist.get("count")), where, "a latency distribution needs 'count'")
    _need(all(_is_num(dist.get(k)) for k in ("mean", "p50", "p95")), where,
          "latency mean/p50/p95 must be numbers or null")
    hist = dist.get("histogram")
    _need(isinstance(hist, list) and len(hist) == bins and all(_is_int(c) for c in hist)
          and sum(hist) == dist["count"], where,
          f"a latency histogram must have {bins} counts adding up to 'count'")


def validate(doc: object, where: str) -> None:
    """Check an export document against format version 1 (raises :class:`ExportFormatError`)."""
    _need(isinstance(doc, dict), where, "not a genba pilot export (expected a JSON object)")
    assert isinstance(doc, dict)
    _need(doc.get("format") == FORMAT, where, "not a genba pilot export (format field)")
    version = doc.get("version")
    _need(_is_int(version), where, "no format version")
    _need(version == VERSION, where,
          f"format version {version} is newer than this genba reads ({VERSION}); update genba")
    for key in ("created", "site", "host", "genba_version"):
        _need(isinstance(doc.get(key), str), where, f"'{key}' must be a string")
    machine = doc.get("machine")
    _need(isinstance(machine, dict), where, "'machine' must be an object")
    assert isinstance(machine, dict)
    for key in ("model", "cpu", "os", "arch"):
        _need(isinstance(machine.get(key), str), where, f"machine '{key}' must be a string")
    for key in ("cores", "threads", "ram_bytes"):
        _need(_is_int(machine.get(key)), where, f"machine '{key}' must be a count")
    current = doc.get("current_model")
    _need(current is None or (isinstance(current, dict) and all(
        isinstance(current.get(k), str) for k in ("file", "version", "sha256"))), where,
        "'current_model' must be null or have 'file', 'version' and 'sha256'")
    answers = doc.get("answers")
    _need(_is_int(answers), where, "'answers' must be a count")
    routes = _check_counts(doc, "routes", where)
    _need(set(routes) <= set(ROUTES) and sum(routes.values()) == answers, where,
          f"'routes' must be counts of {', '.join(ROUTES)} adding up to 'answers'")
    for key in ("models", "stop_reasons", "reasons"):
        _check_counts(doc, key, where)
    experts = _check_counts(doc, "experts", where)
    _need(all(k.isdigit() for k in experts), where, "'experts' keys must be numbers of experts")
    latency = doc.get("latency")
    _need(isinstance(latency, dict), where, "'latency' must be an object")
    assert isinstance(latency, dict)
    edges = latency.get("edges_s")
    _need(isinstance(edges, list) and bool(edges) and all(
        _is_num(e) and e is not None for e in edges), where, "latency 'edges_s' must be numbers")
    assert isinstance(edges, list)
    for key in ("ttft", "total"):
        _check_distribution(latency.get(key), len(edges) + 1, where)
    by_route = latency.get("by_route")
    _need(isinstance(by_route, dict) and set(by_route) <= set(ROUTES), where,
          "latency 'by_route' must be keyed by route")
    assert isinstance(by_route, dict)
    for part in by_route.values():
        _need(isinstance(part, dict), where, "latency by route must be objects")
        for key in ("ttft", "total"):
            _check_distribution(part.get(key), len(edges) + 1, where)
    energy = doc.get("energy")
    _need(isinstance(energy, dict) and isinstance(energy.get("sources"), dict), where,
          "'energy' must have 'sources'")
    assert isinstance(energy, dict)
    for source, total in energy["sources"].items():
        _need(source in SOURCES and isinstance(total, dict) and _is_int(total.get("answers"))
              and _is_num(total.get("joules")) and total.get("joules") is not None, where,
              f"energy source {source!r}: expected one of {', '.join(SOURCES)} with "
              "'answers' and 'joules'")
    daily = doc.get("daily", [])
    _need(isinstance(daily, list), where, "'daily' must be a list of days")
    for day in daily:
        _need(isinstance(day, dict) and isinstance(day.get("day"), str)
              and _is_int(day.get("answers")), where,
              "each day of 'daily' needs 'day' (YYYY-MM-DD) and 'answers'")
        for key in ("ttft", "total"):
            _check_distribution(day.get(key), len(edges) + 1, where)
    evaluation = doc.get("eval")
    _need(evaluation is None or (isinstance(evaluation, dict)
                                 and isinstance(evaluation.get("variants"), list)),
          where, "'eval' must be null or an object with 'variants'")
