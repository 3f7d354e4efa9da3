"""Memory and speed of encrypting and decrypting a model file to a site key (age via pyrage).

For files of the given sizes (random bytes: a model's weights do not compress either),
each operation runs in its own fresh process and reports wall time, the process's peak
RSS (VmHWM) and peak anonymous memory (RssAnon, sampled at the end and at the peak of
a background sampler), next to the same numbers for a process that only imports the
updater (the baseline). Decryption is the PC's path: :func:`updater.sealing.open_sealed`
(staged temp file, sha256 of the plaintext, rename).

    .venv/bin/python bench/encrypt_bench.py [--sizes 64 256]   # MiB
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from disk.hashing import sha256_file  # noqa: E402

CHILD = """
import sys, threading, time
from pathlib import Path

peak = {"anon": 0}
def rss_anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return 0
def sample():
    while True:
        peak["anon"] = max(peak["anon"], rss_anon())
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()

from pyrage import x25519
from updater import sealing
op, src, dest, key = sys.argv[1:5]
ident = x25519.Identity.from_str(Path(key).read_text().strip())
start = time.perf_counter()
if op == "seal":
    s = sealing.seal(Path(src), Path(dest), [ident.to_public()], ["bench"])
    Path(dest + ".meta").write_text(f"{s.sha256} {s.length}")
elif op == "open":
    sha, length = Path(src + ".meta").read_text().split()
    signed = sealing.Sealing(("bench",), sha, int(length))
    sealing.open_sealed(Path(src), Path(dest), [ident], signed)
seconds = time.perf_counter() - start
time.sleep(0.02)
peak["anon"] = max(peak["anon"], rss_anon())
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(f"{seconds:.2f} {int(hwm) / 1024:.1f} {peak['anon'] / 1024:.1f}")
"""


def _run(*args: str) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256], help="MiB")
    args = parser.parse_args()
    from pyrage import x25519

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = folder / "key.txt"
        key.write_text(str(x25519.Identity.generate()))
        base = _run("none", "", "", str(key))
        print(f"baseline (imports only): RSS {base[1]:.1f} MiB, RssAnon {base[2]:.1f} MiB")
        print(f"{'MiB':>6} {'op':>8} {'seconds':>8} {'MiB/s':>7} {'peak RSS':>9} {'RssAnon':>8}")
        for size in args.sizes:
            plain, sealed, out = folder / "plain", folder / "sealed", folder / "out"
            with plain.open("wb") as fh:
                for _ in range(size):
                    fh.write(os.urandom(1 << 20))
            for op, src, dest in (("seal", plain, sealed), ("open", sealed, out)):
                seconds, hwm, anon = _run(op, str(src), str(dest), str(key))
                rate = size / seconds if seconds else 0.0
                print(f"{size:>6} {op:>8} {seconds:>8.2f} {rate:>7.0f} {hwm:>9.1f} {anon:>8.1f}")
            assert sha256_file(out) == sha256_file(plain)
            for file in (plain, sealed, out):
                file.unlink()


if __name__ == "__main__":
    main()
