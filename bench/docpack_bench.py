"""Document packs end to end: publish a synthetic document set, install it over loopback HTTP.

Usage: ``python bench/docpack_bench.py [--files 2000] [--pdf-mb 100]``

The set: ``--files`` Markdown/text files of a few KiB (compressible, like instructions)
plus ``--pdf-mb`` MiB of incompressible ".pdf" files (like scanned manuals). Reports the
time of ``genba-publish docs add`` (scan + deterministic archive + signing), the archive
size, the time of ``UpdateClient.apply`` installing it (download, TUF verification,
safe unpacking, pointer) and the installing process's peak RSS (``ru_maxrss``) before
and after the install. The HTTP server is a child process (``python -m http.server``),
so its buffers do not count.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.updater.testkit import vendor_pc_config
from updater.client import UpdateClient
from updater.repository import PublisherRepository

_WORDS = [
    *("torque", "bolt", "flange", "inspect", "weld", "line", "press", "safety", "lockout"),
    *("手順", "確認", "締付", "点検", "作業"),
]


def _make_set(folder: Path, files: int, pdf_mb: int) -> int:
    rng = random.Random(17)
    total = 0
    for i in range(files):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(300, 900)))
        path = folder / f"area-{i % 20:02d}" / f"instruction-{i:05d}.{'md' if i % 2 else 'txt'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += path.stat().st_size
    for i in range(pdf_mb // 4):
        path = folder / "manuals" / f"manual-{i:03d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(4 << 20))
        total += 4 << 20
    return total


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the HTTP server did not start")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _install(root: Path, url: str) -> None:
    """The PC's side, in a fresh process: seconds and peak RSS growth of the install."""
    config = vendor_pc_config(root, root / "vendor", None, url, doc_packs=("bench",))
    before = _rss_mib()
    start = time.perf_counter()
    UpdateClient(config).apply()
    print(time.perf_counter() - start, before, _rss_mib())


def main() -> None:
    """Run the bench and print one table row."""
    if sys.argv[1:2] == ["--install"]:
        _install(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--pdf-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        size = _make_set(root / "docs", args.files, args.pdf_mb)
        repo = PublisherRepository.create(root / "vendor" / "repo")
        start = time.perf_counter()
        entry = repo.add_docpack(root / "docs", "bench")
        publish_s = time.perf_counter() - start
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", str(repo.root / "published")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port)
            url = f"http://127.0.0.1:{port}/"
            child = [sys.executable, __file__, "--install", str(root), url]
            install_s, base, peak = map(float, subprocess.check_output(child, text=True).split())
        finally:
            server.terminate()
            server.wait()
        print("files  unpacked MiB  archive MiB  publish s  install s  MiB/s  RSS MiB → peak")
        print(
            f"{entry.files:5d}  {size / 2**20:12.1f}  {entry.length / 2**20:11.1f}  "
            f"{publish_s:9.2f}  {install_s:9.2f}  {size / 2**20 / install_s:5.1f}  "
            f"{base:7.1f} → {peak:.1f}"
        )


if __name__ == "__main__":
    main()
