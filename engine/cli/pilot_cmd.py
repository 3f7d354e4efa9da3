"""``genba pilot``: evidence for the pilot — evaluate a site's questions, export, report.

``genba pilot eval --questions FILE`` answers a site's question set at each N the
policy allows, with all experts and on the remote server; ``genba pilot export
--out FILE`` writes the file IT collects from each PC (numbers only, no text);
``genba pilot report --out DIR`` writes the plan's three metrics as CSV and JSON and
``report.html``; ``genba pilot merge FILES… --out DIR`` writes the same report per site
and for the fleet from several PCs' exports; ``genba pilot speed --like NAME`` measures
decode speed and memory per N of a catalogue model's shape (random weights) before a site
downloads it. See ``docs/pilot.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from engine.errors import BadInputError
from engine.paths import Paths

EVAL_FOLDER = ("pilot", "eval")


def _experts_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers of experts separated by commas, e.g. 4,8 (got {text!r})"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("numbers of experts start at 1")
    return values


def register(subparsers: Any) -> None:
    """Add ``genba pilot eval|export|report|speed``."""
    p = subparsers.add_parser("pilot", help="pilot evidence: evaluate, export, report",
                              description=__doc__.splitlines()[0] if __doc__ else None)
    sub = p.add_subparsers(dest="pilot_command", metavar="ACTION", required=True)

    ev = sub.add_parser("eval", help="answer a site question file at each N, all experts, remote")
    ev.add_argument("--questions", type=Path, required=True,
                    help="question file (.toml or .jsonl; see docs/pilot.md)")
    ev.add_argument("--json", action="store_true", help="print the result as one JSON object")
    ev.add_argument("--out", type=Path,
                    help="folder for eval.json and the CSVs (default: the data folder)")
    ev.add_argument("--max-tokens", type=int, default=128, help="answer length (default 128)")
    ev.add_argument("--experts", type=_experts_list,
                    help="only these N of the allowed ones, e.g. 4,8 (all experts always runs)")
    ev.add_argument("--no-remote", action="store_true", help="skip the remote server")
    ev.add_argument("--model", type=Path, help="GGUF file instead of the configured model")
    ev.add_argument("--threads", type=int, help="CPU threads for llama.cpp")
    ev.set_defaults(func=run_eval)

    ex = sub.add_parser("export", help="write the metrics file IT collects (no text)")
    ex.add_argument("--out", type=Path, required=True, help="file to write (JSON)")
    ex.add_argument("--since", help="only answers from this date on (YYYY-MM-DD)")
    ex.add_argument("--site", default="",
                    help="site name stored in the file (default: policy pilot.site, else "
                         "the host name)")
    ex.set_defaults(func=run_export)

    rp = sub.add_parser("report", help="write the report: report.html, CSV and JSON")
    rp.add_argument("--out", type=Path, required=True, help="folder to write into")
    rp.add_argument("--since", help="only answers from this date on (YYYY-MM-DD)")
    rp.add_argument("--eval", type=Path, dest="eval_dir",
                    help="evaluation folder (default: the newest genba pilot eval)")
    rp.add_argument("--lang", choices=("ja", "en"),
                    help="language of report.html (default: the ui.language setting)")
    rp.set_defaults(func=run_report)

    mg = sub.add_parser("merge", help="report per site and for the fleet from export files")
    mg.add_argument("files", nargs="+", type=Path, metavar="FILE",
                    help="files written by genba pilot export")
    mg.add_argument("--out", type=Path, required=True, help="folder to write into")
    mg.add_argument("--lang", choices=("ja", "en"),
                    help="language of the pages (default: the ui.language setting)")
    mg.set_defaults(func=run_merge)
    sp = sub.add_parser("speed", help="decode speed and memory per N of a catalogue model's "
                        "shape (random weights), before downloading it")
    sp.add_argument("--like", required=True, metavar="NAME",
                    help="catalogue shape, e.g. granite-3.1-1b-a400m")
    sp.add_argument("--threads", type=int, default=None,
                    help="CPU threads for llama.cpp (default: the physical cores)")
    sp.add_argument("--tokens", type=int, default=32, help="tokens decoded per run (default 32)")
    sp.add_argument("--rounds", type=int, default=3,
                    help="timed runs per N; the median is kept (default 3)")
    sp.add_argument("--experts", type=_experts_list,
                    help="these N instead of 1, 2, 4, ..., the default N and all experts")
    sp.add_argument("--json", action="store_true", help="print the result file's JSON")
    sp.set_defaults(func=run_speed)


def _since(text: str | None) -> str | None:
    if not text:
        return None
    try:
        time.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise BadInputError(f"--since {text!r}: write the date as YYYY-MM-DD") from None
    return text


def eval_root(paths: Paths) -> Path:
    """Where ``genba pilot eval`` saves its runs by default (one folder per run)."""
    return paths.data_dir.joinpath(*EVAL_FOLDER)


def newest_eval(paths: Paths) -> dict[str, Any] | None:
    """The newest saved evaluation under :func:`eval_root`, or None."""
    from engine.pilot.evaluate import load

    root = eval_root(paths)
    runs = sorted(p for p in root.glob("*/eval.json")) if root.is_dir() else []
    for path in reversed(runs):
        try:
            return load(path)
        except (OSError, ValueError):
            continue
    return None


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def run_eval(args: argparse.Namespace) -> int:
    """``genba pilot eval``."""
    from engine.cli.common import load_context, print_json
    from engine.pilot.energy import EnergyMeter
    from engine.pilot.evaluate import (
        AnswerResult,
        Evaluator,
        allowed_experts,
        remote_ready,
        save,
        variants_for,
    )
    from engine.pilot.questions import load_questions
    from engine.service import Engine

    questions = load_questions(args.questions)
    if args.max_tokens < 1:
        raise BadInputError("--max-tokens must be at least 1")
    paths, settings = load_context()
    remote, why_not = remote_ready(settings)
    if args.no_remote:
        remote, why_not = False, "--no-remote"
    meter = EnergyMeter(settings.get_float("metrics.cpu_watts"))

    def progress(result: AnswerResult) -> None:
        if not args.json:
            mark = "ok" if result.correct else ("error" if result.error else "wrong")
            print(f"  {result.variant:<12} {result.question:<12} {mark}", file=sys.stderr)

    engine = Engine(paths=paths, settings=settings, model_path=args.model,
                    n_threads=args.threads)
    try:
        evaluator = Evaluator(engine, settings, meter, max_tokens=args.max_tokens,
                              progress=progress)
        evaluator.warm_up(None)  # starts the worker and probes the N that runs on this PC
        allowed, everything = allowed_experts(engine, settings)
        variants = variants_for(allowed, everything, remote, args.experts)
        result = evaluator.run(questions, variants)
    finally:
        engine.close()
    folder = args.out or eval_root(paths) / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    save(result, folder)
    if args.json:
        print_json({**result.as_dict(), "saved_to": str(folder)})
        return 0
    print(f"model {result.model} ({result.model_file}), {result.questions} questions, "
          f"greedy, at most {result.max_tokens} tokens")
    print(f"{'variant':<12} {'N':>3} {'accuracy [95% CI]':<20} {'TTFT p50/p95 s':<16} "
          f"{'total p50/p95 s':<17} {'tok/s':>6} energy/answer")
    for v in result.variants:
        acc = f"{v.accuracy:.2f} [{v.accuracy_low:.2f}, {v.accuracy_high:.2f}]"
        print(f"{v.variant:<12} {v.experts or '-':>3} {acc:<20} "
              f"{_fmt(v.ttft_p50_s)}/{_fmt(v.ttft_p95_s):<11} "
              f"{_fmt(v.total_p50_s)}/{_fmt(v.total_p95_s):<12} "
              f"{_fmt(v.decode_tps_p50, '.1f'):>6} "
              f"{_fmt(v.energy_mean_j, '.1f')} J ({v.energy_source})"
              + (f"  {v.errors} errors" if v.errors else ""))
    if not remote:
        print(f"remote: not evaluated ({why_not})")
    print(f"energy: {meter.why}")
    print(f"saved to {folder}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``genba pilot export``."""
    from engine.cli.common import load_context
    from engine.models.current import model_store, read_current_model
    from engine.pilot.energy import find_counter
    from engine.pilot.export_file import build_export, write_export
    from engine.pilot.store import FILE_NAME, MetricsStore

    paths, settings = load_context()
    rows = MetricsStore(paths.data_dir / FILE_NAME).rows(_since(args.since))
    _counter, why = find_counter()
    current = read_current_model(model_store(paths, settings).pointer)
    document = build_export(
        rows, energy_why=why, cpu_watts=settings.get_float("metrics.cpu_watts"),
        evaluation=newest_eval(paths),
        site=args.site or settings.get_str("pilot.site") or platform.node(),
        current_model={"file": current.path.name, "version": current.version,
                       "sha256": current.sha256} if current else None,
    )
    try:
        write_export(document, args.out)
    except OSError as exc:
        raise BadInputError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out}: {len(rows)} answers"
          + (", with the newest evaluation" if document["eval"] else ""))
    return 0


def run_report(args: argparse.Namespace) -> int:
    """``genba pilot report``."""
    from engine.cli.common import load_context
    from engine.expert_load.collect import ALERT_KEY
    from engine.pilot.energy import find_counter
    from engine.pilot.evaluate import load
    from engine.pilot.report import build_report
    from engine.pilot.report_extras import expert_load, newest_speed, report_language
    from engine.pilot.store import FILE_NAME, MetricsStore

    paths, settings = load_context()
    rows = MetricsStore(paths.data_dir / FILE_NAME).rows(_since(args.since))
    if args.eval_dir is not None:
        try:
            evaluation: dict[str, Any] | None = load(args.eval_dir)
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise BadInputError(f"--eval {args.eval_dir}: {exc}") from None
    else:
        evaluation = newest_eval(paths)
    _counter, why = find_counter()
    report = build_report(rows, evaluation, energy_why=why,
                          scope={"kind": "pc", "name": platform.node(), "answers": len(rows)})
    report["expert_load"] = expert_load(paths.expert_load_db, settings.get_float(ALERT_KEY))
    report["speed"] = newest_speed(paths.data_dir)
    lang = report_language(args.lang, settings.get_str("ui.language"))
    written = _write_all(report, args.out, lang)
    print(f"wrote {len(written)} files to {args.out} ({len(rows)} answers, "
          + ("with" if evaluation else "no") + f" evaluation): {args.out / HTML_NAME}")
    return 0


HTML_NAME = "report.html"
"""The page's file name (the window's menu item opens ``<out>/report.html``)."""


def _write_all(report: dict[str, Any], folder: Path, lang: str,
               sites: list[dict[str, Any]] | None = None) -> list[Path]:
    from engine.pilot.html_report import render
    from engine.pilot.report import write_report

    try:
        written = write_report(report, folder)
        page = folder / HTML_NAME
        page.write_text(render(report, lang, sites or ()), encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    return [*written, page]


def run_merge(args: argparse.Namespace) -> int:
    """``genba pilot merge``: ``DIR/`` the fleet, ``DIR/site-<name>/`` each site."""
    import re

    from engine.cli.common import load_context
    from engine.pilot.export_file import read_export
    from engine.pilot.fleet import by_site, report_from_exports
    from engine.pilot.report_extras import report_language

    _paths, settings = load_context()
    exports = [read_export(path) for path in args.files]
    lang = report_language(args.lang, settings.get_str("ui.language"))
    sites = []
    for name, group in by_site(exports).items():
        folder = "site-" + (re.sub(r"[^\w.-]+", "_", name).strip("._") or "unnamed")
        _write_all(report_from_exports(group, kind="site", name=name), args.out / folder, lang)
        sites.append({"name": name, "pcs": len(group), "answers": sum(e.answers for e in group),
                      "link": f"{folder}/{HTML_NAME}"})
    _write_all(report_from_exports(exports, kind="fleet", name=""), args.out, lang, sites)
    print(f"wrote the fleet report ({len(exports)} PCs, {len(sites)} sites) to "
          f"{args.out / HTML_NAME}, and one per site: "
          + ", ".join(f"{s['name']} ({s['pcs']} PC{'s' if s['pcs'] != 1 else ''})" for s in sites))
    return 0


def run_speed(args: argparse.Namespace) -> int:
    """``genba pilot speed``."""
    import psutil

    from engine.cli.common import load_context, print_json
    from engine.pilot.speed import ANCHOR, QUALITY_NOTE, cached_model, check_experts, measure
    from engine.pilot.speed_file import write_speed

    check_experts(args.like, args.experts)  # a bad name or N fails before anything is built
    if args.rounds < 1:
        raise BadInputError("--rounds must be at least 1")
    if args.tokens < 2:
        raise BadInputError("--tokens must be at least 2 (speed is timed between tokens)")
    threads = args.threads or psutil.cpu_count(logical=False) or psutil.cpu_count() or 1
    if threads < 1:
        raise BadInputError("--threads must be at least 1")
    paths, _settings = load_context()

    def say(text: str) -> None:
        print(text, file=sys.stderr if args.json else sys.stdout, flush=True)

    model = cached_model(paths.cache_dir, args.like, say=say)
    say(f"measuring {args.like} shape, {threads} threads, {args.tokens} tokens per run")
    result = measure(model, args.like, threads=threads, tokens=args.tokens,
                     experts=args.experts, rounds=args.rounds, cpu_cache=paths.cpu_backend_file,
                     safe_file=paths.safe_experts_file, say=say)
    saved = write_speed(result, paths.data_dir)
    if args.json:
        print_json(result.as_dict())
        return 0
    print(f"\n{'N':>3} {'tok/s':>8} {'RSS MiB':>8}  ({result.cpu}, {result.cores} cores)")
    for row in result.rows:
        mark = ("  <- default" if row.n == result.default_n else "") + (
            "  <- all experts" if row.n == result.all_experts else "")
        print(f"{row.n:>3} {row.tokens_per_s:8.1f} {row.rss_mib:8.0f}{mark}")
    if result.speedup is not None:
        print(f"default N={result.default_n} vs all {result.all_experts} experts: "
              f"x{result.speedup:.2f} decode speed ({(result.speedup - 1) * 100:+.0f} %)")
    elif (largest := result.largest) is not None and (
            vs := result.speedup_vs(largest.n)) is not None and largest.n > result.default_n:
        print(f"default N={result.default_n} vs N={largest.n}, the most experts measured "
              f"(all {result.all_experts} not measured): x{vs:.2f} decode speed "
              f"({(vs - 1) * 100:+.0f} %)")
    else:
        print("speed-up not computed: measure both the default N and a larger N")
    print(f"published anchor: {ANCHOR}")
    print(QUALITY_NOTE)
    print(f"saved to {saved}")
    return 0
