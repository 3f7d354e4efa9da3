"""Peak anonymous memory of `genba update apply` (an expert diff) as the model grows.

``--pack``: instead of version 2, the PC moves from the full model to a site pack cut from
it (16 of the 32 experts in every layer, ``updater.pack_prune``), published in its own
line and followed by policy ``updates.site_pack`` — the full → pack switch diff.

For each size (Granite 3.1 1B-A400M's shape from ``engine.tools.shaped_moe``, with its
real 49,155-token vocabulary, scaled by layer count: ~115 MB to ~1 GB) the bench

1. writes version 1 and version 2 (one expert slice changed in every stacked tensor of
   every layer — gate, up and down of one expert per layer — and ``general.name``
   changed, so every tensor offset shifts) under ``/tmp``;
2. publishes both, with the diff 1→2, with the real publisher code
   (``updater.repository.PublisherRepository``, what ``genba-publish add`` runs) into a
   local folder repository, served over loopback HTTP by this process;
3. runs the real CLI as a child process, ``genba update status`` (the baseline) and then
   ``genba update apply`` from version 1, and samples the child's ``/proc/PID/status``
   every 2 ms: peak ``RssAnon`` (anonymous memory only: Python objects, buffers, zstd
   windows; the memory-mapped model and the page cache are *file* pages and not counted)
   and the kernel's own ``VmHWM`` (peak of all resident pages, file-backed included);
4. checks the rebuilt model is byte-identical to version 2, and deletes everything.

The child is the real ``engine.cli.main`` (the ``genba`` entry point); the one change is
where it reads policy from: ``disk.paths`` fixes the policy folder at ``/etc/genba``
(deliberately not movable by an environment variable), so the child's launcher points it
at the bench's own policy folder (repository URL and trusted root) before calling main.

    .venv/bin/python bench/apply_memory_bench.py [--layers 2 6 12 24 32] [--keep]

Sampling can miss a peak shorter than 2 ms; the allocations this bench is about (a
vocabulary parse, decompression windows, hash buffers) live far longer than that.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.tools.shaped_moe import build_shaped_moe, scaled, shape  # noqa: E402
from updater.files import sha256_file  # noqa: E402
from updater.pack_prune import PackInfo, prune_gguf  # noqa: E402
from updater.pointer import ModelRef, Pointer, write_pointer  # noqa: E402
from updater.repository import PublisherRepository  # noqa: E402

SHAPE = "granite-3.1-1b-a400m"
PACK = "granite-site"
BUDGET_MIB = 64  # issue 15: apply stays within 64 MiB of anonymous memory above `status`

# `genba ...` with the policy folder moved to argv[1] (see the module docstring). With
# GENBA_BENCH_WHERE set, a thread samples RssAnon and the main thread's stack every 10 ms
# and prints, on stderr, each step up of 2 MiB or more with the stack that made it.
CLI_CHILD = """
import os, sys, threading, time, traceback
from pathlib import Path
import disk.paths
disk.paths._system_policy_dir = lambda: Path(sys.argv[1])
samples = []
def anon_mib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon"):
                return int(line.split()[1]) / 1024
def sample(main_id):
    while True:
        frame = sys._current_frames().get(main_id)
        stack = traceback.extract_stack(frame)[-10:] if frame else []
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack[::-1])
        samples.append((time.perf_counter(), anon_mib(), where))
        time.sleep(0.01)
def report(start):
    shown = 0.0
    for t, mib, where in samples:
        if mib >= shown + 2 or mib <= shown - 8:
            sys.stderr.write(f"{t - start:7.2f} s {mib:6.1f} MiB  {where}\\n")
            shown = mib
if os.environ.get("GENBA_BENCH_WHERE"):
    threading.Thread(target=sample, args=(threading.get_ident(),), daemon=True).start()
from engine.cli import main
start = time.perf_counter()
try:
    code = main(sys.argv[2:])
finally:
    report(start)
sys.exit(code)
"""


@dataclass(frozen=True)
class Peak:
    """What one child process used at most, in MiB."""

    rss_anon: float
    hwm: float
    seconds: float


def _status_kib(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("RssAnon", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values


def run_sampled(argv: list[str], env: dict[str, str]) -> tuple[Peak, str, str]:
    """Run ``genba argv`` as a child; return its peaks, stdout and stderr (raise on failure)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI_CHILD, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    anon = hwm = 0
    while proc.poll() is None:
        values = _status_kib(proc.pid)
        anon = max(anon, values.get("RssAnon", 0))
        hwm = max(hwm, values.get("VmHWM", 0))
        time.sleep(0.002)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"genba {' '.join(argv[1:])} failed: {err.decode()}")
    return Peak(anon / 1024, hwm / 1024, time.perf_counter() - start), out.decode(), err.decode()


class _Server:
    """The repository's ``published/`` folder over loopback HTTP (files streamed)."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def changed_slices(n_layer: int, expert: int = 5) -> list[tuple[str, int]]:
    """One expert (gate, up and down slices) changed in every layer."""
    return [
        (f"blk.{il}.ffn_{kind}_exps.weight", (expert + il) % 32)
        for il in range(n_layer)
        for kind in ("gate", "up", "down")
    ]


def measure(
    tmp: Path, n_layer: int, *, where: bool = False, pack: bool = False
) -> dict[str, float]:
    """Build, publish and apply one size; returns the row of the table."""
    spec = scaled(shape(SHAPE), n_layer=n_layer)
    base = build_shaped_moe(tmp / "v1.gguf", spec)
    repo = PublisherRepository.create(tmp / "repo")
    repo.add_version(base, "1")
    if pack:
        new = tmp / "pack.gguf"
        kept = [[e for e in range(spec.n_expert) if (e + il) % 2 == 0] for il in range(n_layer)]
        prune_gguf(base, new, kept, PackInfo(name=PACK, coverage=1.0, source="stats"))
        entry = repo.add_version(new, "1", pack=PACK)
    else:
        new = build_shaped_moe(
            tmp / "v2.gguf", spec, changed=changed_slices(n_layer), name=f"{spec.name}, v2"
        )
        entry = repo.add_version(new, "2", diff_from=["1"])
    diff_bytes = entry.diffs[0].length
    # the vendor's copies are in the repository now: only the client's files remain
    new_sha = sha256_file(new)
    new.unlink()

    home = tmp / "client"
    store = home / "data" / "models"
    store.mkdir(parents=True)
    base_sha = sha256_file(base)
    base.rename(store / "model-1.gguf")
    write_pointer(store / "current.json", Pointer(ModelRef("model-1.gguf", base_sha, "1")))
    server = _Server(repo.root / "published")
    policy = tmp / "policy"
    policy.mkdir()
    (policy / "policy.toml").write_text(
        "[updates]\n"
        f'repository_url = "{server.url}"\n'
        f'trusted_root = "{repo.metadata_dir / "1.root.json"}"\n'
        + (f'site_pack = "{PACK}"\n' if pack else "")
    )
    env = {**os.environ, "GENBA_HOME": str(home), "PYTHONPATH": str(ROOT)}
    try:
        status, _, _ = run_sampled([str(policy), "update", "status", "--json"], env)
        if where:
            env["GENBA_BENCH_WHERE"] = "1"
        apply, out, err = run_sampled([str(policy), "update", "apply", "--json"], env)
    finally:
        server.close()
    if where:
        print(err, file=sys.stderr)
    result = json.loads(out)
    if not result.get("switched"):
        raise RuntimeError(f"apply did not switch: {out}")
    pointer = json.loads((store / "current.json").read_text())
    if sha256_file(store / pointer["path"]) != new_sha:
        raise RuntimeError("the rebuilt model is not the published one")
    return {
        "model_mb": (store / pointer["path"]).stat().st_size / 1e6,
        "layers": n_layer,
        "diff_mb": diff_bytes / 1e6,
        "status_anon": status.rss_anon,
        "status_hwm": status.hwm,
        "apply_anon": apply.rss_anon,
        "apply_hwm": apply.hwm,
        "above": apply.rss_anon - status.rss_anon,
        "apply_s": apply.seconds,
    }


def main() -> int:
    """Measure every size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--layers", type=int, nargs="*", default=[2, 6, 12, 24, 32])
    parser.add_argument("--keep", action="store_true", help="keep the files (under /tmp)")
    parser.add_argument(
        "--pack", action="store_true", help="switch to a site pack (16 of 32 experts) instead"
    )
    parser.add_argument(
        "--where",
        action="store_true",
        help="print each step up of the apply's RssAnon with the Python stack that made it",
    )
    args = parser.parse_args()
    what = (
        "full model -> site pack (16 of 32 experts)"
        if args.pack
        else ("one expert changed per layer")
    )
    print(
        f"{SHAPE} shape, vocabulary 49,155; {what}; "
        "memory in MiB (RssAnon sampled every 2 ms; VmHWM includes file pages)"
    )
    print(
        f"{'model MB':>9} {'layers':>6} {'diff MB':>8} {'status anon':>11} "
        f"{'apply anon':>10} {'above':>7} {'status HWM':>10} {'apply HWM':>9} {'apply s':>8}"
    )
    worst = 0.0
    for n_layer in args.layers:
        tmp = Path(tempfile.mkdtemp(prefix="genba-applymem-", dir="/tmp"))
        try:
            r = measure(tmp, n_layer, where=args.where, pack=args.pack)
        finally:
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
        print(
            f"{r['model_mb']:>9.0f} {r['layers']:>6} {r['diff_mb']:>8.1f} "
            f"{r['status_anon']:>11.1f} {r['apply_anon']:>10.1f} {r['above']:>7.1f} "
            f"{r['status_hwm']:>10.1f} {r['apply_hwm']:>9.1f} {r['apply_s']:>8.1f}",
            flush=True,
        )
        worst = max(worst, r["above"])
    verdict = "within" if worst <= BUDGET_MIB else "OVER"
    print(
        f"largest apply peak above the baseline: {worst:.1f} MiB, "
        f"{verdict} the {BUDGET_MIB} MiB budget"
    )
    return 0 if worst <= BUDGET_MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
