"""Decode speed of the default MoE at several N vs the dense source, robust to a busy machine.

Every configuration stays loaded; rounds go round-robin over them (so background
load hits all of them alike) and each configuration reports its *best* round:
the speed it reaches when the machine lets it. One round generates
``--tokens`` greedy tokens for a fixed prompt after a fixed prefill.

    .venv/bin/python bench/speed_default_model.py --experts 4,8,12,16 --rounds 5
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from eval_default_model import GREEDY, Target, _open

from engine.local.llama_adapter import LlamaModel
from engine.models.default_model import ensure_default_model
from engine.models.default_model.source import ensure_source_gguf
from engine.models.info import inspect_model
from engine.paths import Paths

PROMPT = "Explain in a few sentences how a conveyor belt works and how to keep it safe."


def one_round(model: LlamaModel, tokens: int, round_no: int) -> tuple[float, float]:
    """(time to first token in s, decode tokens/s after the first) for one greedy answer.

    The round number leads the question so llama.cpp cannot reuse the previous
    round's prompt from its cache: TTFT includes the prefill.
    """
    question = f"Question {round_no}. {PROMPT}"
    prompt = model.chat_prompt_tokens([{"role": "user", "content": question}])
    start = time.perf_counter()
    first = None
    n = 0
    for _token, _text in model.generate(prompt, max_tokens=tokens, sampling=GREEDY):
        if first is None:
            first = time.perf_counter()
        n += 1
    end = time.perf_counter()
    first = first or end
    return first - start, (n - 1) / (end - first) if n > 1 and end > first else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print one line per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--experts", default="2,4,8,12,16")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    paths = Paths.default()
    source = ensure_source_gguf(paths.cache_dir / "default-model")
    model = args.model or ensure_default_model(paths)
    info = inspect_model(model)
    targets = [Target(source, 0, info.architecture, info.expert_count)] + [
        Target(model, int(n), info.architecture, info.expert_count)
        for n in args.experts.split(",")
    ]
    loaded = [_open(t, logits_all=False, threads=args.threads) for t in targets]
    best: dict[int, tuple[float, float]] = {}
    try:
        for round_no in range(args.rounds):
            for target, m in zip(targets, loaded, strict=True):
                ttft, tps = one_round(m, args.tokens, round_no)
                old = best.get(target.experts, (float("inf"), 0.0))
                best[target.experts] = (min(old[0], ttft), max(old[1], tps))
    finally:
        for m in loaded:
            m.close()
    print("| N | best decode tok/s | best TTFT ms |\n|---|---|---|")
    for n, (ttft, tps) in best.items():
        print(f"| {'dense' if n == 0 else n} | {tps:.1f} | {1000 * ttft:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
