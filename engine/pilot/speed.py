"""``genba pilot speed --like NAME``: decode speed and memory per N, before downloading a model.

A random-weight GGUF with the catalogue shape of ``NAME`` (layers, widths, experts,
expert width, vocabulary of :data:`engine.tools.shaped_moe.SHAPES`, and the tensor
types of the catalogue download's quantization mix, Q4_K_M)
is built once into the user's cache folder and kept with its sha256 next to it; a
later run re-hashes the file and rebuilds it if it changed or the shape did. Each N
is then answered greedily through the real engine path — :class:`LocalModel` and
its inference worker, the way ``bench/engine_bench.py`` measures decode speed (it
uses :func:`greedy_answer` from here) — and the worker's resident memory (RSS, with
psutil) is read after the model loaded at that N and decoded.

Speed and memory only: random weights say nothing about answer quality.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import psutil

from engine.errors import BadInputError, LocalCrashError
from engine.events import FinalEvent
from engine.local.llama_adapter import Sampling
from engine.local.llama_cpu import cpu_description
from engine.local.model import LocalModel, LocalRequest
from engine.local.safe_experts import SafeExpertsStore
from engine.models.info import inspect_model
from engine.pilot.speed_file import SpeedResult, SpeedRow
from engine.tools.shaped_moe import SHAPES, build_shaped_moe, shape_names
from engine.tools.tiny_moe import TinyMoESpec

PROMPT = "Explain in a few sentences how to check the oil level of a lathe before a shift."
N_CTX = 512
CACHE_FOLDER = "pilot-speed"
ANCHOR = (
    "llama.cpp PR #18029 (github.com/ggml-org/llama.cpp/pull/18029, --moe-n-expert) reports "
    "+21-48 % decode speed at half the experts on large MoEs (30B-480B, 96-core EPYC)"
)
QUALITY_NOTE = "Random weights: these numbers are speed and memory only, never answer quality."


def greedy_answer(
    local: LocalModel, experts: int, tokens: int, n_ctx: int = N_CTX, *, trace: bool = False
) -> FinalEvent:
    """One greedy answer to :data:`PROMPT` through genba's local path; its final event."""
    request = LocalRequest(
        messages=[{"role": "user", "content": PROMPT}], experts=experts, max_tokens=tokens,
        n_ctx=n_ctx, trace=trace, sampling=Sampling(temperature=0.0, repeat_penalty=1.1),
    )
    final = None
    for event in local.stream(request):
        if isinstance(event, FinalEvent):
            final = event
    if final is None:  # the local path always ends with one; guard for mypy and future edits
        raise RuntimeError("the local answer ended without a final event")
    return final


def spec_of(name: str) -> TinyMoESpec:
    """The shape called ``name``; a BadInputError listing the known names on one line."""
    if name not in SHAPES:
        raise BadInputError(
            f"No model shape called {name!r}. Known: {', '.join(shape_names())}."
        )
    return SHAPES[name].spec


def check_experts(name: str, experts: list[int] | None) -> list[int] | None:
    """``experts`` if every N fits shape ``name``; a one-line BadInputError otherwise."""
    count = spec_of(name).n_expert
    bad = [n for n in experts or [] if not 1 <= n <= count]
    if bad:
        raise BadInputError(
            f"--experts {','.join(map(str, bad))}: {name} has {count} experts (use 1..{count})"
        )
    return experts


def default_experts(expert_count: int, used: int, limit: int | None = None) -> list[int]:
    """The N measured by default: 1, powers of two, the model's own N, all experts, and
    ``limit`` (the largest N that runs here) when that is below all experts."""
    steps = {used, expert_count} | ({limit} if limit and limit < expert_count else set())
    n = 1
    while n < expert_count:
        steps.add(n)
        n *= 2
    return sorted(steps)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_model(
    cache_dir: Path, name: str, *, say: Callable[[str], None] = lambda _t: None
) -> Path:
    """The random-weight GGUF of shape ``name`` in ``cache_dir``, built if missing or changed.

    ``<name>.gguf.json`` beside it records the spec and the file's sha256; the file is
    re-hashed on every use (a truncated or edited file is rebuilt, not measured).
    """
    spec, mix = spec_of(name), SHAPES[name].mix
    folder = cache_dir / CACHE_FOLDER
    model, record = folder / f"{name}.gguf", folder / f"{name}.gguf.json"
    wanted = repr((sorted(asdict(spec).items()), mix))
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("spec") == wanted and model.is_file():
            say(f"checking the cached model {model}")
            if _sha256(model) == saved.get("sha256"):
                return model
    except (OSError, ValueError, AttributeError):
        pass
    say(f"building a random-weight {name}-shaped model in {model} (once)")
    build_shaped_moe(model, spec, mix=mix)
    record.write_text(json.dumps({"spec": wanted, "sha256": _sha256(model)}) + "\n",
                      encoding="utf-8")
    return model


def rss_mib(pid: int | None) -> float:
    """Resident memory of process ``pid`` in MiB (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        return float(psutil.Process(pid).memory_info().rss) / (1 << 20)
    except (psutil.Error, OSError):
        return 0.0


def measure(
    model: Path,
    name: str,
    *,
    threads: int,
    tokens: int,
    experts: list[int] | None = None,
    rounds: int = 3,
    cpu_cache: Path | None = None,
    safe_file: Path | None = None,
    say: Callable[[str], None] = lambda _t: None,
) -> SpeedResult:
    """Decode tokens/s (median of ``rounds`` greedy answers) and worker RSS at each N.

    N above the largest that runs with this llama.cpp build (found by
    :meth:`LocalModel.probe`, remembered in ``safe_file``) are skipped and said so.
    """
    info = inspect_model(model)
    local = LocalModel(info, n_threads=threads, cpu_cache=cpu_cache,
                       safe_store=SafeExpertsStore(safe_file))
    rows = []
    try:
        # The safe-N probe (recorded per file and llama.cpp build, so once): llama.cpp
        # 0.3.36 aborts above N=12 on the Granite 1B shape (docs/architecture.md, Safe N).
        limit = local.probe().limit
        limit = info.expert_count if limit is None else limit
        steps = check_experts(name, experts) or default_experts(
            info.expert_count, info.expert_used_count, limit)
        for n in steps:
            if n > limit:
                say(f"  N={n:<3} not measured: llama.cpp crashes above N={limit} with this "
                    "shape on this PC (safe-N probe)")
                continue
            try:
                # Not timed: pays the load at this N and warms up. A full-length warm-up,
                # not 2 tokens: measured first after a load, the first N read ~30 % slow
                # on the Granite shape (pages of the mapped file still being faulted in).
                greedy_answer(local, n, tokens)
                speeds = [greedy_answer(local, n, tokens).tokens_per_s or 0.0
                          for _ in range(rounds)]
            except LocalCrashError as exc:
                # llama.cpp builds have aborted at large N on some shapes: that is a
                # finding about this PC and build, not a reason to lose the other rows.
                say(f"  N={n:<3} crashed in llama.cpp ({exc.why}); not measured")
                continue
            row = SpeedRow(n, statistics.median(speeds), rss_mib(local.worker.pid))
            say(f"  N={n:<3} {row.tokens_per_s:7.1f} tok/s  {row.rss_mib:7.0f} MiB")
            rows.append(row)
    finally:
        local.close()
    return SpeedResult(
        shape=name, threads=threads, rows=tuple(rows), default_n=info.expert_used_count,
        all_experts=info.expert_count, cpu=cpu_description()[0],
        cores=psutil.cpu_count(logical=False) or psutil.cpu_count() or 1,
    )
