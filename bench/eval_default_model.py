"""Measure the default MoE's quality-speed curve: dense source vs every N of the MoE.

For the dense SmolLM2 source and for each N = 1..E of the converted MoE, prints
and writes (CSV + PNG plot):

* perplexity on the held-out ``assets/eval.txt`` (never used for calibration),
* accuracy on ``assets/questions.toml`` (greedy answers checked by keyword),
* decode tokens/s and time to first token (mean over the questions).

Run (builds the default model first if needed)::

    .venv/bin/python bench/eval_default_model.py --out bench/results

Numbers depend on the machine and on what else runs; run it on an idle PC.
The plot needs matplotlib (``pip install -e '.[bench]'``); without it only the
CSV and the table are written.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.assets import asset_text
from engine.local.llama_adapter import LlamaModel, Sampling, load_dense, tokenize_with_vocab
from engine.models.default_model import ensure_default_model
from engine.models.default_model.source import ensure_source_gguf
from engine.models.info import inspect_model
from engine.paths import Paths

GREEDY = Sampling(temperature=0.0, repeat_penalty=1.1)


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    model: str
    experts: int  # 0 for the dense source
    perplexity: float
    accuracy: float
    correct: int
    questions: int
    decode_tok_s: float
    ttft_ms: float


def load_questions() -> list[tuple[str, list[str]]]:
    """(question, keywords) pairs from the shipped question set."""
    data = tomllib.loads(asset_text("questions.toml"))
    return [(q["q"], [k.lower() for k in q["any"]]) for q in data["question"]]


def is_correct(answer: str, keywords: list[str]) -> bool:
    """True when a keyword appears as a whole word, plurals allowed ("8" does not match "80")."""
    text = answer.lower()
    return any(
        re.search(r"(?<![\w.])" + re.escape(k) + r"(?:e?s)?(?!\w)", text) for k in keywords
    )


@dataclass(frozen=True)
class Target:
    """One configuration to measure: a file and N (0 = the dense source)."""

    path: Path
    experts: int
    architecture: str
    expert_count: int


def _open(target: Target, *, logits_all: bool, threads: int) -> LlamaModel:
    if target.experts == 0:
        return load_dense(target.path, n_ctx=1024, n_threads=threads, logits_all=logits_all)
    return LlamaModel.load(
        target.path, architecture=target.architecture, expert_count=target.expert_count,
        experts=target.experts, n_ctx=1024, n_threads=threads, logits_all=logits_all,
    )  # fmt: skip


def _answer(model: LlamaModel, question: str, max_tokens: int) -> tuple[str, float, float, int]:
    prompt = model.chat_prompt_tokens([{"role": "user", "content": question}])
    start = time.perf_counter()
    first = None
    pieces = []
    for _token, text in model.generate(prompt, max_tokens=max_tokens, sampling=GREEDY):
        if first is None:
            first = time.perf_counter()
        pieces.append(text)
    end = time.perf_counter()
    first = first or end
    return "".join(pieces), first - start, end - first, len(pieces)


def measure(
    target: Target,
    eval_tokens: list[int],
    questions: list[tuple[str, list[str]]],
    args: argparse.Namespace,
) -> tuple[Row, list[str]]:
    """Perplexity, accuracy and speed of one configuration."""
    experts = target.experts
    m = _open(target, logits_all=True, threads=args.threads)
    try:
        ppl = m.perplexity(eval_tokens)
    finally:
        m.close()
    m = _open(target, logits_all=False, threads=args.threads)
    correct, ttfts, decode_s, decode_n, answers = 0, [], 0.0, 0, []
    try:
        for question, keywords in questions:
            text, ttft, rest_s, n = _answer(m, question, args.max_tokens)
            ok = is_correct(text, keywords)
            correct += ok
            ttfts.append(ttft)
            decode_s += rest_s
            decode_n += max(n - 1, 0)
            answers.append(f"{'OK ' if ok else 'BAD'} N={experts} {question} -> {text!r}")
    finally:
        m.close()
    row = Row(
        model=target.path.name, experts=experts, perplexity=round(ppl, 3),
        accuracy=round(correct / len(questions), 3), correct=correct, questions=len(questions),
        decode_tok_s=round(decode_n / decode_s, 1) if decode_s else 0.0,
        ttft_ms=round(1000 * sum(ttfts) / len(ttfts), 1),
    )  # fmt: skip
    return row, answers


def write_plot(rows: list[Row], out: Path) -> bool:
    """Perplexity and accuracy against N, with the dense model as reference lines."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    dense = next(r for r in rows if r.experts == 0)
    moe = [r for r in rows if r.experts > 0]
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 4))
    ns = [r.experts for r in moe]
    ax1.plot(ns, [r.perplexity for r in moe], "o-", label="MoE")
    ax1.axhline(dense.perplexity, color="gray", ls="--", label="dense")
    ax1.set(xlabel="active experts N", ylabel="perplexity (held-out)", yscale="log")
    ax2.plot(ns, [100 * r.accuracy for r in moe], "o-", label="MoE")
    ax2.axhline(100 * dense.accuracy, color="gray", ls="--", label="dense")
    ax2.set(xlabel="active experts N", ylabel="question accuracy %")
    ax3.plot(ns, [r.decode_tok_s for r in moe], "o-", label="MoE")
    ax3.axhline(dense.decode_tok_s, color="gray", ls="--", label="dense")
    ax3.set(xlabel="active experts N", ylabel="decode tokens/s")
    for ax in (ax1, ax2, ax3):
        ax.legend()
        ax.grid(alpha=0.3)
    experts = max(r.experts for r in moe)
    fig.suptitle(f"genba default model: SmolLM2-135M-Instruct MoEfied, {experts} experts")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return True


def markdown_table(rows: list[Row]) -> str:
    """The table as Markdown (pasted into docs/default-model.md)."""
    lines = [
        "| model | N | perplexity | accuracy | decode tok/s | TTFT ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        n = "dense" if r.experts == 0 else str(r.experts)
        lines.append(
            f"| {'source' if r.experts == 0 else 'MoE'} | {n} | {r.perplexity:.2f} | "
            f"{r.correct}/{r.questions} | {r.decode_tok_s:.1f} | {r.ttft_ms:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, help="MoE GGUF (default: build/use the default)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--experts", default="", help="comma-separated N values (default 1..E)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--no-dense", action="store_true", help="skip the dense source")
    args = parser.parse_args(argv)

    paths = Paths.default()
    source = ensure_source_gguf(paths.cache_dir / "default-model")
    model = args.model or ensure_default_model(paths)
    info = inspect_model(model)
    eval_tokens = tokenize_with_vocab(source, asset_text("eval.txt"), special=True)[:1024]
    questions = load_questions()
    ns = [int(n) for n in args.experts.split(",")] if args.experts else list(
        range(1, info.expert_count + 1)
    )
    arch, count = info.architecture, info.expert_count
    configs = ([] if args.no_dense else [Target(source, 0, arch, count)]) + [
        Target(model, n, arch, count) for n in ns
    ]
    rows: list[Row] = []
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "answers.txt").open("w", encoding="utf-8") as log:
        for target in configs:
            row, answers = measure(target, eval_tokens, questions, args)
            rows.append(row)
            log.write("\n".join(answers) + "\n")
            print(row, file=sys.stderr, flush=True)
    with (args.out / "default_model_eval.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])))
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    plotted = any(r.experts == 0 for r in rows) and write_plot(
        rows, args.out / "default_model_eval.png"
    )
    print(markdown_table(rows))
    print(f"\nwrote {args.out / 'default_model_eval.csv'}" + (" and the plot" if plotted else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
