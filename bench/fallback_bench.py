"""Numbers for the per-query decision and the remote fallback (prints, never asserts).

Run: ``python bench/fallback_bench.py [MODEL.gguf]`` (default: a freshly built tiny MoE).

* cost of one pure ``decide`` call and of ``Engine.plan`` (tokenizer + psutil);
* one answer locally vs from ``python -m llama_cpp.server`` on the same model;
* how long each remote fault takes to end, with ``fallback.timeout_s = 2``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from engine.decision import DecisionPolicy, MachineState, ModelNeeds, QueryNeeds, decide
from engine.events import FinalEvent
from engine.local.llama_adapter import Sampling
from engine.models.info import inspect_model
from engine.paths import Paths
from engine.service import Engine
from engine.settings import defaults
from engine.tools.tiny_moe import build_tiny_moe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.engine.remote_servers import FaultServer, LlamaServer, free_port

QUESTION = [{"role": "user", "content": "How do I read a torque wrench scale?"}]


def bench_decide(model: Path) -> None:
    needs = ModelNeeds.from_info(inspect_model(model))
    policy = DecisionPolicy(experts_default=2, experts_min=1, experts_max=8,
                            min_tokens_per_s=3.0, remote_available=True)
    machine = MachineState(available_bytes=8 << 30, decode_tokens_per_s=2.5, decode_experts=4)
    n = 20_000
    started = time.perf_counter()
    for i in range(n):
        decide(QueryNeeds(100 + i % 500, 512), policy, needs, machine)
    print(f"decide(): {(time.perf_counter() - started) / n * 1e6:.1f} µs per call")


def answer(engine: Engine) -> FinalEvent:
    final = None
    for event in engine.stream(QUESTION, max_tokens=64, sampling=Sampling(temperature=0)):
        if isinstance(event, FinalEvent):
            final = event
    assert final is not None
    return final


def bench_routes(model: Path, root: Path) -> None:
    paths = Paths.under(root)
    local = Engine(paths=paths, settings=defaults(), model_path=model, n_threads=2)
    started = time.perf_counter()
    for _ in range(50):
        local.plan(QUESTION)
    print(f"Engine.plan(): {(time.perf_counter() - started) / 50 * 1e3:.2f} ms per query")
    answer(local)  # warm: load once
    f = answer(local)
    print(f"local : ttft {f.ttft_s:.3f} s, {f.tokens_per_s or 0:.0f} tokens/s, "
          f"{f.generated_tokens} tokens ({f.reason})")
    local.close()
    server = LlamaServer(model, root / "server.log")
    try:
        server.wait_ready()
        settings = defaults().with_values({
            "fallback.enabled": True, "fallback.url": server.url,
            "resources.reserve_ram_mb": 1_048_576,
        })
        remote = Engine(paths=paths, settings=settings, model_path=model)
        answer(remote)
        f = answer(remote)
        print(f"remote: ttft {f.ttft_s:.3f} s, {f.tokens_per_s or 0:.0f} tokens/s, "
              f"{f.generated_tokens} pieces ({f.reason})")
        remote.close()
    finally:
        server.stop()


def bench_faults(model: Path, root: Path) -> None:
    for mode in ("refused", "hang", "trickle", "status500", "cut", "garbage"):
        if mode == "refused":
            url, server = f"http://127.0.0.1:{free_port()}/v1", None
        else:
            server = FaultServer(mode).__enter__()
            url = server.url
        settings = defaults().with_values({
            "fallback.enabled": True, "fallback.url": url, "fallback.timeout_s": 2.0,
            "resources.reserve_ram_mb": 1_048_576,
        })
        engine = Engine(paths=Paths.under(root), settings=settings, model_path=model)
        started = time.perf_counter()
        kinds = [type(e).__name__ for e in engine.stream(QUESTION, max_tokens=8)]
        print(f"fault {mode:9s}: ended in {time.perf_counter() - started:.2f} s "
              f"({kinds.count('NoticeEvent')} notices, final local)")
        engine.close()
        if server is not None:
            server.__exit__(None, None, None)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = Path(sys.argv[1]) if len(sys.argv) > 1 else build_tiny_moe(root / "tiny.gguf")
        bench_decide(model)
        bench_routes(model, root)
        bench_faults(model, root)


if __name__ == "__main__":
    main()
