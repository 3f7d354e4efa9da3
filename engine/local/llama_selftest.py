"""A short quantized test decode: does llama.cpp, with this CPU backend, really run here?

Used three ways: by :mod:`engine.local.llama_cpu` in a throw-away process per CPU
variant (``python -m engine.local.llama_selftest`` with ``GENBA_LLAMA_CPU`` set: exit 0
and ``selftest ok`` on stdout, or a crash that costs nothing); inside the
inference worker for ``genba doctor`` and the desktop's first start; and by the
emulated-CPU checks (``qemu-x86_64 -cpu Nehalem … -m engine.local.llama_selftest``).

The probe model is built on the spot (a few hundred KB, deterministic): a small
MoE whose attention *and* experts are Q4_0, so that the decode goes through
llama.cpp's quantized, repacked and AMX matrix kernels, the ones that crashed on
real PCs. A float32 model never reaches them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROMPT = "Check the torque of the M8 bolts before the line starts. " * 3
DECODE_TOKENS = 8


@dataclass(frozen=True)
class SelftestResult:
    """What the test decode did."""

    backend: str
    prompt_tokens: int
    tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        """Prompt and generated tokens per second (a rough sanity figure, not a benchmark)."""
        return (self.prompt_tokens + self.tokens) / self.seconds if self.seconds > 0 else 0.0


def build_probe_model(folder: Path) -> Path:
    """Write the probe model into ``folder`` and return its path."""
    import gguf

    from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe

    q4 = gguf.GGMLQuantizationType.Q4_0
    spec = TinyMoESpec(
        n_layer=2, n_embd=256, n_head=4, n_head_kv=2, n_ff=256, n_expert=4, n_expert_used=2,
        context_length=512, expert_type=q4, dense_type=q4,
    )
    return build_tiny_moe(folder / "genba-selftest.gguf", spec)


def run_selftest(n_threads: int | None = None) -> SelftestResult:
    """Build the probe model, load it and decode a few tokens greedily in this process."""
    from engine.local.llama_adapter import LlamaModel, Sampling, cpu_backend

    with tempfile.TemporaryDirectory(prefix="genba-selftest-") as tmp:
        path = build_probe_model(Path(tmp))
        started = time.perf_counter()
        model = LlamaModel.load(
            path, architecture="llama", expert_count=4, experts=2, n_ctx=256,
            n_threads=n_threads, n_batch=64,
        )
        try:
            prompt = model.tokenize(PROMPT)
            produced = sum(
                1 for token, _ in model.generate(
                    prompt, max_tokens=DECODE_TOKENS, sampling=Sampling(temperature=0.0),
                ) if token >= 0
            )
        finally:
            model.close()
        elapsed = time.perf_counter() - started
    backend = cpu_backend()
    return SelftestResult(
        backend=backend.variant if backend else "unknown", prompt_tokens=len(prompt),
        tokens=produced, seconds=elapsed,
    )


def main() -> int:
    """Run the self-test; print ``selftest ok VARIANT TOK/S`` and exit 0, or exit 1."""
    from engine.errors import GenbaError

    try:
        result = run_selftest()
    except GenbaError as exc:
        print(f"selftest failed: {exc}", file=sys.stderr)
        return 1
    print(f"selftest ok {result.backend} {result.tokens_per_s:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
