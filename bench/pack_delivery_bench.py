"""Bytes a PC downloads to move to a site pack, and to its next version, by expert diff.

For a base model (the tiny test MoE, or any GGUF MoE such as the default model) and
K experts kept per layer (a seeded random choice per layer: which experts does not
change the sizes), print for each K:

* the pack's size against the full model's;
* the diff full model → pack v1, split into header, router rows and expert slices
  (what travels as literal bytes before compression) and its size on disk;
* the diff pack v1 → pack v2, where v2 swaps one kept expert in ``--swaps`` layers;
* the time to apply each diff, and a check that the rebuilt file is byte-identical.

    .venv/bin/python bench/pack_delivery_bench.py [MODEL.gguf] [--keep 8 12] [--swaps 3]

Without MODEL the tiny test model (8 experts, 4 layers) is built and K defaults to 4.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.tools.tiny_moe import build_tiny_moe  # noqa: E402
from updater.diff import apply_diff, build_diff  # noqa: E402
from updater.manifest import build_manifest  # noqa: E402
from updater.pack_prune import PackInfo, moe_layers_of, prune_gguf  # noqa: E402


def _shape(model: Path) -> tuple[int, int]:
    """(MoE layers, experts) of ``model``."""
    import gguf

    reader = gguf.GGUFReader(str(model), "r")
    arch = str(reader.fields["general.architecture"].contents())
    experts = int(reader.fields[f"{arch}.expert_count"].contents())
    return len(moe_layers_of(reader)), experts


def _diff(base: Path, target: Path, out: Path) -> dict[str, float]:
    """Build the diff ``base`` → ``target``, apply it, and measure both."""
    base_m, target_m = build_manifest(base, "base"), build_manifest(target, "target")
    with out.open("wb") as fh:
        index = build_diff(base_m, target_m, target, fh)
    literal = {"header": 0, "router": 0, "experts": 0, "other": 0}
    for op in index.ops:
        if op.kind != "literal":
            continue
        if op.tensor is None:
            literal["header"] += op.length
        elif "ffn_gate_inp" in op.tensor or "exp_probs_b" in op.tensor:
            literal["router"] += op.length
        elif "_exps" in op.tensor:
            literal["experts"] += op.length
        else:
            literal["other"] += op.length
    rebuilt = out.with_suffix(".gguf")
    start = time.perf_counter()
    with rebuilt.open("wb") as fh:
        apply_diff(base, out, fh)
    seconds = time.perf_counter() - start
    same = rebuilt.read_bytes() == target.read_bytes()
    rebuilt.unlink()
    return {"size": out.stat().st_size, "apply_s": seconds, "identical": same, **literal}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", type=Path)
    parser.add_argument("--keep", type=int, nargs="*", default=None)
    parser.add_argument("--swaps", type=int, default=3, help="layers that change in pack v2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genba-pack-bench-") as tmp:
        work = Path(tmp)
        model = args.model or build_tiny_moe(work / "tiny.gguf")
        layers, experts = _shape(model)
        keeps = args.keep or [experts // 2]
        print(f"model {model.name}: {model.stat().st_size} bytes, {layers} MoE layers, "
              f"{experts} experts")  # fmt: skip
        print(
            f"{'K':>3} {'pack':>11} {'full→pack':>10} {'hdr lit':>9} {'router lit':>10} "
            f"{'exp lit':>8} {'apply s':>7} {'v1→v2':>9} {'exp lit':>8} {'apply s':>7} ok"
        )
        rows = []
        for k in keeps:
            rng = random.Random(k)
            kept = [sorted(rng.sample(range(experts), k)) for _ in range(layers)]
            v1, v2 = work / f"pack{k}-1.gguf", work / f"pack{k}-2.gguf"
            info = PackInfo(name="bench", coverage=0.9)
            prune_gguf(model, v1, kept, info)
            changed = [list(ids) for ids in kept]
            for layer in rng.sample(range(layers), min(args.swaps, layers)):
                spare = sorted(set(range(experts)) - set(changed[layer]))
                if spare:
                    changed[layer] = sorted([*changed[layer][1:], spare[0]])
            prune_gguf(model, v2, changed, info)
            switch = _diff(model, v1, work / f"full-{k}.gdiff")
            step = _diff(v1, v2, work / f"step-{k}.gdiff")
            ok = switch["identical"] and step["identical"]
            print(f"{k:>3} {v1.stat().st_size:>11} {switch['size']:>10} {switch['header']:>9} "
                  f"{switch['router']:>10} {switch['experts']:>8} {switch['apply_s']:>7.2f} "
                  f"{step['size']:>9} {step['experts']:>8} {step['apply_s']:>7.2f} "
                  f"{'yes' if ok else 'NO'}")  # fmt: skip
            rows.append({"k": k, "pack_bytes": v1.stat().st_size, "switch": switch, "step": step})
        print(json.dumps(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
