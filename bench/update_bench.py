"""Benchmark expert diffs against `zstd --patch-from --long` for k changed experts.

For a synthetic MoE model (engine.tools.tiny_moe with a larger shape) and copies where k
expert slices changed (plus one metadata value, so every tensor offset shifts), print:
changed bytes, genba diff size, zstd patch size, and apply time / peak RSS / Python heap
peak for both. Each apply runs in its own process so that peak RSS is that of the apply.

    .venv/bin/python bench/update_bench.py [--experts 16 --embd 512 --ff 1024 --layers 4]

Needs the `zstd` command for the comparison (apt-get install zstd); without it the zstd
columns say "n/a".
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.tools.tiny_moe import TinyMoESpec, build_tiny_moe  # noqa: E402
from tests.updater.testkit import derive_model  # noqa: E402
from updater.diff import build_diff  # noqa: E402
from updater.layout import read_layout  # noqa: E402
from updater.manifest import build_manifest  # noqa: E402

APPLY_CHILD = """
import sys, time, tracemalloc
from pathlib import Path
from updater.diff import apply_diff
if sys.argv[4] == "trace":  # tracemalloc slows allocation: separate run for the heap peak
    tracemalloc.start()
start = time.perf_counter()
with open(sys.argv[3], "wb") as out:
    apply_diff(Path(sys.argv[1]), Path(sys.argv[2]), out)
print(time.perf_counter() - start, tracemalloc.get_traced_memory()[1])
"""

# Peak RSS survives exec on Linux, so a child forked straight from this (large) process
# would report our RSS. A small launcher forks the measured command instead.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nmaxrss {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr}")
    maxrss_kib = int(proc.stderr.strip().rsplit("maxrss ", 1)[1])
    return seconds, maxrss_kib / 1024, proc.stdout


def pick_changes(path: Path, k: int) -> list[tuple[str, int]]:
    """k (tensor, expert) pairs spread over the stacked tensors."""
    stacked = [t for t in read_layout(path).tensors if t.n_expert]
    return [(stacked[i % len(stacked)].name, (i * 5) % stacked[0].n_expert) for i in range(k)]


def main() -> int:
    """Build the models, run both methods for each k, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=16)
    parser.add_argument("--embd", type=int, default=512)
    parser.add_argument("--ff", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--k", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--zstd-level", type=int, default=19)
    args = parser.parse_args()
    zstd = shutil.which("zstd")
    if zstd is None:
        print("zstd not found: install it (apt-get install zstd) for the comparison columns.")
    spec = TinyMoESpec(
        n_layer=args.layers,
        n_embd=args.embd,
        n_ff=args.ff,
        n_expert=args.experts,
        n_expert_used=2,
        n_head=8,
        n_head_kv=4,
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = build_tiny_moe(tmp / "base.gguf", spec)
        donor = build_tiny_moe(tmp / "donor.gguf", TinyMoESpec(**{**spec.__dict__, "seed": 9}))
        base_manifest = build_manifest(base, "1")
        size = base.stat().st_size
        expert = next(t for t in read_layout(base).tensors if t.n_expert).expert_length
        print(
            f"model {size / 2**20:.1f} MiB, {args.experts} experts, "
            f"expert slice {expert / 1024:.0f} KiB, zstd -{args.zstd_level} --long=27"
        )
        header = (
            f"{'k':>3} {'changed':>10} {'genba diff':>11} {'zstd patch':>11} "
            f"{'genba build':>11} {'genba apply':>11} {'RSS':>7} {'heap':>7} "
            f"{'zstd make':>10} {'zstd apply':>10} {'RSS':>7}"
        )
        print(header)
        for k in args.k:
            row = bench_one(tmp, (base, donor, base_manifest), k, zstd=zstd, level=args.zstd_level)
            print(row)
    print(
        "sizes in bytes; genba apply = seconds inside the process (no interpreter start); "
        "RSS = peak resident MiB of the apply process; heap = peak Python heap MiB"
    )
    return 0


def bench_one(
    tmp: Path, models: tuple[Path, Path, object], k: int, *, zstd: str | None, level: int
) -> str:
    """One table row for k changed experts; ``models`` is (base, donor, base manifest)."""
    base, donor, base_manifest = models
    changes = pick_changes(base, k)
    new = derive_model(base, donor, tmp / f"new{k}.gguf", changes)
    spans = read_layout(new).by_name()
    changed = sum(spans[name].expert_length for name, _ in changes)
    diff = tmp / f"d{k}.gdiff"
    start = time.perf_counter()
    with diff.open("wb") as fh:
        build_diff(base_manifest, build_manifest(new, "2"), new, fh)  # type: ignore[arg-type]
    build_s = time.perf_counter() - start
    out = tmp / "out.gguf"
    _, rss, child_out = run_measured(
        [sys.executable, "-c", APPLY_CHILD, str(base), str(diff), str(out), "time"]
    )
    secs = float(child_out.split()[0])
    _, _, child_out = run_measured(
        [sys.executable, "-c", APPLY_CHILD, str(base), str(diff), str(out), "trace"]
    )
    heap = float(child_out.split()[1])
    assert out.read_bytes() == new.read_bytes()
    row = f"{k:>3} {changed:>10} {diff.stat().st_size:>11} "
    if zstd is None:
        return (
            row + f"{'n/a':>11} {build_s:>11.2f} {secs:>11.2f} {rss:>7.0f} "
            f"{int(heap) / 2**20:>7.1f} {'n/a':>10} {'n/a':>10} {'n/a':>7}"
        )
    patch = tmp / f"p{k}.zst"
    make_s, _, _ = run_measured(
        [
            zstd,
            "-q",
            "-f",
            f"-{level}",
            "--long=27",
            f"--patch-from={base}",
            str(new),
            "-o",
            str(patch),
        ]
    )
    z_secs, z_rss, _ = run_measured(
        [zstd, "-q", "-d", "-f", "--long=27", f"--patch-from={base}", str(patch), "-o", str(out)]
    )
    assert out.read_bytes() == new.read_bytes()
    return row + (
        f"{patch.stat().st_size:>11} {build_s:>11.2f} {secs:>11.2f} {rss:>7.0f} "
        f"{int(heap) / 2**20:>7.1f} {make_s:>10.2f} {z_secs:>10.2f} {z_rss:>7.0f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
