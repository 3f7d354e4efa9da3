"""``genba experts stats|export|score``: the expert-load statistics of this PC (issue 15).

* ``stats [--json] [--model PATH|SHA256]`` — per layer and expert: share of the
  routing, normalised entropy, imbalance (max/mean, Gini, normalised Gini), experts
  never chosen, and the answers and tokens sampled; the alert under
  ``experts.imbalance_alert``.
* ``export --out FILE [--model …]`` — the statistics file IT collects
  (:mod:`disk.expert_stats`: counts, router-weight sums, model sha256, format version).
* ``score --text FILE --out FILE [--model PATH] [--experts N]`` — route a site's
  text through the model and write the same file (for a site with no statistics).

Without ``--model`` the model the engine would answer with is meant. Exit codes: 0,
1 (nothing collected yet, llama.cpp failed), 2 (bad input).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

from disk.errors import ExpertStatsError
from disk.expert_stats import ExpertStats, StatsModel, write_expert_stats

from engine.cli.common import load_context, print_json
from engine.errors import BadInputError, GenbaError, ModelStoreError
from engine.expert_load.collect import ALERT_KEY
from engine.expert_load.identity import identify
from engine.expert_load.load import ExpertLoad
from engine.expert_load.metrics import LoadReport, report
from engine.expert_load.store import ExpertLoadStore, ModelIdentity, ModelTotals
from engine.models.current import model_store
from engine.models.info import inspect_model
from engine.paths import Paths
from engine.settings import Settings

_SHA_PREFIX = re.compile(r"[0-9a-fA-F]{6,64}")
_MAX_SHARES_SHOWN = 16


class NoStatisticsError(GenbaError):
    """Nothing has been collected for the model asked about."""


def register(subparsers: Any) -> None:
    """Add ``genba experts`` and its subcommands."""
    p = subparsers.add_parser(
        "experts", help="expert-load statistics: show, export, or score a site text"
    )
    sub = p.add_subparsers(dest="experts_command", metavar="ACTION", required=True)
    model_help = "model file (.gguf) or sha256 (at least 6 hex digits); default: the current model"

    st = sub.add_parser("stats", help="per layer and expert: share, entropy, imbalance")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.add_argument("--model", help=model_help)
    st.set_defaults(func=run_stats)

    ex = sub.add_parser("export", help="write the statistics file IT collects (counts only)")
    ex.add_argument("--out", type=Path, required=True, help="file to write (JSON)")
    ex.add_argument("--model", help=model_help)
    ex.set_defaults(func=run_export)

    sc = sub.add_parser(
        "score", help="route a site text through the model and write a statistics file"
    )
    sc.add_argument("--text", type=Path, required=True, help="UTF-8 text file of the site")
    sc.add_argument("--out", type=Path, required=True, help="statistics file to write (JSON)")
    sc.add_argument("--model", type=Path, help="GGUF file; default: the current model")
    sc.add_argument("--experts", type=int, help="active experts (default: the model's own N)")
    sc.add_argument("--threads", type=int, help="CPU threads for llama.cpp")
    sc.add_argument("--quiet", action="store_true", help="no progress output")
    sc.set_defaults(func=run_score)


# -- which model ---------------------------------------------------------------
def _totals(paths: Paths, settings: Settings, wanted: str | None) -> ModelTotals:
    """The stored statistics of the model asked about; one clear line when there are none."""
    from engine.service import resolve_model_path

    store = ExpertLoadStore(paths.expert_load_db)
    try:
        if wanted is not None and not Path(wanted).exists() and _SHA_PREFIX.fullmatch(wanted):
            matches = [m for m in store.models() if m.sha256.startswith(wanted.lower())]
            if len(matches) > 1:
                raise BadInputError(f"{wanted} matches {len(matches)} models; give more digits.")
            model = matches[0] if matches else None
            what = f"model {wanted}"
        else:
            info = inspect_model(resolve_model_path(paths, settings, Path(wanted)) if wanted
                                 else resolve_model_path(paths, settings))
            model = identify(info, store, model_store(paths, settings).pointer)
            what = f"{info.name} ({info.path.name})"
        totals = store.totals(model.sha256) if model is not None else None
        others = store.models()
    except (OSError, sqlite3.Error) as exc:
        raise ModelStoreError(f"Cannot read the expert-load statistics: {exc}.") from exc
    if totals is None or totals.load.tokens == 0:
        hint = (
            "set experts.stats_sample in the policy to collect them from answers, or use "
            "`genba experts score --text FILE` to score a site text"
        )
        known = ", ".join(f"{m.name} {m.sha256[:12]}" for m in others)
        also = f" Statistics exist for: {known} (use --model)." if known else ""
        raise NoStatisticsError(f"No expert-load statistics for {what} yet; {hint}.{also}")
    return totals


def _stats_file(model: ModelIdentity, load: ExpertLoad, result: LoadReport) -> ExpertStats:
    return ExpertStats(
        model=StatsModel(model.sha256, model.name, model.expert_count, len(load.layers)),
        answers=load.answers, tokens=load.tokens, layers=load.layers, alert=result.alert,
    )


def _write(path: Path, stats: ExpertStats) -> None:
    try:
        write_expert_stats(path, stats)
    except OSError as exc:
        raise ModelStoreError(
            f"Could not write {path}: {exc.strerror or exc}. Check the folder and its free space."
        ) from exc
    except ExpertStatsError as exc:  # pragma: no cover - the writer validates its own output
        raise ModelStoreError(str(exc)) from exc


# -- stats -----------------------------------------------------------------------
def run_stats(args: argparse.Namespace) -> int:
    """``genba experts stats``."""
    paths, settings = load_context()
    totals = _totals(paths, settings, args.model)
    load = totals.load
    result = report(load.answers, load.tokens, load.layers, settings.get_float(ALERT_KEY))
    if args.json:
        print_json(_stats_json(totals.model, result))
    else:
        _print_stats(totals.model, result)
    return 0


def _stats_json(model: ModelIdentity, r: LoadReport) -> dict[str, Any]:
    return {
        "model": {"sha256": model.sha256, "name": model.name, "version": model.version,
                  "expert_count": model.expert_count},
        "answers": r.answers,
        "tokens": r.tokens,
        "experts_per_token": round(r.experts_per_token, 4),
        "alert": {"metric": r.alert.metric, "threshold": r.alert.threshold,
                  "value": r.alert.value, "raised": r.alert.raised},
        "layers": [
            {
                "layer": m.layer, "routed": m.routed,
                "share": [round(s, 6) for s in m.share],
                "weight_share": [round(s, 6) for s in m.weight_share],
                "entropy": round(m.entropy, 6), "max_mean": round(m.max_mean, 6),
                "gini": round(m.gini, 6), "normalized_gini": round(m.normalized_gini, 6),
                "never_chosen": list(m.never),
            }
            for m in r.layers
        ],
    }


def _print_stats(model: ModelIdentity, r: LoadReport) -> None:
    out = sys.stdout.write
    version = f", version {model.version}" if model.version else ""
    out(f"Expert load of {model.name} ({model.sha256[:12]}{version})\n")
    out(f"  sampled    {r.answers} answers, {r.tokens} tokens, "
        f"{r.experts_per_token:.1f} experts per token of {model.expert_count}\n")
    a = r.alert
    state = "RAISED" if a.raised else "not raised"
    out(f"  alert      {state}: normalised Gini {a.value:.2f}, threshold {a.threshold:.2f}"
        f"{'' if a.threshold > 0 else ' (off)'}\n\n")
    all_shares = model.expert_count <= _MAX_SHARES_SHOWN
    if all_shares:
        heading = " ".join(f"{e:>3}" for e in range(model.expert_count))
        out(f"  {'':36}share of routing per expert, %\n")
    else:
        heading = f"{'busiest experts':<40}"
    out(f"  {'layer':>5} {'entropy':>7} {'max/mean':>8} {'Gini':>5} {'norm.':>5}  {heading}  "
        "never chosen\n")
    for m in r.layers:
        never = ",".join(str(e) for e in m.never) or "-"
        if all_shares:
            shares = " ".join(f"{round(100 * s):>3}" for s in m.share)
        else:
            top = sorted(range(len(m.share)), key=lambda e: -m.share[e])[:5]
            shares = f"{' '.join(f'e{e}:{100 * m.share[e]:.0f}%' for e in top):<40}"
        out(f"  {m.layer:>5} {m.entropy:>7.2f} {m.max_mean:>8.2f} {m.gini:>5.2f} "
            f"{m.normalized_gini:>5.2f}  {shares}  {never}\n")


# -- export ----------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    """``genba experts export --out FILE``."""
    paths, settings = load_context()
    totals = _totals(paths, settings, args.model)
    load = totals.load
    result = report(load.answers, load.tokens, load.layers, settings.get_float(ALERT_KEY))
    _write(args.out, _stats_file(totals.model, load, result))
    sys.stdout.write(
        f"{args.out}: {load.answers} answers, {load.tokens} tokens of {totals.model.name} "
        f"({totals.model.sha256[:12]})\n"
    )
    return 0


# -- score -----------------------------------------------------------------------
def run_score(args: argparse.Namespace) -> int:
    """``genba experts score --text FILE --out FILE``."""
    from disk.hashing import sha256_file

    from engine.expert_load.score import read_text, score_text
    from engine.local.llama_adapter import validate_experts
    from engine.local.worker_client import LlamaWorker
    from engine.service import resolve_model_path

    paths, settings = load_context()
    text = read_text(args.text)
    info = inspect_model(resolve_model_path(paths, settings, args.model))
    experts = args.experts if args.experts is not None else max(1, info.expert_used_count)
    validate_experts(experts, info.expert_count)
    if args.threads is not None and args.threads < 1:
        raise BadInputError("--threads must be at least 1.")
    store = ExpertLoadStore(paths.expert_load_db)
    try:
        model = identify(info, store, model_store(paths, settings).pointer)
    except sqlite3.Error:  # the statistics database only caches hashes here
        model = ModelIdentity(sha256_file(info.path), info.name, "", info.expert_count)
    assert model is not None

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            sys.stderr.write(f"\rrouting the text: chunk {done} of {total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    worker = LlamaWorker(cpu_cache=paths.cpu_backend_file)
    try:
        result = score_text(worker, info, text, experts=experts, n_threads=args.threads,
                            progress=progress)
    finally:
        worker.close()
    load = result.load
    rep = report(load.answers, load.tokens, load.layers, settings.get_float(ALERT_KEY))
    _write(args.out, _stats_file(model, load, rep))
    alert = " — imbalance alert raised" if rep.alert.raised else ""
    sys.stdout.write(
        f"{args.out}: {load.tokens} tokens in {result.chunks} chunks through {info.name} "
        f"at N={experts}{alert}\n"
    )
    return 0
