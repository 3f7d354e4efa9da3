"""Do the pilot's figures agree with the benchmark's? Both, side by side, in one run.

``genba pilot eval`` (what the pilot report is built from) answers a question file at
N and with all experts; ``bench/engine_bench.py``'s measurement (one fixed prompt, greedy,
the model resident in the inference worker) runs at the same N, threads and answer length.
Rounds alternate (eval, bench, eval, bench …) so drift in machine load hits both; the
table prints each side's median decode tokens/s and time to first token, and their ratio.
The two differ by design in what they average over (many questions of different lengths
vs one prompt), so agreement means "same order, within the spread", not equality.

    python bench/pilot_agreement.py --model PATH.gguf --experts 8 [--threads 2] [--rounds 3]

Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine_bench import genba_run  # noqa: E402
from engine.local.model import LocalModel  # noqa: E402
from engine.models.info import inspect_model  # noqa: E402

QUESTIONS = ROOT / "docs" / "pilot-questions.example.toml"


def pilot_eval(
    model: Path, n: int, threads: int, tokens: int, home: Path
) -> dict[str, dict[str, Any]]:
    """One ``genba pilot eval`` (local at ``n`` and all experts), as the CLI runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli", "pilot", "eval", "--questions", str(QUESTIONS),
         "--model", str(model), "--experts", str(n), "--threads", str(threads),
         "--max-tokens", str(tokens), "--no-remote", "--json", "--out", str(home / "eval")],
        env={**os.environ, "GENBA_HOME": str(home), "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {v["kind"] if v["kind"] != "local" else f"N{v['experts']}": v
            for v in json.loads(done.stdout)["variants"]}  # fmt: skip


def main() -> int:
    """Alternate eval and bench rounds; print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--experts", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    info = inspect_model(args.model)
    ns = {f"N{args.experts}": args.experts, "all": info.expert_count}
    home = Path(tempfile.mkdtemp(prefix="genba-agreement-"))
    local = LocalModel(info, n_threads=args.threads)
    evals: dict[str, list[dict[str, Any]]] = {k: [] for k in ns}
    bench: dict[str, list[tuple[float, float]]] = {k: [] for k in ns}
    try:
        for _ in range(args.rounds):
            variants = pilot_eval(args.model, args.experts, args.threads, args.tokens, home)
            evals[f"N{args.experts}"].append(variants[f"N{args.experts}"])
            evals["all"].append(variants.get("all-experts") or variants["all"])
            for key, n in ns.items():
                genba_run(local, n, 2, 512)  # the switch to this N is not part of the figure
                final = genba_run(local, n, args.tokens, 512)
                bench[key].append((final.tokens_per_s or 0.0, final.ttft_s or 0.0))
    finally:
        local.close()
    print(f"model: {info.name}; threads={args.threads} tokens={args.tokens} "
          f"rounds={args.rounds}; questions: {QUESTIONS.name}")  # fmt: skip
    print(f"{'variant':>8} {'N':>3} {'eval tok/s':>11} {'bench tok/s':>12} {'ratio':>6} "
          f"{'eval TTFT s':>12} {'bench TTFT s':>13}")  # fmt: skip
    for key, n in ns.items():
        e_tps = statistics.median(v["decode_tps_p50"] or 0.0 for v in evals[key])
        e_ttft = statistics.median(v["ttft_p50_s"] or 0.0 for v in evals[key])
        b_tps = statistics.median(t for t, _ in bench[key])
        b_ttft = statistics.median(f for _, f in bench[key])
        print(f"{key:>8} {n:>3} {e_tps:>11.1f} {b_tps:>12.1f} {e_tps / b_tps:>6.2f} "
              f"{e_ttft:>12.2f} {b_ttft:>13.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
