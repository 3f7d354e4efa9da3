"""``genba pilot merge``: the report's tables from several PCs' exports, per site and fleet.

Exports carry counts and histograms, not single answers, so a merge adds counts and
histograms up exactly; a p50/p95 over several PCs is read off the summed histogram
(linear inside a bin, the last bin's lower edge for an open-ended one) and the report
says so (``quantiles: "histogram"``). For one file the export's exact figures are kept.
Evaluations (one per PC, the newest) are pooled per variant: answers and correct
answers add up (a new Wilson interval), energy per answer is the answer-weighted mean,
and latency p50/p95 and decode speed are the median of the PCs' figures.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from engine.pilot.export_file import ROUTES, PilotExport
from engine.pilot.report import MEASURED_FROM, comparison
from engine.pilot.stats import wilson

HISTOGRAM_NOTE = ("p50/p95 over several PCs are read off the sum of their latency histograms "
                  "(bins up to {edges} s), so they are estimates within a bin")


def site_of(export: PilotExport) -> str:
    """The site a PC reports under (files without a site name count as their host's site)."""
    return export.site or export.host or "?"


def by_site(exports: Sequence[PilotExport]) -> dict[str, list[PilotExport]]:
    """Exports grouped by :func:`site_of`, sites sorted by name."""
    groups: dict[str, list[PilotExport]] = {}
    for export in exports:
        groups.setdefault(site_of(export), []).append(export)
    return dict(sorted(groups.items()))


def histogram_quantile(counts: Sequence[int], edges: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of a histogram whose bins end at ``edges`` (the last bin is open)."""
    total = sum(counts)
    if total == 0:
        return None
    target = q * total
    seen = 0.0
    for i, count in enumerate(counts):
        if count and seen + count >= target:
            if i >= len(edges):
                return float(edges[-1])  # open bin: at least its lower edge
            low = 0.0 if i == 0 else float(edges[i - 1])
            return low + (float(edges[i]) - low) * (target - seen) / count
        seen += count
    return float(edges[-1])


def _merged(dists: Sequence[dict[str, Any]], edges: Sequence[float]) -> dict[str, Any]:
    """Sum of latency distributions: count, histogram, and p50/p95 (exact for one)."""
    dists = [d for d in dists if d.get("count")]
    if len(dists) == 1:
        return dists[0]
    hist = [sum(column) for column in zip(*(d["histogram"] for d in dists), strict=True)] \
        if dists else [0] * (len(edges) + 1)
    return {"count": sum(hist), "histogram": hist,
            "p50": histogram_quantile(hist, edges, 0.5),
            "p95": histogram_quantile(hist, edges, 0.95)}


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def pooled_evaluation(exports: Sequence[PilotExport]) -> dict[str, Any] | None:
    """The PCs' newest evaluations pooled per variant (see the module docstring)."""
    runs = [e.document["eval"] for e in exports if e.document.get("eval")]
    if not runs:
        return None
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for v in run["variants"]:
            groups.setdefault(v["variant"], []).append(v)
    variants = []
    for name, vs in groups.items():
        answers = sum(int(v.get("answers") or 0) for v in vs)
        correct = sum(int(v["correct"]) if "correct" in v
                      else round(float(v.get("accuracy") or 0) * int(v.get("answers") or 0))
                      for v in vs)
        low, high = wilson(correct, answers)
        with_energy = [v for v in vs if v.get("energy_mean_j") is not None and v.get("answers")]
        weight = sum(v["answers"] for v in with_energy)
        variants.append({
            "variant": name, "experts": _median([v.get("experts") for v in vs]),
            "answers": answers, "correct": correct,
            "accuracy": correct / answers if answers else 0.0,
            "accuracy_low": low, "accuracy_high": high,
            **{key: _median([v.get(key) for v in vs]) for key in (
                "ttft_p50_s", "ttft_p95_s", "total_p50_s", "total_p95_s", "decode_tps_p50")},
            "energy_mean_j": sum(v["energy_mean_j"] * v["answers"] for v in with_energy) / weight
            if weight else None,
            "energy_source": "/".join(sorted({str(v.get("energy_source")) for v in vs})),
            "pcs": len(vs),
        })
    return {"created": max(str(r.get("created") or "") for r in runs),
            "model": "/".join(sorted({str(r.get("model") or "") for r in runs})),
            "questions": sum(int(r.get("questions") or 0) for r in runs),
            "max_tokens": _median([r.get("max_tokens") for r in runs]),
            "variants": variants}


def _hosts(exports: Sequence[PilotExport]) -> list[dict[str, Any]]:
    rows = []
    for e in sorted(exports, key=lambda e: (site_of(e), e.host)):
        doc = e.document
        sources = [s for s, t in doc["energy"]["sources"].items() if t["answers"]]
        rows.append({
            "site": site_of(e), "host": e.host, "answers": e.answers,
            "model": doc["machine"]["model"], "cpu": doc["machine"]["cpu"],
            "threads": doc["machine"]["threads"],
            "ram_gib": round(doc["machine"]["ram_bytes"] / 2**30, 1),
            "first": doc["period"]["first"] if doc.get("period") else None,
            "last": doc["period"]["last"] if doc.get("period") else None,
            "energy_source": "/".join(sources), "genba_version": doc["genba_version"],
            "file": e.path.name,
        })
    return rows


def report_from_exports(
    exports: Sequence[PilotExport], *, kind: str, name: str
) -> dict[str, Any]:
    """The report dict of :func:`engine.pilot.report.build_report` from exports."""
    docs = [e.document for e in exports]
    edges = docs[0]["latency"]["edges_s"] if docs else []
    # Files of other bin edges cannot share histograms; their answers still count.
    same_bins = [d for d in docs if d["latency"]["edges_s"] == edges]
    routes: Counter[str] = Counter()
    experts: Counter[int] = Counter()
    reasons: Counter[str] = Counter()
    energy: dict[str, dict[str, float]] = {}
    for d in docs:
        routes.update(d["routes"])
        experts.update({int(n): c for n, c in d["experts"].items()})
        reasons.update(d["reasons"])
        for source, t in d["energy"]["sources"].items():
            if t["answers"]:
                sums = energy.setdefault(source, {"answers": 0, "joules": 0.0})
                sums["answers"] += t["answers"]
                sums["joules"] += t["joules"]
    latency = []
    for route in ROUTES:
        parts = [d["latency"]["by_route"][route] for d in same_bins
                 if route in d["latency"]["by_route"]]
        ttft = _merged([p["ttft"] for p in parts], edges)
        total = _merged([p["total"] for p in parts], edges)
        if total["count"]:
            latency.append({"route": route, "answers": total["count"],
                            "ttft_p50_s": ttft.get("p50"), "ttft_p95_s": ttft.get("p95"),
                            "total_p50_s": total["p50"], "total_p95_s": total["p95"]})
    days: dict[str, list[dict[str, Any]]] = {}
    for d in same_bins:
        for day in d.get("daily", []):
            days.setdefault(day["day"], []).append(day)
    daily = []
    for day, parts in sorted(days.items()):
        ttft = _merged([p["ttft"] for p in parts], edges)
        total = _merged([p["total"] for p in parts], edges)
        daily.append({"day": day, "answers": sum(p["answers"] for p in parts),
                      "ttft_p50_s": ttft.get("p50"), "total_p50_s": total["p50"],
                      "total_p95_s": total["p95"]})
    firsts = [d["period"]["first"] for d in docs if d["period"]["first"]]
    lasts = [d["period"]["last"] for d in docs if d["period"]["last"]]
    evaluation = pooled_evaluation(exports)
    whys = sorted({f"{d['host']}: {d['energy']['why']}" for d in docs})
    return {
        "scope": {"kind": kind, "name": name, "answers": sum(e.answers for e in exports),
                  "pcs": len(exports), "sites": sorted({site_of(e) for e in exports})},
        "quantiles": "exact" if len(exports) == 1 else "histogram",
        "quantiles_note": HISTOGRAM_NOTE.format(edges=", ".join(f"{e:g}" for e in edges)),
        "period": {"first": min(firsts) if firsts else None, "last": max(lasts) if lasts else None},
        "measured_from": MEASURED_FROM,
        "energy_why": "; ".join(whys),
        "evaluation": {k: evaluation.get(k) for k in ("created", "model", "questions",
                                                      "max_tokens")} if evaluation else None,
        "comparison": comparison(evaluation) if evaluation else [],
        "routes": [{"route": route, "answers": routes.get(route, 0)} for route in ROUTES],
        "experts": [{"experts": n, "answers": c} for n, c in sorted(experts.items())],
        "latency": latency,
        "energy": [{"source": s, **t} for s, t in sorted(energy.items())],
        # Exports count reason codes but not which answers fell back: "degraded" unknown.
        "reasons": [{"reason": code, "answers": n, "degraded": None}
                    for code, n in sorted(reasons.items(), key=lambda i: (-i[1], i[0]))],
        "daily": daily,
        "hosts": _hosts(exports),
    }
