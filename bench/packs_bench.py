"""Site packs vs the full default model: quality, memory, size, speed and download, in one table.

For two site texts (``bench/data/machining.txt``, ``bench/data/quality.txt``: English
with a Japanese part) this script

1. scores every expert of the default model on each site text — with
   ``genba experts score`` when this genba has it (router-weight mass, REAP-style),
   else with the routing trace that ``genba ask --trace`` uses (counts only; the
   table's header says which);
2. builds packs at several K with ``genba-publish pack``'s code (``updater/pack_*``);
3. measures the full model and every pack, each in a fresh process: accuracy on
   *both* sites' questions (``bench/data/*_questions.toml``: a short note, a question,
   keywords), perplexity on *both* sites' held-out texts (``*_eval.txt``, never used
   for scoring), RSS after load and peak RSS, file size, load time, decode tokens/s,
   and the bytes of an expert diff from the full model to the pack
   (``updater/diff.py``, zstd level 9) — what a PC downloads to move to the pack;
4. prints one markdown table and how many experts per layer the two sites' packs
   share.

Run (builds the default model first if needed)::

    .venv/bin/python bench/packs_bench.py --out bench/results/packs

Numbers depend on the machine and on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SITES = ("machining", "quality")
N_CTX = 1024


# -- scoring --------------------------------------------------------------------------


def score_site(model: Path, text: Path, out: Path) -> tuple[Path, str]:
    """Statistics of ``text`` routed through ``model``; returns (file, method)."""
    cmd = [sys.executable, "-m", "engine.cli", "experts", "score", "--text", str(text),
           "--out", str(out), "--model", str(model), "--threads", "2", "--quiet"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode == 0 and out.is_file():
        return out, "genba experts score (router-weight mass)"
    print(f"  genba experts score unavailable ({done.stderr.strip()[-200:]}); "
          "using the routing trace (counts)", file=sys.stderr)  # fmt: skip
    return trace_counts(model, text, out), "routing trace of genba ask --trace (counts only)"


def trace_counts(model: Path, text: Path, out: Path) -> Path:
    """Count, per MoE layer and expert, the token rows routed to it (no router weights)."""
    from disk.expert_stats import ExpertStats, LayerLoad, StatsModel, write_expert_stats
    from engine.local.llama_adapter import LlamaModel, prepare
    from engine.models.info import inspect_model
    from updater.files import sha256_file

    prepare()
    info = inspect_model(model)
    m = LlamaModel.load(
        model, architecture=info.architecture, expert_count=info.expert_count,
        experts=info.expert_used_count, n_ctx=N_CTX, n_threads=2,
    )  # fmt: skip
    counts: dict[int, list[int]] = {}
    tokens = 0
    try:
        m.set_tracing(True)
        ids = m.tokenize(text.read_text(encoding="utf-8"), add_bos=False)
        for start in range(0, len(ids), N_CTX // 2):
            chunk = ids[start : start + N_CTX // 2]
            m._llama.reset()  # bench: plain prefill, no sampling
            m._llama.eval(chunk)
            tokens += len(chunk)
            for layer, rows in enumerate(m.take_routing()):
                c = counts.setdefault(layer, [0] * info.expert_count)
                for row in rows:
                    for e in row:
                        c[e] += 1
    finally:
        m.close()
    layers = tuple(
        LayerLoad(i, tuple(c), tuple(0.0 for _ in c)) for i, c in sorted(counts.items())
    )
    stats = ExpertStats(
        StatsModel(sha256_file(model), info.name, info.expert_count, len(layers)),
        answers=1, tokens=tokens, layers=layers,
    )  # fmt: skip
    write_expert_stats(out, stats)
    return out


# -- one configuration, measured in its own process ----------------------------------


def _rss() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def is_correct(answer: str, keywords: list[str]) -> bool:
    """A keyword appears as a whole word (plurals allowed), as in eval_default_model.py."""
    text = answer.lower()
    return any(
        re.search(r"(?<![\w.])" + re.escape(k.lower()) + r"(?:e?s)?(?!\w)", text) for k in keywords
    )


def questions(site: str) -> list[dict[str, Any]]:
    """The site's questions: note, q, any (keywords)."""
    return list(tomllib.loads((DATA / f"{site}_questions.toml").read_text("utf-8"))["question"])


def measure(path: Path, experts: int, max_tokens: int, answers_log: Path) -> dict[str, Any]:
    """Load time, RSS, accuracy and decode speed, then perplexity, of one GGUF at N experts."""
    from engine.local.llama_adapter import LlamaModel, Sampling, prepare
    from engine.models.info import inspect_model

    prepare()
    info = inspect_model(path)
    greedy = Sampling(temperature=0.0, repeat_penalty=1.1)

    def load(logits_all: bool) -> LlamaModel:
        return LlamaModel.load(
            path, architecture=info.architecture, expert_count=info.expert_count,
            experts=experts, n_ctx=N_CTX, n_threads=2, logits_all=logits_all,
        )  # fmt: skip

    start = time.perf_counter()
    m = load(False)
    load_s = time.perf_counter() - start
    rss_load, _ = _rss()
    result: dict[str, Any] = {"load_s": load_s, "rss_load_mib": rss_load}
    decode_n, decode_s = 0, 0.0
    log = []
    try:
        for site in SITES:
            correct, qs = 0, questions(site)
            for q in qs:
                prompt = m.chat_prompt_tokens(
                    [{"role": "user", "content": f"{q['note']}\n\nQuestion: {q['q']}"}]
                )
                first = None
                pieces = []
                begin = time.perf_counter()
                for _tok, piece in m.generate(prompt, max_tokens=max_tokens, sampling=greedy):
                    first = first or time.perf_counter()
                    pieces.append(piece)
                end = time.perf_counter()
                if first is not None and len(pieces) > 1:
                    decode_n += len(pieces) - 1
                    decode_s += end - first
                text = "".join(pieces)
                ok = is_correct(text, q["any"])
                correct += ok
                log.append(f"{'OK ' if ok else 'BAD'} {path.name} N={experts} {q['q']} -> {text!r}")
                del begin
            result[f"acc_{site}"] = f"{correct}/{len(qs)}"
    finally:
        m.close()
    _, result["rss_peak_mib"] = _rss()
    result["decode_tok_s"] = decode_n / decode_s if decode_s else 0.0
    m = load(True)
    try:
        for site in SITES:
            ids = m.tokenize((DATA / f"{site}_eval.txt").read_text("utf-8"))[:N_CTX]
            result[f"ppl_{site}"] = m.perplexity(ids)
    finally:
        m.close()
    with answers_log.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(log) + "\n")
    return result


# -- the run --------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table."""

    model: str
    k: int
    n: int
    size_mib: float
    diff_mib: float
    load_s: float
    rss_load_mib: float
    rss_peak_mib: float
    decode_tok_s: float
    acc_machining: str
    acc_quality: str
    ppl_machining: float
    ppl_quality: float


def write_diff(base: Path, pack: Path, out: Path) -> int:
    """Write the expert diff ``updater/diff.py`` builds from ``base`` to ``pack``; its size."""
    from updater.diff import build_diff
    from updater.manifest import build_manifest

    with out.open("wb") as fh:
        build_diff(build_manifest(base, "full"), build_manifest(pack, pack.stem), pack, fh)
    return out.stat().st_size


def diff_bytes(base: Path, pack: Path, args: argparse.Namespace) -> int:
    """``write_diff`` in a child process whose ``updater`` comes from ``--diff-tree`` if given
    (another checkout's delivery code), else from this tree."""
    env = dict(os.environ)
    if args.diff_tree:
        env["PYTHONPATH"] = os.pathsep.join([str(args.diff_tree), env.get("PYTHONPATH", "")])
    out = args.out / f"{pack.stem}.gdiff"
    cmd = [sys.executable, __file__, "--diff", str(base), str(pack), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"diff {pack.name} failed:\n{done.stderr[-2000:]}")
    return int(done.stdout.strip().splitlines()[-1])


def run_measure(path: Path, experts: int, args: argparse.Namespace) -> dict[str, Any]:
    """``measure`` in a fresh process, so RSS and load time are this model's alone."""
    cmd = [sys.executable, __file__, "--measure", str(path), "--experts", str(experts),
           "--max-tokens", str(args.max_tokens), "--out", str(args.out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {path.name} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(rows: list[Row], method: str, diff_note: str) -> str:
    """The markdown table."""
    head = (
        f"| model | K of {rows[0].k} | N | file MiB | download KiB | load s | RSS after load MiB "
        "| peak RSS MiB | decode tok/s | machining acc | quality acc | machining ppl "
        "| quality ppl |\n|" + "---|" * 13
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.k} | {r.n} | {r.size_mib:.1f} | {r.diff_mib * 1024:,.0f} | "
            f"{r.load_s:.2f} | {r.rss_load_mib:.0f} | {r.rss_peak_mib:.0f} | "
            f"{r.decode_tok_s:.1f} | {r.acc_machining} | {r.acc_quality} | "
            f"{r.ppl_machining:.2f} | {r.ppl_quality:.2f} |"
        )
    lines.append(f"\nScores: {method}. Download: {diff_note}.")
    return "\n".join(lines)


def build_packs(
    base: Path, args: argparse.Namespace
) -> tuple[list[tuple[str, int, Path]], dict[tuple[str, int], list[list[int]]], set[str]]:
    """Score both sites and build their packs at every K (and the rule's K)."""
    from updater.files import sha256_file
    from updater.pack_build import layer_loads, read_stats
    from updater.pack_choice import choose_pack
    from updater.pack_prune import PackInfo, base_shape, prune_gguf

    ks = [int(k) for k in args.ks.split(",")]
    expert_count, moe_layers = base_shape(base)
    base_sha = sha256_file(base)
    methods = set()
    packs: list[tuple[str, int, Path]] = []
    kept_by: dict[tuple[str, int], list[list[int]]] = {}
    for site in SITES:
        stats, method = score_site(base, DATA / f"{site}.txt", args.out / f"{site}-stats.json")
        methods.add(method)
        loads = layer_loads(read_stats([stats]), base_sha, expert_count, moe_layers)
        rule = choose_pack(loads, expert_count, coverage=args.coverage, min_k=args.min_k)
        print(f"{site}: coverage {args.coverage} with --min-k {args.min_k} gives K = {rule.k} "
              f"(lowest layer coverage {rule.min_coverage:.1%})", file=sys.stderr)  # fmt: skip
        for k in sorted({*ks, rule.k}, reverse=True):
            # A tiny coverage target makes K = min_k exactly: each layer's top-k experts.
            choice = choose_pack(loads, expert_count, coverage=1e-9, min_k=k)
            out = args.out / f"{site}-k{k}.gguf"
            prune_gguf(base, out, choice.kept, PackInfo(site, args.coverage, "text", base_sha))
            packs.append((site, k, out))
            kept_by[(site, k)] = choice.kept
            print(f"  built {out.name}: K={k}, lowest layer coverage "
                  f"{choice.min_coverage:.1%}", file=sys.stderr)  # fmt: skip
    return packs, kept_by, methods


def overlap(kept_by: dict[tuple[str, int], list[list[int]]]) -> list[str]:
    """Per K, how much the two sites' packs share."""
    lines = []
    for k in sorted({k for _, k in kept_by}, reverse=True):
        a, b = kept_by.get((SITES[0], k)), kept_by.get((SITES[1], k))
        if a and b:
            same = sum(len(set(x) & set(y)) for x, y in zip(a, b, strict=True))
            equal = sum(x == y for x, y in zip(a, b, strict=True))
            lines.append(
                f"K={k}: the two sites' packs share {same / (k * len(a)):.0%} of kept experts; "
                f"{equal} of {len(a)} layers keep the identical set"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build the packs, measure everything, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, help="base MoE GGUF (default: the default model)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/packs"))
    parser.add_argument("--ks", default="12,10,8", help="comma-separated K values")
    parser.add_argument("--coverage", type=float, default=0.9, help="also report the rule's K")
    parser.add_argument("--min-k", type=int, default=8, help="the site's largest N")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument(
        "--diff-tree", type=Path, help="checkout whose updater/diff.py builds the diffs"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--diff", type=Path, nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--experts", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.diff:
        print(write_diff(*args.diff))
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure, args.experts, args.max_tokens,
                                 args.out / "answers.txt")))  # fmt: skip
        return 0

    from engine.models.default_model import ensure_default_model
    from engine.paths import Paths

    base = args.model or ensure_default_model(Paths.default())
    (args.out / "answers.txt").unlink(missing_ok=True)
    packs, kept_by, methods = build_packs(base, args)
    from engine.models.info import inspect_model

    info = inspect_model(base)
    rows: list[Row] = []
    n_full = info.expert_used_count
    # The full model also at each pack's lower N: separates "fewer experts in the file"
    # from "fewer experts per token".
    lower_ns = sorted({min(n_full, k) for _, k, _ in packs} - {n_full}, reverse=True)
    configs = [("full", info.expert_count, n, base) for n in [n_full, *lower_ns]] + [
        (f"{site} pack", k, min(n_full, k), path) for site, k, path in packs
    ]
    for label, k, n, path in configs:
        print(f"measuring {label} K={k} N={n}", file=sys.stderr, flush=True)
        got = run_measure(path, n, args)
        diff = 0 if path == base else diff_bytes(base, path, args)
        rows.append(Row(
            model=label, k=k, n=n, size_mib=path.stat().st_size / 2**20, diff_mib=diff / 2**20,
            load_s=got["load_s"], rss_load_mib=got["rss_load_mib"],
            rss_peak_mib=got["rss_peak_mib"], decode_tok_s=got["decode_tok_s"],
            acc_machining=got["acc_machining"], acc_quality=got["acc_quality"],
            ppl_machining=got["ppl_machining"], ppl_quality=got["ppl_quality"],
        ))  # fmt: skip
    (args.out / "packs_bench.json").write_text(json.dumps([asdict(r) for r in rows], indent=1))
    where = f"{args.diff_tree}/updater/diff.py" if args.diff_tree else "updater/diff.py"
    print(table(rows, " and ".join(sorted(methods)),
                f"expert diff full → pack built by {where} (zstd 9)"))  # fmt: skip
    print("\n".join(overlap(kept_by)))
    print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
