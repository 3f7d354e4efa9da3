"""``report.html``: the pilot report as one self-contained page, in English or Japanese.

Renders the dict of :func:`engine.pilot.report.build_report` (one PC) or
:func:`engine.pilot.fleet.report_from_exports` (a site, the fleet). Plots are PNG data
URIs (:mod:`engine.pilot.plots`), styles are inline, there is no script and no link
to another file, so the page can be mailed or opened from a USB stick. Every table
says what it is measured from; estimates are marked.

The engine has no Qt, so the page's texts are translated here, in :data:`TEXTS`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

LANGUAGES = ("en", "ja")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "genba pilot report", "pc": "this PC", "site": "site", "fleet": "fleet",
        "answers": "answers", "period": "Period", "pcs": "PCs", "sites": "Sites",
        "no_data": "No data.",
        "h_compare": "Latency, energy and accuracy per variant",
        "compare_from": "From the newest site evaluation (genba pilot eval: the site's "
                        "questions, greedy). Change = (variant − all experts) / all experts.",
        "no_eval": "No evaluation yet: run genba pilot eval --questions FILE on this PC.",
        "variant": "variant", "n": "N", "latency": "latency p50 / p95 (s)",
        "lat_change": "latency vs all", "energy": "energy / answer",
        "en_change": "energy vs all", "accuracy": "accuracy [95 % CI]",
        "acc_change": "accuracy vs all (points)", "tps": "decode tok/s",
        "tps_change": "decode vs all",
        "p_latency": "Total latency p50 (s)", "p_energy": "Energy per answer (J)",
        "p_accuracy": "Accuracy (%)",
        "estimate": "estimate", "estimate_note": "Energy marked “estimate” is CPU time × "
                                                 "metrics.cpu_watts, not a measurement.",
        "h_routes": "Route mix", "routes_from": "Answers of real use on the PC(s), by route "
                                                "(degraded: a fallback happened).",
        "route": "route", "share": "share",
        "h_reasons": "Decision and fallback reasons",
        "reasons_from": "Reason codes of the decision; “fell back” counts answers with that "
                        "code whose route was degraded.",
        "reason": "reason", "fell_back": "fell back", "unknown": "not in exports",
        "h_experts": "N distribution", "experts_from": "Local answers by number of experts N.",
        "h_latency": "Latency per route", "latency_from": "Wall time from the request to the "
                                                          "first token (TTFT) and to the last.",
        "ttft": "TTFT p50 / p95 (s)", "total": "total p50 / p95 (s)",
        "h_time": "Latency over time", "time_from": "Per UTC day: total latency p50 and p95.",
        "h_daily": "Queries per day", "day": "day",
        "daily_from": "Answers of real use per UTC day, every route.",
        "h_energy": "Energy by source", "energy_from": "Totals per source",
        "source": "source", "joules": "joules", "per_answer": "J / answer",
        "h_load": "Expert load", "load_from": "From genba experts statistics (sampled "
                                              "answers): share of routing per layer and expert.",
        "no_load": "No expert-load statistics on this PC (policy experts.stats_sample).",
        "layer": "layer", "expert": "expert", "alert": "alert", "raised": "raised",
        "not_raised": "not raised", "gini": "normalised Gini (worst layer)",
        "h_speed": "Speed by N on this PC",
        "speed_from": "genba pilot speed: a random-weight model of shape “{shape}”, "
                      "{threads} threads; speed only, says nothing about answer quality.",
        "tokens_s": "tokens/s", "rss": "memory (MiB)", "default_n": "default N",
        "speed_gain": "decode speed at the default N = {n} against all {all} experts",
        "h_hosts": "PCs", "host": "PC", "machine": "machine", "cpu": "CPU",
        "h_sites": "Sites",
        "sites_from": "Each site's page merges the exports (genba pilot export) of its PCs.",
        "hosts_from": "One row per export file: the PC, its site and what it measured with.",
        "quantiles": "Quantiles: ", "exact": "exact, from every answer",
        "h_about": "What the numbers are measured from",
        "energy_why": "Energy source on the PC(s): ",
        "no_font": "No Japanese font found for the plots (install fonts-noto-cjk or "
                   "fonts-ipafont); their labels may show boxes.",
        "created": "Created",
        "no_plots": "This genba has no plotting library (matplotlib): the page shows tables "
                    "only.",
    },
    "ja": {
        "title": "genba パイロットレポート", "pc": "このPC", "site": "拠点", "fleet": "全体",
        "answers": "回答", "period": "期間", "pcs": "PC 台数", "sites": "拠点",
        "no_data": "データがありません。",
        "h_compare": "バリアントごとの応答時間・消費電力量・正答率",
        "compare_from": "最新の拠点評価（genba pilot eval：拠点の質問、貪欲デコード）から。"
                        "変化 =（バリアント − 全エキスパート）÷ 全エキスパート。",
        "no_eval": "評価がまだありません。このPCで genba pilot eval --questions ファイル "
                   "を実行してください。",
        "variant": "バリアント", "n": "N", "latency": "応答時間 p50 / p95（秒）",
        "lat_change": "応答時間の変化", "energy": "1回答あたりの電力量",
        "en_change": "電力量の変化", "accuracy": "正答率［95 % 信頼区間］",
        "acc_change": "正答率の変化（ポイント）", "tps": "生成速度 トークン/秒",
        "tps_change": "生成速度の変化",
        "p_latency": "応答時間 p50（秒）", "p_energy": "1回答あたりの電力量（J）",
        "p_accuracy": "正答率（%）",
        "estimate": "推定値",
        "estimate_note": "「推定値」の電力量は CPU 時間 × metrics.cpu_watts による推定で、"
                         "実測ではありません。",
        "h_routes": "経路の内訳", "routes_from": "実際の利用での回答数（経路別。"
                                                  "degraded：フォールバックが発生）。",
        "route": "経路", "share": "割合",
        "h_reasons": "判断とフォールバックの理由",
        "reasons_from": "判断の理由コード。「フォールバック」はそのコードを持ち経路が "
                        "degraded だった回答の数。",
        "reason": "理由", "fell_back": "フォールバック", "unknown": "エクスポートに含まれない",
        "h_experts": "N の分布", "experts_from": "ローカル回答のエキスパート数 N ごとの件数。",
        "h_latency": "経路ごとの応答時間", "latency_from": "要求から最初のトークン（TTFT）"
                                                          "と最後のトークンまでの経過時間。",
        "ttft": "TTFT p50 / p95（秒）", "total": "全体 p50 / p95（秒）",
        "h_time": "応答時間の推移", "time_from": "UTC の日ごと：応答時間の p50 と p95。",
        "h_daily": "1日あたりの質問数", "day": "日付",
        "daily_from": "実際の利用での UTC の日ごとの回答数（全経路）。",
        "h_energy": "計測方法別の電力量", "energy_from": "計測方法ごとの合計",
        "source": "計測方法", "joules": "ジュール", "per_answer": "J / 回答",
        "h_load": "エキスパートの負荷", "load_from": "genba experts の統計（サンプリング"
                                                     "した回答）：層とエキスパートごとの選択割合。",
        "no_load": "このPCにはエキスパート負荷の統計がありません（ポリシー "
                   "experts.stats_sample）。",
        "layer": "層", "expert": "エキスパート", "alert": "警告", "raised": "発生",
        "not_raised": "なし", "gini": "正規化ジニ係数（最も偏った層）",
        "h_speed": "このPCでの N ごとの速度",
        "speed_from": "genba pilot speed：形状「{shape}」のランダム重みモデル、"
                      "{threads} スレッド。速度のみで、回答の品質は分かりません。",
        "tokens_s": "トークン/秒", "rss": "メモリ（MiB）", "default_n": "既定の N",
        "speed_gain": "既定の N = {n} の生成速度（全 {all} エキスパートとの比較）",
        "h_hosts": "PC 一覧", "host": "PC", "machine": "機種", "cpu": "CPU",
        "h_sites": "拠点一覧",
        "sites_from": "各拠点のページは、その拠点の PC のエクスポート（genba pilot export）を"
                      "まとめたものです。",
        "hosts_from": "エクスポートファイルごとに 1 行：PC、拠点、計測方法。",
        "quantiles": "分位点：", "exact": "全回答から厳密に計算",
        "h_about": "各数値の計測元",
        "energy_why": "PC の電力量の計測方法：",
        "no_font": "グラフ用の日本語フォントが見つかりません（fonts-noto-cjk または "
                   "fonts-ipafont をインストールしてください）。グラフの文字が四角で表示される"
                   "ことがあります。",
        "created": "作成",
        "about_latency_name": "応答時間",
        "about_latency": "要求から最初のトークン（TTFT）と最後のトークン（全体）までの経過時間",
        "about_energy_name": "電力量",
        "about_energy": "rapl：CPU パッケージのカウンター、battery：バッテリーの放電量、"
                        "estimate：CPU 時間 × metrics.cpu_watts（推定値で、実測ではありません）、"
                        "remote：この PC 側の分のみ",
        "about_accuracy_name": "正答率",
        "about_accuracy": "拠点の質問のうち、回答がすべての期待（キーワード、正規表現、参照回答）"
                          "を満たした割合。貪欲デコード、95 % Wilson 信頼区間",
        "no_plots": "この genba にはグラフ描画ライブラリ（matplotlib）がないため、表のみを"
                    "表示します。",
    },
}

_STYLE = """
body{font-family:'Noto Sans CJK JP','IPAexGothic','Yu Gothic','Meiryo',sans-serif;
margin:2em;color:#222;max-width:1100px}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;
text-align:right}th{background:#f2f2f2}td.t,th.t{text-align:left}
.from{color:#555;font-size:.9em}.est{color:#a35c00;font-weight:bold}
.row{display:flex;flex-wrap:wrap;gap:0 2em;align-items:flex-start}
.row>p.from{flex-basis:100%}
.warn{background:#fff3cd;padding:.5em;border:1px solid #e0c36a}img{max-width:100%}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | int | None, spec: str = ".2f") -> str:
    return "–" if value is None else format(value, spec)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f} %"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], text_cols: int = 1) -> str:
    """Cells are HTML already (escape with :func:`_e` when building them)."""
    def cls(i: int) -> str:
        return ' class="t"' if i < text_cols else ""
    out = ["<table><thead><tr>"]
    out += [f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row))
                   + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _img(uri: str, alt: str) -> str:
    if not uri:
        return ""  # no plotting library: the tables carry the numbers
    return f'<p><img class="plot" src="{uri}" alt="{_e(alt)}"></p>'


class _NoPlots:
    """Stands in for :class:`~engine.pilot.plots.Plotter` without matplotlib: no images."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: ""


class _Page:
    def __init__(self, report: dict[str, Any], lang: str, plot: Any) -> None:
        self.r = report
        self.t = TEXTS[lang]
        self.lang = lang
        self.plot = plot
        self.parts: list[str] = []

    def source(self, source: str | None) -> str:
        if not source:
            return "–"
        label = _e(source)
        if "estimate" not in source:
            return label
        if self.lang == "en":
            return f'<span class="est">{label}</span>'
        return f'{label} <span class="est">({_e(self.t["estimate"])})</span>'

    def section(self, key: str, measured: str, *body: str) -> None:
        self.parts.append(f'<section id="{key}"><h2>{_e(self.t["h_" + key])}</h2>'
                          f'<p class="from">{_e(measured)}</p><div class="row">' + "".join(body)
                          + "</div></section>")

    def comparison(self) -> None:
        t, rows = self.t, self.r["comparison"]
        if not rows:
            self.section("compare", t["compare_from"], f"<p>{_e(t['no_eval'])}</p>")
            return
        table = _table(
            [t["variant"], t["n"], t["latency"], t["lat_change"], t["tps"], t["tps_change"],
             t["energy"],
             t["en_change"], t["accuracy"], t["acc_change"]],
            [[_e(r["variant"]), _num(r.get("experts"), "g"),
              f"{_num(r.get('total_p50_s'))} / {_num(r.get('total_p95_s'))}",
              _pct(r.get("latency_change")), _num(r.get("decode_tps_p50"), ".1f"),
              _pct(r.get("decode_speed_change")),
              f"{_num(r.get('energy_per_answer_j'), '.1f')} J, "
              + self.source(r.get("energy_source")),
              _pct(r.get("energy_change")),
              f"{_num(r.get('accuracy'))} [{_num(r.get('accuracy_low'))}, "
              f"{_num(r.get('accuracy_high'))}]",
              _num(r.get("accuracy_change_points"), "+.1f")] for r in rows])
        ev = self.r.get("evaluation") or {}
        note = (f'<p class="from">{_e(ev.get("model"))}, {_e(ev.get("questions"))} × '
                f'{_e(ev.get("max_tokens"))} tokens, {_e(ev.get("created"))}. '
                f'{_e(t["estimate_note"])}</p>')
        plot = self.plot.comparison(rows, [t["p_latency"], t["p_energy"], t["p_accuracy"]])
        self.section("compare", t["compare_from"], table, note,
                     _img(plot, t["h_compare"]))

    def routes(self) -> None:
        t = self.t
        rows = self.r["routes"]
        total = sum(r["answers"] for r in rows)
        table = _table([t["route"], t["answers"], t["share"]],
                       [[_e(r["route"]), str(r["answers"]),
                         _num(100 * r["answers"] / total if total else None, ".1f") + " %"]
                        for r in rows])
        body = [table]
        if total:
            body.append(_img(self.plot.route_bars([r["route"] for r in rows],
                                                  [r["answers"] for r in rows], t["h_routes"]),
                             t["h_routes"]))
        self.section("routes", t["routes_from"], *body)

    def reasons(self) -> None:
        t, rows = self.t, self.r.get("reasons") or []
        body = [_table([t["reason"], t["answers"], t["fell_back"]],
                       [[_e(r["reason"]), str(r["answers"]),
                         _e(t["unknown"]) if r["degraded"] is None else str(r["degraded"])]
                        for r in rows]) if rows else f"<p>{_e(t['no_data'])}</p>"]
        if rows:
            body.append(_img(self.plot.bars([r["reason"] for r in rows[:15]],
                                            [r["answers"] for r in rows[:15]],
                                            t["h_reasons"], horizontal=True), t["h_reasons"]))
        self.section("reasons", t["reasons_from"], *body)

    def experts(self) -> None:
        t, rows = self.t, self.r["experts"]
        body = [_table([t["n"], t["answers"]], [[str(r["experts"]), str(r["answers"])]
                                               for r in rows]) if rows
                else f"<p>{_e(t['no_data'])}</p>"]
        if rows:
            body.append(_img(self.plot.bars([str(r["experts"]) for r in rows],
                                            [r["answers"] for r in rows], t["h_experts"]),
                             t["h_experts"]))
        self.section("experts", t["experts_from"], *body)

    def latency(self) -> None:
        t, rows = self.t, self.r["latency"]
        self.section("latency", t["latency_from"], _table(
            [t["route"], t["answers"], t["ttft"], t["total"]],
            [[_e(r["route"]), str(r["answers"]),
              f"{_num(r.get('ttft_p50_s'))} / {_num(r.get('ttft_p95_s'))}",
              f"{_num(r['total_p50_s'])} / {_num(r['total_p95_s'])}"] for r in rows])
            if rows else f"<p>{_e(t['no_data'])}</p>")

    def over_time(self) -> None:
        t, rows = self.t, self.r.get("daily") or []
        if not rows:
            self.section("time", t["time_from"], f"<p>{_e(t['no_data'])}</p>")
            self.section("daily", t["daily_from"], f"<p>{_e(t['no_data'])}</p>")
            return
        days = [r["day"] for r in rows]
        self.section("time", t["time_from"], _img(self.plot.lines(
            days, {"p50": [r["total_p50_s"] for r in rows],
                   "p95": [r["total_p95_s"] for r in rows]}, t["h_time"], "s"), t["h_time"]),
            _table([t["day"], t["answers"], t["total"]],
                   [[_e(r["day"]), str(r["answers"]),
                     f"{_num(r['total_p50_s'])} / {_num(r['total_p95_s'])}"] for r in rows]))
        self.section("daily", t["daily_from"], _img(self.plot.bars(
            days, [r["answers"] for r in rows], t["h_daily"]), t["h_daily"]))

    def energy(self) -> None:
        t, rows = self.t, self.r["energy"]
        body = [_table([t["source"], t["answers"], t["joules"], t["per_answer"]],
                       [[self.source(r["source"]), str(r["answers"]),
                         _num(r["joules"], ".1f"),
                         _num(r["joules"] / r["answers"] if r["answers"] else None, ".1f")]
                        for r in rows], text_cols=1) if rows
                else f"<p>{_e(t['no_data'])}</p>"]
        body.append(f'<p class="from">{_e(t["energy_why"])}{_e(self.r.get("energy_why"))}. '
                    f'{_e(t["estimate_note"])}</p>')
        self.section("energy", t["energy_from"], *body)

    def expert_load(self) -> None:
        t, load = self.t, self.r.get("expert_load")
        if self.r["scope"]["kind"] != "pc":
            return  # exports carry no expert load (genba experts export is its own file)
        if not load:
            self.section("load", t["load_from"], f"<p>{_e(t['no_load'])}</p>")
            return
        alert = load["alert"]
        summary = (f"<p>{_e(load['model'])}: {load['answers']} {_e(t['answers'])}, "
                   f"{load['tokens']} tokens, N ≈ {load['experts_per_token']:.1f} / "
                   f"{load['expert_count']}. {_e(t['gini'])}: {alert['value']:.2f}; "
                   f"{_e(t['alert'])}: "
                   f"{_e(t['raised'] if alert['raised'] else t['not_raised'])}</p>")
        plot = self.plot.heatmap([ly["share"] for ly in load["layers"]], t["h_load"],
                                 t["expert"], t["layer"])
        self.section("load", t["load_from"], summary, _img(plot, t["h_load"]))

    def speed(self) -> None:
        t, speed = self.t, self.r.get("speed")
        if not speed:
            return
        rows = speed["rows"]
        measured = t["speed_from"].format(shape=speed["shape"], threads=speed["threads"])
        table = _table([t["n"], t["tokens_s"], t["rss"]],
                       [[str(r["n"]) + (f" ({_e(t['default_n'])})" if r["n"] ==
                                        speed.get("default_n") else ""),
                         _num(r["tokens_per_s"], ".1f"), _num(r.get("rss_mib"), ".0f")]
                        for r in rows], text_cols=0)
        plot = self.plot.lines([str(r["n"]) for r in rows],
                               {t["tokens_s"]: [r["tokens_per_s"] for r in rows]},
                               t["h_speed"], t["tokens_s"])
        by_n = {r["n"]: r["tokens_per_s"] for r in rows}
        default, every = by_n.get(speed.get("default_n")), by_n.get(speed.get("all_experts"))
        gain = ""
        if default and every:
            label = t["speed_gain"].format(n=speed["default_n"], all=speed["all_experts"])
            gain = f'<p id="speed-gain">{_e(label)}: {_pct((default - every) / every)}</p>'
        self.section("speed", measured, table, _img(plot, t["h_speed"]), gain)

    def hosts(self) -> None:
        t, rows = self.t, self.r.get("hosts")
        if rows is None:
            return
        self.section("hosts", t["hosts_from"], _table(
            [t["site"], t["host"], t["answers"], t["machine"], t["cpu"], t["period"],
             t["source"]],
            [[_e(r["site"]), _e(r["host"]), str(r["answers"]), _e(r["model"]), _e(r["cpu"]),
              f"{_e(r['first'] or '–')} – {_e(r['last'] or '–')}",
              self.source(r["energy_source"])] for r in rows], text_cols=2))

    def sites(self, sites: Sequence[dict[str, Any]]) -> None:
        t = self.t
        self.section("sites", t["sites_from"], _table(
            [t["site"], t["pcs"], t["answers"]],
            [[f'<a href="{_e(s["link"])}">{_e(s["name"])}</a>', str(s["pcs"]),
              str(s["answers"])] for s in sites]))


def render(report: dict[str, Any], lang: str = "en",
           sites: Sequence[dict[str, Any]] = ()) -> str:
    """The whole page. ``sites`` (merge only): ``{"name", "pcs", "answers", "link"}`` rows."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    try:
        from engine.pilot.plots import Plotter, cjk_font
    except ImportError:  # a build without matplotlib still writes every table
        plot: Any = _NoPlots()
        font, plots_ok = None, False
    else:
        font = cjk_font() if lang == "ja" else None
        plot, plots_ok = Plotter(font), True
    page = _Page(report, lang, plot)
    t = page.t
    scope = report["scope"]
    name = scope.get("name") or ""
    where = f" ({name})" if scope["kind"] == "pc" else f" {name}"
    heading = f"{t['title']} — {t[scope['kind']]}" + (where if name else "")
    period = report.get("period") or {}
    facts = [f"{_e(t['answers'])}: {scope['answers']}",
             f"{_e(t['period'])}: {_e(period.get('first') or '–')} – "
             f"{_e(period.get('last') or '–')}"]
    if "pcs" in scope:
        facts.append(f"{_e(t['pcs'])}: {scope['pcs']}")
    quant = t["exact"] if report.get("quantiles") == "exact" else report.get("quantiles_note", "")
    facts.append(_e(t["quantiles"]) + _e(quant))
    if not plots_ok:
        page.parts.append(f'<p class="warn" id="no-plots">{_e(t["no_plots"])}</p>')
    elif lang == "ja" and font is None:
        page.parts.append(f'<p class="warn" id="no-font">{_e(t["no_font"])}</p>')
    if sites:
        page.sites(sites)
    page.comparison()
    page.routes()
    page.reasons()
    page.experts()
    page.latency()
    page.over_time()
    page.energy()
    page.expert_load()
    page.speed()
    page.hosts()
    about = "".join(f"<li><b>{_e(t.get('about_' + k + '_name', k))}</b>: "
                    f"{_e(t.get('about_' + k, v))}</li>"
                    for k, v in report["measured_from"].items())
    page.parts.append(f'<section id="about"><h2>{_e(t["h_about"])}</h2><ul>{about}</ul>'
                      "</section>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{_e(heading)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{_e(heading)}</h1><p>{' · '.join(facts)}</p>"
            + "".join(page.parts) + "</body></html>\n")
