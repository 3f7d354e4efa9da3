"""``genba pilot report``: the plan's three metrics as data (CSV and JSON), no rendering.

The data layer of the pilot report. :func:`build_report` takes the newest
evaluation (``eval.json``) and the metrics rows and returns plain tables; an HTML
or plot front end can be added on top of the same dict. Tables:

``comparison``
    per evaluation variant (local at each N, all experts, remote): latency (TTFT and
    total, p50/p95), energy per answer and its source, accuracy with its 95 % Wilson
    interval, and the **relative change against all experts** of total-latency p50
    and energy per answer (``(variant − all) / all``) and of accuracy (points and
    relative). The plan's headline reads off it: −30 % latency, −25 % energy at −1–2
    points of accuracy.
``routes``, ``experts``, ``latency``, ``energy``
    from the metrics of real answers: route mix, N histogram, latency p50/p95 per route,
    energy totals per source (``estimate`` rows are CPU time × ``metrics.cpu_watts``).
``reasons``
    decision reason codes with how many answers carried them and how many of those
    fell back (route ``degraded``); the ``fallback.*`` codes say why.
``daily``
    per UTC day: answers, TTFT p50 and total p50/p95 (latency over time, queries per day).

The same dict comes from exports (:mod:`engine.pilot.fleet`, ``genba pilot merge``);
``scope`` says which (one PC, a site, the fleet) and ``quantiles`` whether p50/p95
are exact or read off the exports' histograms. :mod:`engine.pilot.html_report`
renders it as one HTML page.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

from engine.pilot.export_file import ROUTES
from engine.pilot.stats import summary
from engine.pilot.store import AnswerMetrics

BASELINE = "all-experts"
TABLES = ("comparison", "routes", "experts", "latency", "energy", "reasons", "daily", "hosts")
"""The tables written as ``<name>.csv`` (``hosts``: only in a merged report)."""

MEASURED_FROM = {
    "latency": "wall time from the request to the first token (ttft) and to the last (total)",
    "energy": "rapl: CPU package counter; battery: battery discharge; estimate: CPU time × "
              "metrics.cpu_watts (not a measurement); remote: this PC's side only",
    "accuracy": "share of the site's questions whose answer met every expectation "
                "(keywords, regex, reference), greedy decoding; 95 % Wilson interval",
}


def _relative(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return (value - base) / base


def comparison(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per variant with its change against the all-experts baseline."""
    variants: list[dict[str, Any]] = list(evaluation.get("variants") or [])
    base = next((v for v in variants if v.get("variant") == BASELINE), None)
    rows = []
    for v in variants:
        row = {
            "variant": v["variant"], "experts": v.get("experts"), "answers": v["answers"],
            "ttft_p50_s": v.get("ttft_p50_s"), "ttft_p95_s": v.get("ttft_p95_s"),
            "total_p50_s": v.get("total_p50_s"), "total_p95_s": v.get("total_p95_s"),
            "decode_tps_p50": v.get("decode_tps_p50"),
            "energy_per_answer_j": v.get("energy_mean_j"), "energy_source": v.get("energy_source"),
            "accuracy": v.get("accuracy"), "accuracy_low": v.get("accuracy_low"),
            "accuracy_high": v.get("accuracy_high"),
            "latency_change": None, "decode_speed_change": None, "energy_change": None,
            "accuracy_change_points": None, "accuracy_change": None,
        }
        if base is not None:
            row["latency_change"] = _relative(v.get("total_p50_s"), base.get("total_p50_s"))
            row["decode_speed_change"] = _relative(
                v.get("decode_tps_p50"), base.get("decode_tps_p50"))
            row["energy_change"] = _relative(v.get("energy_mean_j"), base.get("energy_mean_j"))
            row["accuracy_change_points"] = 100 * (v["accuracy"] - base["accuracy"])
            row["accuracy_change"] = _relative(v["accuracy"], base["accuracy"])
        rows.append(row)
    return rows


def reasons_table(rows: list[AnswerMetrics]) -> list[dict[str, Any]]:
    """Reason codes: answers carrying each, and how many of them fell back, most first."""
    total: Counter[str] = Counter()
    degraded: Counter[str] = Counter()
    for r in rows:
        codes = {code for code in r.reasons.split(",") if code}
        total.update(codes)
        if r.route == "degraded":
            degraded.update(codes)
    return [{"reason": code, "answers": n, "degraded": degraded.get(code, 0)}
            for code, n in sorted(total.items(), key=lambda item: (-item[1], item[0]))]


def daily_table(rows: list[AnswerMetrics]) -> list[dict[str, Any]]:
    """Answers and latency per UTC day, oldest first."""
    days: dict[str, list[AnswerMetrics]] = {}
    for r in rows:
        days.setdefault(r.at[:10], []).append(r)
    out = []
    for day, mine in sorted(days.items()):
        ttft = summary([r.ttft_s for r in mine if r.ttft_s is not None])
        total = summary([r.total_s for r in mine])
        out.append({"day": day, "answers": len(mine), "ttft_p50_s": ttft["p50"],
                    "total_p50_s": total["p50"], "total_p95_s": total["p95"]})
    return out


def build_report(
    rows: list[AnswerMetrics], evaluation: dict[str, Any] | None, *, energy_why: str,
    scope: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """All tables of the report as plain data (see the module docstring)."""
    routes = Counter(r.route for r in rows)
    energy: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.energy_source and r.energy_j is not None:
            sums = energy.setdefault(r.energy_source, {"answers": 0, "joules": 0.0})
            sums["answers"] += 1
            sums["joules"] += r.energy_j
    latency = []
    for route in ROUTES:
        mine = [r for r in rows if r.route == route]
        if mine:
            ttft = summary([r.ttft_s for r in mine if r.ttft_s is not None])
            total = summary([r.total_s for r in mine])
            latency.append({"route": route, "answers": len(mine),
                            "ttft_p50_s": ttft["p50"], "ttft_p95_s": ttft["p95"],
                            "total_p50_s": total["p50"], "total_p95_s": total["p95"]})
    return {
        "scope": scope or {"kind": "pc", "name": "", "answers": len(rows)},
        "quantiles": "exact",
        "period": {"first": rows[0].at if rows else None, "last": rows[-1].at if rows else None},
        "measured_from": MEASURED_FROM,
        "energy_why": energy_why,
        "evaluation": {k: evaluation.get(k) for k in ("created", "model", "questions",
                                                      "max_tokens")} if evaluation else None,
        "comparison": comparison(evaluation) if evaluation else [],
        "routes": [{"route": route, "answers": routes.get(route, 0)} for route in ROUTES],
        "experts": [{"experts": n, "answers": c} for n, c in sorted(
            Counter(r.experts for r in rows if r.experts is not None).items())],
        "latency": latency,
        "energy": [{"source": s, **t} for s, t in sorted(energy.items())],
        "reasons": reasons_table(rows),
        "daily": daily_table(rows),
    }


def write_report(report: dict[str, Any], folder: Path) -> list[Path]:
    """``report.json`` and one CSV per table into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "report.json"]
    written[0].write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    for table in TABLES:
        if table not in report:
            continue
        rows: list[dict[str, Any]] = report[table]
        path = folder / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            if rows:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        written.append(path)
    return written
