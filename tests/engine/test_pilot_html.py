"""The pilot report page and the fleet merge: real metrics store, real exports, real CLI.

``report.html`` is checked by parsing it and, when the Debian ``chromium`` package is
installed, by rendering it in headless Chromium (``--dump-dom``: the DOM after layout,
so a page Chromium cannot parse or whose images it drops fails).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from disk.expert_stats import LayerLoad
from engine.cli import main
from engine.expert_load.load import ExpertLoad
from engine.expert_load.store import ExpertLoadStore, ModelIdentity
from engine.paths import Paths
from engine.pilot.export_file import build_export, read_export, write_export
from engine.pilot.fleet import histogram_quantile
from engine.pilot.store import FILE_NAME, AnswerMetrics, MetricsStore
from tests.engine.test_pilot_export import EVAL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def row(route: str, experts: int | None, total: float, day: int,
        source: str | None = "estimate") -> AnswerMetrics:
    return AnswerMetrics(
        at=f"2026-11-{day:02d}T09:00:00+00:00", route=route,
        final_route="remote" if route == "remote" else "local", experts=experts,
        reasons="experts.mode.balanced,fallback.local_failed" if route == "degraded"
        else "experts.mode.balanced", stop_reason="stop", ttft_s=total / 4, total_s=total,
        prompt_tokens=30, generated_tokens=20, tokens_per_s=20 / total, cpu_s=total * 2,
        energy_j=total * 20 if source else None, energy_source=source, model="tiny")


class _Page(HTMLParser):
    """Collects what the checks need: images, tables, section ids, all text."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables = 0
        self.sections: list[str] = []
        self.text: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "table":
            self.tables += 1
        elif tag == "section":
            self.sections.append(a.get("id") or "")
        elif tag in ("script", "link") or (tag == "a" and "://" in (a.get("href") or "")):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


def _speed_file(paths: Paths) -> None:
    folder = paths.data_dir / "pilot" / "speed"
    folder.mkdir(parents=True)
    (folder / "granite-1b-a400m.json").write_text(json.dumps({
        "format": "genba-pilot-speed", "version": 1, "shape": "granite-1b-a400m", "threads": 2,
        "rows": [{"n": 8, "tokens_per_s": 30.5, "rss_mib": 700.0},
                 {"n": 4, "tokens_per_s": 41.25, "rss_mib": 690.0}],
        "default_n": 4, "all_experts": 8, "machine": {"cpu": "test"}}))


def _store_metrics(paths: Paths) -> None:
    store = MetricsStore(paths.data_dir / FILE_NAME)
    for r in [row("local", 4, 1.0, 1), row("local", 4, 3.0, 1), row("local", 8, 2.0, 2),
              row("remote", None, 5.0, 2), row("degraded", 4, 40.0, 3, None)]:
        store.add(r)
    layers = tuple(LayerLoad(i, (300, 300, 0, 0, 0, 0, 0, 0), (150.0, 75.0, 0, 0, 0, 0, 0, 0))
                   for i in (0, 1))
    ExpertLoadStore(paths.expert_load_db).record(
        ModelIdentity("ab" * 32, "tiny-moe", "1", 8), ExpertLoad(3, 300, layers))
    evaluation = paths.data_dir / "pilot" / "eval" / "20261101T000000Z"
    evaluation.mkdir(parents=True)
    (evaluation / "eval.json").write_text(json.dumps(EVAL))
    _speed_file(paths)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_html_from_stored_metrics(tmp_path: Path, lang: str) -> None:
    paths = Paths.default()  # GENBA_HOME: this test's folders
    _store_metrics(paths)
    out = tmp_path / "report"
    assert main(["pilot", "report", "--out", str(out), "--lang", lang]) == 0
    raw = (out / "report.html").read_text(encoding="utf-8")
    page = parse(raw)
    text = "".join(page.text)
    # Every plot is an embedded PNG; nothing is loaded from elsewhere.
    assert len(page.images) == 8 and all(
        src.startswith("data:image/png;base64,") for src in page.images)
    assert page.external == []
    assert {"compare", "routes", "reasons", "experts", "latency", "time", "daily", "energy",
            "load", "speed", "about"} <= set(page.sections)
    assert "-30.0 %" in text and "-25.0 %" in text  # latency and energy vs all experts
    assert "41.2" in text  # the speed curve's best N
    assert "+35.2 %" in text  # its default N 4 against all 8 experts: 41.25 / 30.5
    # Estimated energy is marked wherever it appears (comparison and energy tables).
    assert raw.count('<span class="est">') == 3
    if lang == "ja":
        assert "(推定値)" in text
    if lang == "ja":
        assert "応答時間の推移" in text and "1日あたりの質問数" in text
    else:
        assert "Latency over time" in text and "Queries per day" in text
    report = json.loads((out / "report.json").read_text())
    assert [d["answers"] for d in report["daily"]] == [2, 2, 1]
    assert report["expert_load"]["experts_per_token"] == 2.0
    assert {r["reason"]: r["degraded"] for r in report["reasons"]} == {
        "experts.mode.balanced": 1, "fallback.local_failed": 1}
    assert (out / "daily.csv").read_text().splitlines()[0].startswith("day,answers")


def test_japanese_page_says_so_when_no_cjk_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.pilot import plots

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    assert main(["pilot", "report", "--out", str(tmp_path), "--lang", "ja"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="no-font"' in page and "fonts-noto-cjk" in page
    assert main(["pilot", "report", "--out", str(tmp_path), "--lang", "en"]) == 0
    assert 'id="no-font"' not in (tmp_path / "report.html").read_text(encoding="utf-8")


def _pc_export(folder: Path, name: str, site: str, rows: list[AnswerMetrics],
               evaluation: dict[str, Any] | None) -> Path:
    document = build_export(rows, energy_why="estimate: test", cpu_watts=10.0,
                            evaluation=evaluation, site=site)
    document["host"] = name
    path = folder / f"{name}.json"
    write_export(document, path)
    return path


def test_merge_three_pcs_of_two_sites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        _pc_export(tmp_path, "pc-a1", "plant-a",
                   [row("local", 4, 1.0, 1), row("local", 4, 3.0, 2)], EVAL),
        _pc_export(tmp_path, "pc-a2", "plant-a",
                   [row("local", 8, 0.4, 2), row("degraded", 4, 20.0, 2)], EVAL),
        _pc_export(tmp_path, "pc-b1", "plant-b",
                   [row("remote", None, 5.0, 3), row("local", 4, 1.5, 3),
                    row("local", 4, 1.5, 3)], None),
    ]
    out = tmp_path / "fleet"
    assert main(["pilot", "merge", *map(str, files), "--out", str(out), "--lang", "en"]) == 0
    assert "2 sites" in capsys.readouterr().out
    fleet = json.loads((out / "report.json").read_text())
    assert fleet["scope"]["pcs"] == 3 and fleet["scope"]["answers"] == 7
    assert {r["route"]: r["answers"] for r in fleet["routes"]} == {
        "local": 5, "remote": 1, "degraded": 1, "refused": 0}
    assert fleet["experts"] == [{"experts": 4, "answers": 5}, {"experts": 8, "answers": 1}]
    assert [(d["day"][-2:], d["answers"]) for d in fleet["daily"]] == [
        ("01", 1), ("02", 3), ("03", 3)]
    assert fleet["quantiles"] == "histogram"
    # Two PCs evaluated 20 questions each: pooled 40 answers, 17 + 17 correct of local-N4.
    local = next(r for r in fleet["comparison"] if r["variant"] == "local-N4")
    assert local["answers"] == 40 and local["accuracy"] == pytest.approx(0.85)
    assert [h["host"] for h in fleet["hosts"]] == ["pc-a1", "pc-a2", "pc-b1"]

    site_a = json.loads((out / "site-plant-a" / "report.json").read_text())
    site_b = json.loads((out / "site-plant-b" / "report.json").read_text())
    assert (site_a["scope"]["pcs"], site_a["scope"]["answers"]) == (2, 4)
    assert (site_b["scope"]["pcs"], site_b["scope"]["answers"]) == (1, 3)
    assert site_b["quantiles"] == "exact" and site_b["comparison"] == []
    assert {r["route"]: r["answers"] for r in site_b["routes"]}["remote"] == 1
    fleet_page = parse((out / "report.html").read_text(encoding="utf-8"))
    assert "sites" in fleet_page.sections and "hosts" in fleet_page.sections
    assert "plant-b" in "".join(fleet_page.text)
    assert (out / "hosts.csv").read_text().count("\n") == 4
    assert (out / "site-plant-a" / "report.html").is_file()


def test_merge_refuses_a_file_that_is_not_an_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    assert main(["pilot", "merge", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "notes.json" in err[0] and "not a genba pilot export" in err[0]
    assert not (tmp_path / "o").exists()


def test_export_site_comes_from_the_policy_else_the_host_name(
    tmp_path: Path, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI's folders, policy included, under this test's tmp dir (never /etc/genba).
    monkeypatch.setattr(Paths, "default", classmethod(lambda cls, environ=None: paths))
    MetricsStore(paths.data_dir / FILE_NAME).add(row("local", 4, 1.0, 1))
    out = tmp_path / "pc.json"
    assert main(["pilot", "export", "--out", str(out)]) == 0
    assert read_export(out).site == platform.node()
    paths.policy_dir.mkdir(parents=True, exist_ok=True)
    (paths.policy_dir / "policy.toml").write_text('[pilot]\nsite = "plant-c"\n')
    assert main(["pilot", "export", "--out", str(out)]) == 0
    assert read_export(out).site == "plant-c"
    assert main(["pilot", "export", "--out", str(out), "--site", "plant-d"]) == 0
    assert read_export(out).site == "plant-d"


def test_quantile_of_a_histogram() -> None:
    edges = (1.0, 2.0, 4.0)
    assert histogram_quantile([0, 4, 0, 0], edges, 0.5) == 1.5  # middle of the (1, 2] bin
    assert histogram_quantile([2, 0, 2, 0], edges, 0.95) == pytest.approx(3.8)
    assert histogram_quantile([0, 0, 0, 3], edges, 0.5) == 4.0  # open bin: its lower edge
    assert histogram_quantile([0, 0, 0, 0], edges, 0.5) is None


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(apt-get install chromium; .ci/run installs it)")
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_chromium_renders_the_report(tmp_path: Path, lang: str) -> None:
    paths = Paths.default()
    _store_metrics(paths)
    out = tmp_path / "report"
    assert main(["pilot", "report", "--out", str(out), "--lang", lang]) == 0
    assert CHROMIUM is not None
    # A profile of its own: Chromium would otherwise share the user's (and its lock).
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom",
         (out / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    assert dom.tables >= 8
    assert len([s for s in dom.images if s.startswith("data:image/png;base64,")]) == 8
    title = "バリアントごとの応答時間" if lang == "ja" else "Latency, energy and accuracy"
    assert title in "".join(dom.text)


def test_without_matplotlib_the_page_has_tables_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_metrics(Paths.default())
    monkeypatch.setitem(sys.modules, "engine.pilot.plots", None)  # import raises ImportError
    assert main(["pilot", "report", "--out", str(tmp_path), "--lang", "en"]) == 0
    page = parse((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert page.images == [] and page.tables >= 8
    assert "matplotlib" in "".join(page.text)


def test_merge_of_a_fifo_is_one_line_not_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / "pc.json"
    os.mkfifo(fifo)
    assert main(["pilot", "merge", str(fifo), "--out", str(tmp_path / "o")]) == 2
    assert "not a regular file" in capsys.readouterr().err
