"""Engine benchmark: genba vs bare llama-cpp-python decode speed, per N, switch and trace cost.

genba answers through its inference worker process (one pipe round trip per token);
bare llama-cpp-python runs in this process with the same CPU backend, N, threads and
prompt. The worker's start cost (process, llama-cpp-python import, backend) is timed too.

Prints numbers; asserts nothing (these machines are shared and noisy). Runs are
alternated (bare, genba, bare, genba, ...) so drift in machine load hits both.

    python bench/engine_bench.py                      # the tiny test model (built on the fly)
    python bench/engine_bench.py --model PATH.gguf    # any MoE GGUF, e.g. the default model
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import llama_cpp

from engine.events import FinalEvent
from engine.local.llama_adapter import LlamaModel
from engine.local.model import LocalModel
from engine.local.worker_client import LlamaWorker
from engine.models.info import inspect_model
from engine.pilot.speed import PROMPT, greedy_answer
from engine.tools.tiny_moe import build_tiny_moe


def bare_decode(
    path: Path, *, arch: str, n: int, threads: int, tokens: int, n_ctx: int, prompt: list[int]
) -> float:
    """Decode tokens/s of plain llama-cpp-python: same model, N, threads, greedy."""
    llm = llama_cpp.Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_batch=256,
        n_threads=threads,
        n_threads_batch=threads,
        kv_overrides={f"{arch}.expert_used_count": n},
        verbose=False,
    )
    try:
        times: list[float] = []
        for i, _tok in enumerate(llm.generate(prompt, temp=0.0, repeat_penalty=1.1)):
            times.append(time.perf_counter())
            if i + 1 >= tokens:
                break
        return (len(times) - 1) / (times[-1] - times[0])
    finally:
        llm.close()


def genba_run(
    local: LocalModel, n: int, tokens: int, n_ctx: int, trace: bool = False
) -> FinalEvent:
    """One greedy answer through genba's local path (shared with ``genba pilot speed``)."""
    return greedy_answer(local, n, tokens, n_ctx, trace=trace)


def main() -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n-ctx", type=int, default=512)
    args = parser.parse_args()
    model = args.model
    if model is None:
        model = build_tiny_moe(Path(tempfile.mkdtemp()) / "tiny-moe.gguf")
    info = inspect_model(model)
    n_default = info.expert_used_count
    print(f"model: {info.name} ({model}), {info.expert_count} experts, default N={n_default}")
    print(f"threads={args.threads} tokens={args.tokens} rounds={args.rounds} n_ctx={args.n_ctx}")

    # 1. genba vs bare llama-cpp-python, alternating. genba keeps its model resident
    # (that is the product); bare loads per round, and only decode time is compared.
    local = LocalModel(info, n_threads=args.threads)
    probe = LlamaModel.load(
        model,
        architecture=info.architecture,
        expert_count=info.expert_count,
        experts=n_default,
        n_ctx=args.n_ctx,
    )
    prompt = probe.chat_prompt_tokens([{"role": "user", "content": PROMPT}])
    probe.close()
    bare, ours = [], []
    for _ in range(args.rounds):
        bare.append(
            bare_decode(
                model,
                arch=info.architecture,
                n=n_default,
                threads=args.threads,
                tokens=args.tokens,
                n_ctx=args.n_ctx,
                prompt=prompt,
            )
        )
        final = genba_run(local, n_default, args.tokens, args.n_ctx)
        ours.append(final.tokens_per_s or 0.0)
    b, g = statistics.median(bare), statistics.median(ours)
    print("\n== decode speed, genba vs bare llama-cpp-python (median of rounds) ==")
    print(f"bare   {b:9.1f} tok/s   runs: {', '.join(f'{x:.0f}' for x in bare)}")
    print(f"genba  {g:9.1f} tok/s   runs: {', '.join(f'{x:.0f}' for x in ours)}")
    print(f"ratio  {g / b:9.3f}   (target >= 0.95)")

    # 2. per N: decode speed, time to first token (model already resident), switch cost.
    print("\n== per N ==")
    print(f"{'N':>3} {'switch_s':>9} {'ttft_s':>8} {'decode tok/s':>13} {'bytes/token':>12}")
    for n in range(1, info.expert_count + 1):
        first = genba_run(local, n, 2, args.n_ctx)  # pays the reload
        runs = [
            genba_run(local, n, args.tokens, args.n_ctx) for _ in range(max(1, args.rounds // 2))
        ]
        ttft = statistics.median(r.ttft_s or 0.0 for r in runs)
        tps = statistics.median(r.tokens_per_s or 0.0 for r in runs)
        print(
            f"{n:>3} {first.switch_s or 0.0:9.3f} {ttft:8.3f} {tps:13.1f} "
            f"{info.bytes_per_token(n):12d}"
        )

    # 3. starting a worker: process, imports, CPU backend (remembered), before any model.
    starts = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        worker = LlamaWorker()
        worker.info()
        starts.append(time.perf_counter() - started)
        worker.close()
    print("\n== inference worker start ==")
    print(f"start  {statistics.median(starts):9.3f} s   runs: "
          f"{', '.join(f'{x:.3f}' for x in starts)}")

    # 4. routing-trace cost at the default N.
    off = [
        genba_run(local, n_default, args.tokens, args.n_ctx).tokens_per_s or 0.0
        for _ in range(args.rounds)
    ]
    on = [
        genba_run(local, n_default, args.tokens, args.n_ctx, trace=True).tokens_per_s or 0.0
        for _ in range(args.rounds)
    ]
    print("\n== routing trace cost ==")
    print(f"trace off {statistics.median(off):9.1f} tok/s")
    print(
        f"trace on  {statistics.median(on):9.1f} tok/s  "
        f"({100 * (1 - statistics.median(on) / statistics.median(off)):.1f} % slower)"
    )
    local.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
