"""The pilot export file: written from stored metrics, read back, validated; the report tables."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.paths import Paths
from engine.pilot.export_file import (
    ExportFormatError,
    build_export,
    read_export,
    validate,
    write_export,
)
from engine.pilot.report import build_report, write_report
from engine.pilot.store import FILE_NAME, AnswerMetrics, MetricsStore


def row(route: str, experts: int | None, total: float, source: str | None = "estimate",
        at: str = "2026-11-02T09:00:00+00:00") -> AnswerMetrics:
    return AnswerMetrics(
        at=at, route=route, final_route="remote" if route == "remote" else "local",
        experts=experts, reasons="experts.mode.balanced,fallback.remote_failed"
        if route == "degraded" else "experts.mode.balanced", stop_reason="stop",
        ttft_s=total / 4, total_s=total, prompt_tokens=30, generated_tokens=20,
        tokens_per_s=20 / total, cpu_s=total * 2, energy_j=total * 20 if source else None,
        energy_source=source, model="tiny")


ROWS = [row("local", 4, 1.0), row("local", 4, 3.0), row("local", 8, 2.0, "rapl"),
        row("remote", None, 5.0, at="2026-11-03T09:00:00+00:00"),
        row("degraded", 4, 40.0, None, at="2026-11-04T09:00:00+00:00")]

EVAL: dict[str, Any] = {
    "format": "genba-pilot-eval", "version": 1, "created": "2026-11-01T00:00:00+00:00",
    "model": "tiny", "questions": 20, "max_tokens": 64, "energy_why": "estimate",
    "variants": [
        {"variant": "local-N4", "experts": 4, "answers": 20, "accuracy": 0.85,
         "accuracy_low": 0.64, "accuracy_high": 0.95, "ttft_p50_s": 0.2, "ttft_p95_s": 0.3,
         "total_p50_s": 1.4, "total_p95_s": 2.0, "decode_tps_p50": 30.0, "energy_mean_j": 15.0,
         "energy_source": "estimate"},
        {"variant": "all-experts", "experts": 8, "answers": 20, "accuracy": 0.9,
         "accuracy_low": 0.7, "accuracy_high": 0.97, "ttft_p50_s": 0.3, "ttft_p95_s": 0.4,
         "total_p50_s": 2.0, "total_p95_s": 3.0, "decode_tps_p50": 25.0, "energy_mean_j": 20.0,
         "energy_source": "estimate"},
    ],
}


def test_export_round_trip(tmp_path: Path) -> None:
    document = build_export(ROWS, energy_why="estimate: no RAPL", cpu_watts=10.0,
                            evaluation=EVAL, site="plant-a",
                            current_model={"file": "m.gguf", "version": "3", "sha256": "ab"})
    path = tmp_path / "pc1.json"
    write_export(document, path)
    read = read_export(path)
    assert read.document == json.loads(json.dumps(document))
    assert (read.site, read.answers) == ("plant-a", 5)
    doc = read.document
    assert doc["routes"] == {"local": 3, "remote": 1, "degraded": 1, "refused": 0}
    assert doc["experts"] == {"4": 3, "8": 1}
    assert doc["reasons"] == {"experts.mode.balanced": 5, "fallback.remote_failed": 1}
    assert doc["energy"]["sources"]["estimate"] == {"answers": 3, "joules": 180.0}
    assert doc["energy"]["sources"]["rapl"] == {"answers": 1, "joules": 40.0}
    assert doc["latency"]["total"]["histogram"] == [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]
    assert doc["latency"]["total"]["p50"] == 3.0
    assert doc["latency"]["by_route"]["local"]["total"]["count"] == 3
    assert doc["period"] == {"first": ROWS[0].at, "last": ROWS[-1].at}
    assert doc["eval"]["variants"][1]["variant"] == "all-experts"
    assert doc["machine"]["cpu"] and doc["machine"]["threads"] >= 1
    assert doc["genba_version"] and doc["current_model"]["version"] == "3"


def _broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(build_export(ROWS, energy_why="", cpu_watts=10.0))
    if change == "format":
        doc["format"] = "something-else"
    elif change == "newer":
        doc["version"] = 2
    elif change == "routes":
        doc["routes"]["local"] = 7
    elif change == "histogram":
        doc["latency"]["ttft"]["histogram"][0] += 1
    elif change == "energy":
        doc["energy"]["sources"]["guess"] = {"answers": 1, "joules": 1.0}
    elif change == "machine":
        del doc["machine"]["cpu"]
    elif change == "current":
        doc["current_model"] = {"file": "m.gguf"}
    return doc


@pytest.mark.parametrize(("change", "message"), [
    ("format", "not a genba pilot export"), ("newer", "newer than this genba reads"),
    ("routes", "adding up to 'answers'"), ("histogram", "adding up to 'count'"),
    ("energy", "energy source 'guess'"), ("machine", "machine 'cpu'"),
    ("current", "'current_model' must be null"),
])
def test_bad_exports_are_refused_in_one_line(tmp_path: Path, change: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(change)), encoding="utf-8")
    with pytest.raises(ExportFormatError, match=message) as caught:
        read_export(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    with pytest.raises(ExportFormatError):
        write_export(_broken(change), tmp_path / "never.json")
    assert not (tmp_path / "never.json").exists()


def test_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ExportFormatError, match="not a JSON file"):
        read_export(path)
    with pytest.raises(ExportFormatError, match="expected a JSON object"):
        validate([], "x")


def test_cli_export_of_stored_metrics_since_a_date(tmp_path: Path) -> None:
    paths = Paths.default()  # GENBA_HOME: this test's folders
    store = MetricsStore(paths.data_dir / FILE_NAME)
    for r in ROWS:
        store.add(r)
    out = tmp_path / "pc.json"
    assert main(["pilot", "export", "--out", str(out), "--since", "2026-11-03",
                 "--site", "plant-b"]) == 0
    read = read_export(out)
    assert read.answers == 2 and read.site == "plant-b"
    assert main(["pilot", "export", "--out", str(out), "--since", "3 Nov"]) == 2


def test_report_compares_each_variant_with_all_experts(tmp_path: Path) -> None:
    report = build_report(ROWS, EVAL, energy_why="estimate")
    local, base = report["comparison"]
    assert local["latency_change"] == pytest.approx(-0.3)
    assert local["energy_change"] == pytest.approx(-0.25)
    assert local["decode_speed_change"] == pytest.approx(0.2)
    assert local["accuracy_change_points"] == pytest.approx(-5.0)
    assert base["latency_change"] == 0.0
    assert {r["route"]: r["answers"] for r in report["routes"]}["degraded"] == 1
    assert report["experts"] == [{"experts": 4, "answers": 3}, {"experts": 8, "answers": 1}]
    written = write_report(report, tmp_path / "report")
    assert {p.name for p in written} == {"report.json", "comparison.csv", "routes.csv",
                                         "experts.csv", "latency.csv", "energy.csv",
                                         "reasons.csv", "daily.csv"}
    header = (tmp_path / "report" / "comparison.csv").read_text().splitlines()[0]
    assert "latency_change" in header and "energy_source" in header
