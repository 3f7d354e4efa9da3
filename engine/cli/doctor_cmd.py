"""``genba doctor [--json]``: what this PC offers, what the model needs, what a query would do.

Prints the machine snapshot (memory, CPU load, battery, measured decode speed
with ``--measure``), the model's needs at each N (weight bytes read per token
and memory at the context genba would load), the network, remote-fallback and
keyring state, which model store is in use (the user's or the machine-wide one,
and why), and the decision a typical query would get right now. It also
runs llama.cpp's self-test in the inference worker (CPU features, the CPU
backend variant chosen, a short quantized test decode) and shows the largest N
the model runs at on this PC. It reads the model's header only (no weights)
unless ``--measure`` is given (which also probes the safe N), and never connects
to the remote server. Exit code 0, or 1 when no usable model exists or llama.cpp
cannot run here.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

import psutil

from engine.cli.common import load_context, print_json
from engine.decision import (
    PREFERRED_CONTEXT,
    DecisionPolicy,
    MachineState,
    ModelNeeds,
    QueryNeeds,
    decide,
)
from engine.errors import GenbaError
from engine.events import FinalEvent
from engine.local.llama_cpu import cpu_description
from engine.local.machine import DecodeSpeedTracker, snapshot
from engine.local.model import LocalModel, LocalRequest
from engine.local.safe_experts import SafeExpertsStore, SafeRange
from engine.models.access import user_models_allowed
from engine.models.current import model_store, read_current_model
from engine.models.info import ModelInfo, inspect_model
from engine.paths import Paths
from engine.remote import credentials
from engine.remote.network import NetworkConfig, remote_status
from engine.service import policy_for, resolve_model_path

EXIT_OK = 0
EXIT_PROBLEMS = 1
MEASURE_TOKENS = 48


def register(subparsers: Any) -> None:
    """Add ``genba doctor``."""
    p = subparsers.add_parser(
        "doctor",
        help="show resources, the model's needs at each N, and what a query would do now",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, help="GGUF file to check instead of the configured one")
    p.add_argument("--prompt-tokens", type=int, default=200, help="typical prompt length")
    p.add_argument("--max-tokens", type=int, default=512, help="typical answer length")
    p.add_argument("--measure", action="store_true",
                   help=f"load the model and time {MEASURE_TOKENS} tokens of decoding first")
    p.add_argument("--threads", type=int, help="CPU threads for llama.cpp (with --measure)")
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """``genba doctor``."""
    paths, settings = load_context()
    report: dict[str, Any] = {}
    tracker = DecodeSpeedTracker()
    info: ModelInfo | None = None
    try:
        info = inspect_model(resolve_model_path(paths, settings, args.model))
    except GenbaError as exc:
        report["model_error"] = str(exc)
    local = None
    if info is not None:
        local = LocalModel(
            info, n_threads=args.threads, cpu_cache=paths.cpu_backend_file,
            safe_store=SafeExpertsStore(paths.safe_experts_file),
        )
    try:
        report["llama_cpp"] = _llama_cpp(paths, local, args.threads, probe=args.measure)
        safe = report["llama_cpp"].get("safe_max")
        if local is not None and info is not None and args.measure:
            report["measure_error"] = _measure(local, info, settings, tracker, safe)
    finally:
        if local is not None:
            local.close()
    machine = snapshot(tracker)
    report["machine"] = _machine(machine)
    network = NetworkConfig.from_settings(settings)
    report["remote"] = _remote(settings, network)
    report["keyring"] = _keyring(settings.get_str("fallback.url"))
    report["policy_state"] = _policy_state(settings)
    report["store"] = _store(paths, settings)
    report["expert_load"] = _expert_load(paths, settings, info)
    report["pilot_speed"] = _pilot_speed(paths)
    report["documents"] = _documents(paths, settings)
    if info is not None:
        policy, _ = policy_for(settings, info, safe_max=report["llama_cpp"].get("safe_max"))
        needs = ModelNeeds.from_info(info)
        report["model"] = _model(info, needs, policy)
        report["policy"] = _policy(policy)
        query = QueryNeeds(args.prompt_tokens, args.max_tokens)
        decision = decide(query, policy, needs, machine)
        report["typical_query"] = {
            "prompt_tokens": args.prompt_tokens,
            "max_tokens": args.max_tokens,
            "route": decision.route,
            "experts": decision.experts,
            "context": decision.context,
            "answer_tokens": decision.max_tokens,
            "reason": decision.reason,
        }
    ok = (
        info is not None and report["llama_cpp"]["selftest_ok"]
        and not report["policy_state"]["errors"]
    )
    report["ok"] = ok
    if args.json:
        print_json(report)
    else:
        _print_text(report)
    return EXIT_OK if ok else EXIT_PROBLEMS


def _policy_state(settings: Any) -> dict[str, Any]:
    """Policy errors, the fail-closed state, and which models may be used."""
    return {
        "errors": [str(p) for p in settings.errors],
        "warnings": [str(p) for p in settings.problems if p.severity != "error"],
        "fail_closed": settings.fail_closed,
        "allow_user_models": user_models_allowed(settings),
        "locked_keys": list(settings.locked_keys()),
    }


def _llama_cpp(
    paths: Paths, local: LocalModel | None, threads: int | None, *, probe: bool
) -> dict[str, Any]:
    """CPU, backend variant, the self-test in the worker, and the model's safe N."""
    from engine.local.worker_client import LlamaWorker

    name, features = cpu_description()
    result: dict[str, Any] = {"cpu": name, "cpu_features": features, "selftest_ok": False}
    worker = local.worker if local is not None else LlamaWorker(cpu_cache=paths.cpu_backend_file)
    try:
        hello = worker.info()
        result.update(backend=hello.backend, backend_text=hello.backend_text,
                      llama_cpp_python=hello.llama_cpp,
                      backend_selftests=[list(t) for t in hello.tried])
        test = worker.request("selftest", n_threads=threads)
        seconds = float(test["seconds"])
        result.update(selftest_ok=True, selftest_tokens=int(test["tokens"]) + int(
            test["prompt_tokens"]), selftest_seconds=round(seconds, 3))
    except GenbaError as exc:
        result["selftest_error"] = str(exc)
        return result
    finally:
        if local is None:
            worker.close()
    if local is not None:
        try:
            known: SafeRange | None = local.probe() if probe else local.safe_range()
        except GenbaError as exc:
            result["safe_error"] = str(exc)
            known = None
        if known is not None:
            result.update(safe_max=known.limit, safe_max_ok=known.max_ok,
                          lowest_crash=known.lowest_crash, crash_reason=known.reason or None,
                          broken=known.broken)
    return result


_MEASURE_PROMPTS = (
    "Describe a torque wrench in two sentences.",
    "List the steps to calibrate a caliper.",
    "Explain why bolts are tightened in a star pattern.",
)


def _measure(
    local: LocalModel,
    info: ModelInfo,
    settings: Any,
    tracker: DecodeSpeedTracker,
    safe_max: int | None,
) -> str | None:
    """Decode a few answers at the mode's N so the speed rule has a real number."""
    policy, _ = policy_for(settings, info, safe_max=safe_max)
    experts = policy.mode_experts()
    try:
        # A very short answer says little about speed (the tracker ignores it): try again.
        for prompt in _MEASURE_PROMPTS:
            request = LocalRequest(
                messages=[{"role": "user", "content": prompt}], experts=experts,
                max_tokens=MEASURE_TOKENS, n_ctx=min(512, info.context_length or 512),
            )
            for event in local.stream(request):
                if isinstance(event, FinalEvent) and event.tokens_per_s:
                    tracker.record_speed(experts, event.tokens_per_s, event.generated_tokens)
            if tracker.recent() is not None:
                return None
    except GenbaError as exc:
        return str(exc)
    return "every trial answer was too short to time"


def _machine(m: MachineState) -> dict[str, Any]:
    return {
        "available_bytes": m.available_bytes,
        "total_bytes": m.total_bytes,
        "cpu_load_per_core": round(m.cpu_load, 3),
        "cpu_count": psutil.cpu_count() or 1,
        "on_battery": m.on_battery,
        "battery_percent": m.battery_percent,
        "decode_tokens_per_s": m.decode_tokens_per_s,
        "decode_experts": m.decode_experts,
    }


def _model(info: ModelInfo, needs: ModelNeeds, policy: DecisionPolicy) -> dict[str, Any]:
    context = _load_context(needs, policy)
    return {
        "path": str(info.path),
        "name": info.name,
        "file_bytes": info.file_bytes,
        "expert_count": info.expert_count,
        "expert_used_count": info.expert_used_count,
        "useful_min": info.useful_range.floor,
        "useful_min_source": info.useful_range.source,
        "useful_default": info.useful_range.recommended,
        "context_length": info.context_length,
        "kv_bytes_per_token": needs.kv_bytes_per_token,
        "compute_bytes_estimate": needs.compute_bytes,
        "load_context": context,
        "by_experts": [
            {
                "experts": n,
                "bytes_per_token": needs.bytes_per_token.get(n, 0),
                "memory_bytes": needs.memory_needed(context),
            }
            for n in range(1, info.expert_count + 1)
        ],
    }


def _load_context(needs: ModelNeeds, policy: DecisionPolicy) -> int:
    cap = policy.max_context_tokens or needs.context_length
    return min(needs.context_length, cap, PREFERRED_CONTEXT)


def _policy(p: DecisionPolicy) -> dict[str, Any]:
    return {
        "experts_min": p.experts_min,
        "experts_max": p.experts_max,
        "experts_default": p.experts_default,
        "mode": p.mode,
        "mode_experts": p.mode_experts(),
        "experts_floor": p.experts_floor,
        "floor_source": p.floor_source,
        "useful_min": p.useful_min,
        "allow_below_useful": p.allow_below_useful,
        "adaptive": p.adaptive,
        "reserve_bytes": p.reserve_bytes,
        "max_context_tokens": p.max_context_tokens,
        "min_tokens_per_s": p.min_tokens_per_s,
        "on_battery": p.on_battery,
    }


def _remote(settings: Any, network: NetworkConfig) -> dict[str, Any]:
    available, why_not = remote_status(settings, network)
    return {
        "enabled": settings.get_bool("fallback.enabled"),
        "url": settings.get_str("fallback.url"),
        "model": settings.get_str("fallback.model"),
        "available": available,
        "unavailable_why": why_not,
        "offline": network.offline,
        "offline_why": network.offline_why,
        "proxy": network.proxy or "system settings",
        "timeout_s": settings.get_float("fallback.timeout_s"),
        "ca_bundle": network.ca_bundle,
    }


def _keyring(url: str) -> dict[str, Any]:
    status = credentials.keyring_status()
    return {
        "usable": status.usable,
        "backend": status.backend,
        "message": status.message,
        "token_stored": bool(url) and credentials.get_token(url) is not None,
    }


# ------------------------------------------------------------------------ text
def _store(paths: Paths, settings: Any) -> dict[str, Any]:
    """Which model store the engine reads its pointer from, why, and what it names."""
    store = model_store(paths, settings)
    current = read_current_model(store.pointer)
    return {
        "kind": store.kind,
        "models_dir": str(store.models_dir),
        "why": store.why,
        "writable": store.writable(),
        "current_version": current.version if current else None,
        "user_imports": str(paths.models_dir) if user_models_allowed(settings) else None,
    }


def _documents(paths: Paths, settings: Any) -> dict[str, Any]:
    """The site documents: how answers use them, their folders, and the index's counts."""
    from engine.docs.index import DocIndex
    from engine.docs.sources import document_sources, missing_folders, missing_packs

    sources = document_sources(settings, paths)
    report: dict[str, Any] = {
        "answers": settings.get_str("docs.answers"),
        "sources": [s.label for s in sources],
        "missing_folders": [str(s.folder) for s in missing_folders(sources)],
        "missing_packs": missing_packs(settings, paths),
        "index": str(paths.docs_index_db),
        "indexed": None,
        "skipped": None,
    }
    if paths.docs_index_db.exists():
        try:
            states = [d.state for d in DocIndex(paths.docs_index_db).status()]
        except Exception as exc:  # doctor reports; it never fails over the index
            report["index_error"] = str(exc)
        else:
            report["indexed"] = states.count("indexed")
            report["skipped"] = states.count("skipped")
    return report


def _print_documents(d: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nSite documents\n")
    out(f"  answers    {d['answers']} (docs.answers)\n")
    out(f"  sources    {', '.join(d['sources']) or 'none (docs.folders, updates.doc_packs)'}\n")
    for folder in d["missing_folders"]:
        out(f"  missing    {folder} (not found or not connected)\n")
    for pack in d["missing_packs"]:
        out(f"  missing    document pack {pack} (not installed yet: genba update)\n")
    if d.get("index_error"):
        out(f"  index      unreadable: {d['index_error']}\n")
    elif d["indexed"] is None:
        out("  index      none yet (genba docs index)\n")
    else:
        out(f"  index      {d['indexed']} indexed, {d['skipped']} skipped (genba docs status)\n")


def _expert_load(paths: Paths, settings: Any, info: ModelInfo | None) -> dict[str, Any]:
    """The expert-load statistics of the model and the imbalance alert (never hashes a model)."""
    from engine.expert_load.collect import ALERT_KEY, SAMPLE_KEY
    from engine.expert_load.identity import identify
    from engine.expert_load.metrics import report
    from engine.expert_load.store import ExpertLoadStore

    state: dict[str, Any] = {
        "sample": settings.get_float(SAMPLE_KEY), "threshold": settings.get_float(ALERT_KEY),
        "answers": 0, "tokens": 0, "alert": None,
    }
    if info is None:
        return state
    store = ExpertLoadStore(paths.expert_load_db)
    try:
        model = identify(info, store, model_store(paths, settings).pointer, hash_file=False)
        totals = store.totals(model.sha256) if model is not None else None
    except (OSError, sqlite3.Error) as exc:
        state["error"] = str(exc)
        return state
    if totals is not None:
        load = totals.load
        alert = report(load.answers, load.tokens, load.layers, state["threshold"]).alert
        state.update(answers=load.answers, tokens=load.tokens, alert={
            "metric": alert.metric, "value": alert.value, "threshold": alert.threshold,
            "raised": alert.raised,
        })
    return state


def _pilot_speed(paths: Paths) -> dict[str, Any] | None:
    """The newest ``genba pilot speed`` result on this PC, with its one-line summary."""
    from engine.pilot.speed_file import newest_speed, summary_line

    result = newest_speed(paths.data_dir)
    if result is None:
        return None
    return {**result.as_dict(), "summary": summary_line(result)}


def _print_expert_load(el: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nExpert load\n")
    sample = (f"{el['sample']:.0%} of local answers sampled" if el["sample"] > 0
              else "not collected (experts.stats_sample = 0)")
    if el.get("error"):
        out(f"  statistics {sample}; cannot be read: {el['error']}\n")
        return
    alert = el["alert"]
    if alert is None:
        out(f"  statistics {sample}; none for this model yet\n")
        return
    out(f"  statistics {sample}; {el['answers']} answers, {el['tokens']} tokens so far\n")
    verdict = "IMBALANCED" if alert["raised"] else "ok"
    out(f"  balance    {verdict}: normalised Gini {alert['value']:.2f}, alert above "
        f"{alert['threshold']:.2f} (details: genba experts stats)\n")


def _print_store(st: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nModel store\n")
    where = "machine-wide" if st["kind"] == "machine" else "this user's"
    out(f"  in use     {where}: {st['models_dir']} ({st['why']})\n")
    current = st["current_version"] or "no current-model pointer"
    access = "writable" if st["writable"] else "read-only for this account"
    out(f"  current    {current}; {access}\n")
    if st["kind"] == "machine":
        imports = st["user_imports"] or "not allowed (model.allow_user_models = false)"
        out(f"  own models {imports}\n")


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def _print_text(r: dict[str, Any]) -> None:
    out = sys.stdout.write
    m = r["machine"]
    out("Machine\n")
    out(f"  memory     {_size(m['available_bytes'])} available of {_size(m['total_bytes'])}\n")
    out(f"  CPU        load {m['cpu_load_per_core']:.2f} per core, {m['cpu_count']} cores\n")
    power = "no battery" if m["battery_percent"] is None else (
        f"{'on battery' if m['on_battery'] else 'plugged in'}, {m['battery_percent']:.0f} %")
    out(f"  power      {power}\n")
    speed = (f"{m['decode_tokens_per_s']:.1f} tokens/s at N={m['decode_experts']}"
             if m["decode_tokens_per_s"] else "not measured (add --measure)")
    out(f"  decoding   {speed}\n")
    sized = r["pilot_speed"]["summary"] + " (random weights: speed only)" if r[
        "pilot_speed"] else "no model shape measured (genba pilot speed --like NAME)"
    out(f"  sizing     {sized}\n")
    _print_llama(r["llama_cpp"])
    _print_store(r["store"])
    _print_expert_load(r["expert_load"])
    _print_documents(r["documents"])
    if "model" in r:
        _print_model(r["model"], r["policy"])
    else:
        out(f"\nModel\n  {r['model_error']}\n")
    if r.get("measure_error"):
        out(f"  measuring failed: {r['measure_error']}\n")
    _print_remote(r["remote"], r["keyring"])
    _print_policy(r["policy_state"])
    if "typical_query" in r:
        q = r["typical_query"]
        out(f"\nA typical query now ({q['prompt_tokens']}-token prompt, "
            f"{q['max_tokens']}-token answer)\n")
        where = q["route"]
        if where == "local":
            where += f", N={q['experts']}, context {q['context']} tokens"
        out(f"  → {where}\n  {q['reason']}\n")


def _print_llama(ll: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nllama.cpp\n")
    out(f"  CPU        {ll['cpu']}; {' '.join(ll['cpu_features']) or 'no extensions listed'}\n")
    if "backend_text" in ll:
        tried = "; ".join(f"{n}: {why}" for n, why in ll.get("backend_selftests", []))
        out(f"  backend    {ll['backend_text']}{' — tried ' + tried if tried else ''}\n")
    if ll["selftest_ok"]:
        out(f"  self-test  passed ({ll['selftest_tokens']} tokens in "
            f"{ll['selftest_seconds']:.2f} s, quantized)\n")
    else:
        out(f"  self-test  FAILED: {ll.get('selftest_error', 'unknown')}\n")
    if ll.get("broken"):
        out(f"  model      marked broken on this PC: {ll['broken']}\n")
    if ll.get("safe_max") is not None:
        crash = (f"; crashed at N={ll['lowest_crash']} ({ll['crash_reason']})"
                 if ll.get("lowest_crash") else "")
        out(f"  safe N     up to {ll['safe_max']}{crash}\n")
    elif "safe_max" not in ll and ll["selftest_ok"]:
        out("  safe N     not probed yet (found on first use, or now with --measure)\n")


def _print_model(mo: dict[str, Any], p: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(f"\nModel      {mo['name']} ({mo['path']}, {_size(mo['file_bytes'])})\n")
    out(f"  experts    {mo['expert_count']}, {mo['expert_used_count']} active by default; "
        f"policy {p['experts_min']}..{p['experts_max']}, {p['mode']} mode → "
        f"N={p['mode_experts']}\n")
    out(f"  floor      {_floor_text(mo, p)}\n")
    out(f"  context    {mo['context_length']} tokens trained; KV cache "
        f"{_size(mo['kv_bytes_per_token'])} per token; compute buffers "
        f"~{_size(mo['compute_bytes_estimate'])} (estimate)\n")
    out(f"  reserve    {_size(p['reserve_bytes'])} kept free; minimum speed "
        f"{p['min_tokens_per_s']:g} tokens/s; on battery: {p['on_battery']}\n")
    out("  (llama.cpp keeps every expert resident: N changes the bytes read per token,\n"
        "   so the speed, not the memory)\n")
    out(f"  {'N':>3}  {'read per token':>15}  memory at {mo['load_context']}-token context\n")
    for row in mo["by_experts"]:
        out(f"  {row['experts']:>3}  {_size(row['bytes_per_token']):>15}  "
            f"{_size(row['memory_bytes'])}\n")


_FLOOR_SOURCES = {
    "file": "set by the model file (genba.experts.useful_min)",
    "rule": "by the default rule max(2, ceil(k/2)) for a top-{k} model",
}


def _floor_text(mo: dict[str, Any], p: dict[str, Any]) -> str:
    """The lowest N the modes use, where it came from, and whether pressure may go lower."""
    if p["useful_min"] is None:
        return f"N={p['experts_floor']} (policy minimum; this file fixes N)"
    useful = f"useful minimum N={mo['useful_min']} " + _FLOOR_SOURCES[
        mo["useful_min_source"]].format(k=mo["expert_used_count"])
    if p["floor_source"] == "policy_min":
        text = f"N={p['experts_floor']} (experts.min, above the model's {useful})"
    elif p["floor_source"] == "policy_max":
        text = f"N={p['experts_floor']} (experts.max, below the model's {useful})"
    else:
        text = f"N={p['experts_floor']}, the model's {useful}"
    below = (f"may go down to experts.min N={p['experts_min']}" if p["allow_below_useful"]
             else "stays at or above it (experts.allow_below_useful is off)")
    return f"{text}; under low speed or battery N {below}"


def _print_policy(ps: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nPolicy\n")
    for error in ps["errors"]:
        out(f"  ERROR      {error}\n")
    for warning in ps["warnings"]:
        out(f"  warning    {warning}\n")
    if ps["fail_closed"]:
        out("  fail-closed: a policy file has an error, so the security settings take their "
            "safest values until it is fixed\n")
    models = ("operators may add their own" if ps["allow_user_models"]
              else "only the model IT set or installed (model.allow_user_models = false)")
    out(f"  models     {models}\n")
    out(f"  locked     {len(ps['locked_keys'])} setting(s) set by policy\n")


def _print_remote(rm: dict[str, Any], kr: dict[str, Any]) -> None:
    out = sys.stdout.write
    out("\nRemote\n")
    state = "on" if rm["enabled"] else "off"
    out(f"  fallback   {state}; server {rm['url'] or '(none)'}"
        f"{'; model ' + rm['model'] if rm['model'] else ''}\n")
    out(f"  usable     {'yes' if rm['available'] else 'no: ' + rm['unavailable_why']}\n")
    network = f"offline ({rm['offline_why']})" if rm["offline"] else "online"
    out(f"  network    {network}; proxy: {rm['proxy']}; timeout {rm['timeout_s']:g} s\n")
    token = "stored" if kr["token_stored"] else "none"
    out(f"  keyring    {kr['backend']}: {kr['message']}; token {token}\n")
